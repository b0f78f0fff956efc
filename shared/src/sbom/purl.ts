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
  // The default sort is by UTF-16 code unit, the order the spec asks for.
  const q = Object.keys(qualifiers)
    .sort()
    .flatMap((k) => (qualifiers[k] ? [`${k}=${encode(qualifiers[k])}`] : []))
    .join('&');
  return `pkg:${type}/${ns}${encodeURIComponent(name)}${v}${q ? `?${q}` : ''}`;
}

/** A Go module's purl: its path's last element is the name, the rest the namespace. */
export function golangPurl(path: string, version: string): string {
  const slash = path.lastIndexOf('/');
  return purl('golang', path.slice(slash + 1), {
    namespace: path.slice(0, Math.max(slash, 0)),
    ...(version && version !== '(devel)' ? { version } : {}),
  });
}
