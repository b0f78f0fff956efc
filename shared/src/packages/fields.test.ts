import { describe, expect, it } from 'vitest';
import { debFieldNameProblem, descriptionProblem, dstProblem, lineProblem, ownerProblem, timeProblem } from './fields.ts';

const expectProblem = (found: string | undefined, problem: string | undefined) => {
  if (problem === undefined) expect(found).toBeUndefined();
  else expect(found).toContain(problem);
};

describe('one-line values', () => {
  it.each([
    ['Jane Doe <jane@example.org>', undefined],
    ['Jérôme Ünïcode', undefined],
    ['', undefined],
    ['Jane\nPre-Depends: evil', 'U+000A'],
    ['Jane\rPre-Depends: evil', 'U+000D'],
    ['tab\there', 'U+0009'],
    ['nul\0', 'U+0000'],
    ['del\u007f', 'U+007F'],
    ['c1\u0085', 'U+0085'],
    ['line\u2028separator', 'U+2028'],
    ['paragraph\u2029separator', 'U+2029'],
  ])('%j', (value, problem) => {
    expectProblem(lineProblem(value), problem);
  });
});

describe('descriptions', () => {
  it.each([
    ['Hello tool\nA longer description.\n\nMore.', undefined],
    ['Hello tool\rPre-Depends: evil', 'U+000D'],
    ['Hello\n\nmore\u0007text', 'U+0007'],
    ['Hello\u2028Filename: x', 'U+2028'],
  ])('%j', (value, problem) => {
    expectProblem(descriptionProblem(value), problem);
  });
});

describe('destinations', () => {
  it.each([
    ['/usr/bin/tool', undefined],
    ['usr/bin/tool', 'absolute'],
    ['/usr/../etc/tool', "'..'"],
    ['/', 'must not be /'],
    ['/usr/bin/hello\n/etc/passwd', 'U+000A'],
    ['/etc/a\rb', 'U+000D'],
  ])('%j', (dst, problem) => {
    expectProblem(dstProblem(dst), problem);
  });
});

describe('deb.fields names', () => {
  it.each([
    ['Bugs', undefined],
    ['X-Custom_Field.1', undefined],
    ['Pre-Depends', undefined],
    ['Bad Key', 'without space or colon'],
    ['Bad:Key', 'without space or colon'],
    ['Bad\nKey', 'without space or colon'],
    ['Ünicode', 'without space or colon'],
    ['', 'without space or colon'],
    ['#comment', "start with '#' or '-'"],
    ['-dash', "start with '#' or '-'"],
    ['Package', 'written from the config'],
    ['package', 'written from the config'],
    ['ARCHITECTURE', 'written from the config'],
    ['Description', 'written from the config'],
    ['Installed-Size', 'written from the config'],
    ['Filename', 'written from the config'],
    ['SHA256', 'written from the config'],
    ['MD5sum', 'written from the config'],
  ])('%j', (name, problem) => {
    expectProblem(debFieldNameProblem(name), problem);
  });

  // Every field the deb writer or the Packages index writes, each refused, and the message lists them all.
  const own =
    'Package, Version, Section, Priority, Architecture, Maintainer, Installed-Size, Replaces, Provides, Depends, ' +
    'Recommends, Suggests, Conflicts, Homepage, Description, Filename, Size, MD5sum, SHA1, SHA256, SHA512';
  it.each(own.split(', '))('refuses %s, naming every field the tool writes', (name) => {
    expect(debFieldNameProblem(name)).toBe(`${name} is written from the config's own keys (${own})`);
  });
});

describe('file times', () => {
  it.each([
    [0, undefined],
    [1_700_000_000, undefined],
    [0xffffffff, undefined],
    [-1, 'before 1970'],
    [0x100000000, 'after 2106'],
  ])('%d', (seconds, problem) => {
    expectProblem(timeProblem(seconds), problem);
  });
});

describe('owners', () => {
  it.each([
    ['root', undefined],
    ['a'.repeat(32), undefined],
    ['a'.repeat(33), 'at most 32 bytes'],
    ['é'.repeat(17), 'at most 32 bytes'],
    ['g\nx', 'U+000A'],
  ])('%j', (name, problem) => {
    expectProblem(ownerProblem(name), problem);
  });
});
