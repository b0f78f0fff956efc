/** The checksum rules that need no outside program: SUMS lines, digest files, and checks against a tree. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumContents, checksumPaths, writeChecksumFiles, writeDigestFiles } from './files.ts';
import { formatSums, parseSums } from './sums.ts';
import { checkDigestFiles, checkSums, parseDigestFile, verifyChecksumFile } from './verify.ts';

const hex = (algorithm: 'sha256' | 'sha512', text: string) => createHash(algorithm).update(text).digest('hex');
const A = 'a'.repeat(64);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sums-'));
  await mkdir(path.join(root, 'bin'));
  await writeFile(path.join(root, 'bin/kubectl'), 'kubectl');
  await writeFile(path.join(root, 'README'), 'readme');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('escaped names', () => {
  it('escapes backslashes, newlines and carriage returns as coreutils does, and reads them back', () => {
    const paths = ['a\\b', 'c\nd', 'e\rf', 'g\\\n\rh', 'plain'];
    const text = formatSums(paths.map((p) => ({ path: p, hex: A })));
    expect(text).toBe(`\\${A}  a\\\\b\n\\${A}  c\\nd\n\\${A}  e\\rf\n\\${A}  g\\\\\\n\\rh\n${A}  plain\n`);
    expect(parseSums(text).map((e) => e.path)).toEqual(paths);
  });
});

describe('parseSums', () => {
  it.each([
    ['CRLF line ends', `${A}  a\r\n${A}  b\r\n`, ['a', 'b']],
    ['no newline at the end', `${A}  a`, ['a']],
    ['blank and whitespace-only lines', `\n  \n${A}  a\n\t\n`, ['a']],
    ['binary mode', `${A} *a\n`, ['a']],
    ['a name with spaces', `${A}  a b \n`, ['a b ']],
    ['a name starting with a star in text mode', `${A}  *a\n`, ['*a']],
    ['an escaped name', `\\${A}  a\\\\b\n`, ['a\\b']],
    ['an unescaped backslash', `${A}  a\\nb\n`, ['a\\nb']],
    ['a carriage return inside a name (only the line end is dropped)', `${A}  a\rb\r\n`, ['a\rb']],
  ])('reads %s', (_, text, paths) => {
    expect(parseSums(text).map((e) => e.path)).toEqual(paths);
  });

  it.each([
    ['leading junk', `x${A}  a\n`],
    ['a leading space', ` ${A}  a\n`],
    ['one space only', `${A} a\n`],
    ['no name', `${A}  \n`],
    ['a tab for the separator', `${A}\t a\n`],
    ['not hex', `${'g'.repeat(64)}  a\n`],
    ['no digest', '  a\n'],
  ])('refuses %s, naming the line', (_, text) => {
    expect(() => parseSums(`${A}  ok\n${text}`)).toThrow(
      expect.objectContaining({ code: 'VERIFICATION_FAILED', userError: true, message: expect.stringContaining('line 2:') }),
    );
  });

  it('quotes at most 80 characters of a bad digest file', () => {
    const long = `${A}  ${'x'.repeat(200)}`;
    expect(() => parseDigestFile('k', 'sha256', long)).toThrow(`(${JSON.stringify(long.slice(0, 80))})`);
  });

  it('lower-cases digests', () => {
    expect(parseSums(`${A.toUpperCase()}  a\n`)).toEqual([{ path: 'a', hex: A }]);
  });
});

describe('formatSums', () => {
  it('sorts by bytes, not by locale, and escapes only names that need it', () => {
    expect(
      formatSums([
        { path: 'b', hex: 'aa' },
        { path: 'B', hex: 'bb' },
        { path: 'a\rb', hex: 'cc' },
      ]),
    ).toBe('bb  B\n\\cc  a\\rb\naa  b\n');
    expect(formatSums([])).toBe('');
  });

  it('refuses a digest that is not lower-case hex, as a failure of ours', () => {
    for (const bad of ['AB', '', 'ab cd'])
      expect(() => formatSums([{ path: 'x', hex: bad }])).toThrow(
        expect.objectContaining({ code: 'DIGEST_MISMATCH', userError: false, message: expect.stringContaining('for x') }),
      );
  });
});

describe('digest files', () => {
  it.each([
    [`${A}\n`, A],
    [`  ${A.toUpperCase()}\r\n`, A],
  ])('parseDigestFile reads %j', (content, expected) => {
    expect(parseDigestFile('k', 'sha256', content)).toBe(expected);
  });

  it.each([
    [`${A}  k\n`, 'holds a sha256sum line'],
    [`${A} *k\n`, 'holds a sha256sum line'],
    [`${A}\tk\n`, 'holds a sha256sum line'],
    ['', 'holds no hex digest'],
    [`x${A}`, 'holds no hex digest'],
    [`x ${A}  k`, 'holds no hex digest'],
    ['ab  k', 'holds a sha256sum line'],
  ])('parseDigestFile refuses %j: %s', (content, problem) => {
    expect(() => parseDigestFile('k', 'sha256', content)).toThrow(
      expect.objectContaining({
        code: 'CHECKSUM_FORMAT',
        message: expect.stringMatching(new RegExp(`^k\\.sha256: ${problem} .*belong in SHA256SUMS\\)$`)),
      }),
    );
  });

  it('checkDigestFiles checks what exists, in order, and stops at the first disagreement', () => {
    const digests = { sha256: hex('sha256', 'x'), sha512: hex('sha512', 'x') };
    expect(checkDigestFiles('k', digests, {})).toEqual([]);
    expect(checkDigestFiles('k', digests, { sha512: digests.sha512 })).toEqual(['k.sha512']);
    expect(checkDigestFiles('k', digests, { sha256: digests.sha256, sha512: digests.sha512 })).toEqual(['k.sha256', 'k.sha512']);
    expect(() => checkDigestFiles('k', digests, { sha256: A, sha512: 'zz' })).toThrow(
      expect.objectContaining({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`expected ${A}`) }),
    );
    expect(() => checkDigestFiles('k', digests, { sha256: digests.sha256, sha512: A })).toThrow(
      expect.objectContaining({ code: 'DIGEST_MISMATCH' }),
    );
  });

  it('verifyChecksumFile uses known digests instead of hashing', async () => {
    const known = { sha256: A, sha512: 'b'.repeat(128) };
    await writeFile(path.join(root, 'README.sha256'), A);
    try {
      await expect(verifyChecksumFile(root, 'README', known)).resolves.toEqual({ digests: known, checked: ['README.sha256'] });
      await writeFile(path.join(root, 'README.sha512'), 'c'.repeat(128));
      await expect(verifyChecksumFile(root, 'README', known)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      await writeFile(path.join(root, 'README.sha512'), 'b'.repeat(128));
      await expect(verifyChecksumFile(root, 'README', known)).resolves.toEqual({
        digests: known,
        checked: ['README.sha256', 'README.sha512'],
      });
      await rm(path.join(root, 'README.sha512'));
      await expect(verifyChecksumFile(root, 'README')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    } finally {
      await rm(path.join(root, 'README.sha256'));
    }
  });
});

describe('checkSums against a tree', () => {
  it('reports a file that is missing, with no actual digest, and one that differs', async () => {
    const text = formatSums([
      { path: 'bin/kubectl', hex: hex('sha256', 'kubectl') },
      { path: 'README', hex: A },
      { path: 'gone', hex: A },
    ]);
    await writeFile(path.join(root, 'SUMS'), text);
    expect(await checkSums(root, 'SUMS', 'sha256')).toEqual([
      { path: 'README', expected: A, actual: hex('sha256', 'readme') },
      { path: 'gone', expected: A, actual: undefined },
    ]);
  });

  it('takes a digest already known instead of hashing the file again', async () => {
    await writeFile(path.join(root, 'SUMS'), formatSums([{ path: 'bin/kubectl', hex: hex('sha256', 'kubectl') }]));
    const known = (p: string) => (p === 'bin/kubectl' ? A : undefined);
    expect(await checkSums(root, 'SUMS', 'sha256', known)).toEqual([
      { path: 'bin/kubectl', expected: hex('sha256', 'kubectl'), actual: A },
    ]);
  });

  it('writes SUMS in path order, however many files come in whatever order', () => {
    const paths = Array.from({ length: 300 }, (_, i) => `f/${((i * 7919) % 300).toString(36)}`);
    const lines = formatSums(paths.map((p) => ({ path: p, hex: A })))
      .trimEnd()
      .split('\n');
    expect(lines.map((l) => l.slice(A.length + 2))).toEqual([...paths].sort());
  });

  it('checks with the algorithm asked for', async () => {
    await writeFile(path.join(root, 'SUMS512'), `${hex('sha512', 'kubectl')}  bin/kubectl\r\n`);
    expect(await checkSums(root, 'SUMS512', 'sha512')).toEqual([]);
  });

  it('refuses a line that leaves the tree, and rethrows any error but a missing file', async () => {
    await writeFile(path.join(root, 'ESCAPE'), `${A}  ../x\n`);
    await expect(checkSums(root, 'ESCAPE', 'sha256')).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    await writeFile(path.join(root, 'DIR'), `${A}  bin\n`);
    await expect(checkSums(root, 'DIR', 'sha256')).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('checksum files', () => {
  it('names every checksum file of a tree (pure)', () => {
    expect(checksumPaths(['k'])).toEqual([
      'SHA256SUMS',
      'SHA512SUMS',
      'k.sha256',
      'k.sha512',
      'SHA256SUMS.sha256',
      'SHA256SUMS.sha512',
      'SHA512SUMS.sha256',
      'SHA512SUMS.sha512',
    ]);
  });

  it('makes the SUMS files and a bare digest beside every file, the SUMS files included (pure)', () => {
    const files = [{ path: 'k', sha256: A, sha512: 'b'.repeat(128) }];
    const { contents, sums } = checksumContents(files);
    const sum256 = `${A}  k\n`;
    expect(contents.get('SHA256SUMS')).toBe(sum256);
    expect(contents.get('SHA512SUMS')).toBe(`${'b'.repeat(128)}  k\n`);
    expect(contents.get('k.sha256')).toBe(A);
    expect(contents.get('k.sha512')).toBe('b'.repeat(128));
    expect(sums[0]).toEqual({ path: 'SHA256SUMS', sha256: hex('sha256', sum256), sha512: hex('sha512', sum256) });
    expect(contents.get('SHA256SUMS.sha256')).toBe(hex('sha256', sum256));
    expect([...contents.keys()].sort()).toEqual(checksumPaths(['k']).sort());
  });

  it('writes digest files, then SUMS files only when asked to leave those', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sums-write-'));
    try {
      await writeFile(path.join(dir, 'k'), 'k');
      const file = { path: 'k', sha256: hex('sha256', 'k'), sha512: hex('sha512', 'k') };
      expect(writeDigestFiles(dir, file)).toEqual(['k.sha256', 'k.sha512']);
      expect(writeDigestFiles(dir, file)).toEqual([]);
      await writeFile(path.join(dir, 'k.sha512'), 'stale');
      const result = writeChecksumFiles(dir, [file], { digestFilesWritten: true });
      expect(result.changed).not.toContain('k.sha512');
      expect(await readFile(path.join(dir, 'k.sha512'), 'utf8')).toBe('stale');
      expect(result.paths).toEqual(checksumPaths(['k']).sort());
      const all = writeChecksumFiles(dir, [file]);
      expect(all.changed).toEqual(['k.sha512']);
      // Skipped when the digest files were written: both of them, for every file.
      await writeFile(path.join(dir, 'k.sha256'), 'stale');
      await writeFile(path.join(dir, 'k.sha512'), 'stale');
      const skipped = writeChecksumFiles(dir, [file], { digestFilesWritten: true });
      expect(skipped.changed).toEqual([]);
      expect(await readFile(path.join(dir, 'k.sha256'), 'utf8')).toBe('stale');
      // Every file written is named, in path order.
      const files = ['z', 'm', 'a'].map((p) => ({ path: p, sha256: hex('sha256', p), sha512: hex('sha512', p) }));
      for (const f of files) await writeFile(path.join(dir, f.path), f.path);
      const many = writeChecksumFiles(dir, files);
      expect(many.changed).toEqual([...many.changed].sort());
      expect(many.changed).toEqual(
        expect.arrayContaining(['SHA256SUMS', 'SHA512SUMS', 'a.sha256', 'a.sha512', 'm.sha256', 'z.sha512']),
      );
      expect(() => writeDigestFiles(dir, { ...file, path: '../k' })).toThrow(expect.objectContaining({ code: 'PATH_UNSAFE' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
