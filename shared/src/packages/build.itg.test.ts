/**
 * Bad input is refused before anything is written, each error naming the config entry and its line; a config in
 * nfpm's own documented format builds unchanged and installs.
 */
import { access, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseError } from '../core/errors.ts';
import { RecordingLogger } from '../core/logger.ts';
import { type BuildOptions, buildPackages } from './build.ts';
import { PackageConfigError } from './errors.ts';
import { dpkgInstall, run, tempDir, testKey } from './tools.fixture.ts';

let work: string;
let key: Awaited<ReturnType<typeof testKey>>;

beforeAll(async () => {
  work = await tempDir('packages-build');
  await mkdir(path.join(work, 'src'), { recursive: true });
  await writeFile(path.join(work, 'src/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await writeFile(path.join(work, 'outside'), 'secret\n');
  await symlink(path.join(work, 'outside'), path.join(work, 'src/escape'));
  key = await testKey();
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function options(config: string, extra: Partial<BuildOptions> = {}): BuildOptions {
  return {
    config,
    configName: 'nfpm.yaml',
    formats: ['deb', 'rpm'],
    repository: true,
    privateKey: key.privateKey,
    passphrase: key.passphrase,
    outputDir: path.join(work, 'out'),
    repositoryDir: path.join(work, 'repo'),
    dryRun: false,
    sourceDir: path.join(work, 'src'),
    layout: 'flat',
    sourceDate: new Date(1_700_000_000_000),
    env: {},
    ...extra,
  };
}

const base = (lines: string) => `name: tool
version: 1.31.0
description: A tool
${lines}`;
const file = 'contents:\n  - src: tool\n    dst: /usr/bin/tool\n';

async function absent(dir: string): Promise<boolean> {
  return access(dir).then(
    () => false,
    () => true,
  );
}

describe('bad input', () => {
  it.each([
    ['an unknown architecture', base(`arch: sparc\n${file}`), 'arch', 'unknown architecture'],
    ['a version dpkg and rpm reject', base(`arch: amd64\n${file}`).replace('1.31.0', 'latest'), 'version', 'start with a digit'],
    ['a relative dst', base('contents:\n  - src: tool\n    dst: usr/bin/tool\n'), 'contents[0].dst', 'absolute'],
    ['a dst holding ..', base('contents:\n  - src: tool\n    dst: /usr/../etc/tool\n'), 'contents[0].dst', "'..'"],
    ['a missing source file', base('contents:\n  - src: nothere\n    dst: /usr/bin/tool\n'), 'contents[0].src', 'does not exist'],
    [
      'a src symlink out of source-dir',
      base('contents:\n  - src: escape\n    dst: /usr/bin/tool\n'),
      'contents[0].src',
      'outside',
    ],
    [
      'no matching range',
      base(`${file}dependencies-by-version:\n  ">=1.32.0": [a]\n`),
      'dependencies-by-version',
      'no range matches',
    ],
    [
      'two matching ranges',
      base(`${file}dependencies-by-version:\n  ">=1.30.0": [a]\n  ">=1.31.0": [b]\n`),
      'dependencies-by-version',
      'matches 2 ranges',
    ],
    ['an unknown key', base(`${file}maintainr: me\n`), 'maintainr', 'must NOT have additional properties'],
  ])('%s', async (_, config, entry, problem) => {
    const configFile = path.join(work, 'nfpm.yaml');
    await writeFile(configFile, config);
    const error = await buildPackages(options(configFile), new RecordingLogger()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageConfigError);
    const e = error as PackageConfigError;
    expect(e.code).toBe('PACKAGE_CONFIG_INVALID');
    expect(e.userError).toBe(true);
    expect(e.entry).toBe(entry);
    expect(e.message).toContain(problem);
    const line =
      config.split('\n').findIndex((l) =>
        l.trimStart().startsWith(
          `${entry
            .split('.')
            .pop()
            ?.replace(/\[\d+\]$/, '')}:`,
        ),
      ) + 1;
    if (!entry.includes('[')) expect(e.line).toBe(line);
    expect(e.message).toMatch(/^nfpm\.yaml:\d+: /);
    expect(await absent(path.join(work, 'out'))).toBe(true);
    expect(await absent(path.join(work, 'repo'))).toBe(true);
  });

  it('a wrong passphrase', async () => {
    const configFile = path.join(work, 'nfpm.yaml');
    await writeFile(configFile, base(file));
    const error = await buildPackages({ ...options(configFile), passphrase: 'wrong' }, new RecordingLogger()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReleaseError);
    expect((error as ReleaseError).code).toBe('INPUT_INVALID');
    expect((error as ReleaseError).userError).toBe(true);
    expect((error as Error).message).toContain('gpg-passphrase');
    expect(await absent(path.join(work, 'out'))).toBe(true);
    expect(await absent(path.join(work, 'repo'))).toBe(true);
  });

  it('a dry run prints the plan and writes nothing', async () => {
    const configFile = path.join(work, 'nfpm.yaml');
    await writeFile(configFile, base(file));
    const logger = new RecordingLogger();
    const result = await buildPackages({ ...options(configFile), dryRun: true }, logger);
    expect(result.dryRun).toBe(true);
    expect(logger.lines.join('\n')).toContain('tool_1.31.0_amd64.deb');
    expect(logger.lines.join('\n')).toContain('tool-1.31.0-1.x86_64.rpm');
    expect(await absent(path.join(work, 'out'))).toBe(true);
  });
});

/** A subproject's nfpm.yaml, as nfpm documents it: one package, arch, file_info, overrides, scripts, ${VAR}. */
const NFPM = `name: "foo"
arch: "\${GOARCH}"
platform: "linux"
version: "v1.2.3"
section: "default"
priority: "extra"
maintainer: "Foo Bar <foo@example.com>"
description: |
  Foo does things.
  It really does.
vendor: "Example"
homepage: "https://example.com/foo"
license: "MIT"
depends:
  - bash
contents:
  - src: ./tool
    dst: /usr/bin/foo
  - src: ./foo.conf
    dst: /etc/foo/foo.conf
    type: config|noreplace
    file_info:
      mode: 0600
      owner: root
      group: root
  - dst: /var/lib/foo
    type: dir
    file_info:
      mode: 0700
  - src: /usr/bin/foo
    dst: /usr/local/bin/foo
    type: symlink
  - src: ./completions/*
    dst: /usr/share/bash-completion/completions/
overrides:
  rpm:
    depends:
      - bash >= 4
scripts:
  postinstall: ./postinstall.sh
rpm:
  summary: Foo does things
  group: Applications/System
deb:
  fields:
    Bugs: https://example.com/foo/issues
`;

describe('an nfpm config, unchanged', () => {
  it('builds, and dpkg and rpm install what it declares', async () => {
    const src = path.join(work, 'nfpm-src');
    await mkdir(src, { recursive: true });
    // Large enough (≥ 64 KiB) to be compressed as a member of its own, shared by the deb and the rpm.
    await writeFile(path.join(src, 'tool'), `#!/bin/sh\necho foo\n${'# padding\n'.repeat(30_000)}`, { mode: 0o755 });
    await writeFile(path.join(src, 'foo.conf'), 'x=1\n');
    await mkdir(path.join(src, 'completions'), { recursive: true });
    await writeFile(path.join(src, 'completions/foo'), 'complete -F _foo foo\n');
    await writeFile(path.join(src, 'completions/bar'), 'complete -F _bar bar\n');
    await writeFile(path.join(src, 'postinstall.sh'), '#!/bin/sh\necho done > "$DPKG_ROOT/var/lib/foo/installed"\n');
    await writeFile(path.join(src, 'nfpm.yaml'), NFPM);
    const out = path.join(work, 'nfpm-out');
    const result = await buildPackages(
      {
        ...options(path.join(src, 'nfpm.yaml'), { sourceDir: src, outputDir: out, repositoryDir: path.join(out, 'repo') }),
        env: { GOARCH: 'amd64' },
      },
      new RecordingLogger(),
    );
    const deb = result.packages.find((p) => p.format === 'deb')?.path as string;
    const rpm = result.packages.find((p) => p.format === 'rpm')?.path as string;
    expect(path.basename(deb)).toBe('foo_1.2.3_amd64.deb');
    expect(path.basename(rpm)).toBe('foo-1.2.3-1.x86_64.rpm');
    const info = (await run('dpkg-deb', ['--info', deb])).out;
    expect(info).toContain('Depends: bash');
    expect(info).toContain('Bugs: https://example.com/foo/issues');
    expect((await run('rpm', ['-qp', '--requires', rpm])).out).toContain('bash >= 4');
    expect((await run('rpm', ['-qip', rpm])).out).toMatch(/Group\s+: Applications\/System/);
    expect((await run('rpm', ['-qlp', rpm])).out).toContain(
      '/usr/share/bash-completion/completions/bar\n/usr/share/bash-completion/completions/foo',
    );

    const dpkg = await dpkgInstall(deb);
    const { root } = dpkg;
    expect(dpkg.code, dpkg.out).toBe(0);
    expect((await stat(path.join(root, 'etc/foo/foo.conf'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(root, 'var/lib/foo'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(root, 'var/lib/foo/installed'))).isFile()).toBe(true);
    const rpmRoot = await tempDir('nfpm-rpm');
    const install = await run('rpm', ['--root', rpmRoot, '--nodeps', '--noscripts', '-i', rpm]);
    expect(install.code, install.out).toBe(0);
    expect((await stat(path.join(rpmRoot, 'usr/bin/foo'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(rpmRoot, 'usr/bin/foo'))).size).toBe(300_019);
    expect((await stat(path.join(root, 'usr/bin/foo'))).size).toBe(300_019);
    // lintian unpacks it whole (its errors here are this config's: /usr/local, bash essential…).
    const lint = await run('lintian', ['--no-cfg', deb]);
    expect(lint.out).toMatch(/^E: foo: dir-in-usr-local/m);
    expect(lint.out).not.toMatch(/\b(tar|unpack|corrupt|gzip)\b/i);
    expect((await run('rpm', ['-Kv', '--nosignature', rpm])).out).toContain('Payload SHA256 digest: OK');
    expect((await stat(path.join(rpmRoot, 'etc/foo/foo.conf'))).mode & 0o777).toBe(0o600);
    await rm(root, { recursive: true, force: true });
    await rm(rpmRoot, { recursive: true, force: true });
  }, 120_000);
});

describe('zstd payloads and an EdDSA key', () => {
  it('dpkg-deb and rpm read zstd, and rpm -K checks an Ed25519 header signature', async () => {
    const { generateKey } = await import('openpgp');
    const ed = await generateKey({
      userIDs: [{ name: 'Ed Test', email: 'ed@example.invalid' }],
      type: 'ecc',
      curve: 'ed25519Legacy',
      date: new Date(1_600_000_000_000),
      format: 'armored',
    });
    const src = path.join(work, 'zstd-src');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'tool'), `#!/bin/sh\n${'# padding\n'.repeat(10_000)}`, { mode: 0o755 });
    await writeFile(
      path.join(src, 'nfpm.yaml'),
      `${base(file)}arch: arm64\ndeb:\n  compression: zstd\nrpm:\n  compression: zstd\n`,
    );
    const out = path.join(work, 'zstd-out');
    const result = await buildPackages(
      {
        ...options(path.join(src, 'nfpm.yaml'), { sourceDir: src, outputDir: out, repositoryDir: path.join(out, 'repo') }),
        privateKey: ed.privateKey,
        passphrase: undefined,
      },
      new RecordingLogger(),
    );
    const deb = result.packages.find((p) => p.format === 'deb')?.path as string;
    const rpm = result.packages.find((p) => p.format === 'rpm')?.path as string;
    expect((await run('dpkg-deb', ['--contents', deb])).out).toMatch(/-rwxr-xr-x root\/root +100010 .* \.\/usr\/bin\/tool/);
    expect((await run('ar', ['t', deb])).out).toBe('debian-binary\ncontrol.tar.zst\ndata.tar.zst\n');
    expect((await run('rpm', ['-qp', '--requires', rpm])).out).toContain('rpmlib(PayloadIsZstd)');
    const db = await tempDir('rpmdb-ed');
    await writeFile(path.join(db, 'key.asc'), ed.publicKey);
    expect((await run('rpmkeys', ['--dbpath', db, '--import', path.join(db, 'key.asc')])).code).toBe(0);
    const check = await run('rpm', ['--dbpath', db, '-Kv', rpm]);
    expect(check.out).toContain('Header V4 EdDSA/');
    expect(check.out).toContain('Payload SHA256 digest: OK');
    expect(check.out).not.toMatch(/BAD|NOKEY/);
    const root = await tempDir('zstd-rpm');
    const install = await run('rpm', ['--root', root, '--nodeps', '--noscripts', '--ignorearch', '-i', rpm]);
    expect(install.code, install.out).toBe(0);
    expect((await stat(path.join(root, 'usr/bin/tool'))).size).toBe(100_010);
    await rm(db, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }, 120_000);
});
