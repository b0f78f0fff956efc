/**
 * Benchmark: 5 packages × 4 architectures (about 100 MB of payload) built as deb and rpm with both repositories,
 * signed — by the build-packages bundle (a new process, as a runner starts it) against the usual tool chain over
 * the same payloads, run one after another as a release script would: dpkg-deb --build (gzip, as ours), rpmbuild
 * -bb (gzip level 6 payload, as ours), rpmsign, apt-ftparchive + gpg --clearsign/--detach-sign, createrepo_c +
 * gpg --detach-sign. Rounds alternate which side goes first (BENCH_ROUNDS, default 1); medians are compared.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runBundle } from '../runner/run-bundle.ts';
import { median } from '../testing/bench.ts';
import { createGpgHome, type GpgHome } from '../testing/gpg.ts';

const exec = promisify(execFile);
const PACKAGES = ['kubeadm', 'kubelet', 'kubectl', 'kubernetes-cni', 'cri-tools'];
const ARCHES: Array<[string, string, string]> = [
  ['amd64', 'amd64', 'x86_64'],
  ['arm64', 'arm64', 'aarch64'],
  ['ppc64le', 'ppc64el', 'ppc64le'],
  ['s390x', 's390x', 's390x'],
];
const BYTES_PER_BINARY = 5 * 1024 * 1024;
const EPOCH = '1700000000';

/** Binary-like bytes: a 6-bit alphabet, so gzip has about as much to do as on a Go binary. */
function payload(): Buffer {
  const data = randomBytes(BYTES_PER_BINARY);
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) & 0x3f;
  return data;
}

async function sourceTree(dir: string): Promise<void> {
  for (const name of PACKAGES)
    for (const [arch] of ARCHES) {
      await mkdir(path.join(dir, 'bin', arch), { recursive: true });
      await writeFile(path.join(dir, 'bin', arch, name), payload(), { mode: 0o755 });
    }
  const config = {
    maintainer: 'Bench <bench@example.invalid>',
    license: 'Apache-2.0',
    architectures: ARCHES.map(([go]) => go),
    packages: PACKAGES.map((name) => ({
      name,
      version: '1.31.0',
      release: '1',
      description: `${name} for the benchmark\nA stand-in payload.`,
      contents: [{ src: `bin/{arch}/${name}`, dst: `/usr/bin/${name}`, file_info: { mode: 0o755 } }],
    })),
  };
  await writeFile(path.join(dir, 'packages.json'), JSON.stringify(config));
}

async function ours(work: string, gpg: GpgHome): Promise<number> {
  const out = path.join(work, `ours-${Date.now()}`);
  const result = await runBundle('build-packages', {
    workspace: work,
    inputs: {
      config: 'src/packages.json',
      'source-dir': 'src',
      'output-dir': path.relative(work, out),
      'gpg-private-key': gpg.privateKey,
      'source-date-epoch': EPOCH,
    },
    timeoutMs: 600_000,
  });
  if (result.exitCode !== 0) throw new Error(`build-packages failed:\n${result.stdout}\n${result.stderr}`);
  await rm(out, { recursive: true, force: true });
  return result.durationMs;
}

const SPEC = (name: string) => `Name: ${name}
Version: 1.31.0
Release: 1
Summary: ${name} for the benchmark
License: Apache-2.0
%description
A stand-in payload.
%install
mkdir -p %{buildroot}/usr/bin
cp %{src}/bin/%{goarch}/${name} %{buildroot}/usr/bin/${name}
%files
%attr(0755,root,root) /usr/bin/${name}
`;

async function theirs(work: string, gpg: GpgHome): Promise<number> {
  const out = path.join(work, `theirs-${Date.now()}`);
  const env = { ...process.env, GNUPGHOME: gpg.home, SOURCE_DATE_EPOCH: EPOCH };
  const sh = (cmd: string, args: string[], cwd = out) => exec(cmd, args, { env, cwd, maxBuffer: 64 * 1024 * 1024 });
  await mkdir(path.join(out, 'deb'), { recursive: true });
  await mkdir(path.join(out, 'rpm'), { recursive: true });
  for (const name of PACKAGES) {
    await writeFile(path.join(out, `${name}.spec`), SPEC(name));
    for (const [go, deb] of ARCHES) {
      const root = path.join(out, 'stage', `${name}-${go}`);
      await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
      await mkdir(path.join(root, 'usr/bin'), { recursive: true });
      await exec('cp', [path.join(work, 'src/bin', go, name), path.join(root, 'usr/bin', name)]);
      await writeFile(
        path.join(root, 'DEBIAN/control'),
        `Package: ${name}\nVersion: 1.31.0-1\nArchitecture: ${deb}\nMaintainer: Bench <bench@example.invalid>\nDescription: ${name} for the benchmark\n A stand-in payload.\n`,
      );
    }
  }
  const started = performance.now();
  for (const name of PACKAGES)
    for (const [go, deb, rpm] of ARCHES) {
      await sh('dpkg-deb', [
        '--root-owner-group',
        '-Zgzip',
        '--build',
        path.join(out, 'stage', `${name}-${go}`),
        path.join(out, 'deb', `${name}_1.31.0-1_${deb}.deb`),
      ]);
      await sh('rpmbuild', [
        '-bb',
        '--quiet',
        `--target=${rpm}`,
        `--define=_topdir ${path.join(out, 'rpmbuild')}`,
        `--define=_rpmdir ${path.join(out, 'rpm')}`,
        `--define=src ${work}/src`,
        `--define=goarch ${go}`,
        '--define=_binary_payload w6.gzdio',
        '--define=__os_install_post %{nil}',
        '--define=debug_package %{nil}',
        '--define=_build_id_links none',
        '--define=use_source_date_epoch_as_buildtime 1',
        '--define=clamp_mtime_to_source_date_epoch 1',
        path.join(out, `${name}.spec`),
      ]);
    }
  const rpms = (await sh('find', ['rpm', '-name', '*.rpm'])).stdout.trim().split('\n');
  await sh('rpmsign', ['--define', '__gpg /usr/bin/gpg', '--define', `_gpg_name ${gpg.fingerprint}`, '--addsign', ...rpms]);
  const debDir = path.join(out, 'deb');
  await writeFile(path.join(debDir, 'Packages'), (await sh('apt-ftparchive', ['packages', '.'], debDir)).stdout);
  await sh('gzip', ['-9k', 'Packages'], debDir);
  await writeFile(path.join(debDir, 'Release'), (await sh('apt-ftparchive', ['release', '.'], debDir)).stdout);
  await sh('gpg', ['--batch', '--yes', '--clearsign', '-o', 'InRelease', 'Release'], debDir);
  await sh('gpg', ['--batch', '--yes', '--armor', '--detach-sign', '-o', 'Release.gpg', 'Release'], debDir);
  await sh('createrepo_c', ['--quiet', 'rpm']);
  await sh('gpg', ['--batch', '--yes', '--armor', '--detach-sign', 'rpm/repodata/repomd.xml']);
  const ms = performance.now() - started;
  await rm(out, { recursive: true, force: true });
  return ms;
}

export async function benchPackages(rounds = Number(process.env.BENCH_ROUNDS ?? '1')): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(tmpdir(), 'packages-bench-'));
  const gpg = await createGpgHome();
  try {
    await sourceTree(path.join(work, 'src'));
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        a.push(await ours(work, gpg));
        b.push(await theirs(work, gpg));
      } else {
        b.push(await theirs(work, gpg));
        a.push(await ours(work, gpg));
      }
    }
    return {
      shape: `${PACKAGES.length} packages × ${ARCHES.length} architectures, ${(PACKAGES.length * ARCHES.length * BYTES_PER_BINARY) / 1e6} MB payload, deb + rpm + APT + YUM, signed`,
      rounds,
      'build-packages ms (median)': Math.round(median(a)),
      'dpkg-deb + rpmbuild + rpmsign + apt-ftparchive + createrepo_c + gpg ms (median)': Math.round(median(b)),
      ratio: Number((median(a) / median(b)).toFixed(3)),
      goal: '≤ 0.5',
    };
  } finally {
    await gpg.stop();
    await rm(work, { recursive: true, force: true });
  }
}
