/**
 * The OCI distribution API over HTTP(S): one `RegistryHost` per registry holds its token bucket and its
 * authorisation (bearer tokens per scope, or basic), and every request of every repository on it goes through
 * `RegistryHost.request`: rate limit, auth challenge answered once, retries by the project's policy.
 *
 * Credentials go to the registry's own origin only (and, as docker sends them, to the token realm its own challenge
 * names): a `Link`, an upload `Location` or a redirect to another host gets none, and a challenge from another host
 * is refused rather than answered.
 */
import { HttpError, ReleaseError } from '../core/errors.ts';
import { redactUrl } from '../core/http.ts';
import { parseRetryAfter, type RetryOptions, withRetry } from '../core/retry.ts';
import { basicAuthorization, type Credential, parseChallenge } from './auth.ts';
import { sha256Digest, verifiedStream } from './digest.ts';
import { type RegistryResponse, readBounded, send } from './http-transport.ts';
import { type Descriptor, MANIFEST_ACCEPT, type ManifestBlob, manifestMediaType } from './media-types.ts';
import type { TokenBucket } from './rate-limit.ts';
import type { BlobStream, ImageStore } from './store.ts';

export interface RegistryRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Opened for each attempt. */
  body?: () => Promise<Uint8Array | BlobStream> | Uint8Array;
  /** Statuses returned instead of thrown (404: absent). */
  accept?: readonly number[];
  /** The token scope the request needs, e.g. `repository:a/b:pull,push`. */
  scope: string;
  /** false: one attempt (the caller retries a larger sequence). */
  retry?: boolean;
}

export interface RegistryHostOptions {
  registry: string;
  plainHttp: boolean;
  credential: Credential | undefined;
  limiter: TokenBucket;
  retry?: RetryOptions;
  timeoutMs?: number;
  /** Called with each request's method and path, for debug logs and request counts. */
  onRequest?: (method: string, path: string) => void;
}

/**
 * The most of an answer read into memory (a blob is streamed, never read whole): a manifest as distribution and most
 * registries cap it (4 MiB), a page of tags or referrers, a token, the start of an error's text.
 */
const MANIFEST_LIMIT = 4 * 1024 * 1024;
const PAGE_LIMIT = 16 * 1024 * 1024;
const TOKEN_LIMIT = 1024 * 1024;
const ERROR_TEXT_LIMIT = 4096;

/** Docker Hub's API lives on another host than its references name. */
function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

export class RegistryHost {
  readonly registry: string;
  readonly base: string;
  readonly #origin: string;
  readonly #options: RegistryHostOptions;
  readonly #tokens = new Map<string, Promise<string>>();
  #challenge: { scheme: string; params: Record<string, string> } | undefined;

  constructor(options: RegistryHostOptions) {
    this.#options = options;
    this.registry = options.registry;
    this.base = `${options.plainHttp ? 'http' : 'https'}://${apiHost(options.registry)}`;
    this.#origin = new URL(this.base).origin;
  }

  get retryOptions(): RetryOptions | undefined {
    return this.#options.retry;
  }

  async #authorization(scope: string): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return this.#basic();
    if (challenge.scheme !== 'bearer') return undefined;
    let token = this.#tokens.get(scope);
    if (!token) {
      token = this.#fetchToken(challenge.params, scope);
      this.#tokens.set(scope, token);
      token.catch(() => this.#tokens.delete(scope));
    }
    return `Bearer ${await token}`;
  }

  #basic(): string {
    const value = this.#options.credential && basicAuthorization(this.#options.credential);
    if (!value)
      throw new ReleaseError('REGISTRY_ERROR', `${this.registry} asks for a user name and password: none is configured`, {
        userError: true,
      });
    return value;
  }

  async #fetchToken(params: Record<string, string>, scope: string): Promise<string> {
    const realm = params.realm;
    if (!realm) throw new ReleaseError('REGISTRY_ERROR', `${this.registry}: a Bearer challenge without a realm`);
    const url = new URL(realm);
    const credential = this.#options.credential;
    const scopes = scope.split(' ');
    let response: Response;
    if (credential?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.identityToken,
        service: params.service ?? '',
        client_id: 'release-actions',
        scope: scopes.join(' '),
      });
      response = await this.#tokenRequest(url, { method: 'POST', body: form });
    } else {
      if (params.service) url.searchParams.set('service', params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const basic = credential && basicAuthorization(credential);
      response = await this.#tokenRequest(url, { headers: basic ? { authorization: basic } : {} });
    }
    const text = response.body ? (await readBounded(response.body, TOKEN_LIMIT, url.toString())).toString('utf8') : '';
    const body = JSON.parse(text) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new ReleaseError('REGISTRY_ERROR', `${redactUrl(url)} answered without a token`);
    return token;
  }

  #tokenRequest(url: URL, init: RequestInit): Promise<Response> {
    return withRetry(
      async () => {
        await this.#options.limiter.take();
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 60_000) });
        if (response.ok) return response;
        await response.body?.cancel();
        const denied = response.status === 401 || response.status === 403;
        throw new HttpError(response.status, `token request to ${redactUrl(url)} returned ${response.status}`, {
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
          ...(denied ? { userError: true } : {}),
        });
      },
      { what: `token for ${this.registry}`, ...this.#options.retry },
    );
  }

  /** `own`: the URL is on the registry's origin (only then are credentials sent). */
  async #attempt(url: string, own: boolean, request: RegistryRequest): Promise<RegistryResponse> {
    const method = request.method ?? 'GET';
    for (let authenticated = false; ; authenticated = true) {
      await this.#options.limiter.take();
      if (this.#options.onRequest) {
        const target = new URL(url);
        this.#options.onRequest(method, `${target.pathname}${target.search}`);
      }
      const authorization = own ? await this.#authorization(request.scope) : undefined;
      const body = request.body ? await request.body() : undefined;
      const response = await send(url, {
        method,
        headers: { ...request.headers, ...(authorization ? { authorization } : {}) },
        body,
        timeoutMs: this.#options.timeoutMs ?? 300_000,
      });
      if (response.status === 401 && !authenticated) {
        const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
        await response.discard();
        // The answer may come from where a redirect led: another host's challenge must not get our credentials.
        if (challenge && new URL(response.url).origin !== this.#origin)
          throw new ReleaseError(
            'REGISTRY_ERROR',
            `${redactUrl(response.url)} asks for credentials: ${this.registry}'s are sent to ${this.registry} only`,
          );
        if (challenge) {
          this.#challenge = challenge;
          this.#tokens.delete(request.scope);
          continue;
        }
      }
      if (response.ok || request.accept?.includes(response.status)) return response;
      const text = await response.head(ERROR_TEXT_LIMIT).catch(() => '');
      const denied = response.status === 401 || response.status === 403;
      throw new HttpError(
        response.status,
        `${method} ${redactUrl(url)} returned ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`,
        { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')), ...(denied ? { userError: true } : {}) },
      );
    }
  }

  /** One request to `path` (or an absolute URL the registry gave), rate-limited, authorised and retried. */
  request(path: string, request: RegistryRequest): Promise<RegistryResponse> {
    const absolute = /^https?:\/\//.test(path);
    const url = absolute ? path : `${this.base}${path}`;
    const own = !absolute || new URL(url).origin === this.#origin;
    if (request.retry === false) return this.#attempt(url, own, request);
    return withRetry(() => this.#attempt(url, own, request), {
      // Our own paths carry no credentials, only the query is dropped: parsing a URL per request showed in profiles.
      what: `${request.method ?? 'GET'} ${absolute ? redactUrl(url) : url.split('?')[0]}`,
      ...this.#options.retry,
    });
  }
}

function nextLink(response: RegistryResponse, base: string): string | undefined {
  const link = response.headers.get('link');
  const match = link && /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return match ? new URL(match[1] as string, base).toString() : undefined;
}

const REFERENCE_HEADERS = { accept: MANIFEST_ACCEPT };

export class HttpRepository implements ImageStore {
  readonly name: string;
  readonly registryKey: string;
  readonly repository: string;
  readonly #host: RegistryHost;
  readonly #pull: string;
  readonly #push: string;

  constructor(host: RegistryHost, repository: string) {
    this.#host = host;
    this.repository = repository;
    this.name = `${host.registry}/${repository}`;
    this.registryKey = host.registry;
    this.#pull = `repository:${repository}:pull`;
    this.#push = `repository:${repository}:pull,push`;
  }

  #path(kind: 'manifests' | 'blobs' | 'tags' | 'referrers', rest = ''): string {
    return `/v2/${this.repository}/${kind}/${rest}`;
  }

  async getManifest(reference: string): Promise<ManifestBlob | undefined> {
    const response = await this.#host.request(this.#path('manifests', reference), {
      headers: REFERENCE_HEADERS,
      accept: [404],
      scope: this.#pull,
    });
    if (response.status === 404) {
      await response.discard();
      return undefined;
    }
    const bytes = await response.bytes(MANIFEST_LIMIT);
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new ReleaseError('DIGEST_MISMATCH', `${this.name}@${reference} answered a manifest whose digest is ${digest}`);
    const type = response.headers.get('content-type')?.split(';')[0]?.trim();
    return { mediaType: manifestMediaType(bytes, type || undefined), digest, bytes };
  }

  async headManifest(reference: string): Promise<Descriptor | undefined> {
    const response = await this.#host.request(this.#path('manifests', reference), {
      method: 'HEAD',
      headers: REFERENCE_HEADERS,
      accept: [404],
      scope: this.#pull,
    });
    if (response.status === 404) return undefined;
    const digest = response.headers.get('docker-content-digest');
    const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
    if (!digest || !mediaType) {
      const manifest = await this.getManifest(reference);
      return manifest && { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
    }
    return { mediaType, digest, size: Number(response.headers.get('content-length') ?? 0) };
  }

  async putManifest(reference: string, manifest: Omit<ManifestBlob, 'digest'>): Promise<string> {
    const digest = sha256Digest(manifest.bytes);
    const response = await this.#host.request(this.#path('manifests', reference), {
      method: 'PUT',
      headers: { 'content-type': manifest.mediaType },
      body: () => manifest.bytes,
      scope: this.#push,
    });
    await response.discard();
    const stored = response.headers.get('docker-content-digest');
    if (stored && stored !== digest)
      throw new ReleaseError('DIGEST_MISMATCH', `${this.name}:${reference} was stored as ${stored}, not ${digest}`);
    return digest;
  }

  async headBlob(digest: string): Promise<number | undefined> {
    const response = await this.#host.request(this.#path('blobs', digest), {
      method: 'HEAD',
      accept: [404],
      scope: this.#pull,
    });
    return response.status === 404 ? undefined : Number(response.headers.get('content-length') ?? 0);
  }

  async getBlob(digest: string): Promise<BlobStream> {
    const response = await this.#host.request(this.#path('blobs', digest), { scope: this.#pull });
    if (!response.body) throw new ReleaseError('REGISTRY_ERROR', `${this.name}@${digest}: a blob without a body`);
    return verifiedStream(response.body, digest, `${this.name}@${digest}`);
  }

  async putBlob(digest: string, size: number, open: () => Promise<BlobStream>): Promise<void> {
    // A broken upload session cannot be resumed portably: each attempt starts a new one and re-opens the source.
    await withRetry(
      async () => {
        const location = await this.#startUpload();
        const url = new URL(location, this.#host.base);
        url.searchParams.set('digest', digest);
        const response = await this.#host.request(url.toString(), {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
          body: open,
          scope: this.#push,
          retry: false,
        });
        await response.discard();
      },
      { what: `upload of ${digest} to ${this.name}`, ...this.#host.retryOptions },
    );
  }

  async #startUpload(query = '', scope = this.#push): Promise<string> {
    const response = await this.#host.request(`${this.#path('blobs', 'uploads/')}${query}`, {
      method: 'POST',
      headers: { 'content-length': '0' },
      accept: [201],
      scope,
      retry: false,
    });
    await response.discard();
    const location = response.headers.get('location');
    if (response.status === 201) return '';
    if (!location) throw new ReleaseError('REGISTRY_ERROR', `${this.name}: an upload started without a Location`);
    return location;
  }

  async mountBlob(digest: string, from: ImageStore): Promise<boolean> {
    if (from.registryKey !== this.registryKey || from.repository === this.repository) return false;
    const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`;
    const scope = `${this.#push} repository:${from.repository}:pull`;
    const location = await withRetry(() => this.#startUpload(query, scope), {
      what: `mount of ${digest} into ${this.name}`,
      ...this.#host.retryOptions,
    });
    if (location === '') return true;
    // The registry started an upload instead: cancel it, the caller uploads.
    await this.#host
      .request(new URL(location, this.#host.base).toString(), { method: 'DELETE', scope: this.#push, retry: false })
      .then((r) => r.discard())
      .catch(() => {});
    return false;
  }

  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `${this.#path('tags', 'list')}?n=1000`;
    while (next) {
      const response = await this.#host.request(next, { accept: [404], scope: this.#pull });
      if (response.status === 404) {
        await response.discard();
        return [];
      }
      const body = (await response.json(PAGE_LIMIT)) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      next = nextLink(response, this.#host.base);
    }
    return tags;
  }

  async listReferrers(digest: string): Promise<Descriptor[] | undefined> {
    const found: Descriptor[] = [];
    let next: string | undefined = this.#path('referrers', digest);
    while (next) {
      const response = await this.#host.request(next, {
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
        accept: [404, 400, 405],
        scope: this.#pull,
      });
      if (!response.ok) {
        await response.discard();
        return undefined;
      }
      const type = response.headers.get('content-type') ?? '';
      if (!type.includes('json')) {
        await response.discard();
        return undefined;
      }
      const body = (await response.json(PAGE_LIMIT)) as { manifests?: Descriptor[] };
      found.push(...(body.manifests ?? []));
      next = nextLink(response, this.#host.base);
    }
    return found;
  }
}
