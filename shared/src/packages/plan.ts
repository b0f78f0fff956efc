/**
 * Planning: each config entry × architecture × format resolved to what the writers need, every rule checked before
 * a file is read (architecture, version, destinations, field values, dependency ranges). Pure: no file is touched.
 */
import path from 'node:path';
import semver from 'semver';
import type { ConfigPath, PackagesConfig, RawContent, RawOverridable, RawPackage } from './config.ts';
import { debFieldNameProblem, descriptionProblem, dstProblem, lineProblem, ownerProblem, timeProblem } from './fields.ts';
import type { ContentType, Format, PackageSpec, ScriptName } from './spec.ts';
import { archProblem, debVersionProblem, formatArch, KNOWN_ARCHES, mapVersion, rpmVersionProblem } from './version.ts';

export interface PlannedContent {
  /** Source path relative to source-dir (templates filled), or a symlink's target. */
  src?: string;
  dst: string;
  type: ContentType;
  mode?: number;
  owner: string;
  group: string;
  mtime: number;
  /** Where the entry is in the config, for errors found while reading it. */
  at: ReadonlyArray<string | number>;
}

/** A package as planned: the writers' fields, with contents and scripts still paths (read by contents.ts). */
export interface PlannedPackage extends Omit<PackageSpec, 'files' | 'scripts' | 'mtime'> {
  index: number;
  format: Format;
  /** Go's name (amd64); `arch` is the format's (x86_64). */
  goArch: string;
  contents: PlannedContent[];
  scripts: Partial<Record<ScriptName, { src: string; at: ReadonlyArray<string | number> }>>;
  fileName: string;
}

export interface PlanOptions {
  formats: readonly Format[];
  /** Overrides every entry's version (the action's `version` input). */
  version?: string;
  /** Overrides every entry's architectures. */
  architectures?: readonly string[];
  /** SOURCE_DATE_EPOCH, seconds. */
  sourceDate: number;
}

const RELATIONS = ['depends', 'recommends', 'suggests', 'conflicts', 'replaces', 'provides'] as const;

/** Fills `{arch}`, `{version}` and `{os}` in a source path. */
export function fillTemplate(src: string, values: { arch: string; version: string; os: string }): string {
  return src.replace(/\{(arch|version|os)\}/g, (_, key: keyof typeof values) => values[key]);
}

/** The dependencies of the one range that matches `version`; anything but exactly one match is an error. */
export function dependenciesFor(byVersion: Record<string, string[]>, version: string): { deps: string[] } | { problem: string } {
  const plain = version.replace(/^v/, '');
  if (!semver.valid(plain)) return { problem: `version ${version} is not semver, so no range can match it` };
  const matching = Object.keys(byVersion).filter((range) => semver.satisfies(plain, range, { includePrerelease: true }));
  if (matching.length === 1) return { deps: byVersion[matching[0] as string] as string[] };
  if (matching.length === 0)
    return { problem: `no range matches version ${plain} (ranges: ${Object.keys(byVersion).join('; ')})` };
  return { problem: `version ${plain} matches ${matching.length} ranges (${matching.join('; ')}): exactly one must match` };
}

function mtimeOf(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function contentsFor(
  config: PackagesConfig,
  index: number,
  entries: ReadonlyArray<{ content: RawContent; at: ReadonlyArray<string | number> }>,
  format: Format,
  values: { arch: string; version: string; os: string },
  sourceDate: number,
): PlannedContent[] {
  return entries
    .filter(({ content }) => !content.packager || content.packager === format)
    .map(({ content, at }) => {
      const type = (content.type || 'file') as ContentType;
      const dst = content.dst.replace(/\/+$/, '') || '/';
      const problem = dstProblem(dst);
      if (problem) throw config.error(index, [...at, 'dst'], `${JSON.stringify(content.dst)} ${problem}`);
      if ((type === 'file' || type === 'config' || type === 'config|noreplace' || type === 'symlink') && !content.src)
        throw config.error(index, at, `a ${type} needs src`);
      const mtime = mtimeOf(content.file_info?.mtime, sourceDate);
      if (mtime === undefined) throw config.error(index, [...at, 'file_info', 'mtime'], 'expected an RFC 3339 time');
      const timeIssue = timeProblem(mtime);
      if (timeIssue) throw config.error(index, [...at, 'file_info', 'mtime'], `${content.file_info?.mtime} ${timeIssue}`);
      for (const key of ['owner', 'group'] as const) {
        const name = content.file_info?.[key];
        const issue = name === undefined ? undefined : ownerProblem(name);
        if (issue) throw config.error(index, [...at, 'file_info', key], `${JSON.stringify(name)}: ${issue}`);
      }
      const linkIssue = type === 'symlink' && content.src !== undefined ? lineProblem(content.src) : undefined;
      if (linkIssue) throw config.error(index, [...at, 'src'], `${JSON.stringify(content.src)} ${linkIssue}`);
      return {
        src: content.src === undefined ? undefined : type === 'symlink' ? content.src : fillTemplate(content.src, values),
        dst: path.posix.normalize(dst),
        type,
        mode: content.file_info?.mode,
        owner: content.file_info?.owner ?? 'root',
        group: content.file_info?.group ?? 'root',
        mtime,
        at,
      };
    });
}

function str(value: string | number | undefined): string {
  return value === undefined ? '' : String(value);
}

const LINE_KEYS = ['maintainer', 'vendor', 'homepage', 'license', 'section', 'priority'] as const;
const RPM_LINE_KEYS = ['summary', 'group', 'packager'] as const;

/**
 * Every value the writers put in a header field or an index line holds no line break (which would add a field of
 * its own to the control file or the Packages index) nor other control character; deb.fields names are Debian's.
 */
function checkValues(
  config: PackagesConfig,
  index: number,
  pkg: RawPackage,
  relations: ReadonlyArray<{ at: ConfigPath; value: string }>,
): void {
  const check = (at: ConfigPath, value: string | undefined, rule: (v: string) => string | undefined = lineProblem) => {
    const issue = value === undefined ? undefined : rule(value);
    if (issue) throw config.error(index, at, `${JSON.stringify(value)} ${issue}`);
  };
  for (const key of LINE_KEYS) check([key], pkg[key]);
  for (const key of RPM_LINE_KEYS) check(['rpm', key], pkg.rpm?.[key]);
  check(['description'], pkg.description, descriptionProblem);
  for (const { at, value } of relations) check(at, value);
  for (const [name, value] of Object.entries(pkg.deb?.fields ?? {})) {
    check(['deb', 'fields', name], name, debFieldNameProblem);
    check(['deb', 'fields', name], value);
  }
}

function planOne(
  config: PackagesConfig,
  index: number,
  pkg: RawPackage,
  goArch: string,
  format: Format,
  options: PlanOptions,
): PlannedPackage {
  const override: RawOverridable = pkg.overrides?.[format] ?? {};
  const rawVersion = options.version ?? str(pkg.version);
  if (!rawVersion) throw config.error(index, ['version'], 'a version is required (in the config or the version input)');
  if (!pkg.name) throw config.error(index, [], 'a package needs a name');
  const own = format === 'deb' ? pkg.deb?.arch : pkg.rpm?.arch;
  const ownIssue = own ? archProblem(own, format) : undefined;
  if (ownIssue) throw config.error(index, [format, 'arch'], `${JSON.stringify(own)}: ${ownIssue}`);
  const arch = own || formatArch(goArch, format);
  if (!arch)
    throw config.error(
      index,
      pkg.architectures ? ['architectures'] : ['arch'],
      `unknown architecture ${JSON.stringify(goArch)} (known: ${KNOWN_ARCHES.join(', ')})`,
    );
  let version = mapVersion(rawVersion, format);
  if (pkg.prerelease) version += `~${format === 'rpm' ? pkg.prerelease.replaceAll('-', '~') : pkg.prerelease}`;
  if (pkg.version_metadata) version += `+${pkg.version_metadata}`;
  const release = str(pkg.release) || (format === 'rpm' ? '1' : '');
  const epoch = str(pkg.epoch);
  const problem = format === 'deb' ? debVersionProblem(version, release) : rpmVersionProblem(version, release);
  if (problem)
    throw config.error(
      index,
      options.version ? [] : ['version'],
      `version ${JSON.stringify(rawVersion)} → ${JSON.stringify(version)}: ${problem}`,
    );
  if (epoch && !/^\d+$/.test(epoch)) throw config.error(index, ['epoch'], 'an epoch is a whole number');
  const relations = Object.fromEntries(RELATIONS.map((r) => [r, [...(override[r] ?? pkg[r] ?? [])]])) as Record<
    (typeof RELATIONS)[number],
    string[]
  >;
  checkValues(config, index, pkg, [
    ...RELATIONS.flatMap((r) => {
      const from = override[r] ? ['overrides', format, r] : [r];
      return relations[r].map((value, i) => ({ at: [...from, i], value }));
    }),
    ...Object.entries(pkg['dependencies-by-version'] ?? {}).flatMap(([range, deps]) =>
      deps.map((value, i) => ({ at: ['dependencies-by-version', range, i], value })),
    ),
  ]);
  if (pkg['dependencies-by-version']) {
    const found = dependenciesFor(pkg['dependencies-by-version'], rawVersion);
    if ('problem' in found) throw config.error(index, ['dependencies-by-version'], found.problem);
    relations.depends.push(...found.deps);
  }
  const values = { arch: goArch, version: rawVersion, os: pkg.platform || 'linux' };
  const contentEntries = [
    ...(pkg.contents ?? []).map((content, i) => ({ content, at: ['contents', i] })),
    ...(override.contents ?? []).map((content, i) => ({ content, at: ['overrides', format, 'contents', i] })),
  ];
  const scriptsFrom = override.scripts ? ['overrides', format, 'scripts'] : ['scripts'];
  const scripts = Object.fromEntries(
    Object.entries(override.scripts ?? pkg.scripts ?? {}).map(([name, src]) => [name, { src, at: [...scriptsFrom, name] }]),
  );
  const summary = pkg.rpm?.summary ?? (pkg.description ?? pkg.name).trim().split('\n')[0] ?? pkg.name;
  const full =
    format === 'deb' ? `${epoch ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}` : `${version}-${release}`;
  return {
    index,
    format,
    goArch,
    name: pkg.name,
    version,
    release,
    epoch,
    arch,
    maintainer: pkg.maintainer ?? '',
    description: pkg.description ?? pkg.name,
    vendor: pkg.vendor ?? '',
    homepage: pkg.homepage ?? '',
    license: pkg.license ?? '',
    section: pkg.section ?? 'misc',
    priority: pkg.priority ?? 'optional',
    ...relations,
    contents: contentsFor(config, index, contentEntries, format, values, options.sourceDate),
    scripts,
    deb: { fields: pkg.deb?.fields ?? {}, compression: pkg.deb?.compression ?? 'gzip' },
    rpm: { summary, group: pkg.rpm?.group ?? '', packager: pkg.rpm?.packager ?? '', compression: pkg.rpm?.compression ?? 'gzip' },
    fileName: format === 'deb' ? `${pkg.name}_${full.replace(/^\d+:/, '')}_${arch}.deb` : `${pkg.name}-${full}.${arch}.rpm`,
  };
}

/**
 * Every package to build, in config order, then architecture, then format. Two that would be one file (the same
 * name, version and architecture) are refused: the second would overwrite the first.
 */
export function planPackages(config: PackagesConfig, options: PlanOptions): PlannedPackage[] {
  const plan = config.packages.flatMap((pkg, index) => {
    const arches = options.architectures?.length ? [...options.architectures] : (pkg.architectures ?? [pkg.arch ?? 'amd64']);
    return arches.flatMap((goArch) => options.formats.map((format) => planOne(config, index, pkg, goArch, format, options)));
  });
  const seen = new Map<string, PlannedPackage>();
  for (const p of plan) {
    const first = seen.get(p.fileName);
    if (first)
      throw config.error(
        p.index,
        [],
        first.index === p.index
          ? `architectures ${first.goArch} and ${p.goArch} both build ${p.fileName}: one would overwrite the other`
          : `${p.fileName} (architecture ${p.goArch}) is also built by ${config.where(first.index, [])} (architecture ${first.goArch}): one would overwrite the other`,
      );
    seen.set(p.fileName, p);
  }
  return plan;
}
