import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseControl, readDebControl, relations } from './deb.ts';
import { buildDeb, buildRpm } from './packages.fixture.ts';
import { readRpmHeader } from './rpm.ts';

const dpkgField = (deb: string, field: string) => execFileSync('dpkg-deb', ['-f', deb, field], { encoding: 'utf8' }).trim();

describe('package readers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pkg-read-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['gzip', 'zstd', 'none'] as const)('a .deb (control.tar %s) reads as dpkg-deb -f reports it', async (compression) => {
    const deb = await buildDeb(dir, compression);
    const info = await readDebControl(deb);
    expect(info).toMatchObject({
      format: 'deb',
      name: dpkgField(deb, 'Package'),
      version: dpkgField(deb, 'Version'),
      arch: dpkgField(deb, 'Architecture'),
      supplier: dpkgField(deb, 'Maintainer'),
    });
    expect(info.depends).toEqual([...relations(dpkgField(deb, 'Pre-Depends')), ...relations(dpkgField(deb, 'Depends'))]);
    expect(info.depends).toEqual(['dpkg (>= 1.17)', 'libc6 (>= 2.34)', 'iptables | nftables', 'conntrack']);
  });

  it('an .rpm reads as rpm -qp reports it', async () => {
    const rpm = await buildRpm(dir);
    const info = await readRpmHeader(rpm);
    const q = (format: string) => execFileSync('rpm', ['-qp', '--qf', format, rpm], { encoding: 'utf8' });
    expect(info.name).toBe(q('%{NAME}'));
    expect(info.version).toBe(q('%{VERSION}-%{RELEASE}'));
    expect(info.arch).toBe(q('%{ARCH}'));
    expect(info.epoch).toBe(q('%{EPOCH}'));
    expect(info.supplier).toBe('Example');
    const requires = execFileSync('rpm', ['-qp', '--requires', rpm], { encoding: 'utf8' }).trim().split('\n');
    expect(info.depends).toEqual(requires);
    expect(info.depends).toEqual(expect.arrayContaining(['iptables >= 1.8', 'conntrack-tools', 'ebtables < 3']));
  });

  it('truncated packages fail with PackageFormatError', async () => {
    const deb = await readFile(await buildDeb(dir));
    await writeFile(path.join(dir, 'cut.deb'), deb.subarray(0, 100));
    await expect(readDebControl(path.join(dir, 'cut.deb'))).rejects.toMatchObject({ name: 'PackageFormatError' });
    const rpm = await readFile(await buildRpm(dir));
    await writeFile(path.join(dir, 'cut.rpm'), rpm.subarray(0, 200));
    await expect(readRpmHeader(path.join(dir, 'cut.rpm'))).rejects.toMatchObject({ name: 'PackageFormatError' });
  });

  it.each([
    ['Package: a\nDepends: b,\n c\n', 'Depends', 'b,\n c'],
    ['Package: a\nVersion: 1\n', 'Version', '1'],
  ])('parseControl %j', (text, field, value) => {
    expect(parseControl(text).get(field)).toBe(value);
  });
});
