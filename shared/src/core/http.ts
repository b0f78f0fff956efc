/**
 * The one HTTP layer for our own requests: fetch with a timeout, non-2xx turned
 * into HttpError (with Retry-After), and retries through withRetry.
 */
import { HttpError } from './errors.ts';
import { redact } from './redact.ts';
import { parseRetryAfter, type RetryOptions, withRetry } from './retry.ts';

export interface HttpRequest extends Omit<RequestInit, 'signal'> {
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for "absent"). */
  accept?: readonly number[];
  retry?: RetryOptions;
}

export async function httpRequest(url: string | URL, request: HttpRequest = {}): Promise<Response> {
  const { timeoutMs = 60_000, accept = [], retry, ...init } = request;
  const method = init.method ?? 'GET';
  return withRetry(
    async () => {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      if (response.ok || accept.includes(response.status)) return response;
      // A server may echo the request (a CDN's 403 page, a proxy's error): the credentials we sent never reach the error.
      const body = redact(await response.text().catch(() => ''), sentSecrets(init.headers));
      throw new HttpError(
        response.status,
        `${method} ${redactUrl(url)} returned ${response.status} ${response.statusText}${body ? `: ${body.slice(0, 300)}` : ''}`,
        { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) },
      );
    },
    { what: `${method} ${redactUrl(url)}`, ...retry },
  );
}

const PLAIN_HEADERS = new Set(['accept', 'content-type', 'content-length', 'user-agent', 'accept-encoding']);

/** The values of the headers a request sent that may be credentials (all but a few plain ones). */
function sentSecrets(headers: RequestInit['headers']): string[] {
  return [...new Headers(headers).entries()].filter(([name]) => !PLAIN_HEADERS.has(name)).map(([, value]) => value);
}

/** Drops credentials and query strings (signatures, tokens) from a URL before it is logged. */
export function redactUrl(url: string | URL): string {
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
