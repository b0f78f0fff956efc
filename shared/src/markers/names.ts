/**
 * Which markers a version moves, and where they live (as PublishVersion names them):
 * `<root>/<type>.txt`, `<type>-<major>.txt`, `<type>-<major>.<minor>.txt` and any
 * extra markers; a fast build only `<root>/fast/<type>-fast.txt` (extras go beside it).
 */
import { joinKey } from '../storage/storage.ts';
import type { Version } from './version.ts';

export const BUILD_TYPES = ['release', 'ci', 'devel'] as const;
export type BuildType = (typeof BUILD_TYPES)[number];
export type MarkerType = 'stable' | 'latest';

/** The index of every marker under a root. */
export const INDEX_NAME = 'markers.json';
export const FAST_DIR = 'fast';

/** `release` for release builds, `ci` for CI builds, `devel` for devel builds. */
export function defaultRoot(buildType: BuildType): string {
  return buildType;
}

/**
 * `stable` for a release build whose version mentions no alpha, beta or rc —
 * Kubernetes looks at the whole version text, so we do too; otherwise `latest`.
 */
export function markerType(buildType: BuildType, version: Version): MarkerType {
  return buildType === 'release' && !/alpha|beta|rc/.test(version.text) ? 'stable' : 'latest';
}

/** The folder a run's markers live in: `<root>` or `<root>/fast`. */
export function markerDir(root: string, fast: boolean): string {
  return fast ? joinKey(root, FAST_DIR) : joinKey(root);
}

/** The folder the release itself must already be published in: `<root>[/fast]/<version>`. */
export function releaseDir(root: string, version: Version, fast: boolean): string {
  return joinKey(markerDir(root, fast), version.text);
}

export interface MarkerSelection {
  buildType: BuildType;
  root: string;
  fast: boolean;
  /** Extra marker names, without `.txt`. */
  extraMarkers: readonly string[];
}

const STANDARD_MARKER = /^(stable|latest)(-fast|-\d+(\.\d+)?)?$/;

/**
 * The type of a marker named as markerKeys names a version's own (`stable-1.31`, `latest-fast`; no `.txt`);
 * undefined for any other name, an extra marker's.
 */
export function standardMarkerType(name: string): MarkerType | undefined {
  return STANDARD_MARKER.exec(name)?.[1] as MarkerType | undefined;
}

/** The storage keys of the markers one version moves, in the order they are written. */
export function markerKeys(version: Version, selection: MarkerSelection): string[] {
  const type = markerType(selection.buildType, version);
  const names = selection.fast
    ? [`${type}-fast`]
    : [type, `${type}-${version.major}`, `${type}-${version.major}.${version.minor}`];
  const dir = markerDir(selection.root, selection.fast);
  return [...new Set([...names, ...selection.extraMarkers])].map((name) => joinKey(dir, `${name}.txt`));
}
