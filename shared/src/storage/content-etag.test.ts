import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compositeSha256, isContentEtag, multipartEtag, sha256Checksum } from './content-etag.ts';

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

  it("computes S3's composite SHA-256 (the SHA-256 of the part SHA-256s, then the part count) and reads its header", () => {
    const sha = (text: string) => createHash('sha256').update(text).digest();
    const composite = createHash('sha256')
      .update(Buffer.concat([sha('part one'), sha('part two')]))
      .digest();
    expect(compositeSha256([sha('part one'), sha('part two')])).toBe(`sha256:${composite.toString('hex')}-2`);
    expect(sha256Checksum(`${composite.toString('base64')}-2`)).toBe(`sha256:${composite.toString('hex')}-2`);
    expect(sha256Checksum(sha('whole').toString('base64'))).toBe(`sha256:${sha('whole').toString('hex')}`);
  });

  it('matches nothing where no content ETags are known', () => {
    expect(isContentEtag('"abc"', undefined)).toBe(false);
    expect(isContentEtag('"abc"', [])).toBe(false);
  });
});
