/**
 * What a config value may hold where the formats write it: the deb control file and the APT Packages index are
 * lines of `Name: value`, md5sums and conffiles a path per line, so a line break in a value would add a field or an
 * entry of its own. Pure rules, table-tested.
 */

// Control characters (C0, DEL, C1) and the two Unicode line separators (a JavaScript `^…$` with the m flag breaks on them).
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CONTROL_BUT_NEWLINE = /(?!\n)[\p{Cc}\u2028\u2029]/u;

function controlProblem(value: string, pattern: RegExp): string | undefined {
  const found = pattern.exec(value)?.[0];
  if (found === undefined) return undefined;
  return `holds a control character (U+${(found.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')})`;
}

/** A value written on one line: no line break or other control character. */
export function lineProblem(value: string): string | undefined {
  return controlProblem(value, CONTROL);
}

/** A description: lines (each becomes a continuation line in deb), no other control character. */
export function descriptionProblem(value: string): string | undefined {
  return controlProblem(value, CONTROL_BUT_NEWLINE);
}

/** A destination path: absolute, normalised by the caller, one line (md5sums and conffiles list one per line). */
export function dstProblem(dst: string): string | undefined {
  if (!dst.startsWith('/')) return 'must be an absolute path';
  if (dst.split('/').includes('..')) return "must not hold '..'";
  if (dst === '/') return 'must not be /';
  return lineProblem(dst);
}

/** The fields the deb writer and the Packages index write themselves: a `deb.fields` entry would repeat one. */
const OWN_FIELDS = [
  'Package',
  'Version',
  'Section',
  'Priority',
  'Architecture',
  'Maintainer',
  'Installed-Size',
  'Replaces',
  'Provides',
  'Depends',
  'Recommends',
  'Suggests',
  'Conflicts',
  'Homepage',
  'Description',
  'Filename',
  'Size',
  'MD5sum',
  'SHA1',
  'SHA256',
  'SHA512',
];
const OWN = new Set(OWN_FIELDS.map((f) => f.toLowerCase()));

/** Debian policy 5.1: printable ASCII but space and ':', not starting with '#' or '-'; names compare case-blind. */
export function debFieldNameProblem(name: string): string | undefined {
  if (!/^[!-9;-~]+$/.test(name)) return 'a control field name holds only printable ASCII, without space or colon';
  if (/^[#-]/.test(name)) return "a control field name must not start with '#' or '-'";
  if (OWN.has(name.toLowerCase())) return `${name} is written from the config's own keys (${OWN_FIELDS.join(', ')})`;
  return undefined;
}

/** A file time in seconds: from 1970 to 2106 (rpm's and cpio's unsigned 32 bits). */
export function timeProblem(seconds: number): string | undefined {
  if (seconds < 0) return 'must not be before 1970-01-01';
  if (seconds > 0xffffffff) return 'must not be after 2106-02-07 (the packages hold 32-bit times)';
  return undefined;
}

/** A tar header holds 32 bytes of user and group name. */
export function ownerProblem(name: string): string | undefined {
  if (Buffer.byteLength(name) > 32) return 'an owner or group name is at most 32 bytes (a tar header holds no more)';
  return lineProblem(name);
}
