/**
 * ECDSA P-256 over a SHA-256 digest computed elsewhere. A Sigstore message
 * signature is ECDSA over the file's SHA-256, which the hashing workers have
 * already computed; Node's crypto can only sign or verify the message itself
 * (it would hash every file a second time on the main thread), so the curve
 * arithmetic over the digest is done by @noble/curves (audited, constant-time).
 * Signatures are deterministic (RFC 6979): the same key and file give the same
 * bytes, and they are exactly what `openssl dgst -sha256 -sign` accepts.
 */
import type { KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** The private scalar of a P-256 key, for signing digests. */
export function privateScalar(key: KeyObject): Uint8Array {
  const { d } = key.export({ format: 'jwk' });
  return Buffer.from(d as string, 'base64url');
}

/** DER ECDSA signature (low-S) of a 32-byte SHA-256 digest. */
export function signDigest(scalar: Uint8Array, sha256: Uint8Array): Buffer {
  return Buffer.from(p256.sign(sha256, scalar, { prehash: false, format: 'der' }));
}

const points = new WeakMap<KeyObject, Uint8Array>();

function publicPoint(key: KeyObject): Uint8Array {
  let point = points.get(key);
  if (!point) {
    const { x, y } = key.export({ format: 'jwk' });
    point = Buffer.concat([Buffer.from([4]), Buffer.from(x as string, 'base64url'), Buffer.from(y as string, 'base64url')]);
    points.set(key, point);
  }
  return point;
}

/**
 * Whether `signature` (DER) is the key's ECDSA signature of the digest; undefined
 * when the key is not P-256, so the caller checks the message itself instead.
 * High-S signatures are accepted, as OpenSSL and cosign accept them.
 */
export function verifyDigestSignature(key: KeyObject, sha256: Uint8Array, signature: Uint8Array): boolean | undefined {
  if (!isP256(key)) return undefined;
  try {
    return p256.verify(signature, sha256, publicPoint(key), { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
}
