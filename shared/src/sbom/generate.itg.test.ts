import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { readManifest } from '../manifest/manifest.ts';
import { buildDeb, buildRpm } from '../packages/read/packages.fixture.ts';
import { AnalysisCache } from './cache.ts';
import { type GenerateSbomOptions, generateSbom, TOOL_VERSION } from './generate.ts';
import { buildGoBinary } from './go-binary.fixture.ts';
import { cycloneDxSchemaError, spdxSchemaErrors } from './sbom-validate.fixture.ts';

interface CdxComponent {
  'bom-ref': string;
  type: string;
  name: string;
  version?: string;
  purl?: string;
  hashes?: { alg: string; content: string }[];
  properties?: { name: string; value: string }[];
  components?: CdxComponent[];
}

function* allComponents(list: CdxComponent[] = []): Generator<CdxComponent> {
  for (const c of list) {
    yield c;
    yield* allComponents(c.components);
  }
}

const sum = (tool: string, file: string) => execFileSync(tool, [file], { encoding: 'utf8' }).split(' ')[0];

describe('generateSbom', () => {
  let ws: string;
  let options: GenerateSbomOptions;
  let goVersionM: string;
  const files = [
    'release/bin/linux/amd64/hello',
    'release/kubernetes-client.tar.gz',
    'release/plain.tar',
    'release/corrupt.tar.gz',
    'release/bin/linux/amd64/truncated',
    'release/hello.deb',
    'release/hello.rpm',
    'release/README.md',
  ];

  beforeAll(async () => {
    ws = await mkdtemp(path.join(tmpdir(), 'sbom-gen-'));
    const rel = path.join(ws, 'release');
    await mkdir(path.join(rel, 'bin/linux/amd64'), { recursive: true });
    const go = await buildGoBinary(ws);
    goVersionM = go.goVersionM;
    await copyFile(go.binary, path.join(rel, 'bin/linux/amd64/hello'));
    const elf = await readFile(go.binary);
    await writeFile(path.join(rel, 'bin/linux/amd64/truncated'), elf.subarray(0, 3000));
    // A tarball with a long (GNU) name, built by GNU tar.
    const content = path.join(ws, 'content');
    const long = `kubernetes/${'deep/'.repeat(30)}kubectl`;
    await mkdir(path.dirname(path.join(content, long)), { recursive: true });
    await writeFile(path.join(content, long), 'binary bytes\n');
    await writeFile(path.join(content, 'kubernetes/version'), 'v1.31.2\n');
    execFileSync('tar', ['-czf', path.join(rel, 'kubernetes-client.tar.gz'), '-C', content, 'kubernetes']);
    execFileSync('tar', ['--format=pax', '-cf', path.join(rel, 'plain.tar'), '-C', content, 'kubernetes/version']);
    const gz = await readFile(path.join(rel, 'kubernetes-client.tar.gz'));
    await writeFile(path.join(rel, 'corrupt.tar.gz'), gz.subarray(0, gz.length >> 1));
    await copyFile(await buildDeb(ws), path.join(rel, 'hello.deb'));
    await copyFile(await buildRpm(ws), path.join(rel, 'hello.rpm'));
    await writeFile(path.join(rel, 'README.md'), '# release\n');
    options = {
      workspace: ws,
      files: ['release/**'],
      exclude: [],
      images: [],
      format: 'both',
      outputDir: 'release/sbom',
      name: 'kubernetes',
      version: 'v1.31.2',
      supplier: 'Kubernetes',
      namespace: 'https://sbom.k8s.io',
      manifest: '.release-actions/manifest.json',
      created: new Date('2026-01-02T03:04:05Z'),
    };
  }, 300_000);
  afterAll(() => rm(ws, { recursive: true, force: true }));

  it('writes both documents, valid against their schemas, byte-identical on a rerun', async () => {
    const logger = new RecordingLogger();
    const result = await generateSbom(options, logger);
    expect(result.sboms).toEqual(['release/sbom/kubernetes.cdx.json', 'release/sbom/kubernetes.spdx.json']);
    expect(Object.values(result.status)).toEqual(['written', 'written']);
    const cdxText = await readFile(path.join(ws, result.sboms[0] as string), 'utf8');
    const spdxText = await readFile(path.join(ws, result.sboms[1] as string), 'utf8');
    expect(await cycloneDxSchemaError(cdxText)).toBeNull();
    expect(spdxSchemaErrors(JSON.parse(spdxText))).toEqual([]);
    // Warnings for the corrupt tarball and the truncated ELF; both still described as files.
    expect(result.warnings.join('\n')).toMatch(/corrupt\.tar\.gz: not a readable tar\.gz/);
    expect(result.files.map((f) => f.path).sort()).toEqual([...files].sort());

    // What sign-artifacts then writes beside the files and the documents is not part of the release described.
    const signed = [
      'SHA256SUMS',
      'provenance.json',
      'README.md.sig',
      'README.md.sha256',
      'sbom/kubernetes.cdx.json.sigstore.json',
    ];
    for (const name of signed) await writeFile(path.join(ws, 'release', name), 'signed\n');
    const again = await generateSbom(options, new RecordingLogger());
    expect(Object.values(again.status)).toEqual(['unchanged', 'unchanged']);
    // A fresh output folder: the same bytes again.
    const other = await generateSbom({ ...options, outputDir: 'out2', exclude: ['release/sbom/*'] }, new RecordingLogger());
    expect(await readFile(path.join(ws, other.sboms[0] as string), 'utf8')).toBe(cdxText);
    expect(await readFile(path.join(ws, other.sboms[1] as string), 'utf8')).toBe(spdxText);
    const manifest = await readManifest(path.join(ws, '.release-actions/manifest.json'));
    expect(manifest.files.find((f) => f.path === 'release/README.md')?.produced?.sboms).toContain(
      'release/sbom/kubernetes.spdx.json',
    );
  });

  it('hashes equal sha1sum, sha256sum and sha512sum in both documents', async () => {
    const result = await generateSbom({ ...options, manifest: undefined }, new RecordingLogger());
    const cdx = JSON.parse(await readFile(path.join(ws, result.sboms[0] as string), 'utf8'));
    const spdx = JSON.parse(await readFile(path.join(ws, result.sboms[1] as string), 'utf8'));
    for (const f of files) {
      const abs = path.join(ws, f);
      const want = { 'SHA-1': sum('sha1sum', abs), 'SHA-256': sum('sha256sum', abs), 'SHA-512': sum('sha512sum', abs) };
      const c = (cdx.components as CdxComponent[]).find((x) => x.name === f);
      expect(Object.fromEntries((c?.hashes ?? []).map((h) => [h.alg, h.content]))).toEqual(want);
      expect(c?.purl).toBe(`pkg:generic/${path.posix.basename(f)}@v1.31.2?checksum=sha256:${want['SHA-256']}`);
      expect(c?.properties).toContainEqual({ name: 'size', value: String((await stat(abs)).size) });
      const p = spdx.packages.find((x: { packageFileName?: string }) => x.packageFileName === f);
      expect(p.checksums).toEqual([
        { algorithm: 'SHA1', checksumValue: want['SHA-1'] },
        { algorithm: 'SHA256', checksumValue: want['SHA-256'] },
        { algorithm: 'SHA512', checksumValue: want['SHA-512'] },
      ]);
      const file = spdx.files.find((x: { fileName: string }) => x.fileName === `./${f}`);
      expect(file.checksums).toEqual(p.checksums);
    }
    expect(spdx.packages.map((p: { SPDXID: string }) => p.SPDXID)).toContain('SPDXRef-Package-release-bin-linux-amd64-hello');
  });

  it('a Go binary: version, settings and the dependency at the version the build required', async () => {
    const result = await generateSbom({ ...options, manifest: undefined, format: 'cyclonedx' }, new RecordingLogger());
    const cdx = JSON.parse(await readFile(path.join(ws, result.sboms[0] as string), 'utf8'));
    const all = [...allComponents(cdx.components)];
    const bin = all.find((c) => c.name === 'release/bin/linux/amd64/hello');
    const prop = (name: string) => bin?.properties?.find((p) => p.name === name)?.value;
    expect(`x: ${prop('go:version')}`).toBe(`x: ${goVersionM.split('\n')[0]?.split(': ')[1]}`);
    expect(goVersionM).toContain(`build\tGOOS=${prop('go:build:GOOS')}`);
    expect(goVersionM).toContain(`build\tGOARCH=${prop('go:build:GOARCH')}`);
    expect(goVersionM).toContain('dep\texample.com/greet\tv1.2.3');
    const dep = all.find((c) => c.purl === 'pkg:golang/example.com/greet@v1.2.3');
    expect(dep).toMatchObject({ type: 'library', name: 'example.com/greet', version: 'v1.2.3' });
    expect(dep?.properties).toContainEqual({ name: 'go:replace:path', value: '../greet' });
    const main = bin?.components?.find((c) => c.name === 'example.com/hello');
    const edges = cdx.dependencies.find((d: { ref: string }) => d.ref === main?.['bom-ref']);
    expect(edges.dependsOn).toEqual([dep?.['bom-ref']]);
    expect(result.goModules).toBe(2);
    // The truncated ELF is a plain file.
    expect(all.find((c) => c.name === 'release/bin/linux/amd64/truncated')?.components ?? []).toEqual([]);
  });

  it('tarball members as nested components / SPDX files, hashed as they stream', async () => {
    const result = await generateSbom({ ...options, manifest: undefined }, new RecordingLogger());
    const cdx = JSON.parse(await readFile(path.join(ws, result.sboms[0] as string), 'utf8'));
    const spdx = JSON.parse(await readFile(path.join(ws, result.sboms[1] as string), 'utf8'));
    const tgz = (cdx.components as CdxComponent[]).find((c) => c.name === 'release/kubernetes-client.tar.gz');
    const long = `kubernetes/${'deep/'.repeat(30)}kubectl`;
    expect(tgz?.components?.map((c) => c.name)).toEqual([long, 'kubernetes/version']);
    const member = tgz?.components?.[0];
    expect(member?.hashes?.find((h) => h.alg === 'SHA-256')?.content).toBe(
      execFileSync('sha256sum', { input: 'binary bytes\n', encoding: 'utf8' }).split(' ')[0],
    );
    const pkg = spdx.packages.find((p: { packageFileName?: string }) => p.packageFileName === 'release/kubernetes-client.tar.gz');
    const contained = spdx.relationships
      .filter(
        (r: { spdxElementId: string; relationshipType: string }) =>
          r.spdxElementId === pkg.SPDXID && r.relationshipType === 'CONTAINS',
      )
      .map(
        (r: { relatedSpdxElement: string }) =>
          spdx.files.find((f: { SPDXID: string }) => f.SPDXID === r.relatedSpdxElement)?.fileName,
      );
    expect(contained).toEqual(expect.arrayContaining([`./${long}`, './kubernetes/version']));
    const plain = (cdx.components as CdxComponent[]).find((c) => c.name === 'release/plain.tar');
    expect(plain?.components?.map((c) => c.name)).toEqual(['kubernetes/version']);
    const corrupt = (cdx.components as CdxComponent[]).find((c) => c.name === 'release/corrupt.tar.gz');
    expect(corrupt?.components ?? []).toEqual([]);
  });

  it('packages: name, version, arch and dependencies as dpkg-deb and rpm report them', async () => {
    const result = await generateSbom({ ...options, manifest: undefined, format: 'cyclonedx' }, new RecordingLogger());
    const cdx = JSON.parse(await readFile(path.join(ws, result.sboms[0] as string), 'utf8'));
    const all = [...allComponents(cdx.components)];
    const deb = all.find((c) => c.purl?.startsWith('pkg:deb/'));
    const debFile = path.join(ws, 'release/hello.deb');
    const f = (field: string) => execFileSync('dpkg-deb', ['-f', debFile, field], { encoding: 'utf8' }).trim();
    expect(deb).toMatchObject({ name: f('Package'), version: f('Version') });
    expect(deb?.purl).toBe(`pkg:deb/${f('Package')}@${f('Version')}?arch=${f('Architecture')}`);
    const debDeps = deb?.properties?.filter((p) => p.name === 'deb:depends').map((p) => p.value);
    // CycloneDX properties are sorted (the library's sortLists): compared as sets.
    expect(debDeps?.sort()).toEqual(
      [f('Pre-Depends'), f('Depends')]
        .flatMap((d) => d.split(',').map((x) => x.replace(/\s+/g, ' ').trim()))
        .filter(Boolean)
        .sort(),
    );
    const rpm = all.find((c) => c.purl?.startsWith('pkg:rpm/'));
    const rpmFile = path.join(ws, 'release/hello.rpm');
    const q = (fmt: string) => execFileSync('rpm', ['-qp', '--qf', fmt, rpmFile], { encoding: 'utf8' });
    expect(rpm).toMatchObject({ name: q('%{NAME}'), version: q('%{VERSION}-%{RELEASE}') });
    expect(rpm?.properties).toContainEqual({ name: 'rpm:arch', value: q('%{ARCH}') });
    const requires = execFileSync('rpm', ['-qp', '--requires', rpmFile], { encoding: 'utf8' }).trim().split('\n');
    expect(
      rpm?.properties
        ?.filter((p) => p.name === 'rpm:depends')
        .map((p) => p.value)
        .sort(),
    ).toEqual(requires.sort());
  });

  it('the same output with and without the analysis cache', async () => {
    const plain = await generateSbom({ ...options, manifest: undefined, outputDir: 'nocache' }, new RecordingLogger());
    const cache = new AnalysisCache(path.join(ws, 'cache'), TOOL_VERSION);
    const first = await generateSbom({ ...options, manifest: undefined, outputDir: 'cache1', cache }, new RecordingLogger());
    const second = await generateSbom({ ...options, manifest: undefined, outputDir: 'cache2', cache }, new RecordingLogger());
    const read = (p: string) => readFile(path.join(ws, p), 'utf8');
    for (const i of [0, 1]) {
      const want = JSON.parse(await read(plain.sboms[i] as string));
      expect(JSON.parse(await read(first.sboms[i] as string))).toEqual(want);
      expect(JSON.parse(await read(second.sboms[i] as string))).toEqual(want);
    }
  });
});
