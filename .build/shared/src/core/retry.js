/**
 * Retry with exponential backoff and full jitter. Only transient failures are
 * retried: HTTP 408, 429 and 5xx, and connection-level errors (resets, refused,
 * timeouts). A server's Retry-After wins over the computed delay.
 */
import { HttpError, ReleaseError } from './errors.js';

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
export function isRetryableStatus(status) {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}
/** Walks the cause chain: fetch wraps socket errors in a TypeError whose cause holds the code. */
export function isRetryableError(error) {
  let current = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof HttpError) return isRetryableStatus(current.status);
    const e = current;
    const status = e.$metadata?.httpStatusCode ?? e.statusCode;
    if (typeof status === 'number' && status > 0) return isRetryableStatus(status);
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
    current = current.cause;
  }
  return false;
}
/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/** Full jitter: a random delay in [0, min(max, base·2^n)], at least a tenth of the cap. */
export function backoffDelay(attempt, base, max, random) {
  const cap = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(cap / 10 + random() * cap * 0.9);
}
function retryAfterOf(error) {
  return error instanceof HttpError ? error.retryAfterMs : undefined;
}
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export async function withRetry(fn, options = {}) {
  const {
    attempts = 5,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    budgetMs = Number.POSITIVE_INFINITY,
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
      const delayMs = retryAfterOf(error) ?? backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      const outOfBudget = Date.now() - started + delayMs > budgetMs;
      if (!isRetryable(error)) throw error;
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
