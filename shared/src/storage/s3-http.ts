/**
 * S3 requests sent straight over node:http(s), signed by our SigV4 signer
 * (sigv4.ts): every call the store makes (put, head, get, list, delete, and the
 * multipart upload's create, part, complete and abort). The S3 client's
 * middleware stack costs CPU on every request, and the client start-up time and
 * bundle size (figures: the commit that replaced it, and `npm run bench`);
 * a Kubernetes release is hundreds of small files (a .sha256 and a .sha512 beside
 * every binary), each put and then read back, so that overhead, not the bytes,
 * would dominate a publish. Only credentials other than static keys come from the
 * SDK (its provider chain, s3-storage.ts). A put carries Content-MD5 and
 * x-amz-checksum-sha256 (known already: the plan hashed every file), so the store
 * checks the bytes it receives.
 */
import { open } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { HttpError } from '../core/errors.ts';
import { xmlElement } from './s3-xml.ts';
import { canonicalQuery, SigV4Signer } from './sigv4.ts';

export interface S3HttpTarget {
  credentials: Provider<AwsCredentialIdentity>;
  region: Provider<string>;
  /** How long a request may sit idle. */
  timeoutMs: number;
  /** How long connecting may take (a blackholed endpoint fails in this time, not the kernel's). */
  connectTimeoutMs: number;
}

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The object's (or, for a listing, the bucket's) URL, its path already encoded: path-style or virtual-hosted. */
  url: string;
  query?: Record<string, string>;
  /** Lower-case header names, excluding host, content-length and x-amz-content-sha256. */
  headers?: Record<string, string>;
  /** Bytes in memory, or a file read in 1 MiB chunks into two reused buffers (no allocation per chunk). */
  body?: Uint8Array | { file: string };
  /** The body's length (0 without one). */
  size?: number;
}

/** An S3 error response: its HTTP status (HttpError's, which withRetry classifies) and the S3 error code. */
export class S3ResponseError extends HttpError {
  override name = 'S3ResponseError';
  /** The S3 error code (`NoSuchKey`, `PreconditionFailed`…), or a name for a bodiless refusal. */
  readonly s3Code: string;
  /** The store's clock (its Date header), when it sent one. */
  readonly serverTime?: number;
  constructor(status: number, body: string, serverTime?: number) {
    const code = xmlElement(body, 'Code') ?? BODILESS[status] ?? `Http${status}`;
    super(status, `${code}: ${xmlElement(body, 'Message') ?? `HTTP ${status}`}`);
    this.s3Code = code;
    this.serverTime = serverTime;
  }
}

/** Codes of bodiless refusals (a HEAD's), as the SDK names them. */
const BODILESS: Record<number, string> = {
  301: 'MovedPermanently',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
};

/** Refusals of a request signed at a time the store thinks wrong (the SDK's list). */
const CLOCK_SKEW = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);
const SKEW_TOLERANCE_MS = 5 * 60_000;

export class S3Http {
  readonly #signer = new SigV4Signer('s3');
  readonly #credentials: Provider<AwsCredentialIdentity>;
  readonly #region: Provider<string>;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  /** Store clock minus ours, learnt from a refusal for clock skew (as the SDK's systemClockOffset). */
  #clockOffsetMs = 0;
  readonly #agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

  constructor(target: S3HttpTarget) {
    this.#credentials = target.credentials;
    this.#region = target.region;
    this.#timeoutMs = target.timeoutMs;
    this.#connectTimeoutMs = target.connectTimeoutMs;
  }

  /**
   * Sends the request; resolves with a 2xx response, its body unread (the caller reads or drains it), rejects with
   * S3ResponseError (any other status, its body read) or a network error. A refusal whose Date header shows our
   * clock off by more than 5 minutes corrects the clock (for every later request, as the SDK does) and, when it is
   * a refusal for clock skew (or a bodiless 403), the request is sent once more.
   */
  async request(request: S3Request): Promise<http.IncomingMessage> {
    try {
      return await this.#send(request);
    } catch (err) {
      if (!(err instanceof S3ResponseError) || err.serverTime === undefined) throw err;
      const offset = err.serverTime - Date.now();
      if (Math.abs(offset - this.#clockOffsetMs) < SKEW_TOLERANCE_MS) throw err;
      this.#clockOffsetMs = offset;
      // Signed at a time the store thinks wrong: a HEAD's refusal has no body to say so, only its status.
      if (!CLOCK_SKEW.has(err.s3Code) && err.status !== 403) throw err;
      return this.#send(request);
    }
  }

  async #send(request: S3Request): Promise<http.IncomingMessage> {
    const url = splitUrl(request.url);
    const protocol = url.protocol as 'http:' | 'https:';
    const query = request.query ?? {};
    const headers = this.#signer.sign(
      {
        method: request.method,
        path: url.pathname,
        query,
        headers: {
          ...request.headers,
          host: url.host,
          ...(request.body ? { 'content-length': String(request.size ?? 0) } : {}),
          // A store that refuses the upload says so before the body is sent (as the SDK asks for large bodies).
          ...(request.body && (request.size ?? 0) >= EXPECT_CONTINUE_BYTES ? { expect: '100-continue' } : {}),
          // Not the payload's hash: a store that checks it hashes every byte again (s3rver does, on its one
          // thread). The bytes are checked all the same, by Content-MD5 and x-amz-checksum-sha256.
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        },
      },
      await this.#credentials(),
      await this.#region(),
      new Date(Date.now() + this.#clockOffsetMs),
    );
    const search = canonicalQuery(query);
    return new Promise((resolve, reject) => {
      // Once the store has answered, its answer is the outcome: a reset that follows (a store that refuses an upload
      // and closes while the body is still on its way) must not replace its error with ECONNRESET.
      let answered = false;
      let refused = false;
      const req = (protocol === 'https:' ? https : http).request(
        {
          agent: this.#agents[protocol],
          method: request.method,
          hostname: url.hostname,
          port: url.port || undefined,
          path: search ? `${url.pathname}?${search}` : url.pathname,
          headers,
          timeout: this.#timeoutMs,
        },
        (res) => {
          answered = true;
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(res);
            return;
          }
          refused = true;
          const date = Date.parse(String(res.headers.date));
          readBody(res).then(
            (body) => reject(new S3ResponseError(status, body.toString('utf8'), date || undefined)),
            (err: unknown) => reject(err),
          );
          // Refused before the whole body was sent: the rest is not sent, and the connection (mid-body) not reused.
          res.once('end', () => {
            if (!req.writableFinished) req.destroy();
          });
        },
      );
      const timedOut = (what: string) => Object.assign(new Error(`the ${what} timed out`), { name: 'TimeoutError' });
      req.on('timeout', () => req.destroy(timedOut('request')));
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => req.destroy(timedOut('connection')), this.#connectTimeoutMs);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const body = request.body;
      let started = false;
      const send = () => {
        if (started || refused) return;
        started = true;
        if (body === undefined) req.end();
        else if (body instanceof Uint8Array) req.end(body);
        else sendFile(req, body.file, request.size ?? 0, () => refused).catch((err: unknown) => req.destroy(err as Error));
      };
      if (headers.expect === undefined) send();
      else {
        // The body goes on the store's 100 Continue, or after a second of silence from a store that ignores Expect.
        const wait = setTimeout(send, CONTINUE_WAIT_MS);
        req.once('continue', send);
        req.once('response', () => clearTimeout(wait));
        req.once('close', () => clearTimeout(wait));
      }
    });
  }

  /** Sends a PUT; resolves with the ETag the store returns. */
  async put(request: Omit<S3Request, 'method'>): Promise<string | undefined> {
    const res = await this.request({ ...request, method: 'PUT' });
    await readBody(res);
    return res.headers.etag;
  }
}

/**
 * The URL's parts with its path exactly as given: `new URL()` would resolve `.` and `..` segments, and a key such as
 * `a/../b` must reach the store (and be signed) as written.
 */
export function splitUrl(raw: string): { protocol: string; host: string; hostname: string; port: string; pathname: string } {
  const match = /^(https?:)\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(raw);
  if (!match) throw new TypeError(`not an http(s) URL: ${raw}`);
  const origin = new URL(`${match[1]}//${match[2]}`);
  return {
    protocol: origin.protocol,
    host: origin.host,
    hostname: origin.hostname,
    port: origin.port,
    pathname: match[3] ?? '/',
  };
}

/** The whole body of a response (also how one is drained: an unread body holds its connection). */
export async function readBody(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const CHUNK = 1 << 20;
/** Bodies from this size are sent with Expect: 100-continue (the SDK's threshold). */
const EXPECT_CONTINUE_BYTES = 2 * 1024 * 1024;
const CONTINUE_WAIT_MS = 1000;
/** Chunk buffers of finished uploads, kept for the next ones (allocating 1 MiB per upload keeps the GC busy). */
const spare: Buffer[] = [];

/**
 * Writes the file into the request: one chunk is read while the previous one is
 * on its way, and a buffer is refilled only once the socket has taken it. Stops,
 * without ending the request, once the store has refused it (mid-body).
 */
async function sendFile(req: http.ClientRequest, file: string, size: number, refused: () => boolean): Promise<void> {
  const handle = await open(file, 'r');
  // A request destroyed mid-way (a reset, a timeout) may never call back its pending writes.
  const closed = new Promise<never>((_, reject) => req.once('close', () => reject(new Error('the request closed'))));
  closed.catch(() => {});
  try {
    const buffers = [spare.pop() ?? Buffer.allocUnsafe(CHUNK), spare.pop() ?? Buffer.allocUnsafe(CHUNK)];
    const written: (Promise<void> | undefined)[] = [undefined, undefined];
    let sent = 0;
    for (let i = 0; ; i ^= 1) {
      await Promise.race([written[i], closed]);
      if (refused()) return;
      const buffer = buffers[i] as Buffer;
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      // The request promised `size` bytes: a file that grew or shrank since fails, not a request the store waits on.
      sent += bytesRead;
      if (sent > size) throw new Error(`${file} grew past ${size} bytes while it was sent`);
      const write = new Promise<void>((resolve, reject) =>
        req.write(buffer.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve())),
      );
      // A failed write is the request's own error (reported by it); awaited or not, it must not go unhandled.
      write.catch(() => {});
      written[i] = write;
    }
    if (sent < size) throw new Error(`${file} shrank to ${sent} of ${size} bytes while it was sent`);
    await Promise.race([Promise.all(written), closed]);
    req.end();
    // Only buffers the socket has taken back: a destroyed request may still hold one.
    spare.push(...buffers);
  } finally {
    await handle.close();
  }
}
