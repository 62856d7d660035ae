// A control's expected result, e.g. `eq []` or `count > 0`: parsed once when the catalog loads, so a typo fails
// loudly there.
import { isDeepStrictEqual } from 'node:util';

export type CountOperator = '==' | '!=' | '>' | '>=' | '<' | '<=';

export type Expectation =
  | { kind: 'eq'; value: unknown; source: string }
  | { kind: 'neq'; value: unknown; source: string }
  /** The number of items the query's list holds, compared with a whole number. */
  | { kind: 'count'; operator: CountOperator; value: number; source: string };

const FORMS = 'eq <json> (e.g. eq []), neq <json>, or count <op> <n> with op one of == != > >= < <= (e.g. count > 0)';

export function parseExpectation(source: string): Expectation {
  const count = /^\s*count\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$/.exec(source);
  if (count) {
    const value = Number(count[2]);
    if (!/^\d+$/.test(count[2]!) || !Number.isSafeInteger(value)) {
      throw new Error(`${JSON.stringify(count[2])} is not a whole number; the forms are ${FORMS}`);
    }
    return { kind: 'count', operator: count[1] as CountOperator, value, source: source.trim() };
  }
  const match = /^\s*(eq|neq)\s+([\s\S]+?)\s*$/.exec(source);
  if (!match) throw new Error(`cannot read ${JSON.stringify(source)}; the forms are ${FORMS}`);
  let value: unknown;
  try {
    value = JSON.parse(match[2]!);
  } catch (error) {
    throw new Error(`${JSON.stringify(match[2])} is not JSON (${(error as Error).message}); the forms are ${FORMS}`);
  }
  return { kind: match[1] as 'eq' | 'neq', value, source: source.trim() };
}

/**
 * Whether the query result meets the expectation. JSON values compare structurally; list order matters. A count
 * expectation is met only by a list (the caller reports anything else as a query that cannot be counted).
 */
export function meets(expectation: Expectation, actual: unknown): boolean {
  if (expectation.kind === 'count') return Array.isArray(actual) && compare(actual.length, expectation.operator, expectation.value);
  // Lists of different lengths differ: 10,000 failing trails are not copied to be compared with [].
  const lengthsDiffer = Array.isArray(actual) && Array.isArray(expectation.value) && actual.length !== expectation.value.length;
  const equal = !lengthsDiffer && isDeepStrictEqual(normalize(actual), expectation.value);
  return expectation.kind === 'eq' ? equal : !equal;
}

/**
 * True when the expectation asks for no result at all (`eq []`, `count == 0`, ...): whatever the query returns then
 * is a failing asset. Otherwise (`count > 0`) what it returns is what complies, and a failure has no asset to name.
 */
export function listsFailures(expectation: Expectation): boolean {
  if (expectation.kind === 'eq') return isDeepStrictEqual(expectation.value, []);
  if (expectation.kind === 'neq') return false;
  const { operator, value } = expectation;
  return (operator === '==' && value === 0) || (operator === '<=' && value === 0) || (operator === '<' && value === 1);
}

function compare(count: number, operator: CountOperator, value: number): boolean {
  switch (operator) {
    case '==':
      return count === value;
    case '!=':
      return count !== value;
    case '>':
      return count > value;
    case '>=':
      return count >= value;
    case '<':
      return count < value;
    case '<=':
      return count <= value;
  }
}

/** GraphQL results carry null-prototype objects; compare them as plain JSON. */
function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}
