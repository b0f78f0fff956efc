/**
 * The .deb writer: an ar archive of debian-binary, control.tar.* and data.tar.*, as dpkg-deb builds it. Parent
 * folders of every file are in data.tar (owned by root, 0755) so the archive lists a whole tree.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { writeAr } from './ar.ts';
import { compressBlocks, DEB_SUFFIX } from './compress.ts';
import { debDependency } from './depends.ts';
import { isConfig, isRegular, type PackageSpec, parentDirs, type ScriptName } from './spec.ts';
import { type TarEntry, tarBlocks } from './tar.ts';

const DEB_SCRIPTS: Record<ScriptName, string> = {
  preinstall: 'preinst',
  postinstall: 'postinst',
  preremove: 'prerm',
  postremove: 'postrm',
};

/** Debian's version string: [epoch:]version[-release]. */
export function debVersion(spec: Pick<PackageSpec, 'epoch' | 'version' | 'release'>): string {
  return `${spec.epoch ? `${spec.epoch}:` : ''}${spec.version}${spec.release ? `-${spec.release}` : ''}`;
}

/** The extended description: each line indented by one space, blank lines as " .". */
function descriptionField(description: string): string {
  const [summary = '', ...rest] = description.trim().split('\n');
  const body = rest.map((line) => (line.trim() === '' ? ' .' : ` ${line.trimEnd()}`));
  return [summary.trim(), ...body].join('\n');
}

/** Installed-Size in KiB, as dpkg-gencontrol counts it: each file's size rounded up, each other entry 1. */
export function installedSize(spec: PackageSpec): number {
  return spec.files.reduce((sum, f) => sum + (isRegular(f) ? Math.ceil((f.data?.length ?? 0) / 1024) : 1), 0);
}

export function controlFile(spec: PackageSpec): string {
  const fields: Array<[string, string]> = [
    ['Package', spec.name],
    ['Version', debVersion(spec)],
    ['Section', spec.section],
    ['Priority', spec.priority],
    ['Architecture', spec.arch],
    ['Maintainer', spec.maintainer],
    ['Installed-Size', String(installedSize(spec))],
    ['Replaces', spec.replaces.map(debDependency).join(', ')],
    ['Provides', spec.provides.map(debDependency).join(', ')],
    ['Depends', spec.depends.map(debDependency).join(', ')],
    ['Recommends', spec.recommends.map(debDependency).join(', ')],
    ['Suggests', spec.suggests.map(debDependency).join(', ')],
    ['Conflicts', spec.conflicts.map(debDependency).join(', ')],
    ['Homepage', spec.homepage],
    ...Object.entries(spec.deb.fields),
    ['Description', descriptionField(spec.description)],
  ];
  return `${fields
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')}\n`;
}

function dataEntries(spec: PackageSpec): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  const dir = (dst: string, mode = 0o755, owner = 'root', group = 'root', mtime = spec.mtime): TarEntry => ({
    name: `.${dst}/`,
    type: 'dir',
    mode,
    mtime,
    uname: owner,
    gname: group,
  });
  entries.set('/', { ...dir(''), name: './' });
  for (const file of spec.files) {
    if (file.type === 'ghost') continue;
    for (const parent of parentDirs(file.dst)) if (!entries.has(parent)) entries.set(parent, dir(parent));
    const base = { mode: file.mode, mtime: file.mtime, uname: file.owner, gname: file.group };
    if (file.type === 'dir') entries.set(file.dst, { ...dir(file.dst), ...base });
    else if (file.type === 'symlink')
      entries.set(file.dst, { ...base, name: `.${file.dst}`, type: 'symlink', linkname: file.linkTarget });
    else entries.set(file.dst, { ...base, name: `.${file.dst}`, type: 'file', data: file.data });
  }
  return [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}

function controlEntries(spec: PackageSpec): TarEntry[] {
  const file = (name: string, content: string | Buffer, mode = 0o644): TarEntry => ({
    name: `./${name}`,
    type: 'file',
    mode,
    mtime: spec.mtime,
    data: typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
  });
  const md5sums = spec.files
    .filter((f) => isRegular(f))
    .sort((a, b) => (a.dst < b.dst ? -1 : 1))
    .map(
      (f) =>
        `${createHash('md5')
          .update(f.data ?? '')
          .digest('hex')}  ${f.dst.slice(1)}\n`,
    )
    .join('');
  const conffiles = spec.files
    .filter(isConfig)
    .map((f) => `${f.dst}\n`)
    .join('');
  const entries: TarEntry[] = [{ name: './', type: 'dir', mode: 0o755, mtime: spec.mtime }];
  entries.push(file('control', controlFile(spec)));
  if (conffiles) entries.push(file('conffiles', conffiles));
  if (md5sums) entries.push(file('md5sums', md5sums));
  for (const [script, debName] of Object.entries(DEB_SCRIPTS)) {
    const content = spec.scripts[script as ScriptName];
    if (content !== undefined) entries.push(file(debName, content, 0o755));
  }
  return entries;
}

/** RFC 2822 date as a Debian changelog writes it. */
function changelogDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString().replace('GMT', '+0000');
}

/**
 * Debian policy asks every package for /usr/share/doc/<name>/copyright and changelog.Debian.gz (lintian errors
 * without them): written from the config's license and version unless the contents already hold them.
 */
export function withDebianDocs(spec: PackageSpec): PackageSpec {
  const doc = `/usr/share/doc/${spec.name}`;
  const have = new Set(spec.files.map((f) => f.dst));
  const file = (dst: string, data: Buffer) => ({
    dst,
    type: 'file' as const,
    mode: 0o644,
    owner: 'root',
    group: 'root',
    mtime: spec.mtime,
    data,
  });
  const extra = [];
  if (!have.has(`${doc}/copyright`)) {
    const text = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: ${spec.name}\n${spec.homepage ? `Source: ${spec.homepage}\n` : ''}\nFiles: *\nCopyright: ${new Date(spec.mtime * 1000).getUTCFullYear()} ${spec.vendor || spec.maintainer || spec.name}\nLicense: ${spec.license || 'unknown'}\n`;
    extra.push(file(`${doc}/copyright`, Buffer.from(text)));
  }
  // A package without a Debian revision is native, and its changelog is changelog.gz.
  const changelog = `${doc}/${spec.release ? 'changelog.Debian.gz' : 'changelog.gz'}`;
  if (!have.has(`${doc}/changelog.Debian.gz`) && !have.has(`${doc}/changelog.gz`)) {
    const text = `${spec.name} (${debVersion(spec)}) stable; urgency=medium\n\n  * Release ${debVersion(spec)}.\n\n -- ${spec.maintainer || 'release-actions <release-actions@localhost>'}  ${changelogDate(spec.mtime)}\n`;
    extra.push(file(changelog, gzipSync(text, { level: 9 })));
  }
  return { ...spec, files: [...spec.files, ...extra] };
}

export async function writeDeb(spec: PackageSpec): Promise<Buffer> {
  const suffix = DEB_SUFFIX[spec.deb.compression];
  const [control, data] = await Promise.all([
    compressBlocks(tarBlocks(controlEntries(spec)), spec.deb.compression),
    compressBlocks(tarBlocks(dataEntries(spec)), spec.deb.compression),
  ]);
  return writeAr(
    [
      { name: 'debian-binary', data: Buffer.from('2.0\n') },
      { name: `control.tar${suffix}`, data: control.data },
      { name: `data.tar${suffix}`, data: data.data },
    ],
    spec.mtime,
  );
}
