/**
 * Benchmark: sign a Kubernetes-shaped release (≈300 files, sizes like a real
 * release scaled by BENCH_SCALE, default 0.2 ≈ 1.5 GB, about half a minute) in key mode, offline, with
 * checksums and provenance, against `sha256sum` then `sha512sum` over the same
 * files. Prints the ratio (goal ≤ 0.3). Small scales measure the fixed cost of
 * writing ~1,500 signature and checksum files, which the coreutils side does not.
 *
 *   npm run bench, or node shared/src/sign/sign.bench.ts   (BENCH_SCALE=1 is a full ≈7.5 GB release)
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RecordingLogger } from '../core/logger.ts';
import { seconds, writeKubernetesRelease } from '../testing/kubernetes-release.ts';
import { keySigningOptions } from '../testing/sigstore.ts';
import { signArtifacts } from './index.ts';

const MB = 1 << 20;

export interface SignBench {
  files: number;
  mib: number;
  signSeconds: number;
  coreutilsSeconds: number;
  ratio: number;
  goal: string;
}

/** Run by `npm run bench` (shared/scripts/bench.ts runs every exported bench* function). */
export async function benchSignArtifacts(scale = Number(process.env.BENCH_SCALE ?? '0.2')): Promise<SignBench> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'sign-bench-'));
  try {
    const root = path.join(workspace, 'release');
    const { files, bytes } = await writeKubernetesRelease(root, scale);
    for (const f of files) await readFile(path.join(root, f)); // warm the page cache for both sides
    const coreutils = seconds(() => {
      execFileSync('sha256sum', files, { cwd: root, stdio: 'ignore', maxBuffer: 1 << 26 });
      execFileSync('sha512sum', files, { cwd: root, stdio: 'ignore', maxBuffer: 1 << 26 });
    });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const start = process.hrtime.bigint();
    await signArtifacts(
      keySigningOptions(workspace, key.toString(), {
        files: ['release/**'],
        legacySignatures: true,
        provenance: {
          serverUrl: 'https://github.com',
          repository: 'kubernetes/kubernetes',
          sha: '0'.repeat(40),
          ref: 'refs/tags/v1.31.2',
          workflowRef: 'kubernetes/kubernetes/.github/workflows/release.yml@refs/tags/v1.31.2',
          runId: '1',
          runAttempt: '1',
          eventName: 'push',
          workflowInputs: {},
          builderVersion: 'bench',
        },
        concurrency: 10,
        timeoutMs: 600_000,
        retryBudgetMs: 0,
        sourceDate: new Date(0),
      }),
      new RecordingLogger(),
    );
    const sign = Number(process.hrtime.bigint() - start) / 1e9;
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      files: files.length,
      mib: Math.round(bytes / MB),
      signSeconds: round(sign),
      coreutilsSeconds: round(coreutils),
      ratio: round(sign / coreutils),
      goal: '≤ 0.30 (sign-artifacts vs sha256sum + sha512sum)',
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(await benchSignArtifacts());
