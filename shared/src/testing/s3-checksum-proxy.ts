/**
 * A loopback proxy in front of s3rver that adds what s3rver lacks and AWS documents for additional checksums
 * ("Checking object integrity" in the S3 user guide; the PutObject, UploadPart, CompleteMultipartUpload and
 * HeadObject references): a PUT or part carrying x-amz-checksum-sha256 is refused (400 BadDigest) unless the bytes
 * have that SHA-256; an upload created with x-amz-checksum-algorithm: SHA256 completes only with each part's
 * ChecksumSHA256, and then holds the COMPOSITE checksum (the SHA-256 of the part SHA-256s, `-<parts>`); HEAD and GET
 * with x-amz-checksum-mode: ENABLED answer x-amz-checksum-sha256 and x-amz-checksum-type; a completion sent again is
 * 404 NoSuchUpload. Objects written without a checksum get none (AWS would add a CRC64NVME default, which nothing
 * here asks for). With `opaqueMultipartEtags`, a multipart object's ETag is a random token of the usual shape, as on
 * R2 or GCS, wherever it appears (completion, HEAD, GET, listings). With `conditions`, If-None-Match / If-Match are
 * checked against the current object (one request at a time: tests here write sequentially). It can lose a
 * completion's answer, and records every request, so tests can count GETs. Path-style addressing only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3ChecksumProxyOptions {
  /** s3rver's endpoint. */
  target: string;
  opaqueMultipartEtags?: boolean;
  /** Whether If-None-Match / If-Match on CompleteMultipartUpload are honoured (see `conditions`). */
  conditions?: ConditionModel;
  /** Completions whose answer is lost (the connection reset once the store has completed the upload). */
  loseCompletionAnswers?: number;
}

/**
 * Conditional writes checked by the proxy against the object's current ETag (s3rver checks none), as AWS documents
 * them: `put` on PutObject only (as DigitalOcean Spaces and some Ceph releases do), `all` on completion too.
 */
export type ConditionModel = 'put' | 'all';

export interface S3ChecksumProxy {
  url: string;
  /** Completions still to lose their answer (settable). */
  loseCompletionAnswers: number;
  /** `METHOD /bucket/key?query`, in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

interface Stored {
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

export async function startS3ChecksumProxy(options: S3ChecksumProxyOptions): Promise<S3ChecksumProxy> {
  const target = new URL(options.target);
  const requests: string[] = [];
  const checksums = new Map<string, Stored>();
  /** Multipart objects' opaque ETags, by object path. */
  const opaque = new Map<string, string>();
  /** Uploads created with a checksum algorithm: their parts' base64 SHA-256s. */
  const uploads = new Map<string, Map<number, string>>();
  /** Uploads completed: AWS answers a completion sent again 404 NoSuchUpload (s3rver a 500). */
  const completedUploads = new Set<string>();

  const upstream = (
    method: string,
    path: string,
    sent: IncomingMessage['headers'],
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...sent, 'content-length': String(body.length) };
      delete headers['if-none-match'];
      delete headers['if-match'];
      const forwarded = request({ host: target.hostname, port: target.port, method, path, headers }, (answer) => {
        bodyOf(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }), reject);
      });
      forwarded.on('error', reject);
      forwarded.end(body);
    });

  const currentEtag = async (req: IncomingMessage, path: string): Promise<string | undefined> => {
    // The write's own credentials and date (s3rver checks the key id, not the signature), without its body's headers.
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !/^(content-|expect$|x-amz-checksum|if-)/.test(name)),
    );
    const head = await upstream('HEAD', path, headers, Buffer.alloc(0));
    if (head.status === 404) return undefined;
    if (head.status !== 200) throw new Error(`HEAD ${path} answered ${head.status}`);
    return opaque.get(path) ?? String(head.headers.etag);
  };

  /** Whether a conditional write may go ahead, as AWS checks it (412 otherwise). */
  const conditionHolds = async (req: IncomingMessage, path: string): Promise<boolean> => {
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    if (ifNoneMatch === undefined && ifMatch === undefined) return true;
    const etag = await currentEtag(req, path);
    if (ifNoneMatch === '*' && etag !== undefined) return false;
    return ifMatch === undefined || (etag !== undefined && etag.replace(/"/g, '') === String(ifMatch).replace(/"/g, ''));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const path = url.pathname;
    const query = url.searchParams;
    requests.push(`${req.method} ${path}${url.search}`);
    const body = await bodyOf(req);
    const extra: Record<string, string> = {};
    const sent = req.headers['x-amz-checksum-sha256'];
    const isObject = path.split('/').filter(Boolean).length > 1;
    if (req.method === 'PUT' && typeof sent === 'string' && sha256(body).toString('base64') !== sent)
      return s3Error(res, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
    const conditionsChecked =
      options.conditions !== undefined &&
      ((req.method === 'PUT' && !query.has('partNumber')) ||
        (options.conditions === 'all' && req.method === 'POST' && query.has('uploadId')));
    if (conditionsChecked && !(await conditionHolds(req, path)))
      return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');

    let completed: string | undefined;
    if (req.method === 'POST' && completedUploads.has(query.get('uploadId') ?? ''))
      return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    if (req.method === 'POST' && query.has('uploadId')) {
      const parts = uploads.get(query.get('uploadId') ?? '');
      if (parts) {
        const listed = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? '')?.[1]),
          sha256: /<ChecksumSHA256>([^<]*)<\/ChecksumSHA256>/.exec(m[1] ?? '')?.[1],
        }));
        if (listed.some((p) => p.sha256 === undefined || parts.get(p.number) !== p.sha256))
          return s3Error(res, 400, 'InvalidPart', 'One or more of the specified parts could not be found.');
        const digests = listed.map((p) => Buffer.from(p.sha256 ?? '', 'base64'));
        completed = `${sha256(Buffer.concat(digests)).toString('base64')}-${listed.length}`;
      }
    }

    const answer = await upstream(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    const ok = answer.status >= 200 && answer.status < 300;
    let out = answer.body;
    if (ok && req.method === 'POST' && query.has('uploads') && req.headers['x-amz-checksum-algorithm'] === 'SHA256') {
      const id = /<UploadId>([^<]*)<\/UploadId>/.exec(answer.body.toString('utf8'))?.[1];
      if (id) uploads.set(id, new Map());
    }
    if (ok && req.method === 'PUT' && query.has('partNumber') && typeof sent === 'string') {
      uploads.get(query.get('uploadId') ?? '')?.set(Number(query.get('partNumber')), sent);
      extra['x-amz-checksum-sha256'] = sent;
    }
    if (ok && req.method === 'PUT' && !query.has('partNumber') && isObject) {
      opaque.delete(path);
      if (typeof sent === 'string') checksums.set(path, { value: sent, type: 'FULL_OBJECT' });
      else checksums.delete(path);
    }
    if (ok && req.method === 'POST' && query.has('uploadId') && answer.body.includes('<CompleteMultipartUploadResult')) {
      uploads.delete(query.get('uploadId') ?? '');
      completedUploads.add(query.get('uploadId') ?? '');
      if (completed) checksums.set(path, { value: completed, type: 'COMPOSITE' });
      else checksums.delete(path);
      if (options.opaqueMultipartEtags) {
        const count = (body.toString('utf8').match(/<Part>/g) ?? []).length;
        const etag = `"${randomBytes(16).toString('hex')}-${count}"`;
        opaque.set(path, etag);
        out = Buffer.from(
          answer.body.toString('utf8').replace(/<ETag>[^<]*<\/ETag>/, `<ETag>${etag.replace(/"/g, '&quot;')}</ETag>`),
        );
      }
      if (proxy.loseCompletionAnswers > 0) {
        proxy.loseCompletionAnswers--;
        req.socket.destroy();
        return;
      }
    }
    if (ok && req.method === 'DELETE' && isObject && !query.has('uploadId')) {
      checksums.delete(path);
      opaque.delete(path);
    }
    if (ok && (req.method === 'HEAD' || req.method === 'GET') && isObject) {
      const etag = opaque.get(path);
      if (etag) extra['etag'] = etag;
      const stored = checksums.get(path);
      if (stored && req.headers['x-amz-checksum-mode'] === 'ENABLED') {
        extra['x-amz-checksum-sha256'] = stored.value;
        extra['x-amz-checksum-type'] = stored.type;
      }
    }
    if (ok && req.method === 'GET' && !isObject && opaque.size > 0) {
      // A listing: each multipart object's entry shows its opaque ETag.
      const bucket = path.split('/').filter(Boolean)[0];
      out = Buffer.from(
        answer.body.toString('utf8').replace(/<Contents>([\s\S]*?)<\/Contents>/g, (entry, inner: string) => {
          const key = /<Key>([^<]*)<\/Key>/.exec(inner)?.[1] ?? '';
          const etag = opaque.get(`/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
          return etag ? entry.replace(/<ETag>[^<]*<\/ETag>/, `<ETag>${etag.replace(/"/g, '&quot;')}</ETag>`) : entry;
        }),
      );
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && name !== 'transfer-encoding' && name !== 'connection') headers[name] = value;
    if (req.method !== 'HEAD') headers['content-length'] = String(out.length);
    res.writeHead(answer.status, { ...headers, ...extra });
    res.end(req.method === 'HEAD' ? undefined : out);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: S3ChecksumProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loseCompletionAnswers: options.loseCompletionAnswers ?? 0,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
