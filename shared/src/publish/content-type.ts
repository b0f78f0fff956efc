/** Content types by file name, for what dl.k8s.io serves: archives, binaries, digests, signatures, SBOMs. */

const BY_SUFFIX: ReadonlyArray<readonly [string, string]> = [
  ['.tar.gz', 'application/gzip'],
  ['.tgz', 'application/gzip'],
  ['.gz', 'application/gzip'],
  ['.tar', 'application/x-tar'],
  ['.zip', 'application/zip'],
  ['.xz', 'application/x-xz'],
  ['.zst', 'application/zstd'],
  ['.sha256', 'text/plain; charset=utf-8'],
  ['.sha512', 'text/plain; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.md', 'text/markdown; charset=utf-8'],
  ['.json', 'application/json'],
  ['.intoto.jsonl', 'application/x-ndjson'],
  ['.jsonl', 'application/x-ndjson'],
  ['.yaml', 'application/yaml'],
  ['.yml', 'application/yaml'],
  ['.spdx', 'text/spdx'],
  ['.pem', 'application/x-pem-file'],
  ['.cert', 'application/x-pem-file'],
  ['.crt', 'application/x-pem-file'],
  ['.sig', 'application/octet-stream'],
  ['.asc', 'application/pgp-signature'],
  ['.deb', 'application/vnd.debian.binary-package'],
  ['.rpm', 'application/x-rpm'],
];

const BY_NAME: Record<string, string> = {
  SHA256SUMS: 'text/plain; charset=utf-8',
  SHA512SUMS: 'text/plain; charset=utf-8',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentTypeFor(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const byName = BY_NAME[name];
  if (byName) return byName;
  const lower = name.toLowerCase();
  return BY_SUFFIX.find(([suffix]) => lower.endsWith(suffix))?.[1] ?? DEFAULT_CONTENT_TYPE;
}
