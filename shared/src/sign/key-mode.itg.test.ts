/**
 * Key mode, offline (`rekor-url: none`, no TSA): bundles verify with
 * @sigstore/verify given the public key, the raw signature verifies with
 * openssl, checksums pass sha256sum/sha512sum -c, the provenance is complete and
 * its DSSE signature verifies, a rerun changes nothing, and a flipped byte fails
 * verify mode naming the file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { readManifest, updateManifest } from '../manifest/manifest.ts';
import { keySigningOptions, TEST_BUILD_CONTEXT, testKeyPair } from '../testing/sigstore.ts';
import { dsseBundle, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding, serializeBundle } from './bundles.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  KeySigner,
  parsePublicKey,
  type SignArtifactsOptions,
  signArtifacts,
  trustPolicy,
  verifyArtifacts,
} from './index.ts';

const keys = testKeyPair();
const FILES = ['bin/linux/amd64/kubectl', 'bin/linux/arm64/kubectl', 'kubernetes.tar.gz', 'kubernetes-src.tar.gz'];

let workspace: string;
let release: string;

function options(overrides: Partial<SignArtifactsOptions> = {}): SignArtifactsOptions {
  return keySigningOptions(workspace, keys.privatePem, {
    files: ['release/**'],
    legacySignatures: true,
    provenance: TEST_BUILD_CONTEXT,
    concurrency: 3,
    sourceDate: new Date('2026-01-02T03:04:05Z'),
    ...overrides,
  });
}

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'sign-key-'));
  release = path.join(workspace, 'release');
  for (const [i, name] of FILES.entries()) {
    await mkdir(path.dirname(path.join(release, name)), { recursive: true });
    const data = Buffer.alloc(100_000 * (i + 1));
    for (let j = 0; j < data.length; j++) data[j] = (j * 31 + i) & 0xff;
    await writeFile(path.join(release, name), data);
  }
  await writeFile(path.join(release, 'README.md'), 'not signed\n');
  await writeFile(path.join(release, 'Makefile'), 'all:\n');
  await writeFile(path.join(release, 'kube-apiserver.docker_tag'), 'v1.31.2\n');
  await writeFile(path.join(workspace, 'pub.pem'), keys.publicPem);
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

describe('sign-artifacts, key mode', () => {
  it('signs every matched file (skipping Kubernetes skip-list files) into v0.3 bundles', async () => {
    const logger = new RecordingLogger();
    const result = await signArtifacts(options(), logger);
    expect(result.root).toBe('release');
    expect(result.files.map((f) => f.path)).toEqual(FILES.map((f) => `release/${f}`).sort());
    expect(result.files.every((f) => f.status === 'signed')).toBe(true);
    expect(result.verified).toBe(FILES.length);
    expect(result.checksums).toBe('release/SHA256SUMS');
    expect(result.provenance).toBe('release/provenance.json');
    expect(logger.lines.some((l) => /\[\s*4\/4\]/.test(l))).toBe(true);
    await expect(stat(path.join(release, 'README.md.sigstore.json'))).rejects.toThrow();
    await expect(stat(path.join(release, 'Makefile.sigstore.json'))).rejects.toThrow();
  });

  it('bundles verify with @sigstore/verify given the public key, and the raw signature with openssl', async () => {
    const key = parsePublicKey(keys.publicPem);
    const material = toTrustMaterial(
      { mediaType: '', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] },
      () => ({ publicKey: key, validFor: () => true }),
    );
    const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    for (const name of FILES) {
      const file = path.join(release, name);
      const json = JSON.parse(await readFile(`${file}.sigstore.json`, 'utf8'));
      expect(json.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
      expect(json.verificationMaterial.publicKey.hint).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      const bundle = bundleFromJSON(json);
      const artifact = await readFile(file);
      expect(() => verifier.verify(toSignedEntity(bundle, artifact))).not.toThrow();
      const sigFile = path.join(workspace, 'sig.bin');
      await writeFile(sigFile, Buffer.from(json.messageSignature.signature, 'base64'));
      const out = execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', path.join(workspace, 'pub.pem'), '-signature', sigFile, file],
        {
          encoding: 'utf8',
        },
      );
      expect(out.trim()).toBe('Verified OK');
      // The legacy .sig is the same signature, base64; key mode writes no .cert.
      expect(await readFile(`${file}.sig`, 'utf8')).toBe(json.messageSignature.signature);
      await expect(stat(`${file}.cert`)).rejects.toThrow();
    }
  });

  it('writes SHA256SUMS/SHA512SUMS that coreutils accepts and bare-hex digest files', async () => {
    execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: release });
    execFileSync('sha512sum', ['--strict', '-c', 'SHA512SUMS'], { cwd: release });
    for (const name of [...FILES, 'SHA256SUMS', 'SHA512SUMS']) {
      expect(await readFile(path.join(release, `${name}.sha256`), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
      expect(await readFile(path.join(release, `${name}.sha512`), 'utf8')).toMatch(/^[0-9a-f]{128}$/);
    }
  });

  it('writes complete SLSA v1 provenance whose subjects match sha256sum and whose DSSE verifies', async () => {
    const text = await readFile(path.join(release, 'provenance.json'), 'utf8');
    const statement = JSON.parse(text);
    const sums = execFileSync('sha256sum', [...FILES].sort(), { cwd: release, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(statement.subject.map((s: { name: string; digest: { sha256: string } }) => [s.digest.sha256, s.name])).toEqual(sums);
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    const { buildDefinition: build, runDetails: run } = statement.predicate;
    expect(typeof build.buildType).toBe('string');
    expect(build.externalParameters.workflow).toEqual({
      ref: 'refs/tags/v1.31.2',
      repository: 'https://github.com/kubernetes/release-test',
      path: '.github/workflows/release.yml',
    });
    expect(build.externalParameters.inputs).toEqual({ version: 'v1.31.2' });
    expect(build.internalParameters.github.event_name).toBe('push');
    expect(build.resolvedDependencies).toEqual([
      { uri: 'git+https://github.com/kubernetes/release-test@refs/tags/v1.31.2', digest: { gitCommit: TEST_BUILD_CONTEXT.sha } },
    ]);
    expect(run.builder.id).toBe('https://github.com/kubernetes/release-test/.github/workflows/release.yml@refs/tags/v1.31.2');
    expect(Object.values(run.builder.version).every((v) => typeof v === 'string')).toBe(true);
    expect(run.metadata.invocationId).toBe('https://github.com/kubernetes/release-test/actions/runs/1234567890/attempts/1');
    expect(run.metadata.startedOn).toBe('2026-01-02T03:04:05Z');
    expect(run.metadata.finishedOn).toBe('2026-01-02T03:04:05Z');
    const byproducts = run.byproducts.map((b: { name: string }) => b.name);
    expect(byproducts).toEqual(expect.arrayContaining(['SHA256SUMS', 'SHA512SUMS', ...FILES.map((f) => `${f}.sigstore.json`)]));
    for (const b of run.byproducts) expect(b.digest.sha256).toMatch(/^[0-9a-f]{64}$/);

    const bundleJson = JSON.parse(await readFile(path.join(release, 'provenance.sigstore.json'), 'utf8'));
    expect(bundleJson.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
    expect(bundleJson.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(Buffer.from(bundleJson.dsseEnvelope.payload, 'base64').toString('utf8')).toBe(text);
    const key = parsePublicKey(keys.publicPem);
    const material = toTrustMaterial(
      { mediaType: '', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] },
      () => ({ publicKey: key, validFor: () => true }),
    );
    const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    expect(() => verifier.verify(toSignedEntity(bundleFromJSON(bundleJson)))).not.toThrow();
  });

  it('a rerun re-signs nothing and writes the same bytes; force re-signs', async () => {
    const snapshot = async () =>
      Promise.all(
        [
          ...FILES.flatMap((f) => [`${f}.sigstore.json`, `${f}.sig`]),
          'SHA256SUMS',
          'provenance.json',
          'provenance.sigstore.json',
        ].map((f) => readFile(path.join(release, f), 'utf8')),
      );
    const before = await snapshot();
    const first = await signArtifacts(options(), new RecordingLogger());
    const again = await signArtifacts(options(), new RecordingLogger());
    expect(again.files.every((f) => f.status === 'unchanged')).toBe(true);
    expect(again.provenanceStatus).toBe('unchanged');
    expect(again).toEqual(first);
    expect(await snapshot()).toEqual(before);
    const forced = await signArtifacts(options({ force: true }), new RecordingLogger());
    expect(forced.files.every((f) => f.status === 'signed')).toBe(true);
  });

  it('verify mode passes, then fails naming every file with a flipped byte', async () => {
    const trust = trustPolicy({ publicKey: parsePublicKey(keys.publicPem), tlog: false });
    const ok = await verifyArtifacts({ workspace, files: ['release/**'], trust }, new RecordingLogger());
    expect(ok.verified).toBe(FILES.length);
    expect(ok.provenance).toEqual(['release/provenance.json']);

    const flip = async (name: string) => {
      const file = path.join(release, name);
      const data = await readFile(file);
      data[1000] = (data[1000] as number) ^ 0x01;
      await writeFile(file, data);
    };
    await flip('kubernetes.tar.gz');
    await flip('bin/linux/arm64/kubectl');
    const failed = await verifyArtifacts({ workspace, files: ['release/**'], trust }, new RecordingLogger()).catch((e) => e);
    expect(failed.code).toBe('VERIFICATION_FAILED');
    expect(failed.failures.map((f: { path: string }) => f.path)).toEqual([
      'release/bin/linux/arm64/kubectl',
      'release/kubernetes.tar.gz',
    ]);
    expect(failed.message).toContain('release/kubernetes.tar.gz');

    const other = testKeyPair();
    const wrongKey = trustPolicy({ publicKey: parsePublicKey(other.publicPem), tlog: false });
    const rejected = await verifyArtifacts(
      { workspace, files: ['release/bin/linux/amd64/*'], trust: wrongKey },
      new RecordingLogger(),
    ).catch((e) => e);
    expect(rejected.failures.map((f: { path: string }) => f.path)).toEqual(['release/bin/linux/amd64/kubectl']);
  });

  it('verify mode checks SHA256SUMS against its own digest files and every line against the files', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-sums-'));
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    await writeFile(path.join(ws, 'kubeadm'), 'kubeadm');
    await signArtifacts(options({ workspace: ws, files: ['**'], provenance: undefined }), new RecordingLogger());
    const trust = trustPolicy({ publicKey: parsePublicKey(keys.publicPem), tlog: false });
    const failed = async () =>
      ((await verifyArtifacts({ workspace: ws, files: ['**'], trust }, new RecordingLogger()).catch((e) => e)).failures ??
        []) as {
        path: string;
        reason: string;
      }[];
    expect(await failed()).toEqual([]);
    const sums = path.join(ws, 'SHA256SUMS');
    const original = await readFile(sums, 'utf8');
    // One digest changed: SHA256SUMS.sha256 no longer matches, nor does the line.
    await writeFile(sums, original.replace(sha256Hex('kubectl'), sha256Hex('evil')));
    expect((await failed()).map((f) => f.path)).toEqual(['SHA256SUMS']);
    // Its digest files made to match the tampered list: the line still does not match the file.
    const tampered = await readFile(sums);
    await writeFile(`${sums}.sha256`, sha256Hex(tampered));
    await writeFile(`${sums}.sha512`, createHash('sha512').update(tampered).digest('hex'));
    const [failure] = await failed();
    expect(failure?.path).toBe('SHA256SUMS');
    expect(failure?.reason).toContain('kubectl');
    await rm(ws, { recursive: true, force: true });
  });

  it('verify mode checks the provenance: its bundle, its bytes and the digests it names', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-provenance-'));
    const other = await mkdtemp(path.join(tmpdir(), 'sign-provenance-other-'));
    for (const [dir, text] of [
      [ws, 'release bytes'],
      [other, 'other bytes'],
    ] as const) {
      await writeFile(path.join(dir, 'kubectl'), text);
      await writeFile(path.join(dir, 'kubeadm'), 'kubeadm');
      await signArtifacts(options({ workspace: dir, files: ['**'], legacySignatures: false }), new RecordingLogger());
    }
    const trust = trustPolicy({ publicKey: parsePublicKey(keys.publicPem), tlog: false });
    const verify = () => verifyArtifacts({ workspace: ws, files: ['**'], trust }, new RecordingLogger());
    const failures = async () => ((await verify().catch((e) => e)).failures as unknown[]) ?? [];
    const ok = await verify();
    expect(ok.provenance).toEqual(['provenance.json']);
    expect(ok.verified).toBe(2);

    // Not the bytes that were signed.
    const statement = await readFile(path.join(ws, 'provenance.json'));
    await writeFile(path.join(ws, 'provenance.json'), `${statement} `);
    expect(await failures()).toEqual([{ path: 'provenance.json', reason: 'the signed payload differs from the file' }]);
    await writeFile(path.join(ws, 'provenance.json'), statement);

    // No bundle: an unsigned claim.
    const bundle = await readFile(path.join(ws, 'provenance.sigstore.json'));
    await rm(path.join(ws, 'provenance.sigstore.json'));
    expect(await failures()).toEqual([{ path: 'provenance.json', reason: 'no provenance.sigstore.json beside it' }]);
    await writeFile(path.join(ws, 'provenance.sigstore.json'), bundle);

    // A file replaced by another, signed and summed on its own: the provenance still names the first one.
    for (const name of ['kubectl', 'kubectl.sigstore.json', 'kubectl.sha256', 'kubectl.sha512'])
      await writeFile(path.join(ws, name), await readFile(path.join(other, name)));
    expect(await failures()).toEqual([
      { path: 'provenance.json', reason: expect.stringMatching(/^names kubectl with sha256 [0-9a-f]{64}, but the file has/) },
      // The lists name the first one too.
      { path: 'SHA256SUMS', reason: expect.stringMatching(/^lists kubectl as [0-9a-f]{64}, it is/) },
      { path: 'SHA512SUMS', reason: expect.stringMatching(/^lists kubectl as [0-9a-f]{128}, it is/) },
    ]);
    // Outside the globs, or excluded, the provenance is not the gate's to check.
    expect((await verifyArtifacts({ workspace: ws, files: ['kubeadm'], trust }, new RecordingLogger())).provenance).toEqual([]);
    const excluded = await verifyArtifacts(
      { workspace: ws, files: ['**'], exclude: ['provenance.json', '*SUMS'], trust },
      new RecordingLogger(),
    );
    expect(excluded).toMatchObject({ verified: 2, provenance: [] });
    await rm(ws, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  });

  it('verify mode refuses a signed statement that names none of the files, names them otherwise, or is not its bytes', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-statement-'));
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    await signArtifacts(options({ workspace: ws, files: ['kubectl'], provenance: undefined }), new RecordingLogger());
    const kubectl = sha256Hex(Buffer.from('kubectl'));
    const signer = KeySigner.fromPem(keys.privatePem);
    /** Writes `onDisk` as provenance.json and a bundle signing `signed` (the same bytes unless given). */
    const statement = async (onDisk: Buffer, signed = onDisk) => {
      const signature = await signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, signed));
      await writeFile(path.join(ws, 'provenance.json'), onDisk);
      await writeFile(
        path.join(ws, 'provenance.sigstore.json'),
        serializeBundle(dsseBundle(signed, IN_TOTO_PAYLOAD_TYPE, signature)),
      );
    };
    const naming = (subject: unknown[], extra = '') =>
      Buffer.from(`{"_type":"https://in-toto.io/Statement/v1","subject":${JSON.stringify(subject)}${extra}}`);
    const trust = trustPolicy({ publicKey: parsePublicKey(keys.publicPem), tlog: false });
    const reason = async () => {
      const error = await verifyArtifacts({ workspace: ws, files: ['**'], trust }, new RecordingLogger()).catch((e) => e);
      return error.failures?.map((f: { path: string; reason: string }) => `${f.path}: ${f.reason}`);
    };

    await statement(naming([{ name: './kubectl', digest: { sha256: kubectl } }]));
    expect((await verifyArtifacts({ workspace: ws, files: ['**'], trust }, new RecordingLogger())).provenance).toEqual([
      'provenance.json',
    ]);
    await statement(naming([{ name: './kubectl', digest: { sha256: '0'.repeat(64) } }]));
    expect(await reason()).toEqual([
      `provenance.json: names ./kubectl with sha256 ${'0'.repeat(64)}, but the file has ${kubectl}`,
    ]);
    await statement(naming([{ name: 'kubelet', digest: { sha256: kubectl } }]));
    expect(await reason()).toEqual([
      'provenance.json: names none of the files verified in its folder (a statement of another build?)',
    ]);
    await statement(naming([{ name: '../kubectl', digest: { sha256: kubectl } }]));
    expect(await reason()).toEqual(['provenance.json: names "../kubectl", a path outside its folder']);
    // A statement naming only a file that failed its own check adds nothing to that failure.
    await statement(naming([{ name: 'kubectl', digest: { sha256: kubectl } }]));
    await writeFile(path.join(ws, 'kubectl'), 'tampered');
    expect((await reason()).map((r: string) => r.split(':')[0])).toEqual(['kubectl']);
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    // Bytes that are not UTF-8 read as U+FFFD: the signed text, but not the signed bytes.
    const signed = naming([{ name: 'kubectl', digest: { sha256: kubectl } }], ',"note":"\uFFFD"');
    const replacement = Buffer.from('\uFFFD');
    const at = signed.indexOf(replacement);
    await statement(
      Buffer.concat([signed.subarray(0, at), Buffer.from([0xff]), signed.subarray(at + replacement.length)]),
      signed,
    );
    expect(await reason()).toEqual(['provenance.json: the signed payload differs from the file']);
    // A FIFO where the bundle should be fails at once instead of blocking the read.
    await rm(path.join(ws, 'provenance.sigstore.json'));
    execFileSync('mkfifo', [path.join(ws, 'provenance.sigstore.json')]);
    expect(await reason()).toEqual([
      expect.stringMatching(/^provenance\.json: .*provenance\.sigstore\.json is not a regular file$/),
    ]);
    await rm(ws, { recursive: true, force: true });
  });

  it('verify mode does not read a bundle through a symlink leaving the workspace', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-link-'));
    const outside = await mkdtemp(path.join(tmpdir(), 'sign-outside-'));
    await writeFile(path.join(outside, 'credentials'), 'AKIAIOSFODNN7EXAMPLE secret');
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    await symlink(path.join(outside, 'credentials'), path.join(ws, 'kubectl.sigstore.json'));
    const trust = trustPolicy({ publicKey: parsePublicKey(keys.publicPem), tlog: false });
    const error = await verifyArtifacts({ workspace: ws, files: ['kubectl'], trust }, new RecordingLogger()).catch((e) => e);
    expect(error.failures).toEqual([{ path: 'kubectl', reason: expect.stringContaining('outside') }]);
    expect(JSON.stringify(error.failures)).not.toContain('AKIA');
    await rm(ws, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('sign mode does not read a bundle through a symlink leaving the workspace: it signs again, replacing the link', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-link-'));
    const outside = await mkdtemp(path.join(tmpdir(), 'sign-outside-'));
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    const sign = () =>
      signArtifacts(options({ workspace: ws, files: ['kubectl'], provenance: undefined }), new RecordingLogger());
    await sign();
    // A bundle that would verify, but lives outside: not read, so not kept.
    const bundle = path.join(ws, 'kubectl.sigstore.json');
    await writeFile(path.join(outside, 'bundle.json'), await readFile(bundle));
    await rm(bundle);
    await symlink(path.join(outside, 'bundle.json'), bundle);
    expect((await sign()).files.map((f) => f.status)).toEqual(['signed']);
    expect((await lstat(bundle)).isSymbolicLink()).toBe(false);
    await rm(ws, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('sign mode keeps a bundle reached through a symlink that stays inside the workspace', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-link-'));
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    const sign = () =>
      signArtifacts(options({ workspace: ws, files: ['kubectl'], provenance: undefined }), new RecordingLogger());
    await sign();
    const bundle = path.join(ws, 'kubectl.sigstore.json');
    await mkdir(path.join(ws, 'kept'));
    await writeFile(path.join(ws, 'kept', 'bundle.json'), await readFile(bundle));
    await rm(bundle);
    await symlink(path.join(ws, 'kept', 'bundle.json'), bundle);
    expect((await sign()).files.map((f) => f.status)).toEqual(['unchanged']);
    expect((await lstat(bundle)).isSymbolicLink()).toBe(true);
    await rm(ws, { recursive: true, force: true });
  });

  it('never signs its own outputs nor the manifest, whatever exclude says: a rerun changes nothing and the sums hold', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-own-'));
    await writeFile(path.join(ws, 'kubectl'), 'kubectl');
    await writeFile(path.join(ws, 'notes.txt'), 'skipped');
    await writeFile(path.join(ws, 'stale.tmp-e3b0c44298fc1c14'), 'a write a crash left behind');
    const manifest = path.join(ws, 'manifest.json');
    const run = () =>
      signArtifacts(options({ workspace: ws, files: ['**'], exclude: ['*.txt'], manifest }), new RecordingLogger());
    const first = await run();
    expect(first.files.map((f) => f.path)).toEqual(['kubectl']);
    const again = await run();
    expect(again.files.map((f) => [f.path, f.status])).toEqual([['kubectl', 'unchanged']]);
    expect(await readFile(path.join(ws, 'SHA256SUMS'), 'utf8')).toBe(`${sha256Hex('kubectl')}  kubectl\n`);
    execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: ws });
    await expect(stat(path.join(ws, 'kubectl.sigstore.json.sigstore.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(ws, { recursive: true, force: true });
  });

  it('records bundles in the release manifest and checks its digests', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-manifest-'));
    await writeFile(path.join(ws, 'a.txt'), 'alpha');
    await writeFile(path.join(ws, 'b.txt'), 'beta');
    const manifest = path.join(ws, 'manifest.json');
    await updateManifest(manifest, (m) => {
      m.files.push({
        path: 'b.txt',
        size: 4,
        sha256: sha256Hex('beta'),
        sha512: createHash('sha512').update('beta').digest('hex'),
      });
      return m;
    });
    await signArtifacts(options({ workspace: ws, files: ['a.txt'], manifest, provenance: undefined }), new RecordingLogger());
    const recorded = await readManifest(manifest);
    expect(recorded.files.map((f) => [f.path, f.produced?.signatures])).toEqual([
      ['a.txt', ['a.txt.sig', 'a.txt.sigstore.json']],
      ['b.txt', ['b.txt.sig', 'b.txt.sigstore.json']],
    ]);
    const trust = trustPolicy({ publicKey: parsePublicKey(keys.publicPem), tlog: false });
    await expect(
      verifyArtifacts({ workspace: ws, files: ['a.txt'], manifest, trust }, new RecordingLogger()),
    ).resolves.toMatchObject({
      verified: 2,
    });
    await updateManifest(manifest, (m) => {
      (m.files[0] as { sha256: string }).sha256 = sha256Hex('something else');
      return m;
    });
    const mismatch = await verifyArtifacts({ workspace: ws, files: ['a.txt'], manifest, trust }, new RecordingLogger()).catch(
      (e) => e,
    );
    expect(mismatch.failures).toEqual([{ path: 'a.txt', reason: expect.stringContaining('release manifest') }]);
    await writeFile(path.join(ws, 'b.txt'), 'changed');
    await writeFile(path.join(ws, 'c.txt'), 'gamma');
    await expect(
      signArtifacts(
        options({ workspace: ws, files: ['a.txt', 'c.txt'], manifest, provenance: undefined }),
        new RecordingLogger(),
      ),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    // Found before anything was signed: nothing written for the new file either.
    await expect(stat(path.join(ws, 'c.txt.sigstore.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(path.join(ws, 'c.txt.sha256'))).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(ws, { recursive: true, force: true });
  });
});

describe('KeySigner', () => {
  it('takes an encrypted PKCS#8 key with its password', async () => {
    const signer = KeySigner.fromPem(keys.encryptedPem('s3cret'), 's3cret');
    expect(signer.publicKeyPem).toBe(keys.publicPem);
  });

  it('rejects bad keys without echoing them', () => {
    const cases: [string, string | undefined][] = [
      ['not a key at all', undefined],
      [keys.encryptedPem('s3cret'), 'wrong'],
      [keys.encryptedPem('s3cret'), undefined],
      [testKeyPair('P-384').privatePem, undefined],
      [keys.privatePem.split('\n').toSpliced(2, 1).join('\n'), undefined],
    ];
    for (const [pem, password] of cases) {
      let error: (Error & { code?: string }) | undefined;
      try {
        KeySigner.fromPem(pem, password);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.name).toBe('KeyFormatError');
      expect(error?.code).toBe('SIGNING_FAILED');
      for (const line of pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')))
        expect(error?.message).not.toContain(line);
    }
  });
});
