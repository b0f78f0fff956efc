/**
 * The decision for one marker, given what it holds now: create, update, skip, or
 * (only with allow-downgrade) move it backwards. Pure; the CAS loop calls it again
 * after every lost race.
 */
import { MarkerInvalidError } from './errors.ts';
import { isUpToDate } from './precedence.ts';
import { parseVersion, type Version } from './version.ts';

export type MarkerAction = 'create' | 'update' | 'downgrade' | 'skip';

export interface Decision {
  action: MarkerAction;
  /** The marker's current value (with `v`), undefined when it does not exist. */
  from: string | undefined;
  /** The value written, or for a skip the value it keeps. */
  to: string;
  /** Why, in words, for logs and the `skipped` output. */
  reason: string;
}

/** Reads a marker's content as Kubernetes does: a version, `v` optional; surrounding whitespace ignored. */
function readMarkerValue(key: string, content: string): Version {
  const version = parseVersion(content.trim());
  if (!version) throw new MarkerInvalidError(key, content);
  return version;
}

export function decide(
  key: string,
  content: string | undefined,
  candidate: Version,
  { allowDowngrade = false }: { allowDowngrade?: boolean } = {},
): Decision {
  if (content === undefined) return { action: 'create', from: undefined, to: candidate.text, reason: 'marker does not exist' };
  const current = readMarkerValue(key, content);
  const from = current.text;
  if (!isUpToDate(current, candidate))
    return { action: 'update', from, to: candidate.text, reason: `${candidate.text} is newer` };
  if (from === candidate.text) return { action: 'skip', from, to: from, reason: 'already up to date' };
  // Equal precedence (another build's metadata) is not older: nothing to roll back.
  if (isUpToDate(candidate, current)) return { action: 'skip', from, to: from, reason: `${from} is equivalent` };
  if (allowDowngrade) return { action: 'downgrade', from, to: candidate.text, reason: 'allow-downgrade is set' };
  return { action: 'skip', from, to: from, reason: `${from} is newer` };
}
