/**
 * A loopback HTTP proxy that fails a fraction of the requests it passes to a
 * server (s3rver, the local GitHub API): 503 SlowDown, 429, or a connection reset
 * after the request reached the server (the write happened, the answer is lost).
 * Which requests fail is drawn from a seeded generator, so a seed gives the same
 * sequence of faults every run. Hop-by-hop headers pass untouched (Host included,
 * so SigV4 signatures still match).
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = '503' | '429' | 'reset';

export interface FaultProxyOptions {
  /** The server behind the proxy, e.g. http://127.0.0.1:4568 */
  target: string;
  /** Fraction of requests to fail, 0…1. */
  failureRate: number;
  seed: number;
  kinds?: readonly FaultKind[];
  /** Called with every request as it arrives (its method, URL and headers), for tests that check what was sent. */
  observe?: (req: IncomingMessage) => void;
  /** A fixed refusal for the requests it returns one for (B2's 501 to a conditional write), counted as `refused`. */
  refuse?: (req: IncomingMessage) => { status: number; code: string; message: string } | undefined;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>: use as the endpoint. */
  url: string;
  readonly stats: { requests: number; refused: number; faults: Record<FaultKind, number> };
  stop(): Promise<void>;
}

/** mulberry32: a small seeded generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req);
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse | undefined, socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (!res) {
          // The server did the work; the client never hears back.
          answer.resume();
          answer.on('end', () => {
            socket.destroy();
            resolve();
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => resolve());
      },
    );
    upstream.on('error', () => {
      socket.destroy();
      resolve();
    });
    req.pipe(upstream);
  });
}

/** An S3 error document. */
function answerError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string>): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed);
  const kinds = options.kinds ?? (['503', '429', 'reset'] as const);
  const stats = { requests: 0, refused: 0, faults: { '503': 0, '429': 0, reset: 0 } };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    options.observe?.(req);
    const refusal = options.refuse?.(req);
    if (refusal) {
      stats.refused++;
      await drain(req);
      return answerError(res, refusal.status, refusal.code, refusal.message, {});
    }
    const fails = random() < options.failureRate;
    const kind = kinds[Math.floor(random() * kinds.length)] as FaultKind;
    if (!fails) return forward(target, req, res, req.socket);
    stats.faults[kind]++;
    if (kind === 'reset') return forward(target, req, undefined, req.socket);
    await drain(req);
    const [code, message] =
      kind === '503' ? ['SlowDown', 'Please reduce your request rate.'] : ['TooManyRequests', 'Too many requests.'];
    answerError(res, Number(kind), code, message, { 'retry-after': '0' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
