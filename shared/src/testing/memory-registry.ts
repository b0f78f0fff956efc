/**
 * A small OCI distribution registry in memory on 127.0.0.1, for unit tests that need what Debian's
 * docker-registry 2.8 lacks: the OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`), switched on or off
 * per instance. Manifests, blobs (monolithic uploads, cross-repository mounts), tags and referrers; every request
 * is counted by method.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MemoryRegistry {
  /** host:port, spoken to over plain http. */
  host: string;
  /** Requests per method, and the write requests (anything but GET and HEAD) as `METHOD path`. */
  requests: Record<string, number>;
  writes: string[];
  close(): Promise<void>;
}

interface Stored {
  mediaType: string;
  bytes: Buffer;
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startMemoryRegistry(options: { referrers: boolean }): Promise<MemoryRegistry> {
  const blobs = new Map<string, Buffer>();
  /** Per repository: the blobs it holds, its manifests by digest, its tags. */
  const repos = new Map<string, { blobs: Set<string>; manifests: Map<string, Stored>; tags: Map<string, string> }>();
  const repo = (name: string) => {
    let r = repos.get(name);
    if (!r) {
      r = { blobs: new Set(), manifests: new Map(), tags: new Map() };
      repos.set(name, r);
    }
    return r;
  };
  const requests: Record<string, number> = {};
  const writes: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://registry');
    const method = req.method ?? 'GET';
    requests[method] = (requests[method] ?? 0) + 1;
    if (method !== 'GET' && method !== 'HEAD') writes.push(`${method} ${url.pathname}`);
    const send = (status: number, headers: Record<string, string> = {}, data?: Buffer) => {
      res.writeHead(status, { 'content-length': String(data?.length ?? 0), ...headers });
      res.end(method === 'HEAD' ? undefined : data);
    };
    if (url.pathname === '/v2/') return send(200);
    const match = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\/(.*)$/.exec(url.pathname);
    if (!match) return send(404);
    const [, name, kind, rest] = match as unknown as [string, string, string, string];
    const r = repo(name);
    if (kind === 'manifests') {
      if (method === 'PUT') {
        const bytes = await body(req);
        const digest = digestOf(bytes);
        r.manifests.set(digest, { mediaType: req.headers['content-type'] ?? '', bytes });
        if (!rest.startsWith('sha256:')) r.tags.set(rest, digest);
        const subject = (JSON.parse(bytes.toString('utf8')) as { subject?: { digest: string } }).subject;
        return send(201, {
          'docker-content-digest': digest,
          ...(subject && options.referrers ? { 'oci-subject': subject.digest } : {}),
        });
      }
      const stored = r.manifests.get(r.tags.get(rest) ?? rest);
      if (!stored) return send(404);
      return send(200, { 'content-type': stored.mediaType, 'docker-content-digest': digestOf(stored.bytes) }, stored.bytes);
    }
    if (kind === 'blobs') {
      if (rest === 'uploads/' && method === 'POST') {
        const mount = url.searchParams.get('mount');
        const from = url.searchParams.get('from');
        if (mount && from && repos.get(from)?.blobs.has(mount)) {
          r.blobs.add(mount);
          return send(201, { location: `/v2/${name}/blobs/${mount}` });
        }
        return send(202, { location: `/v2/${name}/blobs/uploads/${randomUUID()}` });
      }
      if (rest.startsWith('uploads/')) {
        if (method === 'DELETE') return send(204);
        const data = await body(req);
        const digest = url.searchParams.get('digest');
        if (!digest || digestOf(data) !== digest) return send(400);
        blobs.set(digest, data);
        r.blobs.add(digest);
        return send(201, { 'docker-content-digest': digest });
      }
      const data = r.blobs.has(rest) ? blobs.get(rest) : undefined;
      return data ? send(200, { 'docker-content-digest': rest }, data) : send(404);
    }
    if (kind === 'tags') {
      const json = Buffer.from(JSON.stringify({ name, tags: [...r.tags.keys()].sort() }));
      return send(200, { 'content-type': 'application/json' }, json);
    }
    if (!options.referrers) return send(404);
    const manifests = [...r.manifests.entries()].flatMap(([digest, stored]) => {
      const m = JSON.parse(stored.bytes.toString('utf8')) as {
        subject?: { digest: string };
        artifactType?: string;
        config?: { mediaType: string };
        annotations?: Record<string, string>;
      };
      if (m.subject?.digest !== rest) return [];
      return [
        {
          mediaType: stored.mediaType,
          digest,
          size: stored.bytes.length,
          artifactType: m.artifactType ?? m.config?.mediaType,
          ...(m.annotations ? { annotations: m.annotations } : {}),
        },
      ];
    });
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    );
    return send(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }, index);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    writes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
