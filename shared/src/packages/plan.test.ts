/** Planning refuses, naming the entry and its line, every value that would break out of its field or its file. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { PackageConfigError } from './errors.ts';
import { planPackages } from './plan.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-plan-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function plan(yaml: string, formats: Array<'deb' | 'rpm'> = ['deb', 'rpm']) {
  const file = path.join(work, 'nfpm.yaml');
  await writeFile(file, yaml);
  const config = await loadConfig(file, 'nfpm.yaml', {});
  return planPackages(config, { formats, sourceDate: 1_700_000_000 });
}

const base = (lines: string) => `name: tool
version: 1.31.0
release: "1"
${lines}
contents:
  - src: tool
    dst: /usr/bin/tool
`;

describe('values that would add a field or a line are refused', () => {
  it.each([
    ['deb.arch escaping output-dir', base('deb: { arch: "../../../../escaped" }'), 'deb.arch', 4, 'Debian architecture'],
    ['deb.arch with a newline', base('deb: { arch: "amd64\\nEssential: yes" }'), 'deb.arch', 4, 'Debian architecture'],
    ['rpm.arch escaping output-dir', base('rpm: { arch: "../escaped" }'), 'rpm.arch', 4, 'rpm architecture'],
    ['a maintainer with a newline', base('maintainer: "Jane <j@e.org>\\nPre-Depends: evil"'), 'maintainer', 4, 'U+000A'],
    ['a homepage with a CR', base('homepage: "https://e.org\\rX: y"'), 'homepage', 4, 'U+000D'],
    ['a section with a newline', base('section: "admin\\nEssential: yes"'), 'section', 4, 'U+000A'],
    ['an rpm summary with a newline', base('rpm: { summary: "a\\nb" }'), 'rpm.summary', 4, 'U+000A'],
    ['a description with a CR', base('description: "Hello\\rPre-Depends: evil"'), 'description', 4, 'U+000D'],
    ['a description with a bell', base('description: "Hello\\n\\nmore\\x07text"'), 'description', 4, 'U+0007'],
    ['a depends entry with a newline', base('depends: ["libc6 | foo\\nPre-Depends: evil"]'), 'depends[0]', 4, 'U+000A'],
    [
      'an override relation with a newline',
      base('overrides:\n  deb:\n    conflicts: [ok, "x\\nEssential: yes"]'),
      'overrides.deb.conflicts[1]',
      6,
      'U+000A',
    ],
    [
      'a dependencies-by-version entry with a newline',
      base('dependencies-by-version:\n  ">=1.0.0":\n    - "a\\nB: c"'),
      'dependencies-by-version.>=1.0.0[0]',
      6,
      'U+000A',
    ],
    [
      'a deb.fields value with a newline',
      base('deb:\n  fields:\n    Bugs: "x\\nEssential: yes"'),
      'deb.fields.Bugs',
      6,
      'U+000A',
    ],
    ['a deb.fields name of our own', base('deb:\n  fields:\n    Package: other'), 'deb.fields.Package', 6, 'written from'],
    ['a deb.fields name with a colon', base('deb:\n  fields:\n    "Bad Key:": v'), 'deb.fields.Bad Key:', 6, 'without space'],
    [
      'a dst with a newline',
      'name: tool\nversion: 1.31.0\ncontents:\n  - src: tool\n    dst: "/usr/bin/hello\\n/etc/passwd"\n    type: config\n',
      'contents[0].dst',
      5,
      'U+000A',
    ],
    [
      'a symlink target with a newline',
      'name: tool\nversion: 1.31.0\ncontents:\n  - src: "/a\\nb"\n    dst: /usr/bin/link\n    type: symlink\n',
      'contents[0].src',
      4,
      'U+000A',
    ],
    [
      'an mtime before 1970',
      'name: tool\nversion: 1.31.0\ncontents:\n  - src: tool\n    dst: /usr/bin/tool\n    file_info:\n      mtime: "1960-01-01T00:00:00Z"\n',
      'contents[0].file_info.mtime',
      7,
      'before 1970',
    ],
    [
      'an mtime after 2106',
      'name: tool\nversion: 1.31.0\ncontents:\n  - src: tool\n    dst: /usr/bin/tool\n    file_info: { mtime: "2200-01-01T00:00:00Z" }\n',
      'contents[0].file_info.mtime',
      6,
      'after 2106',
    ],
    [
      'an owner a tar header cannot hold',
      `name: tool\nversion: 1.31.0\ncontents:\n  - src: tool\n    dst: /usr/bin/tool\n    file_info: { owner: ${'u'.repeat(33)} }\n`,
      'contents[0].file_info.owner',
      6,
      '32 bytes',
    ],
    [
      'a group with a newline',
      'name: tool\nversion: 1.31.0\ncontents:\n  - src: tool\n    dst: /usr/bin/tool\n    file_info: { group: "g\\nx" }\n',
      'contents[0].file_info.group',
      6,
      'U+000A',
    ],
  ])('%s', async (_, yaml, entry, line, problem) => {
    const error = await plan(yaml).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageConfigError);
    const e = error as PackageConfigError;
    expect(e.code).toBe('PACKAGE_CONFIG_INVALID');
    expect(e.entry).toBe(entry);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(new RegExp(`^nfpm\\.yaml:${line}: `));
    expect(e.message).toContain(problem);
  });

  it('takes what the formats accept: own architectures, deb.fields of its own, a multi-line description', async () => {
    const planned = await plan(
      base(
        'deb: { arch: arm-custom, fields: { Bugs: "https://e.org/bugs" } }\nrpm: { arch: armv7hl_custom }\nmaintainer: Jérôme <j@e.org>\ndescription: "Hello\\n\\nmore text"',
      ),
    );
    expect(planned.map((p) => p.fileName)).toEqual(['tool_1.31.0-1_arm-custom.deb', 'tool-1.31.0-1.armv7hl_custom.rpm']);
  });
});

describe('two entries that would be one file', () => {
  it('are refused, naming both', async () => {
    const yaml = `version: 1.2.3
release: "1"
packages:
  - name: hello
    description: first
  - name: other
  - name: hello
    description: second
`;
    const error = (await plan(yaml).catch((e: unknown) => e)) as PackageConfigError;
    expect(error).toBeInstanceOf(PackageConfigError);
    expect(error.entry).toBe('packages[2]');
    expect(error.line).toBe(7);
    expect(error.message).toContain('hello_1.2.3-1_amd64.deb');
    expect(error.message).toContain('packages[0] (line 4)');
  });

  it('are refused when two architectures of one entry give one file name', async () => {
    const error = (await plan('name: tool\nversion: 1.0.0\narchitectures: [amd64, arm64]\ndeb: { arch: all }\n', ['deb']).catch(
      (e: unknown) => e,
    )) as PackageConfigError;
    expect(error).toBeInstanceOf(PackageConfigError);
    expect(error.entry).toBe('');
    expect(error.message).toContain('architectures amd64 and arm64 both build tool_1.0.0_all.deb');
  });

  it('one name in two versions, or in two architectures, is two files', async () => {
    const planned = await plan(
      'release: "1"\npackages:\n  - { name: hello, version: 1.0.0 }\n  - { name: hello, version: 1.0.1 }\n  - { name: hello, version: 1.0.1, arch: arm64 }\n',
    );
    expect(planned).toHaveLength(6);
  });
});
