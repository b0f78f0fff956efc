/**
 * Verifies Sigstore bundles offline with @sigstore/verify's Verifier. A message
 * signature is checked against the file as it streams by (a crypto Verify fed in
 * the same read that hashes it), so no file is held in memory; the bundle's
 * message digest must equal the file's SHA-256 (the Verifier itself compares it
 * only with a tlog entry).
 */
import { createVerify, type KeyObject } from 'node:crypto';
import { type Bundle, isBundleWithMessageSignature } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import {
  type SignedEntity,
  type Signer,
  type TrustMaterial,
  toSignedEntity,
  type VerificationPolicy,
  Verifier,
  type VerifierOptions,
} from '@sigstore/verify';
import type { ChunkSink } from './stream.ts';

export interface TrustPolicy {
  material: TrustMaterial;
  /** How many tlog entries, timestamps and SCTs a bundle must carry. */
  thresholds: VerifierOptions;
  /** The signer identity (certificate SAN and issuer) required; none for a key. */
  policy?: VerificationPolicy;
}

/** Raised with the reason a bundle does not verify. */
export class BundleRejected extends Error {
  override name = 'BundleRejected';
}

type SignatureContent = SignedEntity['signature'];

function withSignatureCheck(entity: SignedEntity, verifySignature: (key: KeyObject) => boolean): SignedEntity {
  const content = entity.signature;
  const checked: SignatureContent = {
    signature: content.signature,
    compareSignature: (s) => content.compareSignature(s),
    compareDigest: (d) => content.compareDigest(d),
    compareSignedDigest: (d) => content.compareSignedDigest(d),
    verifySignature,
  };
  return { ...entity, signature: checked };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}${cause}`;
}

export class BundleVerifier {
  readonly #verifier: Verifier;
  readonly #policy: VerificationPolicy | undefined;

  constructor(trust: TrustPolicy) {
    this.#verifier = new Verifier(trust.material, trust.thresholds);
    this.#policy = trust.policy;
  }

  #verify(entity: SignedEntity): Signer {
    try {
      return this.#verifier.verify(entity, this.#policy);
    } catch (err) {
      throw new BundleRejected(describe(err), { cause: err });
    }
  }

  #messageEntity(bundle: Bundle, sha256Hex: string, verifySignature: (key: KeyObject) => boolean): SignedEntity {
    if (!isBundleWithMessageSignature(bundle)) throw new BundleRejected('the bundle holds no message signature');
    const { messageDigest } = bundle.content.messageSignature;
    if (messageDigest.algorithm !== HashAlgorithm.SHA2_256) throw new BundleRejected('the bundle digest is not SHA-256');
    if (Buffer.from(messageDigest.digest).toString('hex') !== sha256Hex)
      throw new BundleRejected('the bundle is for different content (digest mismatch)');
    let entity: SignedEntity;
    try {
      entity = toSignedEntity(bundle);
    } catch (err) {
      throw new BundleRejected(describe(err), { cause: err });
    }
    return withSignatureCheck(entity, verifySignature);
  }

  /**
   * Starts checking a message-signature bundle: feed the file through `sink`,
   * then call `finish` with the file's SHA-256.
   */
  begin(bundle: Bundle): { sink: ChunkSink; finish(sha256Hex: string): Signer } {
    const check = createVerify('sha256');
    return {
      sink: { update: (chunk) => check.update(chunk) },
      finish: (sha256Hex) => {
        let result: boolean | undefined;
        const signature = isBundleWithMessageSignature(bundle) ? bundle.content.messageSignature.signature : Buffer.alloc(0);
        const entity = this.#messageEntity(bundle, sha256Hex, (key) => {
          result ??= check.verify(key, signature);
          return result;
        });
        return this.#verify(entity);
      },
    };
  }

  /**
   * Checks a bundle this run has just signed from the stream with `signingKey`:
   * the signature itself was made over that stream, so what is left to check is
   * the key (certificate) the bundle names, its chain, tlog entries, timestamps
   * and the policy.
   */
  checkFresh(bundle: Bundle, sha256Hex: string, signingKey: KeyObject): Signer {
    return this.#verify(this.#messageEntity(bundle, sha256Hex, (key) => key.equals(signingKey)));
  }

  /** Verifies a DSSE bundle and that its payload is exactly `payload`. */
  verifyDsse(bundle: Bundle, payload: Buffer, payloadType: string): Signer {
    if (bundle.content.$case !== 'dsseEnvelope') throw new BundleRejected('the bundle holds no DSSE envelope');
    const envelope = bundle.content.dsseEnvelope;
    if (envelope.payloadType !== payloadType) throw new BundleRejected(`the payload type is ${envelope.payloadType}`);
    if (!Buffer.from(envelope.payload).equals(payload)) throw new BundleRejected('the signed payload differs from the file');
    let entity: SignedEntity;
    try {
      entity = toSignedEntity(bundle);
    } catch (err) {
      throw new BundleRejected(describe(err), { cause: err });
    }
    return this.#verify(entity);
  }
}
