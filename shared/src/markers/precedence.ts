/**
 * When does a marker move? Kubernetes' rule (pkg/release/publish.go, IsUpToDate):
 * a marker is up to date when the new version does not rank above the old one,
 * except that a CI build counted after an rc (`1.30.0-rc.2.10+sha`) ranks below a
 * plain counted build (`1.30.0-11+sha`) of an equal or higher MAJOR.MINOR.PATCH.
 */
import { compareCore, compareVersions, type Version } from './version.ts';

/** The CI counter scheme: an rc build is `[rc, N, M]`, a build after the final tag is `[N]`. */
function isRcBuild(v: Version): boolean {
  return v.pre.length === 3 && v.pre[0] === 'rc';
}

function isCountedBuild(v: Version): boolean {
  return v.pre.length === 1 && typeof v.pre[0] === 'number';
}

/**
 * True when a marker holding `oldVersion` need not move to `newVersion`. The exception holds both ways (a ranking,
 * not a one-way door): else an rc build finishing after the first build past the tag would move the marker back,
 * and the two builds would each count as newer than the other.
 */
export function isUpToDate(oldVersion: Version, newVersion: Version): boolean {
  if (isRcBuild(oldVersion) && isCountedBuild(newVersion) && compareCore(newVersion, oldVersion) >= 0) return false;
  if (isCountedBuild(oldVersion) && isRcBuild(newVersion) && compareCore(oldVersion, newVersion) >= 0) return true;
  return compareVersions(newVersion, oldVersion) <= 0;
}
