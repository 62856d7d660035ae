// The sync's settings and their defaults, apart from the code that uses them: the CLI's options show them without
// loading the AWS SDK (serve takes the sync's options, README "Scheduled syncs").

export interface SyncLimits {
  /** AWS calls in flight at once, across every account. */
  concurrency: number;
  /** AWS calls in flight at once for one account. */
  accountConcurrency: number;
  /** Calls per second per account, region and service (CloudTrail documents about 10 for its read calls). */
  callsPerSecond: number;
}

export const DEFAULT_LIMITS: SyncLimits = { concurrency: 32, accountConcurrency: 8, callsPerSecond: 10 };

/** Attempts per AWS call, retries included: throttling and transient errors are retried with backoff and full jitter. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Milliseconds before one AWS call is abandoned as timed out, unless configured otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Fewer accounts than this are synced on the main thread: starting a thread costs more than their calls. */
export const THREADS_FROM_ACCOUNTS = 8;

/** At most this many SDK threads: two already keep a 2-vCPU machine's cores busy, AWS's latency caps the rest. */
export const MAX_SDK_THREADS = 2;

/** The most SDK threads a sync may be asked for. */
export const SDK_THREADS_LIMIT = 16;
