/**
 * Benchmark: SBOMs (both formats) of the Kubernetes-shaped release tree of sign-artifacts' benchmark
 * (testing/kubernetes-release.ts, BENCH_SCALE default 0.1 ≈ 750 MB), with a real Go binary (Debian's
 * docker-registry) per Linux architecture beside it, against what the tools that cannot run here compute:
 * `sha1sum` + `sha256sum` + `sha512sum` over the tree plus `go version -m` over each binary, and against one
 * `sha256sum` pass. Goals: ≤ 0.3× the first and ≤ 1.0× the second.
 *
 *   npm run bench, or node shared/src/sbom/sbom.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RecordingLogger } from '../core/logger.ts';
import { seconds, writeKubernetesRelease } from '../testing/kubernetes-release.ts';
import { generateSbom } from './generate.ts';

const MB = 1 << 20;
const GO_BINARY = '/usr/bin/docker-registry';

/** CPU seconds (user + system) of a shell command's children, from bash's `times`: load-independent. */
function cpuSeconds(script: string, cwd: string): number {
  const out = execFileSync('bash', ['-c', `{ ${script}; } >/dev/null 2>&1; times`], { cwd, encoding: 'utf8' });
  const children = out.trim().split('\n')[1] ?? '';
  return [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((t, m) => t + Number(m[1]) * 60 + Number(m[2]), 0);
}

export interface SbomBench {
  files: number;
  mib: number;
  sbomSeconds: number;
  peerSeconds: number;
  sha256sumSeconds: number;
  peerRatio: number;
  sha256sumRatio: number;
  /** CPU seconds, which a loaded machine does not skew: ours (all threads) and one sha256sum pass. */
  sbomCpuSeconds: number;
  peerCpuSeconds: number;
  sha256sumCpuSeconds: number;
  goal: string;
}

/** Run by `npm run bench`. */
export async function benchGenerateSbom(scale = Number(process.env.BENCH_SCALE ?? '0.1')): Promise<SbomBench> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'sbom-bench-'));
  try {
    const root = path.join(workspace, 'release');
    const { files, bytes: treeBytes } = await writeKubernetesRelease(root, scale);
    let bytes = treeBytes;
    for (const arch of ['amd64', 'arm64', 'ppc64le', 's390x']) {
      const name = `bin/linux/${arch}/docker-registry`;
      await copyFile(GO_BINARY, path.join(root, name));
      files.push(name);
      bytes += (await readFile(GO_BINARY)).length;
    }
    for (const f of files) await readFile(path.join(root, f)); // warm the page cache for both sides
    const binaries = files.filter((f) => f.startsWith('bin/') && !f.endsWith('.tar'));
    const list = (names: string[]) => names.map((f) => `'${f}'`).join(' ');
    let peerCpu = 0;
    let sha256sumCpu = 0;
    // go version -m exits 1 for the random files that are no Go binaries; the script goes on.
    const peer = seconds(() => {
      peerCpu = cpuSeconds(
        `for t in sha1sum sha256sum sha512sum; do $t ${list(files)}; done; go version -m ${list(binaries)}`,
        root,
      );
    });
    const sha256sum = seconds(() => {
      sha256sumCpu = cpuSeconds(`sha256sum ${list(files)}`, root);
    });
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    const result = await generateSbom(
      {
        workspace,
        files: ['release/**'],
        exclude: [],
        images: [],
        format: 'both',
        outputDir: 'sbom',
        name: 'kubernetes',
        version: 'v1.31.2',
        namespace: 'https://sbom.k8s.io',
        created: new Date(0),
      },
      new RecordingLogger(),
    );
    const sbom = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    if (result.goModules < 4) throw new Error(`expected the Go binaries' modules, found ${result.goModules}`);
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      files: files.length,
      mib: Math.round(bytes / MB),
      sbomSeconds: round(sbom),
      peerSeconds: round(peer),
      sha256sumSeconds: round(sha256sum),
      peerRatio: round(sbom / peer),
      sha256sumRatio: round(sbom / sha256sum),
      sbomCpuSeconds: round((cpu.user + cpu.system) / 1e6),
      peerCpuSeconds: round(peerCpu),
      sha256sumCpuSeconds: round(sha256sumCpu),
      goal: '≤ 0.30 × (sha1sum + sha256sum + sha512sum + go version -m), ≤ 1.0 × sha256sum',
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(await benchGenerateSbom());
