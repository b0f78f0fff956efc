/** Package URLs (github.com/package-url/purl-spec): type/namespace/name@version?qualifiers, sorted qualifiers. */

/** Qualifier values keep ':' and '/' (as the spec's `repository_url=docker.io/library/debian`). */
const encode = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%2F/gi, '/');

export function purl(
  type: string,
  name: string,
  {
    namespace,
    version,
    qualifiers = {},
  }: { namespace?: string; version?: string; qualifiers?: Record<string, string | undefined> } = {},
): string {
  const ns = namespace ? `${namespace.split('/').map(encodeURIComponent).join('/')}/` : '';
  const v = version ? `@${encodeURIComponent(version)}` : '';
  const q = Object.entries(qualifiers)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, value]) => `${k}=${encode(value)}`)
    .join('&');
  return `pkg:${type}/${ns}${encodeURIComponent(name)}${v}${q ? `?${q}` : ''}`;
}

/** A Go module's purl: its path's last element is the name, the rest the namespace. */
export function golangPurl(path: string, version: string): string {
  const slash = path.lastIndexOf('/');
  return purl('golang', path.slice(slash + 1), {
    ...(slash > 0 ? { namespace: path.slice(0, slash) } : {}),
    ...(version && version !== '(devel)' ? { version } : {}),
  });
}
