// What the control engine and the server's probes say of a database that fails its integrity check (README, Verdicts).
import type { IntegrityReport } from './store.js';

/** "the inventory database fails its integrity check (how): the first problems", or undefined when it passes. */
export function integrityFailure(report: IntegrityReport): string | undefined {
  if (report.ok) return undefined;
  const shown = report.problems.slice(0, 3);
  const more = report.problems.length > shown.length ? `; ... (${report.problems.length - shown.length} more)` : '';
  return `the inventory database fails its integrity check (${report.method}): ${shown.join('; ')}${more}`;
}
