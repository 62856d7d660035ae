// Exit codes (README, The CLI), for CI systems that act on them.
export const EXIT = {
  ok: 0,
  /** A control failed. */
  controlFailed: 1,
  /** Bad usage or input: an unknown flag, a broken control file, a corrupt config. */
  badInput: 2,
  /** An operational error: AWS unreachable, a sync that failed in some scope, a control that could not be decided. */
  operational: 3,
} as const;

/** Where a command's action leaves its exit code for main() to return. */
export interface CommandOutcome {
  exitCode: number;
}
