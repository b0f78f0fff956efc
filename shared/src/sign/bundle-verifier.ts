/**
 * Verifies Sigstore bundles offline with @sigstore/verify's Verifier. A message
 * signature is checked against the file's SHA-256 digest, which the caller has
 * computed in its one read of the file (ECDSA P-256, as cosign and this action
 * sign); only a signature by another kind of key (RSA, say) makes the file be
 * read again, through a crypto Verify. The bundle's message digest must equal
 * the file's SHA-256 (the Verifier itself compares it only with a tlog entry).
 */
import { createVerify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
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
import { verifyDigestSignature } from './digest-signature.ts';

export interface TrustPolicy {
  material: TrustMaterial;
  /** How many tlog entries, timestamps and SCTs a bundle must carry. */
  thresholds: VerifierOptions;
  /** The signer identity (certificate SAN and issuer) required; none for a key. */
  policy?: VerificationPolicy;
}

/**
 * An exact certificate identity as a policy: @sigstore/verify matches a string policy as an unanchored regular
 * expression (`…@refs/tags/v1.31.2` would pass `…@refs/tags/v1.31.2-evil`, and `.` any character).
 */
export function exactIdentity(identity: string): RegExp {
  return new RegExp(`^${identity.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
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
   * Verifies a message-signature bundle for `file` (a path, or the bytes themselves), whose SHA-256 the caller
   * has computed. The file is read again only for a signature by a key other than ECDSA P-256.
   */
  async check(bundle: Bundle, file: string | Buffer, sha256Hex: string): Promise<Signer> {
    const signature = isBundleWithMessageSignature(bundle) ? bundle.content.messageSignature.signature : Buffer.alloc(0);
    const digest = Buffer.from(sha256Hex, 'hex');
    let otherKey: KeyObject | undefined;
    const byDigest = this.#messageEntity(bundle, sha256Hex, (key) => {
      const valid = verifyDigestSignature(key, digest, signature);
      if (valid === undefined) otherKey = key;
      return valid ?? false;
    });
    try {
      return this.#verify(byDigest);
    } catch (err) {
      if (!otherKey) throw err;
    }
    const key = otherKey;
    const valid = await verifyStream(file, key, signature);
    return this.#verify(this.#messageEntity(bundle, sha256Hex, (k) => k.equals(key) && valid));
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

async function verifyStream(file: string | Buffer, key: KeyObject, signature: Uint8Array): Promise<boolean> {
  const check = createVerify('sha256');
  if (Buffer.isBuffer(file)) return check.update(file).verify(key, signature);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) check.update(chunk as Buffer);
  return check.verify(key, signature);
}
