// Renders verdicts for people (a plain table) and for machines (JSON).
import type { ControlVerdict } from './evaluate.js';

export function verdictsAsText(verdicts: ControlVerdict[]): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    lines.push(`${v.verdict.padEnd(5)}  ${v.controlId}  ${v.title} (${v.severity})`);
    lines.push(`       ${v.reason}`);
    if (v.failingAssets.length > 0) {
      lines.push(v.verdict === 'FAIL' ? '       failing:' : '       failing in the part of the inventory that was synced:');
      for (const asset of v.failingAssets) lines.push(`         ${asset.id}  (account ${asset.accountId}, ${asset.region})`);
    }
  }
  const count = (verdict: string) => verdicts.filter((v) => v.verdict === verdict).length;
  lines.push('');
  lines.push(`${verdicts.length} ${verdicts.length === 1 ? 'control' : 'controls'}: ${count('PASS')} pass, ${count('FAIL')} fail, ${count('ERROR')} error`);
  return `${lines.join('\n')}\n`;
}

export function verdictsAsJson(verdicts: ControlVerdict[]): string {
  return `${JSON.stringify({ verdicts }, null, 2)}\n`;
}
