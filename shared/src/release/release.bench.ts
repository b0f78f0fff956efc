/**
 * Benchmark: the local release command (runRelease, the bundles as the CLI runs them) on a Kubernetes-shaped tree of
 * 0.25 GB and 1 GB (BENCH_RELEASE_GB, comma-separated): binaries for seven os/arch pairs of incompressible bytes,
 * the example's deb and rpm packages of kubectl, kubeadm and kubelet for amd64 and arm64 with signed repositories,
 * key signing, one file:// destination, the markers. Each stage's wall time beside the time to copy the same bytes
 * once (`cp -r`), in the same run. Goal: under 60 s for 1 GB on 2 cores, growing linearly.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../runner/run-bundle.ts';
import type { ReleaseConfig } from './config.ts';
import { runRelease } from './release.ts';

const SERVER = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubeadm', 'kubelet', 'kubectl'];
const PLATFORMS: Array<[string, string, string[]]> = [
  ['linux', 'amd64', SERVER],
  ['linux', 'arm64', SERVER],
  ['linux', 'ppc64le', SERVER],
  ['linux', 's390x', SERVER],
  ['darwin', 'amd64', ['kubectl']],
  ['darwin', 'arm64', ['kubectl']],
  ['windows', 'amd64', ['kubectl.exe']],
];

/** A staged tree of about `bytes`: every binary the same size, random (incompressible) bytes. */
async function kubernetesTree(dir: string, bytes: number): Promise<number> {
  const files = PLATFORMS.flatMap(([os, arch, names]) => names.map((n) => path.join('bin', os, arch, n)));
  const size = Math.floor(bytes / files.length);
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), randomBytes(size), { mode: 0o755 });
  }
  return size * files.length;
}

export async function benchLocalRelease(): Promise<Record<string, unknown>> {
  const sizes = (process.env.BENCH_RELEASE_GB ?? '0.25,1').split(',').map(Number);
  const results: Record<string, unknown> = {};
  for (const gb of sizes) {
    const cwd = await mkdtemp(path.join(tmpdir(), 'release-bench-'));
    try {
      const bytes = await kubernetesTree(path.join(cwd, 'tree'), gb * 1024 ** 3);
      let started = performance.now();
      // --reflink=never: a copy-on-write filesystem would otherwise share the blocks and copy nothing.
      execFileSync('cp', ['-r', '--reflink=never', path.join(cwd, 'tree'), path.join(cwd, 'copy')]);
      const cpSeconds = (performance.now() - started) / 1000;
      await rm(path.join(cwd, 'copy'), { recursive: true });
      const config: ReleaseConfig = {
        version: 'v1.31.2',
        output: '_out',
        'source-date-epoch': 1767225600,
        tree: { dir: 'tree' },
        stages: {
          packages: { config: path.join(repoRoot(), 'examples', 'local', 'nfpm.yaml'), formats: 'deb,rpm', key: 'generate' },
          sign: { signing: 'key', key: 'generate' },
          publish: { destinations: ['_out/bucket'] },
          markers: { destination: '_out/bucket', 'build-type': 'release' },
        },
      };
      started = performance.now();
      const report = await runRelease(config, { cwd, log: () => {} });
      const total = (performance.now() - started) / 1000;
      if (!report.ok) throw new Error(`the release failed: ${JSON.stringify(report.stages)}`);
      const stages = Object.fromEntries(
        report.stages
          .filter((s) => s.status === 'done')
          .map((s) => [s.stage, `${(s.durationMs / 1000).toFixed(1)} s (${s.did})`]),
      );
      const staged = total - report.stages.reduce((t, s) => t + s.durationMs / 1000, 0);
      results[`${gb} GB`] = {
        bytes,
        'cp -r --reflink=never of the tree': `${cpSeconds.toFixed(1)} s`,
        'staging the tree (copied into the workspace), keys': `${staged.toFixed(1)} s`,
        ...stages,
        total: `${total.toFixed(1)} s`,
        'total / cp -r': `${(total / cpSeconds).toFixed(1)}×`,
        'seconds per GB': (total / gb).toFixed(1),
      };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }
  return results;
}
