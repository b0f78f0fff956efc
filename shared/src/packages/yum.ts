/**
 * The YUM repository's metadata as createrepo_c writes it: primary, filelists and other (.xml.gz, named by their
 * SHA-256), repomd.xml naming them, repomd.xml.asc (armored, detached) and repomd.xml.key.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { RepoFile } from './apt.ts';
import type { BuiltPackage } from './built.ts';
import { RPMSENSE, rpmDependency } from './depends.ts';
import type { PgpSigner } from './pgp.ts';
import { isRegular } from './spec.ts';

/** One package's three XML fragments, keyed by its location (kept entries are carried over as they were). */
export interface YumEntry {
  location: string;
  primary: string;
  filelists: string;
  other: string;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function flagName(flags: number): string | undefined {
  const cmp = flags & (RPMSENSE.LESS | RPMSENSE.GREATER | RPMSENSE.EQUAL);
  return { 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' }[cmp];
}

function evrAttributes(evr: string): string {
  const m = /^(?:(\d+):)?([^-]*)(?:-(.*))?$/.exec(evr);
  const [, epoch = '0', ver = '', rel] = m ?? [];
  return `epoch="${epoch}" ver="${xmlEscape(ver)}"${rel ? ` rel="${xmlEscape(rel)}"` : ''}`;
}

function depEntries(tag: string, deps: ReadonlyArray<{ name: string; flags: number; version: string; pre?: boolean }>): string {
  if (deps.length === 0) return '';
  const lines = deps.map((d) => {
    const flag = flagName(d.flags);
    const version = flag && d.version ? ` flags="${flag}" ${evrAttributes(d.version)}` : '';
    return `      <rpm:entry name="${xmlEscape(d.name)}"${version}${d.pre ? ' pre="1"' : ''}/>`;
  });
  return `    <rpm:${tag}>\n${lines.join('\n')}\n    </rpm:${tag}>\n`;
}

/** createrepo_c's rule for the files primary.xml lists: /etc, any bin/ folder, /usr/lib/sendmail. */
function primaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}

export function yumEntry(pkg: BuiltPackage, location: string): YumEntry {
  const { spec } = pkg;
  const info = pkg.rpm as NonNullable<BuiltPackage['rpm']>;
  const version = `${spec.epoch ? `epoch="${spec.epoch}"` : 'epoch="0"'} ver="${xmlEscape(spec.version)}" rel="${xmlEscape(spec.release)}"`;
  const installed = spec.files.reduce((sum, f) => sum + (isRegular(f) ? (f.data?.length ?? 0) : 0), 0);
  const files = [...spec.files].sort((a, b) => (a.dst < b.dst ? -1 : 1));
  const fileLine = (f: (typeof files)[number]) =>
    `<file${f.type === 'dir' ? ' type="dir"' : f.type === 'ghost' ? ' type="ghost"' : ''}>${xmlEscape(f.dst)}</file>`;
  const self = {
    name: spec.name,
    flags: RPMSENSE.EQUAL,
    version: `${spec.epoch ? `${spec.epoch}:` : ''}${spec.version}-${spec.release}`,
  };
  const selfArch = { ...self, name: `${spec.name}(${spec.arch === 'x86_64' ? 'x86-64' : spec.arch})` };
  const requires = spec.depends.map(rpmDependency);
  if (Object.keys(spec.scripts).length > 0) requires.push({ name: '/bin/sh', flags: 0, version: '' });
  const primary = `<package type="rpm">
  <name>${xmlEscape(spec.name)}</name>
  <arch>${xmlEscape(spec.arch)}</arch>
  <version ${version}/>
  <checksum type="sha256" pkgid="YES">${pkg.sha256}</checksum>
  <summary>${xmlEscape(spec.rpm.summary)}</summary>
  <description>${xmlEscape(spec.description.trim())}</description>
  <packager>${xmlEscape(spec.rpm.packager || spec.maintainer)}</packager>
  <url>${xmlEscape(spec.homepage)}</url>
  <time file="${spec.mtime}" build="${spec.mtime}"/>
  <size package="${pkg.data.length}" installed="${installed}" archive="${info.archiveSize}"/>
  <location href="${xmlEscape(location)}"/>
  <format>
    <rpm:license>${xmlEscape(spec.license || 'unknown')}</rpm:license>
    <rpm:vendor>${xmlEscape(spec.vendor)}</rpm:vendor>
    <rpm:group>${xmlEscape(spec.rpm.group || 'Unspecified')}</rpm:group>
    <rpm:buildhost>release-actions</rpm:buildhost>
    <rpm:sourcerpm>${xmlEscape(`${spec.name}-${spec.version}-${spec.release}.src.rpm`)}</rpm:sourcerpm>
    <rpm:header-range start="${info.headerStart}" end="${info.headerEnd}"/>
${depEntries('provides', [...spec.provides.map(rpmDependency), self, ...(spec.arch === 'noarch' ? [] : [selfArch])])}${depEntries(
  'requires',
  requires.map((r) => (r.name === '/bin/sh' ? { ...r, pre: true } : r)),
)}${depEntries('conflicts', spec.conflicts.map(rpmDependency))}${depEntries('obsoletes', spec.replaces.map(rpmDependency))}${depEntries('suggests', spec.suggests.map(rpmDependency))}${depEntries('recommends', spec.recommends.map(rpmDependency))}${files
  .filter((f) => primaryFile(f.dst))
  .map((f) => `    ${fileLine(f)}\n`)
  .join('')}  </format>
</package>
`;
  const head = `<package pkgid="${pkg.sha256}" name="${xmlEscape(spec.name)}" arch="${xmlEscape(spec.arch)}">
  <version ${version}/>
`;
  return {
    location,
    primary,
    filelists: `${head}${files.map((f) => `  ${fileLine(f)}\n`).join('')}</package>\n`,
    other: `${head}</package>\n`,
  };
}

const NS = {
  primary: 'xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"',
  filelists: 'xmlns="http://linux.duke.edu/metadata/filelists"',
  other: 'xmlns="http://linux.duke.edu/metadata/other"',
};
const ROOT = { primary: 'metadata', filelists: 'filelists', other: 'otherdata' };
type Kind = keyof typeof ROOT;

/** Splits one of our own metadata documents back into its package fragments. */
export function splitPackages(xml: string): string[] {
  return [...xml.matchAll(/<package[ >][\s\S]*?<\/package>\n/g)].map((m) => m[0]);
}

/** Reads entries back from the three documents (the repository's existing packages are kept from them). */
export function parseYumEntries(primary: string, filelists: string, other: string): YumEntry[] {
  const byId = (fragments: string[]) => new Map(fragments.map((f) => [/pkgid="([0-9a-f]+)"/.exec(f)?.[1] ?? '', f]));
  const files = byId(splitPackages(filelists));
  const others = byId(splitPackages(other));
  return splitPackages(primary).map((p) => {
    const id = /<checksum type="sha256" pkgid="YES">([0-9a-f]+)</.exec(p)?.[1] ?? '';
    return {
      location: /<location href="([^"]+)"/.exec(p)?.[1] ?? '',
      primary: p,
      filelists: files.get(id) ?? '',
      other: others.get(id) ?? '',
    };
  });
}

/** repomd.xml's records read back: each metadata file's type, location, SHA-256 and size. */
export function repomdRecords(repomd: string): Array<{ type: string; href: string; sha256: string; size: number }> {
  return [...repomd.matchAll(/<data type="(\w+)">([\s\S]*?)<\/data>/g)].map(([, type, body = '']) => ({
    type: type as string,
    href: /<location href="([^"]+)"/.exec(body)?.[1] ?? '',
    sha256: /<checksum type="sha256">([0-9a-f]+)</.exec(body)?.[1] ?? '',
    size: Number(/<size>(\d+)</.exec(body)?.[1] ?? -1),
  }));
}

/** The package file's SHA-256 and size as an entry's primary fragment records them. */
export function packageDigest(entry: YumEntry): { sha256: string; size: number } {
  return {
    sha256: /<checksum type="sha256" pkgid="YES">([0-9a-f]+)</.exec(entry.primary)?.[1] ?? '',
    size: Number(/<size package="(\d+)"/.exec(entry.primary)?.[1] ?? -1),
  };
}

function document(kind: Kind, entries: readonly YumEntry[]): string {
  const body = entries.map((e) => e[kind]).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${ROOT[kind]} ${NS[kind]} packages="${entries.length}">\n${body}</${ROOT[kind]}>\n`;
}

/** The metadata of a repository holding `entries`: the repodata files first, then repomd.xml and its signature. */
export async function yumIndexes(
  entries: readonly YumEntry[],
  revision: number,
  signer: PgpSigner | undefined,
): Promise<{ data: RepoFile[]; index: RepoFile[] }> {
  const sorted = [...entries].sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  const data: RepoFile[] = [];
  const records = (['primary', 'filelists', 'other'] as const).map((kind) => {
    const xml = Buffer.from(document(kind, sorted));
    const gz = gzipSync(xml, { level: 9 });
    const sha = createHash('sha256').update(gz).digest('hex');
    const href = `repodata/${sha}-${kind}.xml.gz`;
    data.push({ path: href, data: gz });
    return `  <data type="${kind}">
    <checksum type="sha256">${sha}</checksum>
    <open-checksum type="sha256">${createHash('sha256').update(xml).digest('hex')}</open-checksum>
    <location href="${href}"/>
    <timestamp>${revision}</timestamp>
    <size>${gz.length}</size>
    <open-size>${xml.length}</open-size>
  </data>
`;
  });
  const repomd = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>${revision}</revision>
${records.join('')}</repomd>
`;
  const index: RepoFile[] = [{ path: 'repodata/repomd.xml', data: repomd }];
  if (signer) {
    index.push({ path: 'repodata/repomd.xml.asc', data: await signer.detachArmored(repomd) });
    index.push({ path: 'repodata/repomd.xml.key', data: signer.publicKey });
  }
  return { data, index };
}
