/**
 * A registry's credentials go to its own origin only: a next-page `Link`, an upload `Location` or a redirect that
 * leads to another host is followed without them, and another host's challenge is refused, not answered.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OciClient } from './client.ts';

const BASIC = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
const BLOB = Buffer.from('x');
const DIGEST = 'sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881';

async function serve(handle: (req: IncomingMessage) => [number, Record<string, string>, string?]) {
  const seen: { url: string; authorization: string | undefined }[] = [];
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req);
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const [status, headers, body] = handle(req);
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('RegistryHost credentials', () => {
  let other: Awaited<ReturnType<typeof serve>>;
  let registry: Awaited<ReturnType<typeof serve>>;
  let host: string;

  beforeAll(async () => {
    other = await serve((req) => {
      if (req.url?.startsWith('/token')) return [200, { 'content-type': 'application/json' }, '{"token":"t"}'];
      if (req.url?.startsWith('/cdn')) return [401, { 'www-authenticate': `Bearer realm="${other.origin}/token"` }];
      if (req.url?.startsWith('/v2/r/tags/list')) return [200, { 'content-type': 'application/json' }, '{"tags":["b"]}'];
      return [201, {}];
    });
    registry = await serve((req) => {
      if (req.headers.authorization !== BASIC) return [401, { 'www-authenticate': 'Basic realm="registry"' }];
      if (req.url?.startsWith('/v2/r/tags/list'))
        return [
          200,
          { 'content-type': 'application/json', link: `<${other.origin}/v2/r/tags/list?last=a>; rel="next"` },
          '{"tags":["a"]}',
        ];
      if (req.method === 'POST') return [202, { location: `${other.origin}/upload/1` }];
      if (req.method === 'GET' && req.url?.startsWith('/v2/r/blobs/')) return [307, { location: `${other.origin}/cdn/blob` }];
      if (req.method === 'HEAD') return [200, { 'content-length': '1' }];
      return [404, {}];
    });
    host = registry.origin.replace('http://', '');
  });
  afterAll(() => {
    other.server.close();
    registry.server.close();
  });
  beforeEach(() => {
    other.seen.length = 0;
    registry.seen.length = 0;
  });

  const store = () =>
    new OciClient({
      plainHttp: [host],
      credentials: new Map([[host, { username: 'alice', password: 's3cret' }]]),
      retry: { attempts: 1 },
    }).store(`${host}/r`);

  it('follows a next-page Link to another host without the credentials', async () => {
    expect(await store().listTags()).toEqual(['a', 'b']);
    expect(other.seen).toEqual([{ url: '/v2/r/tags/list?last=a', authorization: undefined }]);
  });

  it('uploads to a Location on another host without the credentials', async () => {
    await store().putBlob(DIGEST, 1, async () =>
      (async function* () {
        yield BLOB;
      })(),
    );
    expect(other.seen.map((s) => s.authorization)).toEqual([undefined]);
    expect(other.seen[0]?.url).toMatch(/^\/upload\/1\?digest=sha256%3A/);
  });

  it("refuses another host's challenge after a redirect, and keeps answering the registry's own", async () => {
    const repository = store();
    // The registry's Basic challenge is known first: the redirected GET then goes out with credentials.
    expect(await repository.headBlob(DIGEST)).toBe(1);
    const read = async () => {
      for await (const _ of await repository.getBlob(DIGEST));
    };
    await expect(read()).rejects.toThrow(/\/cdn\/blob asks for credentials: .* are sent to .* only/);
    expect(other.seen).toEqual([{ url: '/cdn/blob', authorization: undefined }]);
    // The registry's Basic challenge still holds: the next request authenticates as before.
    registry.seen.length = 0;
    expect(await repository.headBlob(DIGEST)).toBe(1);
    expect(registry.seen).toEqual([{ url: `/v2/r/blobs/${DIGEST}`, authorization: BASIC }]);
  });
});

describe('answers read into memory', () => {
  let endless: Server;
  let host: string;
  let written = 0;
  beforeAll(async () => {
    // Every answer streams without end (no content-length), as a hostile or broken registry might.
    endless = createServer((req, res) => {
      const token = req.url?.startsWith('/token');
      if (!token && req.url?.startsWith('/v2/r/tags') && !req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token"` }).end();
        return;
      }
      res.writeHead(req.url?.startsWith('/v2/r/blobs') ? 400 : 200, { 'content-type': 'application/json' });
      if (req.method === 'HEAD') return res.end();
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', more);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      more();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(endless.address() as AddressInfo).port}`;
  });
  afterAll(() => endless.close());
  beforeEach(() => {
    written = 0;
  });

  const repository = () => new OciClient({ plainHttp: [host], retry: { attempts: 1 } }).store(`${host}/r`);

  it('refuses a manifest, a token or an error text past its bound, reading no further', async () => {
    await expect(repository().getManifest('v1')).rejects.toThrow(/answered more than 4194304 bytes/);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    await expect(repository().listTags()).rejects.toThrow(/\/token answered more than 1048576 bytes/);
    const failed = await repository()
      .getBlob(DIGEST)
      .catch((err: Error) => err);
    expect((failed as Error).message).toMatch(/returned 400: {2}/);
    expect((failed as Error).message.length).toBeLessThan(1000);
  });
});
