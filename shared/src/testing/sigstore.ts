/**
 * Sigstore test fixtures: ECDSA P-256 key pairs in the PEM forms users hand to
 * sign-artifacts, and a private Sigstore instance (Fulcio with a CT log, Rekor,
 * a TSA) from @sigstore/mock — real cryptography behind nock interceptors — with
 * the trusted_root.json that verifies what it issues. Keyless tests run in
 * process with nock.disableNetConnect(): no request leaves the process.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
} from '@sigstore/mock';
import nock from 'nock';
import { KeySigner } from '../sign/key-signer.ts';
import type { BuildContext } from '../sign/provenance.ts';
import type { SignArtifactsOptions } from '../sign/sign-artifacts.ts';
import { DEFAULT_EXCLUDE } from '../sign/subjects.ts';
import { trustPolicy } from '../sign/trust.ts';

export interface TestKeyPair {
  /** PKCS#8 PEM. */
  privatePem: string;
  /** SPKI PEM. */
  publicPem: string;
  /** The private key as encrypted PKCS#8 under `password`. */
  encryptedPem(password: string): string;
}

export function testKeyPair(namedCurve: 'P-256' | 'P-384' = 'P-256'): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    encryptedPem: (password) =>
      privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: password }).toString(),
  };
}

/** An unsigned JWT: the mock Fulcio reads `sub` (into the SAN) and `iss` without checking a signature. */
export function testIdentityToken(claims: { sub: string; iss: string; [claim: string]: unknown }): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'sigstore', iat: now, exp: now + 600, ...claims })}.sig`;
}

export interface MockSigstore {
  fulcioUrl: string;
  rekorUrl: string;
  tsaUrl: string;
  /** trusted_root.json content for this instance. */
  trustedRoot: Record<string, unknown>;
  /** Requests answered so far, per service. */
  requests: { fulcio: number; rekor: number; tsa: number };
  /** Makes the next `count` requests to a service fail with `status`. */
  failNext(service: 'fulcio' | 'rekor' | 'tsa', count: number, status?: number): void;
  /** Rekor logs the next `count` entries but the responses are lost (503): a retry then meets 409 Conflict. */
  loseNextResponses(count: number): void;
  /** Rekor answers that came back as 409 Conflict (entry already exists). */
  conflicts: number;
  stop(): void;
}

type Handler = { path: string; fn: (body: string) => Promise<{ statusCode: number; response: string; contentType?: string }> };

const LONG_AGO = '2020-01-01T00:00:00Z';

/**
 * What Rekor stores for a proposed `dsse` entry (the mock embeds proposals as
 * they come): the signatures with their verifiers and the payload/envelope
 * hashes instead of the envelope itself.
 */
function canonicalRekorEntry(body: string): string {
  const entry = JSON.parse(body);
  const proposed = entry?.kind === 'dsse' ? entry.spec?.proposedContent : undefined;
  if (!proposed) return body;
  const envelope = JSON.parse(proposed.envelope);
  const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
  return JSON.stringify({
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(proposed.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((sig: { sig: string }, i: number) => ({
        signature: sig.sig,
        verifier: proposed.verifiers[i],
      })),
    },
  });
}

interface MockServices {
  handlers: Record<'fulcio' | 'rekor' | 'tsa', Handler>;
  trustedRoot: Record<string, unknown>;
  /** Call before each request (see initializeTSA below). */
  tick(): void;
}

/** A CA with a CT log, a transparency log and a TSA, each with its own key, and their trusted root. */
async function mockServices(urls: { fulcio: string; rekor: string; tsa: string }): Promise<MockServices> {
  const keys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ctlog = await initializeCTLog(keys());
  const ca = await initializeCA(keys(), ctlog);
  const tlog = await initializeTLog(urls.rekor, keys());
  // The mock TSA encodes its time with a millisecond fraction that @sigstore/core cannot parse when it ends in
  // a zero ("…40.5Z"); its clock is this Date, kept at the current whole second before each request.
  const tsaClock = new Date();
  const tsa = await initializeTSA(keys(), tsaClock);
  const rekor = rekorHandler(tlog) as Handler;
  const handlers = {
    fulcio: fulcioHandler(ca) as Handler,
    rekor: { path: rekor.path, fn: (body: string) => rekor.fn(canonicalRekorEntry(body)) },
    tsa: tsaHandler(tsa) as Handler,
  };
  const b64 = (bytes: ArrayBufferView) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: urls.rekor,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: tlog.publicKey.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: LONG_AGO },
        },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: urls.fulcio,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: LONG_AGO },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.mock.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: ctlog.publicKey.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: LONG_AGO },
        },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: urls.tsa,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: { start: LONG_AGO },
      },
    ],
  };
  return { handlers, trustedRoot, tick: () => tsaClock.setTime(Math.floor(Date.now() / 1000) * 1000) };
}

type Service = keyof MockServices['handlers'];

/** Starts a private Sigstore instance on made-up https hosts (nock intercepts them; nothing else may leave). */
export async function startMockSigstore(prefix = 'mock'): Promise<MockSigstore> {
  const urls = {
    fulcio: `https://fulcio.${prefix}.test`,
    rekor: `https://rekor.${prefix}.test`,
    tsa: `https://tsa.${prefix}.test`,
  };
  const services = await mockServices(urls);
  const requests = { fulcio: 0, rekor: 0, tsa: 0 };
  const failures: Record<Service, number[]> = { fulcio: [], rekor: [], tsa: [] };
  // Rekor keeps what it logged, by proposed entry: a second proposal of the same entry is a 409 with its location.
  const logged = new Map<string, { uuid: string; response: string }>();
  let lose = 0;
  const mock = {
    fulcioUrl: urls.fulcio,
    rekorUrl: urls.rekor,
    tsaUrl: urls.tsa,
    trustedRoot: services.trustedRoot,
    requests,
    conflicts: 0,
  };
  const json = { 'Content-Type': 'application/json' };
  const scopes = (Object.keys(urls) as Service[]).map((service) => {
    const handler = services.handlers[service];
    return nock(urls[service])
      .persist()
      .post(handler.path)
      .reply(async (_uri, raw) => {
        const status = failures[service].shift();
        if (status !== undefined) return [status, 'injected failure', { 'Content-Type': 'text/plain' }];
        const body = typeof raw === 'string' ? raw : JSON.stringify(raw);
        const known = service === 'rekor' ? logged.get(body) : undefined;
        if (known) {
          mock.conflicts++;
          return [
            409,
            JSON.stringify({ code: 409, message: 'an equivalent entry already exists' }),
            { ...json, Location: `/api/v1/log/entries/${known.uuid}` },
          ];
        }
        requests[service]++;
        services.tick();
        const r = await handler.fn(body);
        if (service === 'rekor' && r.statusCode === 201) {
          logged.set(body, { uuid: Object.keys(JSON.parse(r.response))[0] as string, response: r.response });
          if (lose > 0) {
            lose--;
            return [503, 'response lost', { 'Content-Type': 'text/plain' }];
          }
        }
        return [r.statusCode, r.response, { 'Content-Type': r.contentType ?? 'text/plain' }];
      });
  });
  scopes.push(
    nock(urls.rekor)
      .persist()
      .get(/^\/api\/v1\/log\/entries\/[0-9a-f]+$/)
      .reply((uri) => {
        const entry = [...logged.values()].find((e) => uri.endsWith(`/${e.uuid}`));
        return entry ? [200, entry.response, json] : [404, '{}', json];
      }),
  );
  return Object.assign(mock, {
    failNext(service: Service, count: number, status = 503) {
      for (let i = 0; i < count; i++) failures[service].push(status);
    },
    loseNextResponses(count: number) {
      lose += count;
    },
    stop() {
      for (const scope of scopes) scope.persist(false);
      nock.cleanAll();
    },
  });
}

export interface SigstoreServer {
  /** Base URL of Fulcio, Rekor and the TSA alike (one loopback server answers all three APIs). */
  url: string;
  trustedRoot: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * The same private instance as a real HTTP server on 127.0.0.1, for end-to-end
 * runs of the bundle in a child process (where nock cannot reach).
 */
export async function startSigstoreServer(): Promise<SigstoreServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const services = await mockServices({ fulcio: url, rekor: url, tsa: url });
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const handler = Object.values(services.handlers).find((h) => req.method === 'POST' && req.url === h.path);
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      services.tick();
      const r = await handler.fn(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'text/plain' }).end(r.response);
    });
  });
  return {
    url,
    trustedRoot: services.trustedRoot,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A tag push's workflow run, for provenance made in tests. */
export const TEST_BUILD_CONTEXT: BuildContext = {
  serverUrl: 'https://github.com',
  repository: 'kubernetes/release-test',
  repositoryId: '20580498',
  repositoryOwnerId: '13629408',
  sha: '0123456789abcdef0123456789abcdef01234567',
  ref: 'refs/tags/v1.31.2',
  workflowRef: 'kubernetes/release-test/.github/workflows/release.yml@refs/tags/v1.31.2',
  runId: '1234567890',
  runAttempt: '1',
  eventName: 'push',
  runnerEnvironment: 'github-hosted',
  workflowInputs: { version: 'v1.31.2' },
  builderVersion: '0.1.0',
};

/** Signs every file of `workspace` with a key, offline (no transparency log, no TSA): the fixture of several suites. */
export function keySigningOptions(
  workspace: string,
  privatePem: string,
  overrides: Partial<SignArtifactsOptions> = {},
): SignArtifactsOptions {
  const signer = KeySigner.fromPem(privatePem);
  return {
    workspace,
    files: ['**/*'],
    exclude: DEFAULT_EXCLUDE,
    signer,
    endpoints: { rekorUrl: undefined, tsaUrl: undefined },
    trust: trustPolicy({ publicKey: signer.publicKey, tlog: false }),
    checksums: true,
    legacySignatures: false,
    provenance: undefined,
    concurrency: 4,
    timeoutMs: 30_000,
    retryBudgetMs: 1000,
    force: false,
    dryRun: false,
    manifest: undefined,
    sourceDate: undefined,
    ...overrides,
  };
}
