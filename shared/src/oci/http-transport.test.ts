/**
 * The registry transport over node:http: redirects are followed as fetch follows them (a registry sends blob GETs to
 * storage elsewhere), the credentials only to the registry's own origin; a streamed body arrives whole; unwanted
 * bodies are drained so one connection serves request after request.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './http-transport.ts';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: number;
}

async function serve(handle: (req: IncomingMessage, body: Buffer) => [number, Record<string, string>, string?]) {
  const seen: Seen[] = [];
  const sockets = new Set<unknown>();
  const server: Server = createServer(async (req, res) => {
    sockets.add(req.socket);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: body.length });
    const [status, headers, text] = handle(req, body);
    res.writeHead(status, headers).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, sockets, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let storage: Awaited<ReturnType<typeof serve>>;
let registry: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  storage = await serve(() => [200, { 'content-type': 'application/octet-stream' }, 'blob bytes']);
  registry = await serve((req) => {
    if (req.url === '/v2/a/blobs/elsewhere') return [307, { location: `${storage.origin}/bucket/blob?sig=1` }];
    if (req.url === '/v2/a/blobs/here') return [302, { location: '/v2/a/blobs/final' }];
    if (req.url === '/v2/a/blobs/final') return [200, {}, 'final bytes'];
    return [201, { 'content-length': '0' }];
  });
});
afterAll(async () => {
  storage.server.closeAllConnections();
  registry.server.closeAllConnections();
  await Promise.all([storage, registry].map((s) => new Promise((resolve) => s.server.close(resolve))));
});

describe('send', () => {
  it('follows a redirect to another origin without the credentials, within the origin with them', async () => {
    const headers = { authorization: 'Bearer secret' };
    const away = await send(`${registry.origin}/v2/a/blobs/elsewhere`, { method: 'GET', headers, timeoutMs: 10_000 });
    expect([away.status, await away.text(1024)]).toEqual([200, 'blob bytes']);
    expect(storage.seen.at(-1)).toMatchObject({ url: '/bucket/blob?sig=1', authorization: undefined });

    const near = await send(`${registry.origin}/v2/a/blobs/here`, { method: 'GET', headers, timeoutMs: 10_000 });
    expect([near.status, await near.text(1024)]).toEqual([200, 'final bytes']);
    expect(registry.seen.at(-1)).toMatchObject({ url: '/v2/a/blobs/final', authorization: 'Bearer secret' });
  });

  it('sends the path with its query, and credentials in the address as Basic authorization', async () => {
    const target = new URL(`${registry.origin}/v2/a/blobs/final?n=1&last=b`);
    target.username = 'robot@ci';
    target.password = 'p:w';
    const response = await send(target.toString(), { method: 'GET', headers: {}, timeoutMs: 10_000 });
    await response.discard();
    expect(registry.seen.at(-1)).toMatchObject({
      url: '/v2/a/blobs/final?n=1&last=b',
      authorization: `Basic ${Buffer.from('robot@ci:p:w').toString('base64')}`,
    });
  });

  it("sends a slow source's chunk without waiting for the next one", async () => {
    let arrived: () => void = () => {};
    const firstBytes = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer((req, res) => {
      req.once('data', () => arrived());
      req.resume().on('end', () => res.writeHead(201).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // The second chunk comes only once the first has reached the server: held back for a batch, it never would.
      const source = (async function* () {
        yield new Uint8Array(1024).fill(1);
        const held = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the first chunk was held back')), 5_000).unref(),
        );
        await Promise.race([firstBytes, held]);
        yield new Uint8Array(1024).fill(2);
      })();
      const put = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/a/blobs/uploads/y`, {
        method: 'PUT',
        headers: { 'content-length': '2048' },
        body: source,
        timeoutMs: 10_000,
      });
      expect(put.status).toBe(201);
      await put.discard();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends a streamed body whole, and reuses one connection for requests whose answers are discarded', async () => {
    const before = registry.sockets.size;
    const chunks = Array.from({ length: 20 }, () => new Uint8Array(64 * 1024).fill(7));
    const stream = (async function* () {
      yield* chunks;
    })();
    const put = await send(`${registry.origin}/v2/a/blobs/uploads/x`, {
      method: 'PUT',
      headers: { 'content-length': String(20 * 64 * 1024) },
      body: stream,
      timeoutMs: 10_000,
    });
    await put.discard();
    expect(registry.seen.at(-1)).toMatchObject({ method: 'PUT', body: 20 * 64 * 1024 });
    for (let i = 0; i < 5; i++) {
      const post = await send(`${registry.origin}/v2/a/blobs/uploads/`, { method: 'POST', headers: {}, timeoutMs: 10_000 });
      expect(post.status).toBe(201);
      await post.discard();
      const head = await send(`${registry.origin}/v2/a/blobs/uploads/`, { method: 'HEAD', headers: {}, timeoutMs: 10_000 });
      expect(head.status).toBe(201);
    }
    // Eleven requests one after another, each answer ended: the pool's connections serve them (fetch, cancelling the
    // bodies, opened one per request). Two at most: a HEAD's socket may be freed just after the next request asks.
    expect(registry.sockets.size - before).toBeLessThanOrEqual(2);
  });
});
