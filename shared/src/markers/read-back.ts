/**
 * After writing, poll each marker's public URL until it serves the new value (or
 * a newer one a concurrent run wrote), every `intervalMs`, up to `timeoutMs` for
 * the whole step. An error answer or no answer is polled through, not fatal.
 */
import { describeError } from '../core/errors.ts';
import { httpRequest, redactUrl } from '../core/http.ts';
import type { Logger } from '../core/logger.ts';
import { mapPool } from '../core/pool.ts';
import { sleep } from '../core/retry.ts';
import { ReadBackTimeoutError } from './errors.ts';
import { isUpToDate } from './precedence.ts';
import { parseVersion } from './version.ts';

export interface ReadBackOptions {
  /** Public base URL; a marker key is appended (`https://dl.k8s.io` + `release/stable.txt`). */
  url: string;
  intervalMs: number;
  timeoutMs: number;
}

export interface Expectation {
  key: string;
  value: string;
  /** After a deliberate downgrade only the exact value will do. */
  exact: boolean;
}

export function markerUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, '')}/${key}`;
}

/** The served value satisfies the expectation: the same, or (unless exact) one that ranks at least as high. */
export function servesAtLeast(served: string, expected: Expectation): boolean {
  if (served === expected.value) return true;
  if (expected.exact) return false;
  const servedVersion = parseVersion(served);
  const expectedVersion = parseVersion(expected.value);
  return servedVersion !== undefined && expectedVersion !== undefined && isUpToDate(servedVersion, expectedVersion);
}

/** What the URL serves now; a refusal or a failure (a CDN's brief 503, a reset) is what it serves, not the end of polling. */
async function fetchServed(url: string): Promise<string> {
  try {
    const response = await httpRequest(url, {
      cache: 'no-store',
      headers: { 'Cache-Control': 'no-cache' },
      accept: [403, 404],
      timeoutMs: 15_000,
      retry: { attempts: 2, baseDelayMs: 200 },
    });
    const body = (await response.text()).trim();
    return response.ok ? body : `HTTP ${response.status}`;
  } catch (error) {
    return `no answer (${describeError(error)})`;
  }
}

/**
 * Polls every marker until it serves its value. The first marker that fails stops the others' polling, and the
 * failure is reported only once none is still polling: nothing keeps requesting after the step has failed.
 */
export async function readBack(options: ReadBackOptions, expectations: readonly Expectation[], logger: Logger): Promise<void> {
  let failure: { error: unknown } | undefined;
  // One deadline for the step, however many markers wait their turn.
  const deadline = Date.now() + options.timeoutMs;
  await mapPool(expectations, 4, async (expected) => {
    const url = markerUrl(options.url, expected.key);
    const shown = redactUrl(url);
    try {
      while (!failure) {
        const served = await fetchServed(url);
        if (servesAtLeast(served, expected)) {
          logger.info(`${shown} serves ${served}`);
          return;
        }
        if (Date.now() + options.intervalMs > deadline) throw new ReadBackTimeoutError(shown, expected.value, served);
        logger.info(`${shown} serves ${served}, waiting for ${expected.value}`);
        await sleep(options.intervalMs);
      }
    } catch (error) {
      failure ??= { error };
    }
  });
  if (failure) throw failure.error;
}
