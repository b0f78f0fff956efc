/**
 * Offline trust material for @sigstore/verify: a trusted_root.json (the
 * public-good instance's, shipped beside this module, or a private instance's
 * file) and/or a public key. Nothing here touches the network (sigstore.verify
 * would refresh TUF metadata online).
 *
 * public-good-trusted-root.json is targets/trusted_root.json of
 * github.com/sigstore/root-signing at 60cf2ce8b2e4 (2026-08-21).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial, type VerificationPolicy } from '@sigstore/verify';
import { exactIdentity, type TrustPolicy } from './bundle-verifier.ts';
import publicGood from './public-good-trusted-root.json' with { type: 'json' };
import { PRIVATE_KEY_PEM } from './trust-inputs.ts';

export function publicGoodTrustedRoot(): TrustedRoot {
  return TrustedRoot.fromJSON(publicGood);
}

export function parseTrustedRoot(json: unknown): TrustedRoot {
  const root = TrustedRoot.fromJSON(json);
  if (!/^application\/vnd\.dev\.sigstore\.trustedroot/.test(root.mediaType)) throw new Error('not a Sigstore trusted root');
  return root;
}

export function emptyTrustedRoot(): TrustedRoot {
  return TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
}

/**
 * Parses a PEM (SPKI) public key; throws when it is not one, a private key included (createPublicKey would take its
 * public half: the key would work, and a secret would sit where a public value belongs).
 */
export function parsePublicKey(pem: string): KeyObject {
  if (PRIVATE_KEY_PEM.test(pem)) throw new Error('a private key, not a public key');
  return createPublicKey({ key: pem, format: 'pem' });
}

/**
 * Trust material from a root and an optional public key. The key is used for
 * every bundle whatever its hint (as `cosign verify-blob --key` does): the hint
 * is only a hint. With a key, the root's certificate authorities and CT logs are
 * left out: a bundle signed with a certificate (keyless, by anyone Fulcio
 * certifies) is refused, not checked against the root and passed.
 */
export function trustMaterial(root: TrustedRoot, publicKey?: KeyObject): TrustMaterial {
  const trusted = publicKey ? { ...root, certificateAuthorities: [], ctlogs: [] } : root;
  return toTrustMaterial(trusted, (hint) => {
    if (!publicKey) throw new Error(`no public key given (bundle key hint ${hint})`);
    return { publicKey, validFor: () => true };
  });
}

export interface TrustConfig {
  /** Key mode: the signer's public key. Keyless when absent. */
  publicKey?: KeyObject;
  /** The Sigstore instance's trusted root (certificate authorities, logs, TSAs); empty when absent. */
  trustedRoot?: TrustedRoot;
  /** Whether a transparency-log entry is required (false for `rekor-url: none`). */
  tlog: boolean;
  /** Keyless: the certificate identity (SAN), exact (a string) or a regular expression. */
  identity?: string | RegExp;
  /** Keyless: the OIDC issuer recorded in the certificate. */
  issuer?: string;
  /**
   * Keyless: the repository the signing run was for, as Fulcio records it (Source Repository URI, e.g.
   * https://github.com/kubernetes/kubernetes). A reusable workflow's certificates name the reusable workflow
   * whoever calls it; this is what tells one caller's signatures from another's.
   */
  sourceRepository?: string;
}

/** Fulcio's Source Repository URI extension (1.3.6.1.4.1.57264.1.12): a DER UTF8String. */
const SOURCE_REPOSITORY_OID = [1, 3, 6, 1, 4, 1, 57264, 1, 12];

/** The DER encoding of a UTF8String, as the extension holds it. */
function derUtf8String(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length: number[] = [];
  for (let rest = bytes.length; rest > 0; rest = Math.floor(rest / 256)) length.unshift(rest % 256);
  const header = bytes.length < 0x80 ? [0x0c, bytes.length] : [0x0c, 0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from(header), bytes]);
}

/**
 * Thresholds as the signing side produces them: a tlog entry unless Rekor is
 * off; keyless bundles need a certificate transparency SCT and a verified time
 * (the tlog's or a TSA's) inside the certificate's ten minutes.
 */
export function trustPolicy(config: TrustConfig): TrustPolicy {
  const keyless = config.publicKey === undefined;
  const policy: VerificationPolicy = {};
  if (keyless && config.identity !== undefined)
    policy.subjectAlternativeName = typeof config.identity === 'string' ? exactIdentity(config.identity) : config.identity;
  if (keyless && config.issuer !== undefined) policy.extensions = { issuer: config.issuer };
  if (keyless && config.sourceRepository !== undefined)
    policy.oids = [{ oid: { id: SOURCE_REPOSITORY_OID }, value: derUtf8String(config.sourceRepository) }];
  return {
    material: trustMaterial(config.trustedRoot ?? emptyTrustedRoot(), config.publicKey),
    thresholds: {
      tlogThreshold: config.tlog ? 1 : 0,
      ctlogThreshold: keyless ? 1 : 0,
      timestampThreshold: keyless ? 1 : 0,
    },
    policy: Object.keys(policy).length > 0 ? policy : undefined,
  };
}
