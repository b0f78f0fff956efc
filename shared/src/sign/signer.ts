/**
 * The signer seam. `@sigstore/sign`'s Signer signs a buffer (used for DSSE and
 * for Fulcio's proof of possession); an ArtifactSigner also signs a file by its
 * SHA-256 digest, computed in the one read that hashes the file.
 */
import type { KeyObject } from 'node:crypto';
import type { Signature, Signer } from '@sigstore/sign';
import type { CertificateIdentity } from './oidc.ts';

export interface ArtifactSigner extends Signer {
  readonly kind: 'key' | 'keyless';
  /** The public half of the signing key (checked against the key a fresh bundle names). */
  readonly publicKey: KeyObject;
  /** Signs the file whose SHA-256 digest is `sha256`; returns the signature with its key material. */
  signDigest(sha256: Uint8Array): Promise<Signature>;
  /** Keyless: the identity its certificates name (undefined when the token does not tell). */
  certificateIdentity?(): Promise<CertificateIdentity | undefined>;
}
