/**
 * AWS Signature Version 4, header form, as S3 takes it: the canonical request
 * (method, path as sent, sorted query, signed headers, payload hash), the string
 * to sign for the day's scope, and the signature by the day's signing key.
 * Written here rather than loaded from @smithy/signature-v4: that module and its
 * dependencies would weigh on every publish's bundle and start-up, for the two
 * HMACs a request needs. The signing key
 * is derived once per day, region and secret, and kept as a KeyObject (turning
 * raw bytes into an HMAC key is most of an HMAC's cost).
 * Tested against the SDK's signer (sigv4.test.ts) and s3rver, which checks
 * every signature.
 */
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  /** The path exactly as sent (already encoded; S3 signs it as it is). */
  path: string;
  /** Decoded names and values. */
  query: Readonly<Record<string, string>>;
  /** Lower-case names, `host` and `x-amz-content-sha256` (the payload hash signed) included. */
  headers: Readonly<Record<string, string>>;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Headers a proxy or the HTTP stack may add, drop or change on the way: never signed (the SDK's list). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** RFC 3986 encoding (all but A-Z a-z 0-9 - _ . ~), the one SigV4's canonical URI and query use. */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Query pairs encoded and sorted by name, then value: the canonical query, also what is sent. */
export function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** 20240102T030405Z */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export class SigV4Signer {
  readonly #service: string;
  /** The last signing key derived, for its secret, day and region. */
  #key: { id: string; key: KeyObject } | undefined;

  constructor(service = 's3') {
    this.#service = service;
  }

  /** The request's headers with x-amz-date, the session token if any, and Authorization added. */
  sign(request: RequestToSign, credentials: SigningCredentials, region: string, date: Date): Record<string, string> {
    const time = amzDate(date);
    const day = time.slice(0, 8);
    const headers: Record<string, string> = { ...request.headers, 'x-amz-date': time };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const signed = Object.keys(headers)
      .map((name) => name.toLowerCase())
      .filter((name) => !UNSIGNABLE.has(name))
      .sort();
    const values = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    const canonicalHeaders = signed.map((name) => `${name}:${String(values.get(name)).trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonicalRequest = [
      request.method,
      request.path,
      canonicalQuery(request.query),
      canonicalHeaders,
      signed.join(';'),
      values.get('x-amz-content-sha256') ?? createHash('sha256').update('').digest('hex'),
    ].join('\n');
    const scope = `${day}/${region}/${this.#service}/aws4_request`;
    const stringToSign = [ALGORITHM, time, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const signature = createHmac('sha256', this.#signingKey(credentials.secretAccessKey, day, region))
      .update(stringToSign)
      .digest('hex');
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
    return headers;
  }

  #signingKey(secret: string, day: string, region: string): KeyObject {
    const id = `${day}\n${region}\n${secret}`;
    if (this.#key?.id !== id) {
      let key: Buffer = Buffer.from(`AWS4${secret}`);
      for (const part of [day, region, this.#service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
      this.#key = { id, key: createSecretKey(key) };
    }
    return this.#key.key;
  }
}
