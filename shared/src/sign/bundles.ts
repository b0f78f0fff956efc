/**
 * Sigstore bundles, v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`, as
 * cosign v3 writes them): a message signature over a file's SHA-256 (signed from
 * the stream, so the library's MessageSignatureBundleBuilder, which wants the
 * whole file in memory and emits v0.2, is not used), and a DSSE envelope for
 * in-toto statements.
 */
import {
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  bundleFromJSON,
  bundleToJSON,
  toDSSEBundle,
  toMessageSignatureBundle,
} from '@sigstore/bundle';
import type { Signature } from '@sigstore/sign';
import { certificateDer } from './legacy.ts';

/** A file's Sigstore bundle sits beside it under this suffix, as cosign writes it. */
export const BUNDLE_SUFFIX = '.sigstore.json';

function signingCertificate(signature: Signature): Buffer | undefined {
  return signature.key.$case === 'x509Certificate' ? certificateDer(signature.key.certificate) : undefined;
}

function keyHintOf(signature: Signature): string | undefined {
  return signature.key.$case === 'publicKey' ? signature.key.hint : undefined;
}

/** An unwitnessed message-signature bundle for a file whose SHA-256 is `sha256Hex`. */
export function messageBundle(sha256Hex: string, signature: Signature): Bundle {
  return toMessageSignatureBundle({
    digest: Buffer.from(sha256Hex, 'hex'),
    signature: signature.signature,
    certificate: signingCertificate(signature),
    keyHint: keyHintOf(signature),
    certificateChain: false,
  });
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** DSSE pre-authentication encoding: what a DSSE signature covers. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** An unwitnessed DSSE bundle of `payload`. */
export function dsseBundle(payload: Buffer, payloadType: string, signature: Signature): Bundle {
  return toDSSEBundle({
    artifact: payload,
    artifactType: payloadType,
    signature: signature.signature,
    certificate: signingCertificate(signature),
    keyHint: keyHintOf(signature),
    certificateChain: false,
  });
}

export function serializeBundle(bundle: Bundle): string {
  return `${JSON.stringify(bundleToJSON(bundle))}\n`;
}

export function parseBundle(text: string): Bundle {
  return bundleFromJSON(JSON.parse(text));
}

export { BUNDLE_V03_MEDIA_TYPE };
