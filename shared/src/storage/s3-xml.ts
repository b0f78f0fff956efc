/**
 * The S3 XML documents read and written without the SDK: a ListObjects (v1) page,
 * the multipart upload's answers and its completion request, and error bodies.
 * S3 XML has no CDATA, comments or attributes on these elements, so a scan by
 * element name is exact; text is entity-decoded (`&amp;`, `&#x1F;`…), as keys
 * holding `&`, `<` or control characters come escaped.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (!name.startsWith('#')) return ENTITIES[name] ?? whole;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The decoded text of the first `<name>` element inside `xml`, if any. */
export function xmlElement(xml: string, name: string): string | undefined {
  const open = xml.indexOf(`<${name}>`);
  if (open < 0) return undefined;
  const start = open + name.length + 2;
  const end = xml.indexOf(`</${name}>`, start);
  return end < 0 ? undefined : decodeXmlText(xml.slice(start, end));
}

export interface ListingPage {
  objects: { key: string; size: number; etag: string }[];
  truncated: boolean;
  /** Sent by stores only with a delimiter; otherwise the next page starts after the last key. */
  nextMarker?: string;
}

/** A ListObjects (v1) `ListBucketResult`. */
export function parseListing(xml: string): ListingPage {
  const objects: ListingPage['objects'] = [];
  for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const entry = match[1] as string;
    const key = xmlElement(entry, 'Key');
    if (key === undefined) continue;
    objects.push({ key, size: Number(xmlElement(entry, 'Size') ?? 0), etag: xmlElement(entry, 'ETag') ?? '' });
  }
  // Contents precede NextMarker and IsTruncated in some stores' answers, follow them in others: read them outside.
  const outside = xml.replace(/<Contents>[\s\S]*?<\/Contents>/g, '');
  return {
    objects,
    truncated: xmlElement(outside, 'IsTruncated') === 'true',
    nextMarker: xmlElement(outside, 'NextMarker') || undefined,
  };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/**
 * The CompleteMultipartUpload request body: the parts in order, each with the ETag its upload answered and, for an
 * upload created with a checksum algorithm, the part's base64 SHA-256 as sent.
 */
export function completeMultipartXml(parts: readonly { number: number; etag: string; sha256?: string }[]): string {
  const items = parts.map(
    (p) =>
      `<Part><PartNumber>${p.number}</PartNumber><ETag>${escapeXml(p.etag)}</ETag>${p.sha256 ? `<ChecksumSHA256>${p.sha256}</ChecksumSHA256>` : ''}</Part>`,
  );
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join('')}</CompleteMultipartUpload>`;
}
