/**
 * A Go binary's embedded build info, read as Go's debug/buildinfo does: the
 * 32-byte `\xff Go buildinf:` header, 16-byte aligned within the first 64 KiB of
 * the data, then either two pointers to Go strings (before Go 1.18) or, with flag
 * bit 2, the two strings inline, each prefixed by a varint length. The second
 * string is the module info that `go version -m` prints.
 */
import { type Executable, ExecutableFormatError, openExecutable } from './executable.ts';
import type { RandomAccess } from './random-access.ts';

export interface GoModule {
  path: string;
  version: string;
  /** `h1:` sum (absent for the main module and replacements by folder). */
  sum?: string;
  /** The module that replaced it (`=>` line). */
  replace?: GoModule;
}

export interface GoBuildInfo {
  goVersion: string;
  /** The main package's import path. */
  path: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` lines in order: -compiler, -ldflags, CGO_ENABLED, GOOS, GOARCH, vcs.revision, … */
  settings: { key: string; value: string }[];
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const ALIGN = 16;
const HEADER = 32;
/** Go's own bound on a string it reads through a pointer. */
const MAX_STRING = 2 ** 32;

/** The build info of the Go binary `access` holds; undefined when it is no executable or no Go binary. */
export async function readGoBuildInfo(access: RandomAccess): Promise<GoBuildInfo | undefined> {
  const exe = await openExecutable(access);
  if (!exe || exe.dataStart === 0) return undefined;
  let data = await exe.readData(exe.dataStart, 64 * 1024);
  for (;;) {
    const i = data.indexOf(MAGIC);
    if (i < 0 || data.length - i < HEADER) return undefined;
    if (i % ALIGN === 0) {
      data = data.subarray(i);
      break;
    }
    data = data.subarray((i + ALIGN - 1) & ~(ALIGN - 1));
  }
  const ptrSize = data[14] as number;
  const flags = data[15] as number;
  let goVersion: string;
  let modinfo: string;
  if (flags & 2) {
    const version = decodeString(data, HEADER);
    const mod = decodeString(data, version.next);
    goVersion = version.value;
    modinfo = mod.value;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw new ExecutableFormatError(`build info pointer size ${ptrSize}`);
    const readPtr = pointerReader(ptrSize, flags !== 0);
    goVersion = await readString(exe, ptrSize, readPtr, readPtr(data, 16));
    modinfo = await readString(exe, ptrSize, readPtr, readPtr(data, 16 + ptrSize));
  }
  if (!goVersion) return undefined;
  // The module info is framed by two 16-byte sentinels.
  const framed = modinfo.length >= 33 && modinfo[modinfo.length - 17] === '\n';
  return { goVersion, ...parseModInfo(framed ? modinfo.slice(16, -16) : '') };
}

function pointerReader(ptrSize: number, bigEndian: boolean): (b: Buffer, at: number) => number {
  return (b, at) => {
    if (at + ptrSize > b.length) throw new ExecutableFormatError('truncated build info');
    if (ptrSize === 4) return bigEndian ? b.readUInt32BE(at) : b.readUInt32LE(at);
    return Number(bigEndian ? b.readBigUInt64BE(at) : b.readBigUInt64LE(at));
  };
}

async function readString(
  exe: Executable,
  ptrSize: number,
  readPtr: (b: Buffer, at: number) => number,
  addr: number,
): Promise<string> {
  const header = await exe.readData(addr, 2 * ptrSize);
  if (header.length < 2 * ptrSize) return '';
  const dataAddr = readPtr(header, 0);
  const length = readPtr(header, ptrSize);
  if (length > MAX_STRING) return '';
  const data = await exe.readData(dataAddr, length);
  return data.length < length ? '' : data.toString('utf8');
}

function decodeString(data: Buffer, at: number): { value: string; next: number } {
  let length = 0;
  let shift = 0;
  let i = at;
  for (; ; i++) {
    if (i >= data.length || shift > 49) throw new ExecutableFormatError('truncated build info');
    const byte = data[i] as number;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  const start = i + 1;
  if (start + length > data.length) throw new ExecutableFormatError('truncated build info');
  return { value: data.toString('utf8', start, start + length), next: start + length };
}

/** The module info's lines (runtime/debug.ParseBuildInfo's format, after the `go` line). */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { path: '', deps: [], settings: [] };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.split('\t');
    if (kind === 'path') info.path = fields[0] ?? '';
    else if (kind === 'mod' || kind === 'dep') {
      last = { path: fields[0] ?? '', version: fields[1] ?? '', ...(fields[2] ? { sum: fields[2] } : {}) };
      if (kind === 'mod') info.main = last;
      else info.deps.push(last);
    } else if (kind === '=>' && last) {
      last.replace = { path: fields[0] ?? '', version: fields[1] ?? '', ...(fields[2] ? { sum: fields[2] } : {}) };
    } else if (kind === 'build') info.settings.push(parseSetting(fields.join('\t')));
  }
  return info;
}

/** `key=value`, either side quoted (Go's strconv.Quote) when it holds a space, tab, quote, `=` or newline. */
function parseSetting(text: string): { key: string; value: string } {
  let rest = text;
  let key: string;
  if (rest.startsWith('"')) {
    const end = quotedEnd(rest);
    key = unquote(rest.slice(0, end));
    rest = rest.slice(end);
  } else {
    const eq = rest.indexOf('=');
    key = eq < 0 ? rest : rest.slice(0, eq);
    rest = eq < 0 ? '' : rest.slice(eq);
  }
  rest = rest.startsWith('=') ? rest.slice(1) : rest;
  const value = rest.startsWith('"') ? unquote(rest) : rest;
  return { key, value };
}

function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/** Go's quoting is JSON's but for `\xHH`, `\a`, `\v` (rare in build settings; kept verbatim if unreadable). */
function unquote(quoted: string): string {
  const json = quoted.replace(/\\(x[0-9a-fA-F]{2}|a|v|\\)/g, (all, esc: string) =>
    esc === '\\' ? all : esc === 'a' ? '\\u0007' : esc === 'v' ? '\\u000b' : `\\u00${esc.slice(1)}`,
  );
  try {
    return JSON.parse(json) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}
