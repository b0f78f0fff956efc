/**
 * ECDSA P-256 over a SHA-256 digest computed elsewhere. A Sigstore message
 * signature is ECDSA over the file's SHA-256, which the hashing workers have
 * already computed; Node's crypto can only sign or verify the message itself
 * (it would hash every file a second time on the main thread). Signatures are
 * deterministic (RFC 6979, low-S, the bytes @noble/curves makes): the same key
 * and file give the same bytes, and they are exactly what `openssl dgst -sha256
 * -sign` accepts. The nonce's hashes and its point k·G are OpenSSL's (node:crypto:
 * SHA-256, and ECDH, whose public key is k·G, constant-time), about ten times
 * cheaper than noble's k·G in JavaScript; the last step, s, is noble's field
 * arithmetic, as in noble's own sign.
 */
import { createECDH, createHash, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** The private scalar of a P-256 key, for signing digests. */
export function privateScalar(key: KeyObject): Uint8Array {
  const { d } = key.export({ format: 'jwk' });
  return Buffer.from(d as string, 'base64url');
}

const Fn = p256.Point.Fn;
/** Reused: setPrivateKey(k) computes k·G. */
const nonces = createECDH('prime256v1');

const toInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const to32 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

const inner = Buffer.alloc(64);
const outer = Buffer.alloc(64);

/**
 * HMAC-SHA-256 (RFC 2104) of a key of at most one block (here always 32 bytes), over two of node:crypto's SHA-256:
 * createHmac checks what kind of key it was given on every call, which cost four times the hashes (13 µs against 3).
 */
function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  for (let i = 0; i < 64; i++) {
    const byte = key[i] ?? 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  const h = createHash('sha256').update(inner);
  for (const part of parts) h.update(part);
  return createHash('sha256').update(outer).update(h.digest()).digest();
}

/** DER ECDSA signature (low-S) of a 32-byte SHA-256 digest, with RFC 6979's nonce (section 3.2). */
export function signDigest(scalar: Uint8Array, sha256: Uint8Array): Buffer {
  const d = toInt(scalar);
  if (d <= 0n || d >= Fn.ORDER || sha256.length !== 32) throw new Error('signDigest needs a P-256 scalar and a SHA-256 digest');
  const z = toInt(sha256) % Fn.ORDER;
  const seed = [to32(d), to32(z)];
  let v: Buffer = Buffer.alloc(32, 1);
  let k: Buffer = hmac(Buffer.alloc(32, 0), v, Buffer.from([0]), ...seed);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([1]), ...seed);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const nonce = toInt(v);
    if (nonce > 0n && nonce < Fn.ORDER) {
      nonces.setPrivateKey(v);
      const r = toInt(nonces.getPublicKey().subarray(1, 33)) % Fn.ORDER;
      const s = Fn.mul(Fn.inv(nonce), Fn.add(z, Fn.mul(r, d)));
      if (r !== 0n && s !== 0n) {
        const low = s > Fn.ORDER >> 1n ? Fn.ORDER - s : s;
        return Buffer.from(new p256.Signature(r, low).toBytes('der'));
      }
    }
    k = hmac(k, v, Buffer.from([0]));
    v = hmac(k, v);
  }
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
