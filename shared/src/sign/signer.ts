/**
 * The signer seam. `@sigstore/sign`'s Signer signs a buffer (used for DSSE and
 * for Fulcio's proof of possession); an ArtifactSigner can also sign a stream, so
 * a file is signed in the same read that hashes it.
 */
import type { KeyObject } from 'node:crypto';
import type { Signature, Signer } from '@sigstore/sign';
import type { ChunkSink } from './stream.ts';

export interface SignatureSink extends ChunkSink {
  /** Ends the stream and returns the signature with its key material (public key or certificate). */
  finish(): Promise<Signature>;
}

export interface ArtifactSigner extends Signer {
  readonly kind: 'key' | 'keyless';
  /** The public half of the signing key (checked against the key a fresh bundle names). */
  readonly publicKey: KeyObject;
  begin(): SignatureSink;
}
