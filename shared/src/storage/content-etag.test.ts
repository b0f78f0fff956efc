import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isContentEtag, multipartEtag } from './content-etag.ts';

const md5 = (text: string) => createHash('md5').update(text).digest();

describe('content ETags', () => {
  it('computes a multipart ETag as S3 does: the MD5 of the part MD5s, then the part count', () => {
    // python3: hashlib.md5(md5(b'part one') + md5(b'part two')).hexdigest() + '-2'
    expect(multipartEtag([md5('part one'), md5('part two')])).toBe('0732917abc3288784e318ac0aab1757a-2');
  });

  it.each([
    ['"0732917abc3288784e318ac0aab1757a-2"', true],
    ['0732917ABC3288784E318AC0AAB1757A-2', true],
    ['"0732917abc3288784e318ac0aab1757a"', false],
    ['""', false],
  ])('matches %s (quoted or not, any case): %s', (etag, matches) => {
    expect(isContentEtag(etag, ['0732917abc3288784e318ac0aab1757a-2'])).toBe(matches);
  });

  it('matches nothing where no content ETags are known', () => {
    expect(isContentEtag('"abc"', undefined)).toBe(false);
    expect(isContentEtag('"abc"', [])).toBe(false);
  });
});
