import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { messageBundle } from './bundles.ts';
import { privateScalar, signDigest, verifyDigestSignature } from './digest-signature.ts';
import { BundleRejected, BundleVerifier, trustPolicy } from './index.ts';
import { keyHint } from './key-signer.ts';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const data = Buffer.from('kubectl bytes\n');
const digest = createHash('sha256').update(data).digest();

describe('ECDSA P-256 over a precomputed SHA-256 digest', () => {
  it('signs what OpenSSL verifies over the message, deterministically (RFC 6979)', () => {
    const signature = signDigest(privateScalar(ec.privateKey), digest);
    expect(verify('sha256', data, ec.publicKey, signature)).toBe(true);
    expect(signDigest(privateScalar(ec.privateKey), digest)).toEqual(signature);
  });

  it('makes the bytes of @noble/curves RFC 6979 signing, for any key and digest', () => {
    for (let i = 0; i < 200; i++) {
      const scalar = p256.utils.randomSecretKey();
      const sha256 = createHash('sha256').update(`file ${i}`).digest();
      const expected = p256.sign(sha256, scalar, { prehash: false, format: 'der' });
      expect(signDigest(scalar, sha256).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    }
    // A digest above the group order is reduced as RFC 6979's bits2octets reduces it.
    const high = Buffer.alloc(32, 0xff);
    const scalar = privateScalar(ec.privateKey);
    expect(signDigest(scalar, high)).toEqual(Buffer.from(p256.sign(high, scalar, { prehash: false, format: 'der' })));
  });

  it('verifies OpenSSL signatures by the digest alone, high-S ones too, and refuses other digests', () => {
    const signature = sign('sha256', data, ec.privateKey);
    expect(verifyDigestSignature(ec.publicKey, digest, signature)).toBe(true);
    const parsed = p256.Signature.fromBytes(signature, 'der');
    const flipped = new p256.Signature(parsed.r, p256.Point.Fn.ORDER - parsed.s).toBytes('der');
    expect(verifyDigestSignature(ec.publicKey, digest, flipped)).toBe(true);
    const other = createHash('sha256').update('other').digest();
    expect(verifyDigestSignature(ec.publicKey, other, signature)).toBe(false);
    expect(verifyDigestSignature(ec.publicKey, digest, Buffer.from('not DER'))).toBe(false);
  });

  it('leaves keys other than P-256 to the caller', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifyDigestSignature(rsa.publicKey, digest, sign('sha256', data, rsa.privateKey))).toBeUndefined();
  });
});

describe('BundleVerifier.check', () => {
  it('reads the file again only for a key other than P-256 (an RSA key here), and still refuses other content', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'digest-sig-'));
    try {
      const file = path.join(dir, 'kubectl');
      await writeFile(file, data);
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const publicKey = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      const bundle = messageBundle(digest.toString('hex'), {
        signature: sign('sha256', data, rsa.privateKey),
        key: { $case: 'publicKey', publicKey, hint: keyHint(rsa.publicKey) },
      });
      const verifier = new BundleVerifier(trustPolicy({ publicKey: rsa.publicKey, tlog: false }));
      await expect(verifier.check(bundle, file, digest.toString('hex'))).resolves.toBeDefined();
      await writeFile(file, 'tampered\n');
      await expect(verifier.check(bundle, file, digest.toString('hex'))).rejects.toBeInstanceOf(BundleRejected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
