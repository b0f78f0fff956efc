import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { OciClient } from '../oci/client.ts';
import type { Descriptor } from '../oci/media-types.ts';
import { parseReference } from '../oci/reference.ts';
import { indexOf, platformImage, randomLayer, writeIndex } from '../testing/oci-images.ts';
import { OciLayout } from '../testing/oci-layout.ts';
import { AnalysisCache } from './cache.ts';
import { type GenerateSbomOptions, generateSbom, TOOL_VERSION } from './generate.ts';

/** Both documents of release `rel` v1 into `sbom/`, at a fixed time; `given` says what to describe. */
const optionsIn = (workspace: string, given: Partial<GenerateSbomOptions>): GenerateSbomOptions => ({
  workspace,
  files: [],
  exclude: [],
  images: [],
  format: 'both',
  outputDir: 'sbom',
  name: 'rel',
  version: 'v1',
  namespace: 'https://sbom.k8s.io',
  created: new Date('2026-01-02T03:04:05Z'),
  ...given,
});

describe('generateSbom, where it writes', () => {
  let dir: string;
  let ws: string;
  let options: GenerateSbomOptions;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'sbom-where-')));
    ws = path.join(dir, 'ws');
    await mkdir(path.join(dir, 'outside'));
    await mkdir(path.join(ws, 'release'), { recursive: true });
    await writeFile(path.join(ws, 'release/a.txt'), 'a\n');
    options = optionsIn(ws, { files: ['release/**'] });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('an output-dir that leads out of the workspace through a symlink is refused, nothing written there', async () => {
    await symlink(path.join(dir, 'outside'), path.join(ws, 'out'));
    for (const outputDir of ['out', 'out/sbom'])
      await expect(generateSbom({ ...options, outputDir }, new RecordingLogger())).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    expect(await readdir(path.join(dir, 'outside'))).toEqual([]);
  });

  // Neither may be described: a rerun would describe the first run's output and write again, every time.
  it.each<[string, { outputDir: string; cache?: () => AnalysisCache }]>([
    ['documents in ./release/sbom/', { outputDir: './release/sbom/' }],
    [
      'a cache inside the globs',
      { outputDir: 'docs', cache: () => new AnalysisCache(path.join(ws, 'release/cache'), TOOL_VERSION) },
    ],
  ])('%s are not described, and a rerun writes nothing', async (_, given) => {
    onTestFinished(() =>
      Promise.all(['release/sbom', 'release/cache'].map((f) => rm(path.join(ws, f), { recursive: true, force: true }))).then(
        () => {},
      ),
    );
    const run = () =>
      generateSbom(
        { ...options, outputDir: given.outputDir, ...(given.cache ? { cache: given.cache() } : {}) },
        new RecordingLogger(),
      );
    await run();
    const again = await run();
    expect(again.files.map((f) => f.path)).toEqual(['release/a.txt']);
    expect(Object.values(again.status)).toEqual(['unchanged', 'unchanged']);
  });
});

interface Cdx {
  'bom-ref': string;
  properties?: { name: string; value: string }[];
  components?: Cdx[];
}

const bomRefs = (list: Cdx[] = []): string[] => list.flatMap((c) => [c['bom-ref'], ...bomRefs(c.components)]);

describe('generateSbom, an element met twice', () => {
  let ws: string;
  let options: GenerateSbomOptions;
  let index: Descriptor;
  let amd64: Descriptor;
  let twice: Descriptor;
  beforeAll(async () => {
    ws = await realpath(await mkdtemp(path.join(tmpdir(), 'sbom-twice-')));
    await mkdir(path.join(ws, 'src'));
    // The same member appended again (tar -r), with other content.
    await writeFile(path.join(ws, 'src/a.txt'), 'one\n');
    execFileSync('tar', ['-cf', path.join(ws, 'x.tar'), '-C', path.join(ws, 'src'), 'a.txt']);
    await writeFile(path.join(ws, 'src/a.txt'), 'two\n');
    execFileSync('tar', ['-rf', path.join(ws, 'x.tar'), '-C', path.join(ws, 'src'), 'a.txt']);
    const layout = new OciLayout(path.join(ws, 'layout'));
    const layer = await randomLayer(layout, 64);
    amd64 = await platformImage(layout, [layer], { os: 'linux', architecture: 'amd64' });
    index = await indexOf(layout, [amd64, await platformImage(layout, [layer], { os: 'linux', architecture: 'arm64' })]);
    // One manifest listed under two platforms.
    const arm = (variant: string): Descriptor => ({ ...amd64, platform: { os: 'linux', architecture: 'arm', variant } });
    twice = await indexOf(layout, [arm('v6'), arm('v7')]);
    await writeIndex(layout, { multi: index });
    const client = new OciClient({ baseDir: ws });
    options = optionsIn(ws, {
      files: ['x.tar'],
      // An index and one of its platform images, both given.
      images: [index, amd64, twice].map((d) => parseReference(`oci:layout@${d.digest}`)),
      openRepository: (ref) => client.store(ref),
    });
  });
  afterAll(() => rm(ws, { recursive: true, force: true }));

  it('unique bom-refs and SPDX relationships, every platform kept, the same bytes on every run', async () => {
    const first = await generateSbom({ ...options, outputDir: 'one' }, new RecordingLogger());
    const second = await generateSbom({ ...options, outputDir: 'two' }, new RecordingLogger());
    const read = (file: string) => readFile(path.join(ws, file), 'utf8');
    for (const i of [0, 1]) expect(await read(second.sboms[i] as string)).toBe(await read(first.sboms[i] as string));

    const cdx = JSON.parse(await read(first.sboms[0] as string)) as { components: Cdx[] };
    const refs = bomRefs(cdx.components);
    expect(new Set(refs).size).toBe(refs.length);
    const tar = cdx.components.find((c) => c['bom-ref'] === 'file:x.tar');
    expect(tar?.components).toHaveLength(2);

    const spdx = JSON.parse(await read(first.sboms[1] as string)) as {
      packages: { SPDXID: string; annotations?: { comment: string }[] }[];
      relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
    };
    const relationships = spdx.relationships.map((r) => `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
    expect(new Set(relationships).size).toBe(relationships.length);
    const platforms = spdx.packages.flatMap((p) => p.annotations?.[0]?.comment.match(/oci:platform=(.*)/)?.[1] ?? []);
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64']);
  });
});
