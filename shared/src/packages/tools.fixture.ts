/**
 * Test fixtures: a throwaway OpenPGP key, a one-file package, a folder's files by digest, and apt, dnf, dpkg and
 * rpm run against temporary roots only (never the machine's own sources or databases).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import type { BuildOptions } from './build.ts';

const execFileP = promisify(execFile);

export interface Run {
  code: number;
  out: string;
}

/** Runs a tool; never throws for its exit code (the tests assert it). */
export async function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `${prefix}-`));
}

/** Writes `<work>/nfpm.yaml` and `<work>/src/tool`: a package `tool` of one script, /usr/bin/tool. */
export async function writeToolPackage(work: string): Promise<void> {
  await mkdir(path.join(work, 'src'), { recursive: true });
  await writeFile(path.join(work, 'src/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await writeFile(
    path.join(work, 'nfpm.yaml'),
    'name: tool\ndescription: A tool\ncontents:\n  - { src: tool, dst: /usr/bin/tool }\n',
  );
}

/** Building the tool package of `work` at `version` (flat layout, deb and rpm, a fixed date), into `repositoryDir`. */
export function toolBuildOptions(
  work: string,
  version: string,
  repositoryDir: string,
  given: Partial<BuildOptions> = {},
): BuildOptions {
  return {
    config: path.join(work, 'nfpm.yaml'),
    configName: 'nfpm.yaml',
    formats: ['deb', 'rpm'],
    repository: true,
    outputDir: path.join(repositoryDir, '..', 'out'),
    repositoryDir,
    dryRun: false,
    version,
    sourceDir: path.join(work, 'src'),
    layout: 'flat',
    sourceDate: new Date(1_700_000_000_000),
    env: {},
    ...given,
  };
}

/** Every file below `dir` (relative path → SHA-256), to compare a folder before and after. */
export async function treeDigests(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files[path.relative(dir, file)] = createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    }
  return files;
}

/** An RSA key created at a fixed time, locked with `passphrase`. */
export async function testKey(
  passphrase = 'test-passphrase',
): Promise<{ privateKey: string; publicKey: string; passphrase: string }> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    userIDs: [{ name: 'Packages Test', email: 'packages-test@example.invalid' }],
    type: 'rsa',
    rsaBits: 2048,
    date: new Date(1_600_000_000_000),
    passphrase,
    format: 'armored',
  });
  return { privateKey, publicKey, passphrase };
}

/** apt-get's options for a root of its own: its sources, lists, cache, status; dpkg told to install below it. */
export async function aptRoot(
  sourcesLine: string,
): Promise<{ root: string; apt: (tool: string, args: string[]) => Promise<Run> }> {
  const root = await tempDir('apt-root');
  for (const dir of [
    'etc/apt/sources.list.d',
    'etc/apt/preferences.d',
    'var/lib/apt/lists/partial',
    'var/cache/apt/archives/partial',
    'var/lib/dpkg/info',
    'var/lib/dpkg/updates',
    'var/log',
  ])
    await mkdir(path.join(root, dir), { recursive: true });
  await writeFile(path.join(root, 'var/lib/dpkg/status'), '');
  await writeFile(path.join(root, 'etc/apt/sources.list'), `${sourcesLine}\n`);
  const options = [
    `Dir=${root}`,
    `Dir::State::status=${root}/var/lib/dpkg/status`,
    `Dir::Etc::SourceList=${root}/etc/apt/sources.list`,
    `Dir::Etc::SourceParts=${root}/etc/apt/sources.list.d`,
    'Dir::Etc::Parts=/nonexistent',
    `Dir::Etc::PreferencesParts=${root}/etc/apt/preferences.d`,
    'APT::Architecture=amd64',
    'Debug::NoLocking=1',
    'APT::Sandbox::User=root',
    `Dpkg::Options::=--root=${root}`,
    `Dpkg::Options::=--admindir=${root}/var/lib/dpkg`,
    'Dpkg::Options::=--force-not-root',
    'Dpkg::Options::=--force-script-chrootless',
    `Dpkg::Options::=--log=${root}/var/log/dpkg.log`,
  ].flatMap((o) => ['-o', o]);
  return { root, apt: (tool, args) => run(tool, [...options, ...args]) };
}

/** dnf against one file: repository, gpgcheck and repo_gpgcheck on, in an empty installroot (scriptlets off: no /bin/sh there). */
export async function dnf(repoDir: string, keyFile: string, args: string[]): Promise<Run & { root: string }> {
  const root = await tempDir('dnf-root');
  const result = await run('dnf', [
    '-y',
    `--installroot=${root}`,
    '--setopt=reposdir=/nonexistent',
    `--repofrompath=r,file://${repoDir}`,
    '--setopt=r.gpgcheck=1',
    '--setopt=r.repo_gpgcheck=1',
    `--setopt=r.gpgkey=file://${keyFile}`,
    '--setopt=r.skip_if_unavailable=False',
    '--setopt=install_weak_deps=False',
    '--setopt=tsflags=noscripts',
    `--setopt=cachedir=${path.join(root, 'cache')}`,
    '--releasever=1',
    '--forcearch=x86_64',
    ...args,
  ]);
  return { ...result, root };
}

/** dpkg -i into an empty root of its own (an admin dir made there); maintainer scripts run with DPKG_ROOT set. */
export async function dpkgInstall(deb: string): Promise<Run & { root: string }> {
  const root = await tempDir('dpkg-root');
  for (const dir of ['var/lib/dpkg/info', 'var/lib/dpkg/updates']) await mkdir(path.join(root, dir), { recursive: true });
  await writeFile(path.join(root, 'var/lib/dpkg/status'), '');
  const flags = ['--force-not-root', '--force-script-chrootless', '--force-depends', `--log=${root}/dpkg.log`];
  return { ...(await run('dpkg', ['--root', root, ...flags, '-i', deb])), root };
}
