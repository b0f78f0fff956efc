/**
 * Kubernetes-style versions: `vMAJOR.MINOR.PATCH[-pre][+build]` (SemVer 2.0.0 with a
 * leading `v`), and their precedence. Build metadata is kept but never compared.
 */

import { InputError } from '../core/errors.ts';

export type Identifier = string | number;

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers: numbers for numeric ones, strings otherwise. */
  pre: readonly Identifier[];
  build: readonly string[];
  /** The canonical text, always with its leading `v`. */
  text: string;
}

const NUMBER = '0|[1-9]\\d*';
const PRE_ID = '0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*';
const BUILD_ID = '[0-9A-Za-z-]+';
const VERSION = new RegExp(
  `^(v?)(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-((?:${PRE_ID})(?:\\.(?:${PRE_ID}))*))?` +
    `(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);

/** A version names a folder (`release/<version>/`): at most this long, well within a file name's 255 bytes. */
export const MAX_VERSION_LENGTH = 128;

/** Refuses a version input too long to name a folder — in a dry run too, not only when the folder is made. */
export function checkVersionLength(input: string, raw: string): void {
  if (raw.length > MAX_VERSION_LENGTH)
    throw new InputError(input, `is ${raw.length} characters long; a version names a folder: at most ${MAX_VERSION_LENGTH}`);
}

function toNumber(digits: string): number | undefined {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses a version. `requireV` (for inputs) insists on the leading `v`; marker
 * contents are read as Kubernetes reads them, with the `v` optional.
 */
export function parseVersion(raw: string, { requireV = false }: { requireV?: boolean } = {}): Version | undefined {
  const m = VERSION.exec(raw);
  if (!m) return undefined;
  const [, v, majorText, minorText, patchText, preText, buildText] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (requireV && v !== 'v') return undefined;
  const major = toNumber(majorText);
  const minor = toNumber(minorText);
  const patch = toNumber(patchText);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  const pre: Identifier[] = [];
  for (const id of preText?.split('.') ?? []) {
    if (!/^\d+$/.test(id)) {
      pre.push(id);
      continue;
    }
    const n = toNumber(id);
    if (n === undefined) return undefined;
    pre.push(n);
  }
  return { major, minor, patch, pre, build: buildText?.split('.') ?? [], text: `v${raw.slice(v.length)}` };
}

function compareNumbers(a: number, b: number): number {
  return Math.sign(a - b);
}

/** Compares MAJOR.MINOR.PATCH only. */
export function compareCore(a: Version, b: Version): number {
  return compareNumbers(a.major, b.major) || compareNumbers(a.minor, b.minor) || compareNumbers(a.patch, b.patch);
}

function compareIdentifiers(a: Identifier, b: Identifier): number {
  // Numeric identifiers rank below alphanumeric ones.
  if (typeof a === 'number') return typeof b === 'number' ? compareNumbers(a, b) : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer precedence: negative when a < b, 0 when equal (build metadata ignored), positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  const core = compareCore(a, b);
  if (core !== 0) return core;
  // A release ranks above its pre-releases.
  if (a.pre.length === 0 || b.pre.length === 0) return compareNumbers(a.pre.length === 0 ? 1 : 0, b.pre.length === 0 ? 1 : 0);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = compareIdentifiers(a.pre[i] as Identifier, b.pre[i] as Identifier);
    if (c !== 0) return c;
  }
  return compareNumbers(a.pre.length, b.pre.length);
}
