/**
 * The one HTTP layer for our own requests: fetch with a timeout, non-2xx turned
 * into HttpError (with Retry-After), and retries through withRetry.
 */
import { HttpError } from './errors.js';
import { parseRetryAfter, withRetry } from './retry.js';
export async function httpRequest(url, request = {}) {
  const { timeoutMs = 60_000, accept = [], retry, ...init } = request;
  const method = init.method ?? 'GET';
  return withRetry(
    async () => {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      if (response.ok || accept.includes(response.status)) return response;
      const body = await response.text().catch(() => '');
      throw new HttpError(
        response.status,
        `${method} ${redactUrl(url)} returned ${response.status} ${response.statusText}${body ? `: ${body.slice(0, 300)}` : ''}`,
        { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) },
      );
    },
    { what: `${method} ${redactUrl(url)}`, ...retry },
  );
}
/** Drops credentials and query strings (signatures, tokens) from a URL before it is logged. */
export function redactUrl(url) {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
