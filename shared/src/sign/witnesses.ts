/**
 * The Sigstore services a signature is witnessed by: a Rekor transparency log
 * entry and/or an RFC 3161 timestamp. Any of them can be a private instance;
 * `undefined` means none. Rekor answers 409 for an entry that already exists and
 * the witness then fetches it, so a rerun after an outage does not fail.
 */
import type { Bundle } from '@sigstore/bundle';
import { RekorWitness, type Signature, TSAWitness, type Witness } from '@sigstore/sign';
import { type RetryOptions, withRetry } from '../core/retry.ts';
import { isOutage } from './services.ts';
import { withTimeout } from './timeout.ts';

export interface WitnessEndpoints {
  rekorUrl: string | undefined;
  tsaUrl: string | undefined;
}

export function witnessesFor(endpoints: WitnessEndpoints, timeoutMs?: number): Witness[] {
  const witnesses: Witness[] = [];
  if (endpoints.rekorUrl)
    witnesses.push(new RekorWitness({ rekorBaseURL: endpoints.rekorUrl, retry: 0, timeout: timeoutMs, fetchOnConflict: true }));
  if (endpoints.tsaUrl) witnesses.push(new TSAWitness({ tsaBaseURL: endpoints.tsaUrl, retry: 0, timeout: timeoutMs }));
  return witnesses;
}

function publicKeyOf(signature: Signature): string {
  return signature.key.$case === 'publicKey' ? signature.key.publicKey : signature.key.certificate;
}

/**
 * Adds every witness's tlog entries and timestamps to a signed bundle (as
 * @sigstore/sign's bundle builders do). Each attempt may take `timeoutMs`;
 * outages are retried within the retry budget.
 */
export async function witness(
  bundle: Bundle,
  signature: Signature,
  witnesses: readonly Witness[],
  retry: RetryOptions,
  timeoutMs: number,
): Promise<Bundle> {
  const materials = await Promise.all(
    witnesses.map((w) => {
      const what = w instanceof RekorWitness ? 'Rekor entry' : 'timestamp';
      return withRetry(() => withTimeout(timeoutMs, what, () => w.testify(bundle.content, publicKeyOf(signature))), {
        what,
        isRetryable: isOutage,
        ...retry,
      });
    }),
  );
  bundle.verificationMaterial.tlogEntries = materials.flatMap((m) => m.tlogEntries ?? []);
  bundle.verificationMaterial.timestampVerificationData = {
    rfc3161Timestamps: materials.flatMap((m) => m.rfc3161Timestamps ?? []),
  };
  return bundle;
}
