/**
 * Access tokens for the GCS JSON API, without Google's client libraries: a given
 * access token; a service-account key (a JWT signed with its RS256 key, exchanged
 * at its token_uri); or Workload Identity Federation (an `external_account`
 * configuration, as google-github-actions/auth writes one: the runner's OIDC token
 * is exchanged at Google's STS for a federated token, then, when the configuration
 * names a service account, for that account's token). Tokens are refreshed a
 * minute before they expire.
 */
import { createSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { httpRequest } from '../core/http.ts';
import type { RetryOptions } from '../core/retry.ts';

const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const REFRESH_EARLY_MS = 60_000;

export type GcsCredentials =
  | { type: 'access_token'; token: string }
  | { type: 'service_account'; client_email: string; private_key: string; token_uri?: string }
  | {
      type: 'external_account';
      audience: string;
      subject_token_type: string;
      token_url: string;
      service_account_impersonation_url?: string;
      credential_source: {
        file?: string;
        url?: string;
        headers?: Record<string, string>;
        format?: { type: 'json' | 'text'; subject_token_field_name?: string };
      };
    };

/** Parses a credentials JSON (a service-account key or an external_account configuration). */
export function parseGcsCredentials(json: string, input: string): GcsCredentials {
  let parsed: { type?: unknown };
  try {
    parsed = JSON.parse(json) as { type?: unknown };
  } catch (error) {
    throw new InputError(input, 'is not JSON (a service-account key or an external_account configuration)', {
      cause: error,
      userError: true,
    });
  }
  if (parsed.type === 'service_account' || parsed.type === 'external_account') return parsed as GcsCredentials;
  throw new InputError(
    input,
    `holds credentials of type ${JSON.stringify(parsed.type)}: expected service_account or external_account`,
    {
      userError: true,
    },
  );
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The signed JWT a service account trades for an access token (RFC 7523). */
export function serviceAccountAssertion(
  key: { client_email: string; private_key: string },
  audience: string,
  now: number,
): string {
  const iat = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ iss: key.client_email, scope: SCOPE, aud: audience, iat, exp: iat + 3600 }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key.private_key);
  return `${header}.${claims}.${base64url(signature)}`;
}

interface Token {
  value: string;
  expiresAt: number;
}

async function postJson(url: string, body: Record<string, unknown>, retry: RetryOptions | undefined, bearer?: string) {
  const response = await httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
    retry,
  });
  return (await response.json()) as Record<string, unknown>;
}

async function subjectToken(source: Extract<GcsCredentials, { type: 'external_account' }>['credential_source']): Promise<string> {
  const raw = source.url
    ? await (await httpRequest(source.url, { headers: source.headers ?? {} })).text()
    : await readFile(source.file ?? '', 'utf8');
  if (source.format?.type !== 'json') return raw.trim();
  return String((JSON.parse(raw) as Record<string, unknown>)[source.format.subject_token_field_name ?? 'value']);
}

async function fetchToken(credentials: GcsCredentials, retry: RetryOptions | undefined, now: () => number): Promise<Token> {
  if (credentials.type === 'access_token') return { value: credentials.token, expiresAt: Number.POSITIVE_INFINITY };
  if (credentials.type === 'service_account') {
    const tokenUri = credentials.token_uri ?? 'https://oauth2.googleapis.com/token';
    const answer = await postJson(
      tokenUri,
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: serviceAccountAssertion(credentials, tokenUri, now()),
      },
      retry,
    );
    return { value: String(answer['access_token']), expiresAt: now() + Number(answer['expires_in'] ?? 3600) * 1000 };
  }
  const federated = await postJson(
    credentials.token_url,
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: credentials.audience,
      scope: CLOUD_PLATFORM,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token_type: credentials.subject_token_type,
      subject_token: await subjectToken(credentials.credential_source),
    },
    retry,
  );
  const federatedToken = String(federated['access_token']);
  const federatedExpiry = now() + Number(federated['expires_in'] ?? 3600) * 1000;
  if (!credentials.service_account_impersonation_url) return { value: federatedToken, expiresAt: federatedExpiry };
  const impersonated = await postJson(
    credentials.service_account_impersonation_url,
    { scope: [CLOUD_PLATFORM] },
    retry,
    federatedToken,
  );
  return {
    value: String(impersonated['accessToken']),
    expiresAt: Date.parse(String(impersonated['expireTime'])) || federatedExpiry,
  };
}

/** A token provider: the current token, fetched on first use and again shortly before it expires. */
export function gcsTokenProvider(credentials: GcsCredentials, retry?: RetryOptions, now = Date.now): () => Promise<string> {
  let current: Promise<Token> | undefined;
  return async () => {
    const held = current && (await current.catch(() => undefined));
    if (held && held.expiresAt - REFRESH_EARLY_MS > now()) return held.value;
    const fetching = fetchToken(credentials, retry, now);
    current = fetching;
    fetching.catch(() => {
      if (current === fetching) current = undefined;
    });
    return (await fetching).value;
  };
}
