// A control's expected result, e.g. `eq []`: parsed once when the catalog loads, so a typo fails loudly there.
import { isDeepStrictEqual } from 'node:util';

export type Expectation =
  | { kind: 'eq'; value: unknown; source: string }
  | { kind: 'neq'; value: unknown; source: string };

const FORMS = 'eq <json> (e.g. eq []) or neq <json>';

export function parseExpectation(source: string): Expectation {
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

/** Whether the query result meets the expectation. JSON values compare structurally; list order matters. */
export function meets(expectation: Expectation, actual: unknown): boolean {
  const equal = isDeepStrictEqual(normalize(actual), expectation.value);
  return expectation.kind === 'eq' ? equal : !equal;
}

/** GraphQL results carry null-prototype objects; compare them as plain JSON. */
function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}
