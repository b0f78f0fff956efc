import { describe, expect, it } from 'vitest';
import { expandMatrix } from './workflow-matrix.ts';

describe('expandMatrix', () => {
  it.each([
    ['no matrix', null, [{}]],
    ['one axis', { arch: ['amd64', 'arm64'] }, [{ arch: 'amd64' }, { arch: 'arm64' }]],
    [
      'cross product',
      { os: ['linux', 'darwin'], arch: ['amd64', 'arm64'] },
      [
        { os: 'linux', arch: 'amd64' },
        { os: 'linux', arch: 'arm64' },
        { os: 'darwin', arch: 'amd64' },
        { os: 'darwin', arch: 'arm64' },
      ],
    ],
    [
      'exclude on some keys',
      { os: ['linux', 'darwin'], arch: ['amd64', 'arm64'], exclude: [{ os: 'darwin' }] },
      [
        { os: 'linux', arch: 'amd64' },
        { os: 'linux', arch: 'arm64' },
      ],
    ],
    [
      'include extends the combinations it leaves untouched',
      { arch: ['amd64', 'arm64'], include: [{ arch: 'arm64', cc: 'aarch64-gcc' }, { runner: 'ubuntu' }] },
      [
        { arch: 'amd64', runner: 'ubuntu' },
        { arch: 'arm64', cc: 'aarch64-gcc', runner: 'ubuntu' },
      ],
    ],
    [
      'include matching none adds a combination',
      { arch: ['amd64'], include: [{ arch: 's390x' }] },
      [{ arch: 'amd64' }, { arch: 's390x' }],
    ],
    ['only include', { include: [{ a: 1 }, { a: 2 }] }, [{ a: 1 }, { a: 2 }]],
  ])('%s', (_, matrix, expected) => {
    expect(expandMatrix(matrix as never)).toEqual(expected);
  });
});
