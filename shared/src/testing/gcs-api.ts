/**
 * A local stand-in for the Google Cloud Storage JSON API calls GcsStorage makes,
 * shaped after the documented requests and responses (storage/v1 objects: get,
 * get with alt=media, list with prefix/pageToken, delete; uploads: multipart and
 * resumable with Content-Range chunks, 308 while incomplete) and honouring
 * generations: every write makes a new generation, and ifGenerationMatch (0: the
 * object must not exist) is checked when an upload starts and when it completes
 * (412). An md5Hash or crc32c in an upload's metadata is checked against the bytes (400). Every object reports
 * its crc32c; a composite object (objects.compose, as gcloud's parallel uploads make them) has no md5Hash.
 * It also plays the token endpoints: OAuth's JWT bearer grant (the assertion's
 * RS256 signature checked against the service account's public key), Google STS's
 * token exchange, IAM's generateAccessToken, and an OIDC token URL like the
 * runner's. Every storage call needs the one token it issues.
 */
import { createHash, createVerify, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Crc32c } from '../core/crc32c.ts';

interface StoredObject {
  name: string;
  data: Buffer;
  generation: number;
  contentType?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
  /** The number of source objects of a composite object. */
  componentCount?: number;
}

interface Session {
  bucket: string;
  metadata: Record<string, unknown>;
  ifGenerationMatch?: number;
  received: Buffer[];
  size: number;
}

export interface GcsApiOptions {
  buckets: string[];
  /** The service account's public key (PEM) that JWT assertions must be signed for. */
  serviceAccountPublicKey?: string;
  /** The OIDC token the fake runner hands out, and STS accepts. */
  oidcToken?: string;
}

export interface GcsApiHandle {
  url: string;
  /** The access token every storage call must carry. */
  accessToken: string;
  /** Requests as `METHOD path?query`, in order. */
  requests: string[];
  /** The stored bytes of an object, or undefined. */
  object(bucket: string, name: string): StoredObject | undefined;
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(text);
}

function error(res: ServerResponse, status: number, message: string): void {
  send(res, status, { error: { code: status, message, errors: [{ message }] } });
}

/** The two parts of a multipart/related upload: JSON metadata, then the media. */
function parseRelated(body: Buffer, contentType: string): { metadata: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1] ?? '';
  const delimiter = Buffer.from(`--${boundary}`);
  const first = body.indexOf(delimiter);
  const second = body.indexOf(delimiter, first + delimiter.length);
  const closing = body.lastIndexOf(Buffer.from(`\r\n--${boundary}--`));
  const part = (from: number, to: number) => {
    const chunk = body.subarray(from, to);
    return chunk.subarray(chunk.indexOf('\r\n\r\n') + 4);
  };
  const metadata = JSON.parse(
    part(first + delimiter.length, second)
      .toString('utf8')
      .replace(/\r\n$/, ''),
  ) as Record<string, unknown>;
  return { metadata, data: Buffer.from(part(second + delimiter.length, closing)) };
}

export async function startGcsApi(options: GcsApiOptions): Promise<GcsApiHandle> {
  const buckets = new Map(options.buckets.map((b) => [b, new Map<string, StoredObject>()]));
  const sessions = new Map<string, Session>();
  const accessToken = `ya29.fake-${randomUUID()}`;
  const requests: string[] = [];
  let nextGeneration = Date.now() * 1000;
  let base = '';

  const resource = (bucket: string, object: StoredObject) => ({
    kind: 'storage#object',
    id: `${bucket}/${object.name}/${object.generation}`,
    name: object.name,
    bucket,
    generation: String(object.generation),
    metageneration: '1',
    size: String(object.data.length),
    ...(object.componentCount
      ? { componentCount: object.componentCount }
      : { md5Hash: createHash('md5').update(object.data).digest('base64') }),
    crc32c: new Crc32c().update(object.data).digest('base64'),
    etag: `C${object.generation}`,
    ...(object.contentType ? { contentType: object.contentType } : {}),
    ...(object.cacheControl ? { cacheControl: object.cacheControl } : {}),
    ...(object.metadata ? { metadata: object.metadata } : {}),
  });

  /** Checks ifGenerationMatch against what the bucket holds now; answers the refusal to send, if any. */
  const precondition = (objects: Map<string, StoredObject>, name: string, match: number | undefined): string | undefined => {
    if (match === undefined) return undefined;
    const current = objects.get(name)?.generation ?? 0;
    return current === match ? undefined : `At least one of the pre-conditions you specified did not hold.`;
  };

  const store = (res: ServerResponse, bucket: string, metadata: Record<string, unknown>, data: Buffer, match?: number) => {
    const objects = buckets.get(bucket) as Map<string, StoredObject>;
    const name = String(metadata['name']);
    const refused = precondition(objects, name, match);
    if (refused) return error(res, 412, refused);
    const md5 = metadata['md5Hash'];
    if (md5 !== undefined && md5 !== createHash('md5').update(data).digest('base64'))
      return error(res, 400, 'Provided MD5 hash does not match the calculated MD5 hash of the data.');
    const crc32c = metadata['crc32c'];
    if (crc32c !== undefined && crc32c !== new Crc32c().update(data).digest('base64'))
      return error(res, 400, `Provided CRC32C "${String(crc32c)}" doesn't match calculated CRC32C.`);
    const object: StoredObject = {
      name,
      data,
      generation: ++nextGeneration,
      contentType: metadata['contentType'] as string | undefined,
      cacheControl: metadata['cacheControl'] as string | undefined,
      metadata: metadata['metadata'] as Record<string, string> | undefined,
    };
    objects.set(name, object);
    send(res, 200, resource(bucket, object));
  };

  const tokens = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (req.method === 'GET' && path === '/oidc') {
      send(res, 200, { value: options.oidcToken ?? 'github-oidc-token' });
      return true;
    }
    if (req.method !== 'POST' || (!['/token', '/v1/token'].includes(path) && !path.endsWith(':generateAccessToken')))
      return false;
    const body = JSON.parse((await bodyOf(req)).toString('utf8') || '{}') as Record<string, string>;
    if (path === '/token') {
      const [header, claims, signature] = String(body['assertion']).split('.');
      const valid =
        options.serviceAccountPublicKey !== undefined &&
        createVerify('RSA-SHA256')
          .update(`${header}.${claims}`)
          .verify(options.serviceAccountPublicKey, Buffer.from(signature ?? '', 'base64url'));
      if (!valid) error(res, 400, 'invalid_grant: bad JWT signature');
      else send(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
    } else if (path === '/v1/token') {
      if (body['subject_token'] !== (options.oidcToken ?? 'github-oidc-token')) error(res, 400, 'invalid_grant');
      else send(res, 200, { access_token: `federated-${accessToken}`, expires_in: 3599, token_type: 'Bearer' });
    } else if (req.headers.authorization !== `Bearer federated-${accessToken}`) error(res, 401, 'unauthenticated');
    else send(res, 200, { accessToken, expireTime: new Date(Date.now() + 3_600_000).toISOString() });
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    requests.push(`${req.method} ${req.url}`);
    if (await tokens(req, res, path)) return;
    if (req.headers.authorization !== `Bearer ${accessToken}`) return error(res, 401, 'Invalid Credentials');
    const q = url.searchParams;
    const match = q.has('ifGenerationMatch') ? Number(q.get('ifGenerationMatch')) : undefined;

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (upload) {
      const bucket = decodeURIComponent(upload[1] as string);
      if (!buckets.has(bucket)) return error(res, 404, 'The specified bucket does not exist.');
      const body = await bodyOf(req);
      const type = q.get('uploadType');
      if (req.method === 'POST' && type === 'multipart') {
        const { metadata, data } = parseRelated(body, String(req.headers['content-type']));
        return store(res, bucket, metadata, data, match);
      }
      if (req.method === 'POST' && type === 'resumable') {
        const metadata = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        const refused = precondition(buckets.get(bucket) as Map<string, StoredObject>, String(metadata['name']), match);
        if (refused) return error(res, 412, refused);
        const id = randomUUID();
        sessions.set(id, { bucket, metadata, ifGenerationMatch: match, received: [], size: 0 });
        return send(res, 200, undefined, { location: `${base}${path}?uploadType=resumable&upload_id=${id}` });
      }
      const session = sessions.get(q.get('upload_id') ?? '');
      if (!session) return error(res, 404, 'No such upload session');
      if (req.method === 'DELETE') {
        sessions.delete(q.get('upload_id') ?? '');
        return send(res, 499);
      }
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(req.headers['content-range']));
      if (!range || Number(range[1]) !== session.size) return error(res, 400, 'Invalid Content-Range');
      session.received.push(body);
      session.size += body.length;
      if (range[3] === '*') return send(res, 308, undefined, { range: `bytes=0-${session.size - 1}` });
      sessions.delete(q.get('upload_id') ?? '');
      return store(res, bucket, session.metadata, Buffer.concat(session.received), session.ifGenerationMatch);
    }

    const compose = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)\/compose$/.exec(path);
    if (compose && req.method === 'POST') {
      const bucket = decodeURIComponent(compose[1] as string);
      const objects = buckets.get(bucket);
      if (!objects) return error(res, 404, 'The specified bucket does not exist.');
      const name = decodeURIComponent(compose[2] as string);
      const request = JSON.parse((await bodyOf(req)).toString('utf8')) as {
        sourceObjects: { name: string }[];
        destination?: Record<string, unknown>;
      };
      const sources = request.sourceObjects.map((s) => objects.get(s.name));
      if (sources.some((s) => s === undefined)) return error(res, 404, 'Object not found');
      const refused = precondition(objects, name, match);
      if (refused) return error(res, 412, refused);
      const object: StoredObject = {
        name,
        data: Buffer.concat(sources.map((s) => (s as StoredObject).data)),
        generation: ++nextGeneration,
        contentType: request.destination?.['contentType'] as string | undefined,
        metadata: request.destination?.['metadata'] as Record<string, string> | undefined,
        componentCount: sources.length,
      };
      objects.set(name, object);
      return send(res, 200, resource(bucket, object));
    }

    const objectPath = /^\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(path);
    if (!objectPath) return error(res, 404, 'Not Found');
    const bucket = decodeURIComponent(objectPath[1] as string);
    const objects = buckets.get(bucket);
    if (!objects) return error(res, 404, 'The specified bucket does not exist.');
    await bodyOf(req);
    if (objectPath[2] === undefined) {
      const prefix = q.get('prefix') ?? '';
      const names = [...objects.keys()].filter((n) => n.startsWith(prefix)).sort();
      const from = q.has('pageToken') ? names.indexOf(Buffer.from(q.get('pageToken') ?? '', 'base64').toString()) : 0;
      const max = Number(q.get('maxResults') ?? 1000);
      const page = names.slice(from, from + max);
      const next = names[from + max];
      return send(res, 200, {
        kind: 'storage#objects',
        items: page.map((n) => resource(bucket, objects.get(n) as StoredObject)),
        ...(next ? { nextPageToken: Buffer.from(next).toString('base64') } : {}),
      });
    }
    const name = decodeURIComponent(objectPath[2]);
    const object = objects.get(name);
    if (req.method === 'DELETE') {
      if (!object) return error(res, 404, 'No such object');
      objects.delete(name);
      return send(res, 204);
    }
    if (!object || (q.has('generation') && Number(q.get('generation')) !== object.generation))
      return error(res, 404, `No such object: ${bucket}/${name}`);
    if (q.get('alt') !== 'media') return send(res, 200, resource(bucket, object));
    res.writeHead(200, {
      'content-type': object.contentType ?? 'application/octet-stream',
      'x-goog-generation': String(object.generation),
    });
    res.end(object.data);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => error(res, 500, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    accessToken,
    requests,
    object: (bucket, name) => buckets.get(bucket)?.get(name),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
