/**
 * The entry point: an `OciClient` holds what is shared per registry (its token bucket, its credentials and tokens)
 * and opens an `ImageStore` for any reference, a registry repository or an `oci:` layout folder.
 */
import path from 'node:path';
import type { RetryOptions } from '../core/retry.ts';
import type { Credentials } from './auth.ts';
import { HttpRepository, RegistryHost } from './http-registry.ts';
import { LayoutStore } from './layout-store.ts';
import { TokenBucket } from './rate-limit.ts';
import { type ImageReference, parseReference } from './reference.ts';
import type { ImageStore } from './store.ts';

export interface OciClientOptions {
  credentials?: Credentials;
  /** Hosts spoken to over plain http (host or host:port). */
  plainHttp?: readonly string[];
  /** Requests per second per registry on average (default 50; Infinity for none). */
  rateLimit?: number;
  /** Requests a registry may get at once after a quiet spell (default BURST_SECONDS of `rateLimit`). */
  burst?: number;
  retry?: RetryOptions;
  timeoutMs?: number;
  /** Where relative `oci:` paths are resolved (the workspace). */
  baseDir?: string;
  /** Layout paths are checked by the caller (e.g. core/paths.ts resolveSafeSync); the default resolves them. */
  resolveLayout?: (folder: string) => string;
  onRequest?: (registry: string, method: string, path: string) => void;
}

/**
 * The default burst, in seconds of the rate: registries publish quotas per minute or longer, and a burst this size
 * lets a small promotion's survey and check (a few hundred requests) go at once while the average stays `rateLimit`.
 */
export const BURST_SECONDS = 10;

export class OciClient {
  readonly #options: OciClientOptions;
  readonly #hosts = new Map<string, RegistryHost>();
  readonly #layouts = new Map<string, LayoutStore>();

  constructor(options: OciClientOptions = {}) {
    this.#options = options;
  }

  host(registry: string): RegistryHost {
    let host = this.#hosts.get(registry);
    if (!host) {
      const rate = this.#options.rateLimit ?? 50;
      host = new RegistryHost({
        registry,
        plainHttp: this.#options.plainHttp?.includes(registry) ?? false,
        credential: this.#options.credentials?.get(registry),
        limiter: new TokenBucket(rate, this.#options.burst ?? Math.max(1, Math.ceil(rate * BURST_SECONDS))),
        ...(this.#options.retry ? { retry: this.#options.retry } : {}),
        ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
        ...(this.#options.onRequest
          ? { onRequest: (method: string, p: string) => this.#options.onRequest?.(registry, method, p) }
          : {}),
      });
      this.#hosts.set(registry, host);
    }
    return host;
  }

  /** The store a reference's repository lives in (its tag or digest is not part of the store). */
  store(reference: ImageReference | string): ImageStore {
    const ref = typeof reference === 'string' ? parseReference(reference) : reference;
    if (ref.kind === 'registry') return new HttpRepository(this.host(ref.registry), ref.repository);
    const dir = this.#options.resolveLayout
      ? this.#options.resolveLayout(ref.path)
      : path.resolve(this.#options.baseDir ?? process.cwd(), ref.path);
    let layout = this.#layouts.get(dir);
    if (!layout) {
      layout = new LayoutStore(dir, `oci:${ref.path}`);
      this.#layouts.set(dir, layout);
    }
    return layout;
  }
}
