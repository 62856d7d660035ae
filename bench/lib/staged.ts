// timeBoth for sides whose every run needs its own state (a fresh database file, a freshly built organization):
// preparing, checking and cleaning up are not timed, only `run` is.

/** One side of a staged benchmark. */
export interface StagedSide<S> {
  /** Builds the state one run starts from (not timed). */
  prepare(): Promise<S> | S;
  /** The work measured. */
  run(state: S): Promise<void> | void;
  /** What the run produced, compared between the sides and between runs (not timed). */
  check(state: S): Promise<string> | string;
  cleanup?(state: S): Promise<void> | void;
}

/**
 * Times both sides alternately, `runs` times each after one warm-up of each, as timeBoth does; each run gets its own
 * prepared state. Returns each side's durations in ms and the check both sides agreed on.
 */
export async function timeBothStaged<O, R>(runs: number, ours: StagedSide<O>, reference: StagedSide<R>): Promise<{ ours: number[]; reference: number[]; check: string }> {
  const once = async <S>(side: StagedSide<S>): Promise<{ ms: number; check: string }> => {
    const state = await side.prepare();
    try {
      const started = performance.now();
      await side.run(state);
      const ms = performance.now() - started;
      return { ms, check: await side.check(state) };
    } finally {
      await side.cleanup?.(state);
    }
  };
  const expected = (await once(ours)).check;
  const referenceCheck = (await once(reference)).check;
  if (referenceCheck !== expected) throw new Error(`the two sides disagree: ours gave ${expected}, the reference ${referenceCheck}`);
  const times = { ours: [] as number[], reference: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const [side, result] of [
      ['ours', () => once(ours)],
      ['reference', () => once(reference)],
    ] as const) {
      const { ms, check } = await result();
      if (check !== expected) throw new Error(`${side} gave ${check} on run ${i + 1}, ${expected} before`);
      times[side].push(ms);
    }
  }
  return { ...times, check: expected };
}
