/**
 * Benchmark: the promote-images bundle (a new Node process, as a runner starts it) promoting 20 images of four
 * layers (two shared by all) from a staging docker-registry to two mirrors, against `skopeo copy` of the same
 * 40 edges one after another, each tool into fresh mirrors of its own, over BENCH_ROUNDS rounds (default 3) that
 * alternate which tool goes first; the ratio is the median of each round's. Also: the requests and the bytes each
 * mirror received against the unique bytes, and a no-op rerun over 100 images (default rate limit) with its
 * requests counted at the mirrors. PROMOTE_BENCH_BEFORE=<root of another checkout, its dist built> runs that bundle
 * too, into mirrors of its own, in the same rounds: before/after figures under the same load.
 *
 * The timed copies talk to the registries directly, and the registries keep their storage in memory where there is
 * room: the copy is bound by the CPU of two cores (registries, then ours), so a counting proxy in this process, or
 * the disk of the machine (an ext4 without a journal here, where creating a file skips every inode freed in the last
 * seconds), would be measured instead of the tools. Requests are counted in runs of their own, through proxies.
 * Each timed side's CPU is read from /proc (Linux): the tool's processes and the registries it talked to, and from
 * them the ratio the registries' work alone sets on this machine's cores (`registriesFloor`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runBundle } from '../runner/run-bundle.ts';
import { median, memoryTmpdir } from '../testing/bench.ts';
import { platformImage, randomLayer, startCountedRegistries, writeIndex } from '../testing/oci-images.ts';
import { OciLayout } from '../testing/oci-layout.ts';
import { type Registry, startRegistries } from '../testing/registry.ts';
import { exitedChildrenCpu, processCpu } from '../testing/thread-cpu.ts';

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

async function action(workspace: string, inputs: Record<string, string>, root?: string) {
  const result = await runBundle('promote-images', {
    workspace,
    inputs: { confirm: 'true', report: 'report.json', ...inputs },
    ...(root ? { root } : {}),
  });
  if (result.exitCode !== 0) throw new Error(`promote-images failed: ${result.stdout.slice(-2000)}`);
  const report = JSON.parse(await readFile(path.join(workspace, 'report.json'), 'utf8')) as {
    transfers: Record<string, { bytes: number; uploads: number }>;
    skipped: number;
    promoted: number;
  };
  return { ms: result.durationMs, report };
}

interface Bundle {
  label: string;
  root?: string | undefined;
  /** Inputs the bundle knows beyond the common ones (a newer bundle's). */
  inputs: Record<string, string>;
}

/** `skopeo copy --all` of every image to every mirror, one after another; milliseconds. */
async function skopeoCopies(staging: string, images: readonly { name: string; digest: string }[], mirrors: string[]) {
  const started = performance.now();
  for (const image of images)
    for (const mirror of mirrors)
      await exec('skopeo', [
        'copy',
        '--all',
        '--quiet',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${staging}/bench/twenty@${image.digest}`,
        `docker://${mirror}/prod/twenty:${image.name}`,
      ]);
  return performance.now() - started;
}

/** CPU-seconds of one side of a round: its tool's processes (run and waited for) and the registries it talked to. */
interface SideCpu {
  tool: number;
  registries: number;
}

/** Runs `side` and reads what it cost in CPU (Linux; undefined where /proc is missing). */
async function measureCpu(registries: readonly Registry[], side: () => Promise<void>): Promise<SideCpu | undefined> {
  const read = () => ({ tool: exitedChildrenCpu(), registries: registries.map((r) => processCpu(r.pid)) });
  const before = read();
  await side();
  const after = read();
  if (after.tool === undefined || before.tool === undefined) return undefined;
  let spent = 0;
  for (const [i, seconds] of after.registries.entries()) {
    const start = before.registries[i];
    if (seconds === undefined || start === undefined) return undefined;
    spent += seconds - start;
  }
  return { tool: after.tool - before.tool, registries: spent };
}

export async function benchPromote(rounds = Number(process.env.BENCH_ROUNDS ?? '3')): Promise<Record<string, unknown>> {
  const before = process.env.PROMOTE_BENCH_BEFORE;
  const bundles: Bundle[] = [
    ...(before ? [{ label: 'before', root: before, inputs: {} }] : []),
    { label: 'after', inputs: {} },
    // Without the token bucket: how much of the wall time is the default 50 requests per second per registry.
    { label: 'after, rate-limit 0', inputs: { 'rate-limit': '0' } },
  ];
  const storage = memoryTmpdir(2 * 1024 ** 3);
  const work = await mkdtemp(path.join(storage, 'bench-promote-'));
  // Staging, then two counted mirrors per bundle (behind counting proxies: the runs whose requests are counted).
  const served = await startCountedRegistries(1 + 2 * bundles.length, { storage });
  const staging = served.registries[0]?.host as string;
  const plain: string[] = [...served.hosts, ...served.registries.map((r) => r.host)];
  try {
    // Staged from layouts into the staging registry by the action itself (by digest, one repository per set).
    const stage = (set: Awaited<ReturnType<typeof layoutOf>>, layout: string) =>
      action(work, {
        images: set.images.map((i) => `oci:${layout}@${i.digest}`).join('\n'),
        destinations: `${staging}/bench`,
        'plain-http-registries': plain.join('\n'),
        'rate-limit': '0',
      });
    // A kpromo manifest: one image (repository) per set, each digest under a tag of its own.
    const manifest = async (
      file: string,
      set: Awaited<ReturnType<typeof layoutOf>>,
      name: string,
      from: string,
      mirrors: string[],
    ) =>
      writeFile(
        path.join(work, file),
        [
          'registries:',
          `- name: ${from}/bench`,
          '  src: true',
          ...mirrors.map((m) => `- name: ${m}/prod`),
          'images:',
          `- name: ${name}`,
          '  dmap:',
          ...set.images.map((i) => `    "${i.digest}": ["${i.name}"]`),
        ].join('\n'),
      );
    const run = (bundle: Bundle, file: string, extra: Record<string, string> = {}) =>
      action(work, { manifests: file, 'plain-http-registries': plain.join('\n'), ...bundle.inputs, ...extra }, bundle.root);

    // 20 images of four 1 MiB layers, two shared by all.
    const twenty = await layoutOf(path.join(work, 'twenty'), 20, 2, 1024 * 1024);
    await stage(twenty, 'twenty');
    // Each round: skopeo and every bundle into fresh mirrors of their own, the order alternating.
    const skopeoMs: number[] = [];
    const promoteMs = bundles.map(() => [] as number[]);
    const skopeoCpu: (SideCpu | undefined)[] = [];
    const promoteCpu = bundles.map(() => [] as (SideCpu | undefined)[]);
    const stagingRegistry = served.registries[0] as Registry;
    for (let round = 0; round < rounds; round++) {
      const mirrors = await startRegistries(2 * (1 + bundles.length), { storage });
      const hosts = mirrors.map((m) => m.host);
      plain.push(...hosts);
      try {
        const sides = [
          async () => {
            const talkedTo = [stagingRegistry, ...mirrors.slice(0, 2)];
            const cpu = await measureCpu(talkedTo, async () => {
              skopeoMs.push(await skopeoCopies(staging, twenty.images, hosts.slice(0, 2)));
            });
            skopeoCpu.push(cpu);
          },
          ...bundles.map((bundle, n) => async () => {
            const file = `twenty-${round}-${n}.yaml`;
            await manifest(file, twenty, 'twenty', staging, hosts.slice(2 + 2 * n, 4 + 2 * n));
            const talkedTo = [stagingRegistry, ...mirrors.slice(2 + 2 * n, 4 + 2 * n)];
            const cpu = await measureCpu(talkedTo, async () => {
              promoteMs[n]?.push((await run(bundle, file)).ms);
            });
            promoteCpu[n]?.push(cpu);
          }),
        ];
        for (const side of round % 2 ? sides.reverse() : sides) await side();
      } finally {
        await Promise.all(mirrors.map((m) => m.stop()));
      }
    }
    // The no-op rerun over 100 images (small layers: what is measured is the requests), default rate limit.
    const hundred = await layoutOf(path.join(work, 'hundred'), 100, 1, 4 * 1024);
    await stage(hundred, 'hundred');

    const figures: Record<string, unknown> = {};
    for (const [n, bundle] of bundles.entries()) {
      const mirrors = served.hosts.slice(1 + 2 * n, 3 + 2 * n);
      await manifest(`twenty-${n}.yaml`, twenty, 'twenty', served.hosts[0] as string, mirrors);
      served.reset();
      const counted = await run(bundle, `twenty-${n}.yaml`);
      const copyRequests = served.counts.requests;
      const rerun = await run(bundle, `twenty-${n}.yaml`);
      await manifest(`hundred-${n}.yaml`, hundred, 'hundred', served.hosts[0] as string, mirrors);
      const first100 = await run(bundle, `hundred-${n}.yaml`);
      served.reset();
      const noop = await run(bundle, `hundred-${n}.yaml`);
      const noopCounts = { requests: served.counts.requests, writes: served.counts.writes.length };
      served.reset();
      const light = bundle.root ? undefined : await run(bundle, `hundred-${n}.yaml`, { check: 'written' });
      const ratios = (promoteMs[n] as number[]).map((ms, r) => ms / (skopeoMs[r] as number));
      const cpu = cpuFigures(promoteCpu[n] as (SideCpu | undefined)[], skopeoCpu, skopeoMs);
      figures[bundle.label] = {
        twentyImages: {
          skopeoMs: skopeoMs.map(Math.round),
          promoteMs: (promoteMs[n] as number[]).map(Math.round),
          ratios: ratios.map((r) => Number(r.toFixed(3))),
          ratio: Number(median(ratios).toFixed(3)),
          goal: '≤ 0.3× skopeo',
          ...cpu,
          requests: copyRequests,
          uniqueBytesPerMirror: twenty.uniqueBytes,
          bytesSent: Object.fromEntries(Object.entries(counted.report.transfers).map(([r, t]) => [r, t.bytes])),
          rerunMs: Math.round(rerun.ms),
          rerunSkipped: rerun.report.skipped,
        },
        hundredImagesNoop: {
          firstMs: Math.round(first100.ms),
          noopMs: Math.round(noop.ms),
          skipped: noop.report.skipped,
          requestsPerImage: noopCounts.requests / hundred.images.length,
          writeRequests: noopCounts.writes,
          ...(light
            ? {
                checkWrittenMs: Math.round(light.ms),
                checkWrittenRequestsPerImage: served.counts.requests / hundred.images.length,
                checkWrittenWrites: served.counts.writes.length,
              }
            : {}),
          goal: '< 2000 ms, 0 writes',
        },
      };
    }
    return { note: `${rounds} rounds on a shared 2-core machine; ratios pair each round's runs`, ...figures };
  } finally {
    await served.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The rounds' CPU, medians: each tool's and its registries'. `registriesFloor` is the ratio the registries' CPU alone
 * sets (spread over every core, against skopeo's wall time): no client sending these requests goes below it; `cpuBound`
 * adds the promotion's own CPU: the ratio with every core busy from start to end.
 */
function cpuFigures(promote: readonly (SideCpu | undefined)[], skopeo: readonly (SideCpu | undefined)[], skopeoMs: number[]) {
  if ([...promote, ...skopeo].some((c) => c === undefined)) return {};
  const ours = promote as SideCpu[];
  const theirs = skopeo as SideCpu[];
  const cores = availableParallelism();
  const ratioOf = (seconds: (c: SideCpu) => number) =>
    Number(median(ours.map((c, r) => ((seconds(c) / cores) * 1000) / (skopeoMs[r] as number))).toFixed(3));
  const seconds = (values: number[]) => Number(median(values).toFixed(2));
  return {
    cpuSeconds: {
      promote: seconds(ours.map((c) => c.tool)),
      itsRegistries: seconds(ours.map((c) => c.registries)),
      skopeo: seconds(theirs.map((c) => c.tool)),
      skopeosRegistries: seconds(theirs.map((c) => c.registries)),
    },
    registriesFloor: ratioOf((c) => c.registries),
    cpuBound: ratioOf((c) => c.registries + c.tool),
  };
}

if (import.meta.main) console.dir(await benchPromote(), { depth: 4 });
