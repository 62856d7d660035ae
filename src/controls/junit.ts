// Renders verdicts as a JUnit XML report, which CI systems show as test results: one test case per control, a FAIL
// as a <failure> naming the failing assets, an ERROR (a control that could not be decided) as an <error>.
import type { ControlVerdict } from './evaluate.js';
import { denominatorLines, type ControlInfo } from './report.js';

export const JUNIT_SUITE_NAME = 'cloud-inventory controls';

/** The message of a FAIL's <failure>: the reason, then the ARN of every failing asset. */
export function failureMessage(verdict: ControlVerdict): string {
  const arns = verdict.failingAssets.map((asset) => asset.id);
  return arns.length === 0 ? verdict.reason : `${verdict.reason}; failing: ${arns.join(', ')}`;
}

export function verdictsAsJunit(verdicts: ControlVerdict[], controls: readonly Pick<ControlInfo, 'id' | 'provider'>[]): string {
  const providers = new Map(controls.map((c) => [c.id, c.provider]));
  const failures = verdicts.filter((v) => v.verdict === 'FAIL').length;
  const errors = verdicts.filter((v) => v.verdict === 'ERROR').length;
  const counts = `tests="${verdicts.length}" failures="${failures}" errors="${errors}" skipped="0"`;
  const timestamp = verdicts[0] ? ` timestamp="${attr(verdicts[0].evaluatedAt.replace(/\.\d+Z$|Z$/, ''))}"` : '';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(JUNIT_SUITE_NAME)}" ${counts}>`,
    `  <testsuite name="${attr(JUNIT_SUITE_NAME)}" ${counts}${timestamp}>`,
  ];
  for (const v of verdicts) {
    const classname = `${providers.get(v.controlId) ?? 'unknown'}.${v.controlId}`;
    const open = `    <testcase classname="${attr(classname)}" name="${attr(v.title)}">`;
    const line = (a: ControlVerdict['failingAssets'][number]) => `${a.id} (account ${a.accountId}, ${a.region})${a.detail ? `: ${a.detail}` : ''}`;
    const assets = v.failingAssets.map(line).join('\n');
    // The assets the inventory cannot decide (a control with an `undecided` query), after the failing ones.
    const undecided = v.undecidedAssets?.length ? `\nundecided (the inventory cannot tell whether they fail):\n${v.undecidedAssets.map(line).join('\n')}` : '';
    const denominator = denominatorLines(v)
      .map((line) => `${line}\n`)
      .join('');
    const out = exceptionsOut(v);
    const systemOut = out ? [`      <system-out>${text(out)}</system-out>`] : [];
    if (v.verdict === 'FAIL') {
      // A FAIL on an incomplete inventory: its failing assets are certain, and what is missing is said as well.
      const gaps = v.gaps?.length ? `\ninventory gaps (more may fail):\n${v.gaps.join('\n')}` : '';
      lines.push(
        open,
        `      <failure message="${attr(failureMessage(v))}" type="FAIL">${text(`severity ${v.severity}\n${v.reason}\n${denominator}${assets}${undecided}${gaps}`.trimEnd())}</failure>`,
        ...systemOut,
        '    </testcase>',
      );
    } else if (v.verdict === 'ERROR') {
      const body = `${assets ? `${v.reason}\nfailing in the part of the inventory that was synced:\n${assets}` : v.reason}${undecided}`;
      lines.push(
        open,
        // A control with a rule the inventory cannot evaluate yet is an error of its own kind, said in its type.
        `      <error message="${attr(v.reason)}" type="${v.notEvaluated?.length ? 'NOT EVALUATED' : 'ERROR'}">${text(`severity ${v.severity}\n${denominator}${body}`)}</error>`,
        ...systemOut,
        '    </testcase>',
      );
    } else if (systemOut.length > 0) {
      // A control passing because its failing assets are excepted: a passing test case that lists the exceptions.
      lines.push(open, ...systemOut, '    </testcase>');
    } else {
      lines.push(`${open.slice(0, -1)}/>`);
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** The excepted assets with their exceptions, and the expired exceptions, as the text of a <system-out>; '' when none. */
function exceptionsOut(v: ControlVerdict): string {
  const lines: string[] = [];
  if (v.exceptedAssets?.length) {
    lines.push(`${v.reason}`, 'excepted:');
    for (const a of v.exceptedAssets) {
      lines.push(
        `${a.id} (account ${a.accountId}, ${a.region}): owner ${a.exception.owner}, approved by ${a.exception.approver}, until ${a.exception.expires}: ${a.exception.reason}`,
      );
    }
  }
  if (v.expiredExceptions?.length) {
    lines.push('expired exceptions (no longer applied):');
    for (const e of v.expiredExceptions) lines.push(`${e.asset}: owner ${e.owner}, approved by ${e.approver}, expired ${e.expires}: ${e.reason}`);
  }
  return lines.join('\n');
}

// Characters XML 1.0 cannot hold at all (control characters other than tab, newline, carriage return; lone surrogates).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Characters XML holds but a terminal acts on (carriage return, DEL, C1 controls, bidirectional controls): written as
// character references, so the report printed on a terminal says the same and drives nothing.
// eslint-disable-next-line no-control-regex
const AS_REFERENCE = /[\r\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Character data: & and < escaped, and > too so that "]]>" cannot appear; no raw control character (see above). */
function text(value: string): string {
  return value
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(AS_REFERENCE, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

/** An attribute value in double quotes; whitespace other than a space is escaped, or parsers would fold it to spaces. */
function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
