import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoBinary, type GoFixture, goVersionLines } from './go-binary.fixture.ts';
import { type GoBuildInfo, parseModInfo, readGoBuildInfo } from './go-buildinfo.ts';
import { bytesAccess, withFileAccess } from './random-access.ts';

/** The lines `go version -m` would print for this build info (after the first). */
function asGoVersionLines(info: GoBuildInfo): string[][] {
  const lines: string[][] = [['path', info.path]];
  const mod = (kind: string, m: NonNullable<GoBuildInfo['main']>) => {
    lines.push([kind, m.path, m.version, m.sum ?? '']);
    if (m.replace) lines.push(['=>', m.replace.path, m.replace.version, m.replace.sum ?? '']);
  };
  if (info.main) mod('mod', info.main);
  for (const d of info.deps) mod('dep', d);
  for (const s of info.settings) lines.push(['build', `${s.key}=${s.value}`]);
  return lines;
}

/** `go version -m`'s fields with empty trailing sums dropped on both sides. */
const normalise = (lines: string[][]) => lines.map((l) => (l[l.length - 1] === '' ? l.slice(0, -1) : l));

describe('readGoBuildInfo', () => {
  let dir: string;
  const built: Record<string, GoFixture> = {};
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gobuildinfo-'));
    built.elf = await buildGoBinary(dir);
    built.pe = await buildGoBinary(dir, { name: 'hello.exe', goos: 'windows' });
    built.macho = await buildGoBinary(dir, { name: 'hello-darwin', goos: 'darwin', goarch: 'arm64' });
    built.elf386 = await buildGoBinary(dir, { name: 'hello-386', goos: 'linux', goarch: '386' });
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['elf', 'pe', 'macho', 'elf386'])('%s: what go version -m prints', async (kind) => {
    const fixture = built[kind] as GoFixture;
    const info = await withFileAccess(fixture.binary, readGoBuildInfo);
    expect(info).toBeDefined();
    const first = fixture.goVersionM.split('\n')[0] as string;
    expect(`${fixture.binary}: ${info?.goVersion}`).toBe(first);
    expect(normalise(asGoVersionLines(info as GoBuildInfo))).toEqual(normalise(goVersionLines(fixture.goVersionM)));
    // The dependency is reported at the version the build required, its local replacement beside it.
    expect(info?.deps).toEqual([
      { path: 'example.com/greet', version: 'v1.2.3', replace: { path: '../greet', version: '(devel)' } },
    ]);
  });

  it.each(['/usr/bin/skopeo', '/usr/bin/docker-registry'])('%s (a Debian package)', async (binary) => {
    const info = await withFileAccess(binary, readGoBuildInfo);
    const printed = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
    expect(`${binary}: ${info?.goVersion}`).toBe(printed.split('\n')[0]);
    expect(normalise(asGoVersionLines(info as GoBuildInfo))).toEqual(normalise(goVersionLines(printed)));
  });

  it('no build info in a file that is no Go binary', async () => {
    expect(await withFileAccess('/bin/sh', readGoBuildInfo)).toBeUndefined();
    expect(await readGoBuildInfo(bytesAccess(Buffer.from('plain text, no magic')))).toBeUndefined();
  });

  it('a truncated or corrupt ELF is an error or no build info, never a hang', async () => {
    const bytes = await readFile(built.elf?.binary as string);
    for (const cut of [20, 64, 200, 4096, bytes.length >> 1]) {
      await readGoBuildInfo(bytesAccess(bytes.subarray(0, cut))).catch((err: Error) =>
        expect(err.name).toBe('ExecutableFormatError'),
      );
    }
    const corrupt = Buffer.from(bytes);
    corrupt.writeBigUInt64LE(0xffffffffffn, 0x28); // e_shoff far beyond the file
    await expect(readGoBuildInfo(bytesAccess(corrupt))).rejects.toThrow(/beyond the file/);
  });

  it('reads the pointer format of Go before 1.18 (a minimal 64-bit ELF)', async () => {
    const base = 0x400000;
    const file = Buffer.alloc(512);
    file.writeUInt32BE(0x7f454c46, 0);
    file[4] = 2; // 64-bit
    file[5] = 1; // little endian
    file.writeBigUInt64LE(64n, 0x20); // e_phoff
    file.writeUInt16LE(56, 0x36);
    file.writeUInt16LE(1, 0x38);
    file.writeUInt32LE(1, 64); // PT_LOAD
    file.writeUInt32LE(6, 68); // PF_R | PF_W
    file.writeBigUInt64LE(0n, 72);
    file.writeBigUInt64LE(BigInt(base), 80);
    file.writeBigUInt64LE(BigInt(file.length), 96);
    const version = 'go1.16.15';
    const modinfo = `${'0'.repeat(16)}path\tx.io/cmd\nmod\tx.io\tv0.1.0\th1:abc=\ndep\ty.io\tv1.0.0\th1:def=\n${'1'.repeat(16)}`;
    file.write('\xff Go buildinf:', 128, 'latin1');
    file[142] = 8;
    file[143] = 0;
    file.writeBigUInt64LE(BigInt(base + 160), 144); // → string header of the version
    file.writeBigUInt64LE(BigInt(base + 176), 152); // → string header of the module info
    file.writeBigUInt64LE(BigInt(base + 200), 160);
    file.writeBigUInt64LE(BigInt(version.length), 168);
    file.writeBigUInt64LE(BigInt(base + 240), 176);
    file.writeBigUInt64LE(BigInt(modinfo.length), 184);
    file.write(version, 200);
    file.write(modinfo, 240);
    expect(await readGoBuildInfo(bytesAccess(file))).toEqual({
      goVersion: 'go1.16.15',
      path: 'x.io/cmd',
      main: { path: 'x.io', version: 'v0.1.0', sum: 'h1:abc=' },
      deps: [{ path: 'y.io', version: 'v1.0.0', sum: 'h1:def=' }],
      settings: [],
    });
  });
});

describe('parseModInfo', () => {
  it.each([
    ['build\tGOOS=linux', { key: 'GOOS', value: 'linux' }],
    ['build\t-ldflags="-s -X main.v=1"', { key: '-ldflags', value: '-s -X main.v=1' }],
    ['build\t"-a b"="c\\td"', { key: '-a b', value: 'c\td' }],
    ['build\tvcs.modified=false', { key: 'vcs.modified', value: 'false' }],
  ])('%s', (line, setting) => {
    expect(parseModInfo(line).settings).toEqual([setting]);
  });
});
