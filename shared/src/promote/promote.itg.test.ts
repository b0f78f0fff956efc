/** promote() against three docker-registry instances (staging, two mirrors), images pushed with skopeo. */
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { OciClient } from '../oci/client.ts';
import { KeySigner } from '../sign/key-signer.ts';
import { startFaultProxy } from '../testing/fault-proxy.ts';
import {
  type CountedRegistries,
  pushLayout,
  sharedLayerImages,
  skopeo,
  startCountedRegistries,
  type TestImage,
} from '../testing/oci-images.ts';
import { OciLayout } from '../testing/oci-layout.ts';
import type { Registry } from '../testing/registry.ts';
import { testKeyPair } from '../testing/sigstore.ts';
import { Copier } from './copier.ts';
import { type PromoteOptions, type PromoteResult, promote } from './promote.ts';
import { attach, checkSignature, keySigning, signImage } from './signatures.ts';
import type { ImageSpec } from './spec.ts';

const keys = testKeyPair();

describe('promote against real registries', () => {
  let dir: string;
  let registries: Registry[];
  /** Staging, mirror 1, mirror 2, each behind a counting proxy. */
  let served: CountedRegistries;
  let images: { multi: TestImage; single: TestImage };
  let other: string;
  let unsigned: string;
  let hosts: string[];

  const specs = (extra: Partial<Record<'multi' | 'single', Record<string, string[]>>> = {}, mirrors = hosts.slice(1)) =>
    (['multi', 'single'] as const).flatMap((name) =>
      Object.entries(extra[name] ?? { [images[name].digest]: ['v1'] }).map(
        ([digest, tags]): ImageSpec => ({
          image: name,
          source: `${hosts[0]}/staging/${name}`,
          digest,
          tags,
          destinations: mirrors.map((h) => `${h}/prod/${name}`),
          origin: 'test',
        }),
      ),
    );

  function options(overrides: Partial<PromoteOptions>): PromoteOptions {
    return {
      specs: specs(),
      client: new OciClient({ plainHttp: hosts, rateLimit: 1000, retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 8 } }),
      confirm: true,
      allowTagMoves: false,
      copyReferrers: true,
      concurrency: 8,
      attest: false,
      verify: 'none',
      builderId: 'test',
      timestamp: '2026-01-01T00:00:00Z',
      ...overrides,
    };
  }

  async function run(overrides: Partial<PromoteOptions>): Promise<{ result: PromoteResult; writes: string[] }> {
    served.reset();
    const result = await promote(options(overrides), new RecordingLogger());
    return { result, writes: [...served.counts.writes] };
  }

  const raw = (ref: string, ...flags: string[]) => skopeo('inspect', '--tls-verify=false', ...flags, `docker://${ref}`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'promote-'));
    served = await startCountedRegistries(3);
    registries = served.registries;
    hosts = served.hosts;
    const staging = registries[0]?.host as string;
    images = await sharedLayerImages(path.join(dir, 'src'));
    await pushLayout(path.join(dir, 'src'), 'multi', `${staging}/staging/multi:multi`);
    await pushLayout(path.join(dir, 'src'), 'single', `${staging}/staging/single:single`);
    // A signature attached by the cosign tag schema, and two more images (a tag move, an unsigned one).
    const extra = new OciLayout(path.join(dir, 'extra'));
    const sig = await extra.image('signature');
    await extra.write('sig', [sig]);
    await pushLayout(path.join(dir, 'extra'), 'sig', `${staging}/staging/multi:${images.multi.digest.replace(':', '-')}.sig`);
    const second = new OciLayout(path.join(dir, 'second'));
    const moved = await second.image('second single');
    await second.write('other', [moved]);
    await pushLayout(path.join(dir, 'second'), 'other', `${staging}/staging/single:other`);
    other = moved.digest;
    const third = new OciLayout(path.join(dir, 'third'));
    const plain = await third.image('unsigned');
    await third.write('plain', [plain]);
    await pushLayout(path.join(dir, 'third'), 'plain', `${staging}/staging/multi:plain`);
    unsigned = plain.digest;
  }, 120_000);

  afterAll(async () => {
    await served.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('without confirm: the plan, and not one write request', async () => {
    const { result, writes } = await run({ confirm: false });
    expect(result.edges.map((e) => e.action)).toEqual(['copy', 'copy', 'copy', 'copy']);
    expect(result.edges.every((e) => e.status === 'planned')).toBe(true);
    expect(writes).toEqual([]);
  });

  it('a confirmed run copies byte for byte to both mirrors, with the staging signature', async () => {
    const { result } = await run({});
    expect(result).toMatchObject({ promoted: 4, failed: 0, skipped: 0 });
    for (const mirror of registries.slice(1)) {
      for (const name of ['multi', 'single'] as const) {
        const source = await raw(`${registries[0]?.host}/staging/${name}@${images[name].digest}`, '--raw');
        expect(await raw(`${mirror.host}/prod/${name}:v1`, '--raw')).toBe(source);
      }
      for (const arch of ['amd64', 'arm64']) {
        const inspected = JSON.parse(await raw(`${mirror.host}/prod/multi:v1`, '--override-arch', arch)) as {
          Architecture: string;
        };
        expect(inspected.Architecture).toBe(arch);
      }
      const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${mirror.host}/prod/multi`)) as {
        Tags: string[];
      };
      expect(tags.Tags).toContain(`${images.multi.digest.replace(':', '-')}.sig`);
    }
    expect(result.checks.every((c) => c.ok)).toBe(true);
    // Each unique blob once per mirror: 2 shared + 3 own layers + 3 configs (+ the signature's layer and config).
    const unique = 5 * (64 * 1024);
    for (const host of hosts.slice(1)) {
      expect(result.transfers[host]?.uploads).toBe(10);
      expect(result.transfers[host]?.bytes).toBeGreaterThan(unique);
    }
  });

  it('a rerun writes nothing and reports everything skipped', async () => {
    const { result, writes } = await run({});
    expect(result).toMatchObject({ promoted: 0, skipped: 4, failed: 0 });
    expect(writes).toEqual([]);
  });

  it('a tag move fails naming image and tag and changes nothing; allowed, it moves', async () => {
    const moving = { single: { [other]: ['v1'] } };
    const refused = await run({ specs: specs(moving) });
    const failed = refused.result.edges.filter((e) => e.status === 'failed');
    expect(failed).toHaveLength(2);
    expect(failed[0]?.error).toMatch(/image single: tag v1/);
    expect(refused.writes).toEqual([]);
    const allowed = await run({ specs: specs(moving), allowTagMoves: true });
    expect(allowed.result.failed).toBe(0);
    expect(JSON.parse(await raw(`${registries[1]?.host}/prod/single:v1`)).Digest).toBe(other);
  });

  it('a digest staging lacks fails its edges; the others are promoted; all is reported', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const { result } = await run({
      specs: specs({ multi: { [images.multi.digest]: ['v2'], [missing]: ['v9'] }, single: { [images.single.digest]: ['v2'] } }),
    });
    expect(result.failed).toBe(2);
    expect(result.promoted).toBe(4);
    expect(result.edges.filter((e) => e.status === 'failed').every((e) => e.digest === missing && e.action === 'missing')).toBe(
      true,
    );
  });

  it('sign: one signature per digest, on both mirrors, verifying with the key', async () => {
    const signer = KeySigner.fromPem(keys.privatePem);
    const { result } = await run({
      signing: keySigning(signer),
      specs: specs({ multi: { [images.multi.digest]: ['v1'] }, single: { [images.single.digest]: ['v3'] } }),
    });
    expect(result.failed).toBe(0);
    const client = new OciClient({ plainHttp: hosts });
    for (const host of hosts.slice(1))
      for (const name of ['multi', 'single'] as const)
        expect(
          (await checkSignature(client.store(`${host}/prod/${name}`), images[name].digest, { key: signer.publicKey })).status,
        ).toBe('verified');
    expect(result.checks.every((c) => c.signature === 'verified')).toBe(true);
    // The rerun signs nothing again.
    const again = await run({
      signing: keySigning(signer),
      specs: specs({ multi: { [images.multi.digest]: ['v1'] }, single: { [images.single.digest]: ['v3'] } }),
    });
    expect(again.writes).toEqual([]);
  });

  it('verify: required refuses an unsigned or wrongly signed source image, promotes a signed one', async () => {
    const signer = KeySigner.fromPem(keys.privatePem);
    const client = new OciClient({ plainHttp: hosts });
    const staging = client.store(`${hosts[0]}/staging/single`);
    await attach(new Copier(2), staging, other, '.sig', await signImage(keySigning(signer), staging.name, other));
    const wrong = KeySigner.ephemeral();
    const stagingMulti = client.store(`${hosts[0]}/staging/multi`);
    await attach(
      new Copier(2),
      stagingMulti,
      images.multi.digest,
      '.sig',
      await signImage(keySigning(wrong), stagingMulti.name, images.multi.digest),
    );
    const { result } = await run({
      verify: 'required',
      verifyTrust: { key: createPublicKey(keys.publicPem) },
      specs: specs({ multi: { [unsigned]: ['u1'], [images.multi.digest]: ['w1'] }, single: { [other]: ['s1'] } }),
    });
    const byTag = (tag: string) => result.edges.filter((e) => e.tag === tag);
    expect(byTag('u1').every((e) => e.action === 'unverified' && e.status === 'failed')).toBe(true);
    expect(byTag('w1').every((e) => e.action === 'unverified')).toBe(true);
    expect(byTag('s1').every((e) => e.status === 'promoted')).toBe(true);
    const mirror = client.store(`${hosts[1]}/prod/multi`);
    expect(await mirror.headManifest('u1')).toBeUndefined();
    expect(await mirror.headManifest(unsigned)).toBeUndefined();
  });

  it('oci: folders as source and destination', async () => {
    const client = new OciClient({ plainHttp: hosts, baseDir: dir });
    const spec: ImageSpec = {
      image: 'multi',
      source: 'oci:src',
      digest: images.multi.digest,
      tags: ['v1'],
      destinations: ['oci:out/multi', `${hosts[2]}/fromlayout/multi`],
      origin: 'test',
    };
    const { result } = await run({ specs: [spec], client });
    expect(result.failed).toBe(0);
    const inspected = JSON.parse(await skopeo('inspect', '--raw', `oci:${dir}/out/multi:v1`));
    expect(inspected.manifests).toHaveLength(2);
    await skopeo(
      'copy',
      '--all',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${dir}/out/multi:v1`,
      `docker://${registries[1]?.host}/copied/multi:v1`,
    );
    expect(JSON.parse(await raw(`${registries[1]?.host}/copied/multi:v1`)).Digest).toBe(images.multi.digest);
  });

  it('20 % faults in front of a mirror: every digest right', async () => {
    const faulty = await startFaultProxy({ target: registries[2]?.url as string, failureRate: 0.2, seed: 7 });
    try {
      const host = faulty.url.replace('http://', '');
      const client = new OciClient({
        plainHttp: [...hosts, host],
        rateLimit: 1000,
        retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 10 },
      });
      const { result } = await run({
        client,
        specs: specs({}, [host]).map((s) => ({ ...s, destinations: [`${host}/faulty/${s.image}`] })),
      });
      expect(result.failed).toBe(0);
      expect(faulty.stats.faults['503'] + faulty.stats.faults['429'] + faulty.stats.faults.reset).toBeGreaterThan(0);
      for (const name of ['multi', 'single'] as const)
        expect(JSON.parse(await raw(`${registries[2]?.host}/faulty/${name}:v1`)).Digest).toBe(images[name].digest);
    } finally {
      await faulty.stop();
    }
  });
});
