/** Version and architecture names per format: pure rules, table-tested. */
import type { Format } from './spec.ts';

/** Kubernetes' mapping: strip a leading v, the first '+' becomes '-'; rpm has no '-' in a version, so '-' → '~'. */
export function mapVersion(raw: string, format: Format): string {
  const version = raw
    .trim()
    .replace(/^v(?=\d)/, '')
    .replace('+', '-');
  return format === 'rpm' ? version.replaceAll('-', '~') : version;
}

/** dpkg's rule (deb-version(7)): upstream starts with a digit; '-' only when a revision follows; ':' only after an epoch. */
export function debVersionProblem(version: string, release: string): string | undefined {
  if (!/^\d/.test(version)) return 'a Debian version must start with a digit';
  if (!/^[A-Za-z0-9.+~-]+$/.test(version)) return 'a Debian version holds only letters, digits and . + ~ -';
  if (version.includes('-') && !release) return "a Debian version with '-' needs a release (the part after its last '-')";
  if (release && !/^[A-Za-z0-9.+~]+$/.test(release)) return 'a Debian release holds only letters, digits and . + ~';
  return undefined;
}

/** rpm's rule: no '-' (it separates version and release), no whitespace; letters, digits and . _ + ~ ^. */
export function rpmVersionProblem(version: string, release: string): string | undefined {
  if (!/^[A-Za-z0-9._+~^]+$/.test(version)) return "an rpm version holds only letters, digits and . _ + ~ ^ (no '-')";
  if (!/^[A-Za-z0-9._+~^]+$/.test(release)) return "an rpm release holds only letters, digits and . _ + ~ ^ (no '-')";
  if (!/\d/.test(version)) return 'an rpm version needs a digit';
  return undefined;
}

/** Go's GOARCH names (nfpm's `arch`) → each format's. */
const ARCHES: Record<string, Record<Format, string>> = {
  amd64: { deb: 'amd64', rpm: 'x86_64' },
  arm64: { deb: 'arm64', rpm: 'aarch64' },
  ppc64le: { deb: 'ppc64el', rpm: 'ppc64le' },
  s390x: { deb: 's390x', rpm: 's390x' },
  '386': { deb: 'i386', rpm: 'i386' },
  arm7: { deb: 'armhf', rpm: 'armv7hl' },
  arm6: { deb: 'armel', rpm: 'armv6hl' },
  riscv64: { deb: 'riscv64', rpm: 'riscv64' },
  all: { deb: 'all', rpm: 'noarch' },
};

export const KNOWN_ARCHES = Object.keys(ARCHES);

/** The format's name, or undefined for an architecture we do not know. */
export function formatArch(arch: string, format: Format): string | undefined {
  return ARCHES[arch]?.[format];
}

/**
 * A `deb.arch` / `rpm.arch` of the config's own: dpkg's names are lower-case letters, digits and '-' (dpkg-architecture),
 * rpm's letters, digits and '_' (rpmrc's arch names). Either becomes a path part and a header field.
 */
export function archProblem(arch: string, format: Format): string | undefined {
  if (format === 'deb')
    return /^[a-z0-9][a-z0-9-]*$/.test(arch)
      ? undefined
      : 'a Debian architecture holds only a-z, 0-9 and -, and starts with a letter or digit';
  return /^[A-Za-z0-9_]+$/.test(arch) ? undefined : 'an rpm architecture holds only letters, digits and _';
}

/**
 * The channel a version is published in when none is given: a pre-release goes to `prerelease`, whether the version
 * holds it or the config's `prerelease` key adds it.
 */
export function channelOf(version: string, prerelease = ''): 'stable' | 'prerelease' {
  return prerelease !== '' || /-/.test(version.split('+')[0] as string) ? 'prerelease' : 'stable';
}

/** `v1.31.2` → `v1.31`: the minor a flat repository is kept per. */
export function minorOf(version: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m ? `v${m[1]}.${m[2]}` : undefined;
}
