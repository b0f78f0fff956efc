/**
 * Kubernetes' legacy signature files, as `krel sign blobs` (cosign sign-blob)
 * writes them beside each file: `<file>.sig`, the base64 signature, and in
 * keyless mode `<file>.cert`, the base64 of the PEM signing certificate. Both are
 * derived from the bundle, so a rerun that keeps the bundle keeps them too.
 */
import type { Bundle } from '@sigstore/bundle';

export function certificatePem(der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function certificateDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');
}

/** The leaf certificate of a bundle (v0.3 single certificate or v0.2 chain), if any. */
export function bundleCertificate(bundle: Bundle): Uint8Array | undefined {
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'certificate') return content.certificate.rawBytes;
  if (content.$case === 'x509CertificateChain') return content.x509CertificateChain.certificates[0]?.rawBytes;
  return undefined;
}

export interface LegacyFiles {
  /** Content of `<file>.sig`. */
  sig: string;
  /** Content of `<file>.cert` (keyless only). */
  cert?: string;
}

export function legacyFiles(bundle: Bundle): LegacyFiles {
  if (bundle.content.$case !== 'messageSignature') throw new Error('legacy signatures exist for message signatures only');
  const sig = Buffer.from(bundle.content.messageSignature.signature).toString('base64');
  const der = bundleCertificate(bundle);
  return der ? { sig, cert: Buffer.from(certificatePem(der)).toString('base64') } : { sig };
}
