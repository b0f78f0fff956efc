/**
 * Benchmark: the promote-images bundle (a new Node process, as a runner starts it) promoting 20 images of four
 * layers (two shared by all) from a staging docker-registry to two mirrors, against `skopeo copy` of the same
 * 40 edges one after another, each tool into mirrors of its own, in the same run. Also: the bytes each mirror
 * received against the unique bytes, and a no-op rerun over 100 images (default rate limit) with its write
 * requests counted at the mirrors.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runBundle } from '../runner/run-bundle.ts';
import { platformImage, randomLayer, startCountedRegistries, writeIndex } from '../testing/oci-images.ts';
import { OciLayout } from '../testing/oci-layout.ts';

const exec = promisify(execFile);

/** The size of an image's config blob (each image has its own: part of the unique bytes). */
async function configSize(layout: OciLayout, digest: string): Promise<number> {
  const manifest = JSON.parse(await readFile(path.join(layout.dir, 'blobs', 'sha256', digest.slice(7)), 'utf8'));
  return manifest.config.size as number;
}

/** `count` images of two shared layers and `own` layers each, in one layout, tagged img-<n>. */
async function layoutOf(dir: string, count: number, own: number, layerSize: number) {
  const layout = new OciLayout(dir);
  const shared = [await randomLayer(layout, layerSize), await randomLayer(layout, layerSize)];
  const tagged: Record<string, Awaited<ReturnType<typeof platformImage>>> = {};
  let unique = shared.reduce((n, l) => n + l.size, 0);
  for (let i = 0; i < count; i++) {
    const layers = [...shared];
    for (let j = 0; j < own; j++) layers.push(await randomLayer(layout, layerSize));
    unique += layers.slice(2).reduce((n, l) => n + l.size, 0);
    const image = await platformImage(layout, layers, { os: 'linux', architecture: 'amd64' });
    unique += await configSize(layout, image.digest);
    tagged[`img-${i}`] = image;
  }
  await writeIndex(layout, tagged);
  return { images: Object.entries(tagged).map(([name, d]) => ({ name, digest: d.digest })), uniqueBytes: unique };
}

async function action(workspace: string, inputs: Record<string, string>) {
  const result = await runBundle('promote-images', { workspace, inputs: { confirm: 'true', report: 'report.json', ...inputs } });
  if (result.exitCode !== 0) throw new Error(`promote-images failed: ${result.stdout.slice(-2000)}`);
  const report = JSON.parse(await readFile(path.join(workspace, 'report.json'), 'utf8')) as {
    transfers: Record<string, { bytes: number; uploads: number }>;
    skipped: number;
    promoted: number;
  };
  return { ms: result.durationMs, report };
}

export async function benchPromote(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-promote-'));
  const served = await startCountedRegistries(5);
  const [staging, m1, m2, s1, s2] = served.hosts as [string, string, string, string, string];
  const plain = served.hosts.join('\n');
  try {
    // Staged from layouts into the staging registry by the action itself (by digest, one repository per set).
    const stage = (set: Awaited<ReturnType<typeof layoutOf>>, layout: string) =>
      action(work, {
        images: set.images.map((i) => `oci:${layout}@${i.digest}`).join('\n'),
        destinations: `${staging}/bench`,
        'plain-http-registries': plain,
        'rate-limit': '0',
      });
    // A kpromo manifest: one image (repository) per set, each digest under a tag of its own.
    const manifest = async (file: string, set: Awaited<ReturnType<typeof layoutOf>>, name: string) =>
      writeFile(
        path.join(work, file),
        [
          'registries:',
          `- name: ${staging}/bench`,
          '  src: true',
          `- name: ${m1}/prod`,
          `- name: ${m2}/prod`,
          'images:',
          `- name: ${name}`,
          '  dmap:',
          ...set.images.map((i) => `    "${i.digest}": ["${i.name}"]`),
        ].join('\n'),
      );

    // 20 images of four 1 MiB layers, two shared by all.
    const twenty = await layoutOf(path.join(work, 'twenty'), 20, 2, 1024 * 1024);
    await stage(twenty, 'twenty');
    // The same 40 edges for skopeo, one copy after another, into mirrors of its own.
    const skopeoStarted = performance.now();
    for (const image of twenty.images)
      for (const mirror of [s1, s2])
        await exec('skopeo', [
          'copy',
          '--all',
          '--quiet',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${staging}/bench/twenty@${image.digest}`,
          `docker://${mirror}/prod/twenty:${image.name}`,
        ]);
    const skopeoMs = performance.now() - skopeoStarted;
    await manifest('twenty.yaml', twenty, 'twenty');
    const ours = await action(work, { manifests: 'twenty.yaml', 'plain-http-registries': plain });
    const rerun = await action(work, { manifests: 'twenty.yaml', 'plain-http-registries': plain });

    // The no-op rerun over 100 images (small layers: what is measured is the requests), default rate limit.
    const hundred = await layoutOf(path.join(work, 'hundred'), 100, 1, 4 * 1024);
    await stage(hundred, 'hundred');
    await manifest('hundred.yaml', hundred, 'hundred');
    const first100 = await action(work, { manifests: 'hundred.yaml', 'plain-http-registries': plain });
    served.reset();
    const noop = await action(work, { manifests: 'hundred.yaml', 'plain-http-registries': plain });
    const noopWrites = served.counts.writes.length;
    return {
      note: 'one round on a shared 2-core machine: figures are noisy; ratios are from the same run',
      twentyImages: {
        skopeoMs: Math.round(skopeoMs),
        promoteMs: Math.round(ours.ms),
        ratio: Number((ours.ms / skopeoMs).toFixed(3)),
        goal: '≤ 0.3× skopeo',
        uniqueBytesPerMirror: twenty.uniqueBytes,
        bytesSent: Object.fromEntries(Object.entries(ours.report.transfers).map(([r, t]) => [r, t.bytes])),
        rerunMs: Math.round(rerun.ms),
        rerunSkipped: rerun.report.skipped,
      },
      hundredImagesNoop: {
        firstMs: Math.round(first100.ms),
        noopMs: Math.round(noop.ms),
        skipped: noop.report.skipped,
        writeRequests: noopWrites,
        goal: '< 2000 ms, 0 writes',
      },
    };
  } finally {
    await served.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.main) console.dir(await benchPromote(), { depth: 4 });
