// A request stops consuming the server once it is past its deadline or its client has gone (README, "No request stops
// the server"): it is answered 504 REQUEST_TIMEOUT at the deadline, and whatever still runs for it stops at its next
// read: a statement in a worker at its next row (SqliteStore's rowCheck), any execution before its next statement
// (stoppableStore).
import type { InventoryStore } from '../store/store.js';

/** The default of `serve --request-timeout`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** How long a client is asked to wait before trying again after a 503 SERVER_BUSY. */
export const RETRY_AFTER_SECONDS = 5;

export type StopReason = 'timeout' | 'disconnect';

/** Thrown into the work of a request that was stopped; its answer, if any, was already given. */
export class RequestStopped extends Error {
  override name = 'RequestStopped';
  constructor(readonly reason: StopReason | 'stopped' = 'stopped') {
    super(`the request was stopped (${reason})`);
  }
}

/** The pool's queue of a lane is full: answered 503 SERVER_BUSY with Retry-After. */
export class ServerBusyError extends Error {
  override name = 'ServerBusyError';
}

/** `store`, whose every call first checks that the request still runs: a stopped request reads nothing more. */
export function stoppableStore(store: InventoryStore, stopped: () => boolean): InventoryStore {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (stopped() ? Promise.reject(new RequestStopped()) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

/** The body of a 504: the request ran past --request-timeout. */
export function timeoutBody(timeoutMs: number): { errors: { message: string; extensions: { code: string } }[] } {
  return {
    errors: [
      {
        message: `the request took longer than ${timeoutMs} ms (the server's --request-timeout) and was stopped; ask for less (a smaller limit, a narrower filter)`,
        extensions: { code: 'REQUEST_TIMEOUT' },
      },
    ],
  };
}

/** The body of a 503: the server is busy; Retry-After says when to try again. */
export function busyBody(message: string): { errors: { message: string; extensions: { code: string } }[] } {
  return { errors: [{ message, extensions: { code: 'SERVER_BUSY' } }] };
}
