/**
 * SHA256SUMS / SHA512SUMS as coreutils writes them and Kubernetes publishes them:
 * one `<hex>  <relative/path>` line per file, sorted by path (byte order). A path
 * holding a backslash, a newline or a carriage return is escaped the coreutils (9)
 * way (a leading `\` on the line, `\\`, `\n` and `\r` in the name), so
 * `sha256sum -c` reads every line back.
 */
import { ReleaseError } from '../core/errors.ts';

export interface SumEntry {
  /** Relative POSIX path, as written in the file. */
  path: string;
  /** Lower-case hex digest. */
  hex: string;
}

const HEX = /^[0-9a-f]+$/;

function byPath(a: SumEntry, b: SumEntry): number {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: V8's sort only asks whether this is below 0; paths are distinct
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function formatLine({ path, hex }: SumEntry): string {
  if (!HEX.test(hex))
    throw new ReleaseError('DIGEST_MISMATCH', `Not a lower-case hex digest for ${path}: ${JSON.stringify(hex)}`);
  const escaped = /[\\\n\r]/.test(path);
  const name = escaped ? path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : path;
  return `${escaped ? '\\' : ''}${hex}  ${name}\n`;
}

/** Formats entries as a SUMS file: sorted by path, one line each, trailing newline. */
export function formatSums(entries: readonly SumEntry[]): string {
  return [...entries].sort(byPath).map(formatLine).join('');
}

// A line holds no '\n': [^\n]+ takes the rest of it.
const LINE = /^(\\?)([0-9a-fA-F]+) [ *]([^\n]+)/;
const ESCAPES: Record<string, string> = { '\\': '\\', n: '\n', r: '\r' };

/** Parses a SUMS file (text or binary mode markers, escaped names); blank lines are skipped. */
export function parseSums(text: string): SumEntry[] {
  const entries: SumEntry[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const m = LINE.exec(line.replace(/\r$/, ''));
    if (!m)
      throw new ReleaseError('VERIFICATION_FAILED', `Malformed checksum line ${index + 1}: ${JSON.stringify(line)}`, {
        userError: true,
      });
    const name = m[1] ? (m[3] as string).replace(/\\([\\nr])/g, (_, c: string) => ESCAPES[c] as string) : (m[3] as string);
    entries.push({ path: name, hex: (m[2] as string).toLowerCase() });
  }
  return entries;
}
