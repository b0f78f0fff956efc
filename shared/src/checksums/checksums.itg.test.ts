import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../core/hash.ts';
import {
  checkSums,
  type FileDigests,
  formatSums,
  parseSums,
  verifyChecksumFile,
  writeChecksumFiles,
  writeDigestFiles,
} from './index.ts';

describe('formatSums / parseSums', () => {
  it('writes sorted coreutils lines and reads them back', () => {
    const text = formatSums([
      { path: 'bin/linux/arm64/kubectl', hex: 'bb' },
      { path: 'bin/linux/amd64/kubectl', hex: 'aa' },
    ]);
    expect(text).toBe('aa  bin/linux/amd64/kubectl\nbb  bin/linux/arm64/kubectl\n');
    expect(parseSums(text)).toEqual([
      { path: 'bin/linux/amd64/kubectl', hex: 'aa' },
      { path: 'bin/linux/arm64/kubectl', hex: 'bb' },
    ]);
  });

  it('escapes backslashes, newlines and carriage returns as coreutils does', () => {
    const entries = [{ path: 'odd\\name\nx\ry\r', hex: 'cc' }];
    const text = formatSums(entries);
    expect(text).toBe('\\cc  odd\\\\name\\nx\\ry\\r\n');
    expect(parseSums(text)).toEqual(entries);
    expect(parseSums('dd  line\u2028separator\n')).toEqual([{ path: 'line\u2028separator', hex: 'dd' }]);
  });

  it('reads binary-mode markers and upper-case digests; rejects garbage', () => {
    expect(parseSums('AB *file\n\n')).toEqual([{ path: 'file', hex: 'ab' }]);
    expect(() => parseSums('not a line')).toThrow(expect.objectContaining({ code: 'VERIFICATION_FAILED' }));
    expect(() => formatSums([{ path: 'x', hex: 'XYZ' }])).toThrow(expect.objectContaining({ code: 'DIGEST_MISMATCH' }));
  });
});

describe('writeChecksumFiles', () => {
  let root: string;
  let files: FileDigests[];
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'checksums-'));
    const names = [
      'bin/linux/amd64/kubectl',
      'bin/linux/arm64/kubectl',
      'kubernetes.tar.gz',
      'with space.txt',
      'carriage\rreturn\r',
    ];
    files = [];
    for (const [i, name] of names.entries()) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), `content ${i}\n`.repeat(1000 * (i + 1)));
      const d = await hashFile(path.join(root, name));
      files.push({ path: name, sha256: d.sha256, sha512: d.sha512 });
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes SUMS files that sha256sum -c and sha512sum -c accept, and bare-hex digest files', async () => {
    const result = writeChecksumFiles(root, files);
    execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: root });
    execFileSync('sha512sum', ['--strict', '-c', 'SHA512SUMS'], { cwd: root });
    expect(result.paths).toContain('SHA256SUMS.sha256');
    expect(result.paths).toContain('SHA512SUMS.sha512');
    expect(result.paths).toHaveLength(2 + (files.length + 2) * 2);
    const sums = await readFile(path.join(root, 'SHA256SUMS'), 'utf8');
    const coreutils = execFileSync('sha256sum', files.map((f) => f.path).sort(), { cwd: root, encoding: 'utf8' });
    expect(sums).toBe(coreutils);
    for (const f of [...files.map((x) => x.path), 'SHA256SUMS', 'SHA512SUMS']) {
      const d = await hashFile(path.join(root, f));
      expect(await readFile(path.join(root, `${f}.sha256`), 'utf8')).toBe(d.sha256);
      expect(await readFile(path.join(root, `${f}.sha512`), 'utf8')).toBe(d.sha512);
    }
    expect(await checkSums(root, 'SHA256SUMS', 'sha256')).toEqual([]);
    expect(await checkSums(root, 'SHA512SUMS', 'sha512')).toEqual([]);
  });

  it('changes nothing on a rerun', async () => {
    writeChecksumFiles(root, files);
    const before = (await stat(path.join(root, 'SHA256SUMS'))).mtimeMs;
    const again = writeChecksumFiles(root, files);
    expect(again.changed).toEqual([]);
    expect((await stat(path.join(root, 'SHA256SUMS'))).mtimeMs).toBe(before);
  });

  it('detects a file that disagrees with its .sha256 and with the SUMS file', async () => {
    writeChecksumFiles(root, files);
    await expect(verifyChecksumFile(root, 'kubernetes.tar.gz')).resolves.toMatchObject({
      checked: ['kubernetes.tar.gz.sha256', 'kubernetes.tar.gz.sha512'],
    });
    await writeFile(path.join(root, 'kubernetes.tar.gz'), 'tampered');
    await expect(verifyChecksumFile(root, 'kubernetes.tar.gz')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    const mismatches = await checkSums(root, 'SHA256SUMS', 'sha256');
    expect(mismatches.map((m) => m.path)).toEqual(['kubernetes.tar.gz']);
  });

  it('tells a .sha256 in sha256sum line format, or with no digest at all, from one that disagrees', async () => {
    const file = path.join(root, 'format.bin');
    await writeFile(file, 'format');
    const { sha256 } = await hashFile(file);
    await writeFile(`${file}.sha256`, `${sha256}  format.bin\n`);
    await expect(verifyChecksumFile(root, 'format.bin')).rejects.toMatchObject({
      code: 'CHECKSUM_FORMAT',
      message: expect.stringMatching(/^format\.bin\.sha256: holds a sha256sum line .*bare hex digest only/),
    });
    await writeFile(`${file}.sha256`, 'TODO\n');
    await expect(verifyChecksumFile(root, 'format.bin')).rejects.toMatchObject({
      code: 'CHECKSUM_FORMAT',
      message: expect.stringContaining('holds no hex digest'),
    });
    await writeFile(`${file}.sha256`, `${sha256.toUpperCase()}\n`);
    await expect(verifyChecksumFile(root, 'format.bin')).resolves.toMatchObject({ checked: ['format.bin.sha256'] });
    // A checksum file linked outside the tree is refused, not read.
    await rm(`${file}.sha256`);
    await symlink('/etc/hostname', `${file}.sha256`);
    await expect(verifyChecksumFile(root, 'format.bin')).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    await rm(`${file}.sha256`);
  });

  it("writes one file's digest files as soon as it is hashed, then the SUMS files without touching those again", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'checksums-split-'));
    try {
      for (const f of files) await mkdir(path.dirname(path.join(dir, f.path)), { recursive: true });
      const changed = files.map((f) => writeDigestFiles(dir, f));
      expect(changed.flat().sort()).toEqual(files.flatMap((f) => [`${f.path}.sha256`, `${f.path}.sha512`]).sort());
      await writeFile(path.join(dir, 'kubernetes.tar.gz.sha256'), 'left alone');
      const rest = writeChecksumFiles(dir, files, { digestFilesWritten: true });
      expect(rest.changed).toEqual([
        'SHA256SUMS',
        'SHA256SUMS.sha256',
        'SHA256SUMS.sha512',
        'SHA512SUMS',
        'SHA512SUMS.sha256',
        'SHA512SUMS.sha512',
      ]);
      expect(await readFile(path.join(dir, 'kubernetes.tar.gz.sha256'), 'utf8')).toBe('left alone');
      expect(writeDigestFiles(dir, files[0] as FileDigests)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a path outside the root before writing anything', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'checksums-empty-'));
    expect(() => writeChecksumFiles(empty, [{ path: '../escape', sha256: 'aa', sha512: 'bb' }])).toThrow(
      expect.objectContaining({ code: 'PATH_UNSAFE' }),
    );
    expect(await readdir(empty)).toEqual([]);
    await rm(empty, { recursive: true });
  });
});
