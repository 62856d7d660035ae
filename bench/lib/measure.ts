// What every benchmark reports: a measurement of this project against a reference measured in the same run, as the
// median of several runs, and their ratio. Absolute times on a shared machine mean little; the ratio is the figure.

/** One line of `npm run bench`: ours and the reference (medians, in `unit`), ratio = ours / reference. */
export interface Measurement {
  name: string;
  ours: number;
  reference: number;
  ratio: number;
  /** ms (lower is better), req/s (higher is better), MB, rows, ... */
  unit: string;
  runs: number;
  /** What ours and the reference are, in a few words. */
  note?: string;
  /** Of a throughput measurement: each side's latency p99 under the load, in ms (medians of the runs). */
  p99?: { ours: number; reference: number };
  /**
   * Of a throughput measurement: the physical limit, the statements of one request run back to back on one
   * connection without HTTP or GraphQL, as requests per second and the p99 of one request's statements, in ms.
   */
  raw?: { perSecond: number; p99Ms: number };
}

export interface BenchOptions {
  /** Trails in the synthetic inventory (100,000 unless given). */
  trails: number;
  /** Runs per side; each side's median is reported. */
  runs: number;
  /** Progress for people, on stderr, so that --json keeps stdout clean. */
  log: (line: string) => void;
  /** How long each load run of a throughput benchmark lasts, in seconds (each benchmark's default when left out, 10 s for the dashboard page). */
  durationSeconds?: number;
}

export interface Benchmark {
  name: string;
  /** One line: what is measured against what. */
  description: string;
  run(options: BenchOptions): Promise<Measurement[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Times `ours` and `reference` alternately, `runs` times each after one warm-up of each, so that both see the same
 * machine state; returns each side's durations in ms. Each call returns a count that must agree between the sides.
 */
export async function timeBoth(
  runs: number,
  ours: () => Promise<number> | number,
  reference: () => Promise<number> | number,
): Promise<{ ours: number[]; reference: number[]; count: number }> {
  const oursCount = await ours();
  const referenceCount = await reference();
  if (oursCount !== referenceCount) throw new Error(`the two sides disagree: ours gave ${oursCount}, the reference ${referenceCount}`);
  const times = { ours: [] as number[], reference: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const [side, fn] of [
      ['ours', ours],
      ['reference', reference],
    ] as const) {
      const started = performance.now();
      const count = await fn();
      times[side].push(performance.now() - started);
      if (count !== oursCount) throw new Error(`${side} gave ${count} on run ${i + 1}, ${oursCount} before`);
    }
  }
  return { ...times, count: oursCount };
}

/** A measurement from each side's samples: their medians and the ratio ours / reference. */
export function measurement(name: string, unit: string, ours: readonly number[], reference: readonly number[], note?: string): Measurement {
  const o = median(ours);
  const r = median(reference);
  return { name, ours: round(o), reference: round(r), ratio: round(o / r, 3), unit, runs: Math.min(ours.length, reference.length), ...(note ? { note } : {}) };
}

/** A throughput measurement (req/s) with each side's p99 and, when measured, the raw statements' limit. */
export function throughputMeasurement(
  name: string,
  samples: { ours: readonly number[]; reference: readonly number[]; oursP99: readonly number[]; referenceP99: readonly number[] },
  raw: readonly StatementsAlone[] | undefined,
  note: string,
): Measurement {
  return {
    ...measurement(name, 'req/s', samples.ours, samples.reference, note),
    p99: { ours: round(median(samples.oursP99)), reference: round(median(samples.referenceP99)) },
    ...(raw && raw.length > 0 ? { raw: { perSecond: round(median(raw.map((r) => r.perSecond))), p99Ms: round(median(raw.map((r) => r.p99Ms)), 3) } } : {}),
  };
}

export interface StatementsAlone {
  perSecond: number;
  p99Ms: number;
  runs: number;
}

/**
 * Runs one request's statements (`once`) back to back for `seconds`, `concurrency` requests at a time (one by default),
 * and says how many requests a second that makes and the p99 of one request's time: the limit a server answering the
 * same statements cannot pass on as many connections.
 */
export async function statementsAlone(seconds: number, once: () => unknown, concurrency = 1): Promise<StatementsAlone> {
  const times: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  // `concurrency` loops at once: as many statements in flight as the connections a server would use (PostgreSQL's pool).
  const loop = async (): Promise<void> => {
    let at = performance.now();
    while (at < until) {
      await once();
      const now = performance.now();
      times.push(now - at);
      at = now;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - started;
  times.sort((a, b) => a - b);
  return { perSecond: times.length / (elapsed / 1000), p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!, runs: times.length };
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
