/**
 * Signing promoted images, keyless (a private Sigstore instance from @sigstore/mock: Fulcio, Rekor, a TSA; nock)
 * and with a key, into two in-memory registries: one with the OCI 1.1 referrers API (the signature goes there as
 * a referrer holding the Sigstore bundle) and one without, as docker-registry 2.8 (the cosign tag schema); and
 * promotion attestations (the same two ways).
 */
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { OciClient } from '../oci/client.ts';
import { MEDIA_TYPE } from '../oci/media-types.ts';
import type { ImageStore } from '../oci/store.ts';
import { BundleVerifier } from '../sign/bundle-verifier.ts';
import { BUNDLE_V03_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE, parseBundle, preAuthEncoding } from '../sign/bundles.ts';
import { KeySigner } from '../sign/key-signer.ts';
import { KeylessSigner } from '../sign/keyless-signer.ts';
import { staticToken } from '../sign/oidc.ts';
import { parseTrustedRoot, trustPolicy } from '../sign/trust.ts';
import { witnessesFor } from '../sign/witnesses.ts';
import { type MemoryRegistry, startMemoryRegistry } from '../testing/memory-registry.ts';
import { sharedLayerImages, type TestImage } from '../testing/oci-images.ts';
import { type MockSigstore, startMockSigstore, testIdentityToken, testKeyPair } from '../testing/sigstore.ts';
import { Copier } from './copier.ts';
import { type PromoteOptions, type PromoteResult, promote } from './promote.ts';
import { ReferrerIndex } from './referrers.ts';
import {
  attach,
  attestImage,
  BUNDLE_ANNOTATION,
  checkSignature,
  cosignLayers,
  DSSE_MEDIA_TYPE,
  type ImageSigning,
  keySigning,
  PROMOTION_PREDICATE,
  promotionStatement,
  type SignatureTrust,
} from './signatures.ts';

const IDENTITY = 'https://github.com/kubernetes/k8s.io/.github/workflows/promote.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const RETRY = { baseDelayMs: 5, maxDelayMs: 50, attempts: 4 };

let mock: MockSigstore;
let dir: string;
let images: { multi: TestImage; single: TestImage };
/** With the referrers API, and without (as docker-registry 2.8). */
let withApi: MemoryRegistry;
let tagSchema: MemoryRegistry;

const client = () =>
  new OciClient({ plainHttp: [withApi.host, tagSchema.host], rateLimit: Number.POSITIVE_INFINITY, retry: RETRY, baseDir: dir });

function keylessTrust(identity: string | RegExp = IDENTITY): SignatureTrust {
  return {
    verifier: new BundleVerifier(
      trustPolicy({ trustedRoot: parseTrustedRoot(mock.trustedRoot), tlog: true, identity, issuer: ISSUER }),
    ),
  };
}

function keyless(sub = IDENTITY): ImageSigning {
  return {
    signer: new KeylessSigner({
      identity: staticToken(testIdentityToken({ sub, iss: ISSUER })),
      fulcioUrl: mock.fulcioUrl,
      timeoutMs: 10_000,
      retry: RETRY,
    }),
    witnesses: witnessesFor({ rekorUrl: mock.rekorUrl, tsaUrl: mock.tsaUrl }, 10_000),
    retry: RETRY,
    timeoutMs: 10_000,
    trust: keylessTrust(),
  };
}

async function run(
  image: 'multi' | 'single',
  destinations: string[],
  overrides: Partial<PromoteOptions>,
): Promise<PromoteResult> {
  return promote(
    {
      specs: [{ image, source: 'oci:src', digest: images[image].digest, tags: ['v1'], destinations, origin: 'test' }],
      client: client(),
      confirm: true,
      allowTagMoves: false,
      copyReferrers: true,
      concurrency: 4,
      attest: false,
      verify: 'none',
      builderId: 'test',
      timestamp: '2026-01-01T00:00:00Z',
      ...overrides,
    },
    new RecordingLogger(),
  );
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  mock = await startMockSigstore('promote');
  dir = await mkdtemp(path.join(tmpdir(), 'promote-sign-'));
  images = await sharedLayerImages(path.join(dir, 'src'), 4096);
  withApi = await startMemoryRegistry({ referrers: true });
  tagSchema = await startMemoryRegistry({ referrers: false });
});
afterAll(async () => {
  mock.stop();
  nock.enableNetConnect();
  await Promise.all([withApi.close(), tagSchema.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('keyless signing of promoted images', () => {
  it('signs each digest once: a referrer where the registry has the API, the .sig tag where not; a rerun signs nothing', async () => {
    const destinations = [`${withApi.host}/prod/multi`, `${tagSchema.host}/prod/multi`];
    const digest = images.multi.digest;
    const result = await run('multi', destinations, { signing: keyless() });
    expect(result.failed).toBe(0);
    expect(result.attached.signatures).toBe(2);
    expect(result.checks.map((c) => c.signature)).toEqual(['verified', 'verified']);
    expect(mock.requests.fulcio).toBe(1);

    const c = client();
    const [api, tags] = destinations.map((d) => c.store(d)) as [ReturnType<typeof c.store>, ReturnType<typeof c.store>];
    const referrers = (await api.listReferrers(digest)) ?? [];
    expect(referrers.map((r) => r.artifactType)).toEqual([BUNDLE_V03_MEDIA_TYPE]);
    expect(await api.listTags()).toEqual(['v1']);
    expect(await tags.listReferrers(digest)).toBeUndefined();
    expect(await tags.listTags()).toEqual([`${digest.replace(':', '-')}.sig`, 'v1']);

    // The same signature on both: the referrer's bundle layer is the .sig layer's bundle annotation.
    const referrer = JSON.parse((await api.getManifest(referrers[0]?.digest as string))?.bytes.toString('utf8') as string);
    expect(referrer.subject.digest).toBe(digest);
    expect(referrer.config.mediaType).toBe(MEDIA_TYPE.ociEmpty);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await api.getBlob(referrer.layers[0].digest)) chunks.push(chunk);
    const [sigLayer] = await cosignLayers(tags, digest, '.sig');
    expect(Buffer.concat(chunks).toString('utf8')).toBe(sigLayer?.annotations?.[BUNDLE_ANNOTATION]);

    for (const store of [api, tags]) {
      const index = new ReferrerIndex();
      expect((await checkSignature(store, digest, keylessTrust(), index)).status).toBe('verified');
      expect((await checkSignature(store, digest, keylessTrust('https://github.com/evil/fork'), index)).status).toBe('invalid');
    }

    const writes = [withApi.writes.length, tagSchema.writes.length];
    const again = await run('multi', destinations, { signing: keyless() });
    expect(again.failed).toBe(0);
    expect(again.attached.signatures).toBe(0);
    expect(mock.requests.fulcio).toBe(1);
    expect([withApi.writes.length, tagSchema.writes.length]).toEqual(writes);
  });

  it('verify with a certificate identity: a source signed by it is promoted, one signed by another is not', async () => {
    const source = `${withApi.host}/prod/multi`;
    const spec = (to: string) => ({
      image: 'multi',
      source,
      digest: images.multi.digest,
      tags: ['v1'],
      destinations: [to],
      origin: 'test',
    });
    const ok = await run('multi', [], {
      specs: [spec(`${tagSchema.host}/verified/multi`)],
      verify: 'required',
      verifyTrust: keylessTrust(),
    });
    expect(ok.edges.map((e) => e.status)).toEqual(['promoted']);
    const refused = await run('multi', [], {
      specs: [spec(`${tagSchema.host}/refused/multi`)],
      verify: 'required',
      verifyTrust: keylessTrust(/^https:\/\/github\.com\/someone-else\//),
    });
    expect(refused.edges.map((e) => [e.action, e.status])).toEqual([['unverified', 'failed']]);
    expect(await client().store(`${tagSchema.host}/refused/multi`).headManifest('v1')).toBeUndefined();
  });
});

describe('referrers travel per destination', () => {
  it('a bundle referrer in the source: by digest where the API is, plus the sha256-<hex> index tag where not', async () => {
    const source = `${withApi.host}/prod/multi`;
    const digest = images.multi.digest;
    const [linked] = (await client().store(source).listReferrers(digest)) ?? [];
    expect(linked?.artifactType).toBe(BUNDLE_V03_MEDIA_TYPE);
    const destinations = [`${withApi.host}/referred/multi`, `${tagSchema.host}/referred/multi`];
    const result = await run('multi', [], {
      specs: [{ image: 'multi', source, digest, tags: ['v1'], destinations, origin: 'test' }],
    });
    expect(result.failed).toBe(0);
    const c = client();
    const [api, tags] = destinations.map((d) => c.store(d)) as [ReturnType<typeof c.store>, ReturnType<typeof c.store>];
    expect((await api.listReferrers(digest))?.map((r) => r.digest)).toEqual([linked?.digest]);
    expect(await api.listTags()).toEqual(['v1']);
    const index = await tags.getManifest(digest.replace(':', '-'));
    expect(JSON.parse(index?.bytes.toString('utf8') as string).manifests.map((m: { digest: string }) => m.digest)).toEqual([
      linked?.digest,
    ]);
    // The copied referrer is a signature that verifies on both, whichever way it is found.
    for (const store of [api, tags])
      expect((await checkSignature(store, digest, keylessTrust(), new ReferrerIndex())).status).toBe('verified');
  });
});

describe('key signing of promoted images', () => {
  it('goes as a referrer where the API is, verifies with the key, and a rerun writes nothing', async () => {
    const keys = testKeyPair();
    const signing = keySigning(KeySigner.fromPem(keys.privatePem));
    const destinations = [`${withApi.host}/keyed/single`, `${tagSchema.host}/keyed/single`];
    const result = await run('single', destinations, { signing });
    expect(result.failed).toBe(0);
    expect(result.attached.signatures).toBe(2);
    const c = client();
    for (const d of destinations)
      expect((await checkSignature(c.store(d), images.single.digest, signing.trust, new ReferrerIndex())).status).toBe(
        'verified',
      );
    const writes = [withApi.writes.length, tagSchema.writes.length];
    const again = await run('single', destinations, { signing });
    expect(again.attached.signatures).toBe(0);
    expect([withApi.writes.length, tagSchema.writes.length]).toEqual(writes);
  });
});

async function readBlob(store: ImageStore, digest: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await store.getBlob(digest)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The DSSE envelopes attached to a digest: `.att` layers, and the bundles of its attestation referrers. */
async function attestations(
  store: ImageStore,
  digest: string,
): Promise<{ payloadType: string; payload: string; signatures: { sig: string }[] }[]> {
  const found = [];
  for (const layer of await cosignLayers(store, digest, '.att')) {
    expect([layer.mediaType, layer.annotations?.predicateType]).toEqual([DSSE_MEDIA_TYPE, PROMOTION_PREDICATE]);
    found.push(JSON.parse((await readBlob(store, layer.digest)).toString('utf8')));
  }
  for (const referrer of (await store.listReferrers(digest)) ?? []) {
    if (referrer.annotations?.['dev.sigstore.bundle.content'] !== 'dsse-envelope') continue;
    expect(referrer.artifactType).toBe(BUNDLE_V03_MEDIA_TYPE);
    expect(referrer.annotations?.['dev.sigstore.bundle.predicateType']).toBe(PROMOTION_PREDICATE);
    const manifest = JSON.parse((await store.getManifest(referrer.digest))?.bytes.toString('utf8') as string);
    expect(manifest.subject.digest).toBe(digest);
    const bundle = JSON.parse((await readBlob(store, manifest.layers[0].digest)).toString('utf8'));
    found.push(bundle.dsseEnvelope);
  }
  return found;
}

describe('attest', () => {
  it('attaches a signed in-toto promotion statement per destination: a referrer where the API is, .att where not; an equal one is not added again', async () => {
    const keys = testKeyPair();
    const signing = keySigning(KeySigner.fromPem(keys.privatePem));
    const destinations = [`${tagSchema.host}/attested/single`, `${withApi.host}/attested/single`];
    const digest = images.single.digest;
    const result = await run('single', destinations, {
      signing,
      attest: true,
      builderId: 'https://github.com/k/r/actions/runs/7',
    });
    expect(result.failed).toBe(0);
    expect(result.attached.attestations).toBe(2);
    const c = client();
    const [tagged, referred] = destinations.map((d) => c.store(d)) as [ImageStore, ImageStore];
    // The tag schema where there is no referrers API; a referrer (no .att tag) where there is.
    expect(await cosignLayers(tagged, digest, '.att')).toHaveLength(1);
    expect(await cosignLayers(referred, digest, '.att')).toEqual([]);
    expect(await referred.listTags()).not.toContain(`${digest.replace(':', '-')}.att`);
    for (const destination of destinations) {
      const found = await attestations(c.store(destination), digest);
      expect(found).toHaveLength(1);
      const envelope = found[0] as (typeof found)[number];
      const payload = Buffer.from(envelope.payload, 'base64');
      expect(envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
      expect(
        verify(
          'sha256',
          preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload),
          createPublicKey(keys.publicPem),
          Buffer.from(envelope.signatures[0]?.sig as string, 'base64'),
        ),
      ).toBe(true);
      expect(JSON.parse(payload.toString('utf8'))).toEqual({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: destination, digest: { sha256: digest.slice(7) } }],
        predicateType: PROMOTION_PREDICATE,
        predicate: {
          src_ref: `oci:src@${digest}`,
          dst_ref: `${destination}@${digest}`,
          digest,
          timestamp: '2026-01-01T00:00:00Z',
          builder_id: 'https://github.com/k/r/actions/runs/7',
        },
      });
    }
    const writes = [withApi.writes.length, tagSchema.writes.length];
    const again = await run('single', destinations, {
      signing,
      attest: true,
      builderId: 'https://github.com/k/r/actions/runs/7',
    });
    expect(again.attached).toEqual({ referrers: 0, signatures: 0, attestations: 0 });
    expect([withApi.writes.length, tagSchema.writes.length]).toEqual(writes);
    // Another run's statement (another builder) is a new one, added beside the first.
    const other = await run('single', destinations, {
      signing,
      attest: true,
      builderId: 'https://github.com/k/r/actions/runs/8',
    });
    expect(other.attached.attestations).toBe(2);
    for (const destination of destinations) expect(await attestations(c.store(destination), digest)).toHaveLength(2);
  });

  it('an equal statement already attached in the other form (.att on a registry with the API) is not added again', async () => {
    const signing = keySigning(KeySigner.fromPem(testKeyPair().privatePem));
    const destination = `${withApi.host}/attested-before/single`;
    const digest = images.single.digest;
    const builderId = 'https://github.com/k/r/actions/runs/9';
    const first = await run('single', [destination], { signing });
    expect(first.failed).toBe(0);
    // An older run (or another tool) put the statement under the cosign tag.
    const store = client().store(destination);
    const statement = promotionStatement({
      srcRef: `oci:src@${digest}`,
      dstRef: `${destination}@${digest}`,
      digest,
      timestamp: '2026-01-01T00:00:00Z',
      builderId,
    });
    await attach(new Copier(1), store, digest, '.att', await attestImage(signing, statement));
    const writes = withApi.writes.length;
    const again = await run('single', [destination], { signing, attest: true, builderId });
    expect(again.failed).toBe(0);
    expect(again.attached.attestations).toBe(0);
    expect(withApi.writes.length).toBe(writes);
    expect(await attestations(client().store(destination), digest)).toHaveLength(1);
  });

  it('keyless: the .att layer carries a witnessed DSSE bundle that verifies for the identity', async () => {
    const destination = `${tagSchema.host}/attested-keyless/single`;
    const digest = images.single.digest;
    const result = await run('single', [destination], { signing: keyless(), attest: true });
    expect(result.attached.attestations).toBe(1);
    const [layer] = await cosignLayers(client().store(destination), digest, '.att');
    const bundle = parseBundle(layer?.annotations?.[BUNDLE_ANNOTATION] as string);
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    const trust = keylessTrust();
    if (!('verifier' in trust)) throw new Error('expected a keyless trust');
    const statement =
      bundle.content.$case === 'dsseEnvelope' ? Buffer.from(bundle.content.dsseEnvelope.payload) : Buffer.alloc(0);
    expect(JSON.parse(statement.toString('utf8')).predicate.dst_ref).toBe(`${destination}@${digest}`);
    expect(() => trust.verifier.verifyDsse(bundle, statement, IN_TOTO_PAYLOAD_TYPE)).not.toThrow();
  });
});
