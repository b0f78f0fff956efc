/** Reading a planned package: a glob's matches are held to dst's rules, and a dst listed twice names both entries. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { readPackage, sourceReader } from './contents.ts';
import { PackageConfigError } from './errors.ts';
import { planPackages } from './plan.ts';

let work: string;
let source: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-contents-'));
  source = path.join(work, 'src');
  await mkdir(path.join(source, 'g'), { recursive: true });
  for (const name of ['hello', 'g/a', 'g/b']) await writeFile(path.join(source, name), `${name}\n`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function read(contents: string) {
  const file = path.join(work, 'nfpm.yaml');
  await writeFile(file, `name: hello\nversion: 1.2.3\ncontents:\n${contents}`);
  const config = await loadConfig(file, 'nfpm.yaml', {});
  const [planned] = planPackages(config, { formats: ['deb'], sourceDate: 1_700_000_000 });
  return readPackage(config, planned as NonNullable<typeof planned>, sourceReader(source), source, 1_700_000_000);
}

describe('a dst listed twice', () => {
  it.each([
    [
      'after a glob, the entries are named by their own index',
      '  - { src: g/*, dst: /usr/share/g/ }\n  - { src: hello, dst: /usr/bin/hello }\n  - { src: hello, dst: /usr/bin/hello2 }\n  - { src: hello, dst: /usr/bin/hello2 }\n',
      'contents[3].dst',
      7,
      '/usr/bin/hello2 is listed twice: also by contents[2] (line 6)',
    ],
    [
      "a glob's match and an entry of its own",
      '  - { src: g/*, dst: /usr/share/g/ }\n  - { src: hello, dst: /usr/share/g/b }\n',
      'contents[1].dst',
      5,
      '/usr/share/g/b is listed twice: also by contents[0] (line 4)',
    ],
  ])('%s', async (_, contents, entry, line, problem) => {
    const error = (await read(contents).catch((e: unknown) => e)) as PackageConfigError;
    expect(error).toBeInstanceOf(PackageConfigError);
    expect(error.entry).toBe(entry);
    expect(error.line).toBe(line);
    expect(error.message).toContain(problem);
  });

  it('a glob without a repeat reads every match', async () => {
    const spec = await read('  - { src: g/*, dst: /usr/share/g/ }\n  - { src: hello, dst: /usr/bin/hello }\n');
    expect(spec.files.map((f) => f.dst)).toEqual(['/usr/share/g/a', '/usr/share/g/b', '/usr/bin/hello']);
  });
});

describe("a glob's match", () => {
  it('whose name would put a line break in dst is refused', async () => {
    await mkdir(path.join(source, 'n'));
    await writeFile(path.join(source, 'n', 'evil\nx'), 'x');
    const error = (await read('  - { src: n/*, dst: /usr/share/n/ }\n').catch((e: unknown) => e)) as PackageConfigError;
    expect(error).toBeInstanceOf(PackageConfigError);
    expect(error.entry).toBe('contents[0].src');
    expect(error.message).toContain('U+000A');
  });
});
