/**
 * The Sigstore services (the public-good instance by default) and how their
 * outages are retried. Kept free of the Sigstore libraries, so an action can
 * validate its inputs before loading them.
 */
import { findCause, ReleaseError } from '../core/errors.ts';
import { isRetryableError, isRetryableStatus, type RetryOptions } from '../core/retry.ts';

export const PUBLIC_GOOD = {
  fulcio: 'https://fulcio.sigstore.dev',
  rekor: 'https://rekor.sigstore.dev',
  tsa: 'https://timestamp.sigstore.dev/api/v1/timestamp',
} as const;

/** The HTTP status Sigstore's clients put on their errors (`statusCode`, in a cause). */
function sigstoreStatus(error: unknown): number | undefined {
  const found = findCause(error, (e) => typeof (e as { statusCode?: unknown }).statusCode === 'number');
  return (found as { statusCode: number } | undefined)?.statusCode;
}

/** Outages are retried: 408/429/5xx, connection failures, and an attempt that timed out. */
export function isOutage(error: unknown): boolean {
  const status = sigstoreStatus(error);
  if (status !== undefined && isRetryableStatus(status)) return true;
  return isRetryableError(error) || (error instanceof ReleaseError && error.code === 'TIMEOUT');
}

/** Retries for Sigstore service outages: backoff with jitter up to a minute apart, until the budget is spent. */
export function outageRetry(budgetMs: number, onRetry?: RetryOptions['onRetry']): RetryOptions {
  return { attempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 1000, maxDelayMs: 60_000, budgetMs, onRetry };
}
