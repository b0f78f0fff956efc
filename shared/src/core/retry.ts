/**
 * Retry with exponential backoff and full jitter. Only transient failures are
 * retried: HTTP 408, 429 and 5xx, and connection-level errors (resets, refused,
 * timeouts). A server's Retry-After wins over the computed delay.
 */
import { findCause, HttpError, ReleaseError } from './errors.ts';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stop retrying once this much time has been spent (a retry budget). */
  budgetMs?: number;
  /** The longest Retry-After (or rate-limit reset) waited out (default 5 minutes); a longer one fails at once. */
  maxRetryAfterMs?: number;
  /** What to call a failed attempt in the log and in the final error. */
  what?: string;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  isRetryable?: (error: unknown) => boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * 501 Not Implemented and 505 are answers, not outages (B2 answers 501 to a conditional write): the same request
 * gets them again. The rest of 5xx, 408 and 429 are what AWS, GCS, Azure, R2 and B2 document as transient.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * Our HttpError by its status, or a connection-level failure anywhere in the causes (fetch wraps socket errors in a
 * TypeError whose cause holds the code). Each backend turns its client's errors into HttpError or says more itself.
 */
export function isRetryableError(error: unknown): boolean {
  const http = findCause(error, (e): e is HttpError => e instanceof HttpError);
  if (http) return isRetryableStatus(http.status);
  return (
    findCause(error, (e) => {
      const { code, name } = e as { code?: unknown; name?: unknown };
      return (
        NETWORK_CODES.has(code as string) ||
        name === 'AbortError' ||
        name === 'TimeoutError' ||
        (e instanceof TypeError && e.message === 'fetch failed')
      );
    }) !== undefined
  );
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Every HTTP-date names its day and month; Date.parse would read '1.' or '-1' as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full jitter: a random delay in [0, min(max, base·2^n)], at least a tenth of the cap. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const cap = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(cap / 10 + random() * cap * 0.9);
}

function retryAfterOf(error: unknown): number | undefined {
  return error instanceof HttpError ? error.retryAfterMs : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const {
    attempts = 5,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    budgetMs = Number.POSITIVE_INFINITY,
    maxRetryAfterMs = 5 * 60_000,
    what = 'request',
    onRetry,
    isRetryable = isRetryableError,
    random = Math.random,
  } = options;
  const wait = options.sleep ?? sleep;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const retryAfter = retryAfterOf(error);
      const delayMs = retryAfter ?? backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      const outOfBudget = Date.now() - started + delayMs > budgetMs;
      if (!isRetryable(error)) throw error;
      if ((retryAfter ?? 0) > maxRetryAfterMs) {
        throw new ReleaseError(
          'RETRY_EXHAUSTED',
          `${what} failed: the server asks to retry in ${Math.ceil(delayMs / 1000)} s, longer than the ${maxRetryAfterMs / 1000} s waited out`,
          { cause: error, userError: false },
        );
      }
      if (attempt >= attempts || outOfBudget) {
        throw new ReleaseError('RETRY_EXHAUSTED', `${what} failed after ${attempt} attempt(s)`, {
          cause: error,
          userError: false,
        });
      }
      onRetry?.({ attempt, delayMs, error });
      await wait(delayMs);
    }
  }
}
