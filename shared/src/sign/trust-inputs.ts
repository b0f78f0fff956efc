/**
 * The verify-gate inputs shared by every action that checks signatures before it
 * writes (sign-artifacts in verify mode, publish-binaries' verify-signatures):
 * a public key (PEM text or a workspace file), a trusted root, and the keyless
 * identity policy. Each failure is an InputError naming the input.
 */
import { readFileSync } from 'node:fs';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { InputError } from '../core/errors.ts';
import { type InputReader, maskSecret } from '../core/inputs.ts';
import { resolveSafeSync } from '../core/paths.ts';
import { type Endpoints, usesPublicGood } from './service-inputs.ts';
import type { TrustConfig } from './trust.ts';

/** The Sigstore-loading half of the sign domain, passed in so callers decide when to load it. */
type TrustParsers = Pick<typeof import('./verify.ts'), 'parsePublicKey' | 'parseTrustedRoot'>;

export const TRUST_INPUT = {
  publicKey: 'public-key',
  trustedRoot: 'trusted-root',
  certificateIdentity: 'certificate-identity',
  certificateIdentityRegexp: 'certificate-identity-regexp',
  certificateOidcIssuer: 'certificate-oidc-issuer',
  certificateSourceRepository: 'certificate-source-repository',
} as const;

/** Any PEM private key: PKCS#8 (encrypted or not), SEC1, PKCS#1, OpenSSH, cosign's. */
export const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** The text of a file inside the workspace, symlinks included: a link to a file elsewhere on the runner is never read. */
function readWorkspaceText(workspace: string, relative: string): string {
  return readFileSync(resolveSafeSync(workspace, relative), 'utf8');
}

/**
 * PEM text given inline, or the path of a PEM file inside the workspace. A private key is refused, masked first: it
 * is a secret given where a public value was expected (cosign refuses it too).
 */
export function readPemInput(inputs: InputReader, name: string, workspace: string): string | undefined {
  const value = inputs.optional(name);
  if (value === undefined) return undefined;
  let pem = value;
  if (!value.includes('-----BEGIN')) {
    try {
      pem = readWorkspaceText(workspace, value);
    } catch (err) {
      throw new InputError(name, `is neither PEM text nor a readable file in the workspace (${(err as Error).message})`);
    }
  }
  if (PRIVATE_KEY_PEM.test(pem)) {
    maskSecret(pem);
    throw new InputError(name, 'is a private key: give its public key (cosign public-key --key <key>, or openssl pkey -pubout)');
  }
  return pem;
}

export function parsePublicKeyInput(pem: string | undefined, sign: TrustParsers): TrustConfig['publicKey'] {
  if (pem === undefined) return undefined;
  let key: NonNullable<TrustConfig['publicKey']>;
  try {
    key = sign.parsePublicKey(pem);
  } catch {
    throw new InputError(TRUST_INPUT.publicKey, 'is not a PEM public key');
  }
  // Key signing makes ECDSA signatures: any other key would fail every file with "verification failed".
  if (key.asymmetricKeyType !== 'ec')
    throw new InputError(
      TRUST_INPUT.publicKey,
      `is an ${key.asymmetricKeyType?.toUpperCase() ?? 'unknown'} key; signatures are ECDSA: give the ECDSA public key (P-256) of the signing key`,
    );
  return key;
}

/** `trusted-root`: a trusted_root.json inside the workspace. */
export function readTrustedRootInput(inputs: InputReader, workspace: string, sign: TrustParsers): TrustedRoot | undefined {
  const file = inputs.optional(TRUST_INPUT.trustedRoot);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readWorkspaceText(workspace, file);
  } catch (err) {
    throw new InputError(
      TRUST_INPUT.trustedRoot,
      `${JSON.stringify(file)} is not a readable file in the workspace (${(err as Error).message})`,
    );
  }
  // The parsers' messages quote the content: never in the log (the file might be anything).
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(TRUST_INPUT.trustedRoot, `${JSON.stringify(file)} is not valid JSON: give a Sigstore trusted_root.json`);
  }
  try {
    return sign.parseTrustedRoot(json);
  } catch {
    throw new InputError(
      TRUST_INPUT.trustedRoot,
      `${JSON.stringify(file)} is not a Sigstore trusted_root.json (mediaType application/vnd.dev.sigstore.trustedroot+json)`,
    );
  }
}

/**
 * The trusted root a run verifies against: `trusted-root`, else the shipped public-good one when every service in
 * use is the public-good one; undefined for a private instance without one.
 */
export function trustedRootFor(
  inputs: InputReader,
  workspace: string,
  endpoints: Endpoints,
  keyless: boolean,
  sign: TrustParsers & Pick<typeof import('./trust.ts'), 'publicGoodTrustedRoot'>,
): TrustedRoot | undefined {
  return (
    readTrustedRootInput(inputs, workspace, sign) ??
    (usesPublicGood(endpoints, keyless) ? sign.publicGoodTrustedRoot() : undefined)
  );
}

/** The keyless policy: an exact identity or a regular expression (not both), the OIDC issuer, the source repository. */
export function readIdentityPolicy(inputs: InputReader): Pick<TrustConfig, 'identity' | 'issuer' | 'sourceRepository'> {
  const exact = inputs.optional(TRUST_INPUT.certificateIdentity);
  const pattern = inputs.optional(TRUST_INPUT.certificateIdentityRegexp);
  if (exact !== undefined && pattern !== undefined)
    throw new InputError(TRUST_INPUT.certificateIdentityRegexp, `cannot be combined with ${TRUST_INPUT.certificateIdentity}`);
  let identity: string | RegExp | undefined = exact;
  if (pattern !== undefined) {
    try {
      identity = new RegExp(pattern);
    } catch (err) {
      throw new InputError(TRUST_INPUT.certificateIdentityRegexp, `is not a regular expression (${(err as Error).message})`);
    }
  }
  const sourceRepository = inputs.optional(TRUST_INPUT.certificateSourceRepository);
  if (sourceRepository !== undefined && !/^https?:\/\/[^\s/]+\/[^\s]+[^\s/]$/.test(sourceRepository))
    throw new InputError(
      TRUST_INPUT.certificateSourceRepository,
      `expected the repository's URL as Fulcio records it, such as https://github.com/kubernetes/kubernetes, got ${JSON.stringify(sourceRepository)}`,
    );
  return { identity, issuer: inputs.optional(TRUST_INPUT.certificateOidcIssuer), sourceRepository };
}
