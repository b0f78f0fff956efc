import { describe, expect, it } from 'vitest';
import { completeMultipartXml, decodeXmlText, parseListing, xmlElement } from './s3-xml.ts';

describe('S3 XML', () => {
  it('decodes the named and numeric entities S3 escapes keys with', () => {
    expect(decodeXmlText('a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x1F;&#13;&unknown;')).toBe(
      'a&b <c> "d" \'e\' \u001f\r&unknown;',
    );
    expect(decodeXmlText('&#x110000;&#99999999;')).toBe('&#x110000;&#99999999;');
  });

  it('reads a listing page: keys decoded, sizes, quoted ETags, truncation and the next marker', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>release/v1.31.2/</Prefix><Marker></Marker><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>release/v1.31.2/a&amp;b.txt</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>release/v1.31.2/bin/linux/amd64/kubectl</Key><ETag>"92eb5ffee6ae2fec3ad71c777531578f-2"</ETag><Size>10485760</Size></Contents>
<NextMarker>release/v1.31.2/bin/linux/amd64/kubectl</NextMarker></ListBucketResult>`;
    expect(parseListing(xml)).toEqual({
      objects: [
        { key: 'release/v1.31.2/a&b.txt', size: 1, etag: '"0cc175b9c0f1b6a831c399e269772661"' },
        { key: 'release/v1.31.2/bin/linux/amd64/kubectl', size: 10485760, etag: '"92eb5ffee6ae2fec3ad71c777531578f-2"' },
      ],
      truncated: true,
      nextMarker: 'release/v1.31.2/bin/linux/amd64/kubectl',
    });
  });

  it('reads an empty, complete listing', () => {
    expect(parseListing('<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>')).toEqual({
      objects: [],
      truncated: false,
      nextMarker: undefined,
    });
  });

  it('finds an element only when it is closed', () => {
    expect(xmlElement('<Error><Code>NoSuchKey</Code></Error>', 'Code')).toBe('NoSuchKey');
    expect(xmlElement('<Error><Code>NoSuchKey', 'Code')).toBeUndefined();
    expect(xmlElement('<Error/>', 'Code')).toBeUndefined();
  });

  it('writes the completion request with the parts in order and their ETags escaped', () => {
    expect(
      completeMultipartXml([
        { number: 1, etag: '"a1"' },
        { number: 2, etag: '"b&2"' },
      ]),
    ).toBe(
      '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag></Part>' +
        '<Part><PartNumber>2</PartNumber><ETag>&quot;b&amp;2&quot;</ETag></Part></CompleteMultipartUpload>',
    );
  });

  it("adds each part's SHA-256 to the completion of an upload created with a checksum algorithm", () => {
    expect(completeMultipartXml([{ number: 1, etag: '"a1"', sha256: 'q83v' }])).toContain(
      '<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag><ChecksumSHA256>q83v</ChecksumSHA256></Part>',
    );
  });
});
