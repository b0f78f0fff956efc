/**
 * Signing with an ECDSA P-256 key: a PKCS#8 PEM private key (optionally
 * encrypted) given by the user, or an ephemeral key for keyless signing. Returns
 * public-key material with a key hint (base64 SHA-256 of the DER public key, as
 * cosign writes it), since @sigstore/sign ships no key signer. Every signature,
 * a file's or a DSSE envelope's, is deterministic (RFC 6979, signDigest): the
 * same key and bytes give the same signature, so a rerun reproduces its bundles.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Signature } from '@sigstore/sign';
import { privateScalar, signDigest } from './digest-signature.ts';
import { SigningError } from './errors.ts';
import type { ArtifactSigner } from './signer.ts';

/** The private key could not be used; the message never contains key material. */
export class KeyFormatError extends SigningError {
  override name = 'KeyFormatError';
  constructor(problem: string) {
    super(problem, [], { userError: true });
  }
}

const PKCS8 = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;

export function keyHint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64');
}

export class KeySigner implements ArtifactSigner {
  readonly kind = 'key';
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly hint: string;
  readonly #scalar: Uint8Array;

  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new KeyFormatError('the key is not an ECDSA P-256 private key');
    this.#scalar = privateScalar(privateKey);
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyPem = this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    this.hint = keyHint(this.publicKey);
  }

  /** Parses a PKCS#8 PEM key; errors say what is wrong without echoing the key. */
  static fromPem(pem: string, password?: string): KeySigner {
    if (!PKCS8.test(pem)) throw new KeyFormatError('expected a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----)');
    const encrypted = pem.includes('ENCRYPTED PRIVATE KEY');
    if (encrypted && password === undefined) throw new KeyFormatError('the key is encrypted and no password was given');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem', ...(encrypted ? { passphrase: password } : {}) });
    } catch {
      throw new KeyFormatError(
        encrypted ? 'the key cannot be decrypted with the given password' : 'the PEM key cannot be parsed',
      );
    }
    return new KeySigner(key);
  }

  static ephemeral(): KeySigner {
    return new KeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  #material(signature: Buffer): Signature {
    return { signature, key: { $case: 'publicKey', publicKey: this.publicKeyPem, hint: this.hint } };
  }

  async sign(data: Buffer): Promise<Signature> {
    return this.signDigest(createHash('sha256').update(data).digest());
  }

  async signDigest(sha256: Uint8Array): Promise<Signature> {
    return this.#material(signDigest(this.#scalar, sha256));
  }
}
