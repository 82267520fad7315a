/** Small async helpers for the backends; all remove their abort listeners when done. */
import { sleep } from '../../lib/clock.js';

export { sleep };

/**
 * Settles like `promise`, or rejects with the signal's reason when it aborts first. The work behind
 * the promise is not cancelled (a remote write may still be applied); its late result is ignored.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** A timer that runs `tick` every `intervalMs` without overlapping runs and without holding the process open. */
export function every(intervalMs: number, tick: () => Promise<void>): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      // tick reports its own failures; a rejection here must not become an unhandled one
      running = tick()
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
