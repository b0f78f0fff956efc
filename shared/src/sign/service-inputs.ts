/**
 * The Sigstore service inputs (`fulcio-url`, `rekor-url`, `tsa-url`, `identity-token`), read the same way by
 * every action that signs keyless: URLs validated (`none` turns Rekor or the TSA off), the OIDC token taken from
 * the input or the runner, and whether the shipped public-good trusted root applies.
 */
import type { IdentityProvider } from '@sigstore/sign';
import { InputError } from '../core/errors.ts';
import { type InputReader, maskSecret } from '../core/inputs.ts';
import { SigningError } from './errors.ts';
import { runnerToken, staticToken } from './oidc.ts';
import { PUBLIC_GOOD } from './services.ts';

export const SERVICE_INPUT = {
  signing: 'signing',
  fulcioUrl: 'fulcio-url',
  rekorUrl: 'rekor-url',
  tsaUrl: 'tsa-url',
  identityToken: 'identity-token',
} as const;

const NONE = 'none';

/** A service URL (http or https), or undefined for `none` (when allowed). */
export function parseServiceUrl(input: string, raw: string, allowNone: boolean): string | undefined {
  if (allowNone && raw.toLowerCase() === NONE) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(input, `expected an https:// URL${allowNone ? " or 'none'" : ''}, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InputError(input, `expected an https:// URL, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
}

export interface Endpoints {
  fulcioUrl: string;
  rekorUrl: string | undefined;
  tsaUrl: string | undefined;
}

export function readEndpoints(inputs: InputReader): Endpoints {
  return {
    fulcioUrl: parseServiceUrl(
      SERVICE_INPUT.fulcioUrl,
      inputs.optional(SERVICE_INPUT.fulcioUrl) ?? PUBLIC_GOOD.fulcio,
      false,
    ) as string,
    rekorUrl: parseServiceUrl(SERVICE_INPUT.rekorUrl, inputs.optional(SERVICE_INPUT.rekorUrl) ?? PUBLIC_GOOD.rekor, true),
    tsaUrl: parseServiceUrl(SERVICE_INPUT.tsaUrl, inputs.optional(SERVICE_INPUT.tsaUrl) ?? PUBLIC_GOOD.tsa, true),
  };
}

/** A keyless signature needs a witness of when it was made: Rekor, a TSA or both. */
export function requireWitness(endpoints: Endpoints): void {
  if (endpoints.rekorUrl === undefined && endpoints.tsaUrl === undefined)
    throw new InputError(
      SERVICE_INPUT.rekorUrl,
      'none needs a tsa-url in keyless mode: the certificate lives ten minutes, a timestamp must prove when it signed',
    );
}

/** The shipped public-good root applies when every service in use is the public-good one. */
export function usesPublicGood(endpoints: Endpoints, keyless: boolean): boolean {
  return (
    (!keyless || endpoints.fulcioUrl === PUBLIC_GOOD.fulcio) &&
    (endpoints.rekorUrl === undefined || endpoints.rekorUrl === PUBLIC_GOOD.rekor) &&
    (endpoints.tsaUrl === undefined || endpoints.tsaUrl === PUBLIC_GOOD.tsa)
  );
}

/** The OIDC token: `identity-token` (masked), else the runner's (needs `id-token: write`). */
export function identityProvider(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  dryRun: boolean,
  timeoutMs: number,
): IdentityProvider {
  const token = inputs.secret(SERVICE_INPUT.identityToken);
  if (token !== undefined) {
    try {
      return staticToken(token);
    } catch {
      throw new InputError(SERVICE_INPUT.identityToken, 'is not a JWT (an OIDC identity token)');
    }
  }
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && requestToken) return runnerToken({ url, token: requestToken, mask: maskSecret, timeoutMs });
  const missing = "keyless signing needs an OIDC token: grant the job 'permissions: id-token: write' or pass identity-token";
  if (dryRun) return { getToken: () => Promise.reject(new SigningError(missing)) };
  throw new InputError(SERVICE_INPUT.signing, missing);
}
