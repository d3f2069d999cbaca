import { EventEmitter } from 'node:events';

/**
 * How much longer than written every wait in these helpers may take: 3 under CI (a machine
 * shared with other work, where an event that comes in 1 s on a quiet one can take 20), else 1;
 * SAPORA_TEST_DEADLINE_SCALE sets it. Only a failing wait takes longer for it.
 */
const DEADLINE_SCALE =
  Number(process.env.SAPORA_TEST_DEADLINE_SCALE) || (process.env.CI === 'true' ? 3 : 1);

/** A deadline as written in a test, stretched by the deadline scale. */
export function scaledDeadline(ms: number): number {
  return ms * DEADLINE_SCALE;
}

/**
 * Polls until check() returns a value other than undefined/false, or fails after timeoutMs.
 * `what` names the wait in the error; a function is asked at the timeout, so the error can say
 * the state things were left in.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  {
    timeoutMs = 10_000,
    intervalMs = 10,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + scaledDeadline(timeoutMs);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${scaledDeadline(timeoutMs)} ms waiting for ${typeof what === 'function' ? what() : what}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves as soon as check() holds, checking now and after each `event` the emitter emits, or
 * fails after timeoutMs: for waits a poll would slow down, such as one per frame.
 */
export function waitForEvent(
  emitter: Pick<EventEmitter, 'on' | 'off'>,
  event: string,
  check: () => boolean,
  { timeoutMs = 10_000, what = `${event} events` } = {},
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onEvent = (): void => {
      if (!check()) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${scaledDeadline(timeoutMs)} ms waiting for ${what}`));
    }, scaledDeadline(timeoutMs));
    emitter.on(event, onEvent);
  });
}
