/**
 * The GitHub REST client: @octokit/rest bound to a configurable API base (GitHub,
 * GHES or a local test server), and one retry wrapper that turns Octokit's
 * RequestError into our HttpError so withRetry can classify it. Secondary rate
 * limits (403 with retry-after, or GitHub's "secondary rate limit" message) are
 * retried as well as 429/5xx and connection failures.
 */
import type { Octokit } from '@octokit/rest';
import { HttpError } from '../core/errors.ts';
import { isRetryableError, parseRetryAfter, type RetryOptions, withRetry } from '../core/retry.ts';

export interface GitHubClientOptions {
  token: string;
  /** REST base URL, e.g. https://api.github.com or https://ghes.example/api/v3. */
  apiUrl: string;
  /** Overrides of githubCall's retry policy (a test's sleep, the run's budget). */
  retry?: RetryOptions;
}

/** GitHub asks a client limited without retry-after to wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

/** Loaded on first use, so bundles that never talk to GitHub do not pay for Octokit at start. */
export async function createOctokit({ token, apiUrl }: GitHubClientOptions): Promise<Octokit> {
  const { Octokit } = await import('@octokit/rest');
  const quiet = () => {};
  return new Octokit({
    auth: token,
    baseUrl: apiUrl.replace(/\/+$/, ''),
    userAgent: 'release-actions/publish-binaries',
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
}

interface OctokitErrorShape {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** Octokit's RequestError as an HttpError (status, retry-after); anything else unchanged. */
export function toHttpError(error: unknown, what: string): unknown {
  const e = error as OctokitErrorShape;
  if (!(error instanceof Error) || typeof e.status !== 'number') return error;
  const headers = e.response?.headers ?? {};
  const retryAfterMs =
    parseRetryAfter(headers['retry-after']) ??
    (headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset']
      ? Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - Date.now())
      : undefined) ??
    ((e.status === 403 || e.status === 429) && /secondary rate limit/i.test(String(e.message))
      ? SECONDARY_LIMIT_WAIT_MS
      : undefined);
  return new HttpError(e.status, `${what}: ${e.status} ${String(e.message)}`, { cause: error, retryAfterMs });
}

/** 403/429 with retry-after or GitHub's rate-limit wording: wait and retry. */
export function isRateLimited(error: unknown): boolean {
  if (!(error instanceof HttpError)) return false;
  if (error.status !== 403 && error.status !== 429) return false;
  return error.retryAfterMs !== undefined || /rate limit/i.test(error.message);
}

export function isRetryableGitHubError(error: unknown): boolean {
  return isRateLimited(error) || isRetryableError(error);
}

/** Runs one GitHub call with retries (`fn` is told which attempt it is); failures come out as HttpError (or RETRY_EXHAUSTED). */
export function githubCall<T>(what: string, fn: (attempt: number) => Promise<T>, retry: RetryOptions = {}): Promise<T> {
  return withRetry(
    async (attempt) => {
      try {
        return await fn(attempt);
      } catch (error) {
        throw toHttpError(error, what);
      }
    },
    { what, attempts: 6, baseDelayMs: 500, maxDelayMs: 60_000, isRetryable: isRetryableGitHubError, ...retry },
  );
}

/** A 422 whose errors say the resource already exists (a duplicate asset name or tag). */
export function isAlreadyExists(error: unknown): boolean {
  if (!(error instanceof HttpError) || error.status !== 422) return false;
  const data = (error.cause as OctokitErrorShape | undefined)?.response?.data as
    | { errors?: Array<{ code?: string }> }
    | undefined;
  return data?.errors?.some((e) => e.code === 'already_exists') ?? false;
}
