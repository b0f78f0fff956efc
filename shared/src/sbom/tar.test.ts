import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar, type TarEntry } from './tar.ts';

async function entries(bytes: Buffer, chunk = 1000): Promise<(TarEntry & { content: string })[]> {
  const pieces = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  const contents = new Map<string, Buffer[]>();
  const out: (TarEntry & { content: string })[] = [];
  for await (const e of readTar(pieces, (entry, piece) =>
    contents.set(entry.name, [...(contents.get(entry.name) ?? []), Buffer.from(piece)]),
  ))
    out.push({ ...e, content: Buffer.concat(contents.get(e.name) ?? []).toString() });
  return out;
}

describe('readTar', () => {
  let dir: string;
  const long = `${'a-rather-long-folder-name/'.repeat(8)}file.txt`;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tar-'));
    await mkdir(path.join(dir, 'src', path.dirname(long)), { recursive: true });
    await writeFile(path.join(dir, 'src', long), 'long\n');
    await writeFile(path.join(dir, 'src', 'short.txt'), 'x'.repeat(1500));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const build = (format: string) =>
    execFileSync('tar', [`--format=${format}`, '--sort=name', '-cf', '-', '-C', path.join(dir, 'src'), long, 'short.txt'], {
      maxBuffer: 1 << 24,
    });

  it.each(['gnu', 'pax', 'ustar'])('%s: long names, contents in pieces across chunk boundaries', async (format) => {
    const found = await entries(build(format), 333);
    expect(found.map((e) => [e.name, e.type, e.size, e.content.length])).toEqual([
      [long, 'file', 5, 5],
      ['short.txt', 'file', 1500, 1500],
    ]);
    expect(found[0]?.content).toBe('long\n');
  });

  it('a truncated archive or a damaged header is a TarFormatError', async () => {
    const tar = build('pax');
    await expect(entries(tar.subarray(0, 1700))).rejects.toMatchObject({ name: 'TarFormatError' });
    const damaged = Buffer.from(tar);
    damaged[10] = (damaged[10] as number) ^ 0xff;
    await expect(entries(damaged)).rejects.toThrow(/checksum/);
  });
});
