/**
 * The OIDC identity token Fulcio binds into the certificate: an explicit token,
 * or one requested from the runner (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, given by
 * the caller) with audience `sigstore`. Tokens are checked to be JWTs here, so no
 * library error ever echoes a malformed token.
 */
import type { IdentityProvider } from '@sigstore/sign';
import { httpRequest } from '../core/http.ts';
import type { RetryOptions } from '../core/retry.ts';
import { SigningError } from './errors.ts';

export const SIGSTORE_AUDIENCE = 'sigstore';

/** The claims of a JWT (unverified: Fulcio verifies the token). */
export function jwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  try {
    if (parts.length !== 3) throw new Error('not three parts');
    const claims: unknown = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('not an object');
    return claims as Record<string, unknown>;
  } catch {
    throw new SigningError('the identity token is not a JWT', [], { userError: true });
  }
}

/** The identity Fulcio certifies, as a certificate names it: its subject alternative name and OIDC issuer. */
export interface CertificateIdentity {
  identity: string;
  issuer: string;
}

const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * The identity a certificate for this token names, after Fulcio's issuer mappings: for a GitHub Actions token (an
 * enterprise's own issuer included), the workflow the job runs (`https://github.com/<job_workflow_ref>`, a called
 * reusable workflow's own); for GitLab CI, `https://<ci_config_ref_uri>`; for an email issuer, the email; otherwise
 * the subject. Undefined for a token without an issuer.
 */
export function certificateIdentityOf(claims: Record<string, unknown>): CertificateIdentity | undefined {
  const { iss, job_workflow_ref: workflow, ci_config_ref_uri: gitlabConfig, email, sub } = claims;
  if (typeof iss !== 'string') return undefined;
  const github = iss === GITHUB_ACTIONS_ISSUER || iss.startsWith(`${GITHUB_ACTIONS_ISSUER}/`);
  if (github && typeof workflow === 'string') return { identity: `https://github.com/${workflow}`, issuer: iss };
  if (typeof gitlabConfig === 'string') return { identity: `https://${gitlabConfig}`, issuer: iss };
  if (typeof email === 'string') return { identity: email, issuer: iss };
  return typeof sub === 'string' ? { identity: sub, issuer: iss } : undefined;
}

export function staticToken(token: string): IdentityProvider {
  jwtClaims(token);
  return { getToken: async () => token };
}

export interface RunnerTokenRequest {
  /** ACTIONS_ID_TOKEN_REQUEST_URL */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  token: string;
  /** Masks each token fetched (core.setSecret in an action). */
  mask?: (secret: string) => void;
  retry?: RetryOptions;
  timeoutMs?: number;
}

/** Requests a fresh token from the runner each time (a token lives for minutes). */
export function runnerToken(request: RunnerTokenRequest): IdentityProvider {
  return {
    async getToken() {
      const url = new URL(request.url);
      url.searchParams.set('audience', SIGSTORE_AUDIENCE);
      const response = await httpRequest(url, {
        headers: { authorization: `Bearer ${request.token}`, accept: 'application/json' },
        timeoutMs: request.timeoutMs,
        retry: request.retry,
      });
      const body = (await response.json()) as { value?: unknown };
      if (typeof body.value !== 'string') throw new SigningError('the runner returned no identity token');
      request.mask?.(body.value);
      jwtClaims(body.value);
      return body.value;
    },
  };
}
