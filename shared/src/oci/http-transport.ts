/**
 * A registry request over node:http(s), not fetch: a promotion is hundreds of small requests and blobs streamed from
 * one registry to another, and fetch's web streams copy every chunk of a blob, and its per-request work (undici's
 * dispatch, AbortSignal timers) showed as most of the client's CPU in profiles (figures: the commit that brought
 * this in). Keep-alive agents; redirects followed as fetch does, credentials dropped on another origin.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { ReleaseError } from '../core/errors.ts';
import { redactUrl } from '../core/http.ts';
import type { BlobStream } from './store.ts';

export interface SendOptions {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | BlobStream | undefined;
  /** How long the connection may sit idle (connecting, waiting for the answer, between chunks). */
  timeoutMs: number;
}

/** Up to this many bytes, an unwanted body is read to its end (the connection goes back to the pool), not dropped. */
const DRAIN_LIMIT = 64 * 1024;
const MAX_REDIRECTS = 10;
/**
 * A streamed body goes out in writes of about this size: each write to a loopback or LAN peer costs a system call
 * and a wake-up on both sides, and a source's 64 KiB reads made 17 writes per MiB. A slow source's chunks wait at
 * most WRITE_DELAY_MS, so the destination never sees a longer silence than the source's.
 */
const WRITE_BATCH = 512 * 1024;
const WRITE_DELAY_MS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** What the client reads of an answer: status, headers, and the body as a node stream (Buffers, no copies). */
export class RegistryResponse {
  readonly status: number;
  readonly url: string;
  readonly body: http.IncomingMessage;
  readonly headers: { get(name: string): string | null };

  constructor(message: http.IncomingMessage, url: string) {
    this.body = message;
    this.url = url;
    this.status = message.statusCode ?? 0;
    this.headers = {
      get: (name) => {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The whole body, refused past `limit` bytes (a registry's answer is never read into memory unbounded). */
  async bytes(limit: number): Promise<Buffer> {
    const length = Number(this.body.headers['content-length'] ?? Number.NaN);
    if (length > limit) {
      this.body.destroy();
      throw tooLarge(this.url, limit);
    }
    return readBounded(this.body, limit, this.url);
  }

  async text(limit: number): Promise<string> {
    return (await this.bytes(limit)).toString('utf8');
  }

  async json(limit: number): Promise<unknown> {
    return JSON.parse(await this.text(limit));
  }

  /** At most the first `limit` bytes of the body as text (for an error message); the rest is not read. */
  async head(limit: number): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) {
        this.body.destroy();
        break;
      }
    }
    return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
  }

  /** Ends an unwanted body: a small one is read (the connection is reused), a large one closes its connection. */
  async discard(): Promise<void> {
    if (this.body.readableEnded || this.body.destroyed) return;
    const length = Number(this.body.headers['content-length'] ?? Number.NaN);
    // An unread message holds its socket even when the parser has it all (a 201's empty body): read it to its end.
    if (this.body.complete || length <= DRAIN_LIMIT) await this.bytes(DRAIN_LIMIT).catch(() => {});
    else this.body.destroy();
  }
}

function tooLarge(url: string, limit: number): ReleaseError {
  return new ReleaseError('REGISTRY_ERROR', `${redactUrl(url)} answered more than ${limit} bytes: refused, not read into memory`);
}

/** A stream's bytes, refused past `limit` (a token, a manifest, a page of tags: never a blob). */
export async function readBounded(body: AsyncIterable<Uint8Array>, limit: number, url: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw tooLarge(url, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function timeoutError(url: string): Error {
  return Object.assign(new Error(`${url}: no answer in time`), { name: 'TimeoutError' });
}

/** One exchange: resolves once the answer's headers are in (the body may still be on its way out and in). */
function exchange(url: URL, options: SendOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    const body = options.body;
    const headers = { ...options.headers };
    if (body instanceof Uint8Array) headers['content-length'] = String(body.length);
    // Plain options, not the URL: node turns a URL into options on every request (urlToHttpOptions showed in profiles).
    const req = (protocol === 'https:' ? https : http).request({
      protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      ...(url.username || url.password
        ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
        : {}),
      agent: agents[protocol],
      method: options.method,
      headers,
      timeout: options.timeoutMs,
    });
    let answered = false;
    let failure: unknown;
    req.on('timeout', () => req.destroy(timeoutError(url.origin)));
    req.on('error', (err) => {
      if (!answered) reject(failure ?? err);
    });
    req.on('response', (res) => {
      answered = true;
      resolve(res);
    });
    if (body === undefined) req.end();
    else if (body instanceof Uint8Array) req.end(body);
    else
      (async () => {
        const closed = once(req, 'close').then(() => {
          throw new Error('the request closed');
        });
        closed.catch(() => {});
        // Corked, the chunks gathered since the last write go out in one writev.
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        let timer: NodeJS.Timeout | undefined;
        const write = () => {
          clearTimeout(timer);
          timer = undefined;
          if (pending.length === 0 || req.destroyed) return;
          req.cork();
          for (const chunk of pending) req.write(chunk);
          req.uncork();
          pending = [];
          pendingBytes = 0;
        };
        try {
          for await (const chunk of body) {
            if (req.destroyed) return;
            pending.push(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes >= WRITE_BATCH) write();
            else timer ??= setTimeout(write, WRITE_DELAY_MS);
            if (req.writableNeedDrain) await Promise.race([once(req, 'drain'), closed]);
          }
          write();
          req.end();
        } finally {
          clearTimeout(timer);
        }
      })().catch((err: unknown) => {
        // The source failed (a digest mismatch, a reset): that is the error, not the aborted upload's.
        failure ??= err;
        req.destroy(err as Error);
      });
  });
}

/** Sends a request, following redirects (a 303, or a 301/302 of a POST, turns into a GET, as fetch does). */
export async function send(target: string, options: SendOptions): Promise<RegistryResponse> {
  let url = new URL(target);
  let current = options;
  for (let redirects = 0; ; redirects++) {
    const message = await exchange(url, current);
    // A HEAD's answer has no body, but its connection goes back to the pool only once the message is read to its end.
    if (current.method === 'HEAD') message.resume();
    const location = message.headers.location;
    const response = new RegistryResponse(message, url.toString());
    const replayable = current.body === undefined || current.body instanceof Uint8Array;
    if (!REDIRECTS.has(response.status) || !location || !replayable || redirects >= MAX_REDIRECTS) return response;
    await response.discard();
    const next = new URL(location, url);
    const headers = { ...current.headers };
    // Credentials are for the registry: a redirect to storage elsewhere (a CDN) does not get them.
    if (next.origin !== url.origin) delete headers.authorization;
    const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === 'POST');
    if (toGet) delete headers['content-length'];
    current = toGet
      ? { ...current, method: current.method === 'HEAD' ? 'HEAD' : 'GET', headers, body: undefined }
      : { ...current, headers };
    url = next;
  }
}
