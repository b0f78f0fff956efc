/**
 * Just enough of ELF, Mach-O and PE to find a Go binary's build info: where its
 * data starts and how a virtual address maps to the file. Formats are told by
 * magic, never by name. Mirrors Go's debug/buildinfo (exe types), reading only the
 * headers and the bytes asked for.
 */
import type { RandomAccess } from './random-access.ts';

export type ExecutableFormat = 'elf' | 'macho' | 'pe';

export interface Executable {
  format: ExecutableFormat;
  /** Virtual address where the build info is searched from (0: none). */
  dataStart: number;
  /** Up to `size` bytes at virtual address `addr` (empty when no segment maps it). */
  readData(addr: number, size: number): Promise<Buffer>;
}

/** A header or table that cannot be what it claims: the file is described as a plain file. */
export class ExecutableFormatError extends Error {
  override name = 'ExecutableFormatError';
}

/** Tables longer than this are corrupt, not large (a Go binary has tens of sections). */
const MAX_TABLE = 1 << 20;

interface Mapping {
  addr: number;
  fileSize: number;
  offset: number;
}

/** The executable `access` holds, or undefined when its magic is none of the three. */
export async function openExecutable(access: RandomAccess): Promise<Executable | undefined> {
  const head = await access.read(0, 64);
  if (head.length >= 16 && head.readUInt32BE(0) === 0x7f454c46) return openElf(access, head);
  if (head.length >= 4) {
    const magic = head.readUInt32BE(0);
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return openMachO(access, head);
  }
  if (head.length >= 64 && head[0] === 0x4d && head[1] === 0x5a) return openPe(access, head);
  return undefined;
}

/** A reader of fixed-width integers in one byte order (64-bit values as numbers: addresses fit in 53 bits). */
function integers(buffer: Buffer, littleEndian: boolean) {
  const need = (at: number, n: number) => {
    if (at + n > buffer.length) throw new ExecutableFormatError('truncated header');
  };
  return {
    u16: (at: number) => {
      need(at, 2);
      return littleEndian ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at);
    },
    u32: (at: number) => {
      need(at, 4);
      return littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
    },
    u64: (at: number) => {
      need(at, 8);
      const value = littleEndian ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ExecutableFormatError('address out of range');
      return Number(value);
    },
  };
}

async function readTable(access: RandomAccess, offset: number, length: number): Promise<Buffer> {
  if (length > MAX_TABLE || offset + length > access.size) throw new ExecutableFormatError('table beyond the file');
  const bytes = await access.read(offset, length);
  if (bytes.length < length) throw new ExecutableFormatError('truncated table');
  return bytes;
}

function mapper(access: RandomAccess, mappings: Mapping[]): Executable['readData'] {
  return async (addr, size) => {
    for (const m of mappings) {
      if (m.fileSize <= 0 || addr < m.addr || addr > m.addr + m.fileSize - 1) continue;
      const n = Math.min(size, m.addr + m.fileSize - addr);
      return access.read(m.offset + (addr - m.addr), n);
    }
    return Buffer.alloc(0);
  };
}

async function openElf(access: RandomAccess, head: Buffer): Promise<Executable> {
  const is64 = head[4] === 2;
  const little = head[5] === 1;
  const h = integers(head, little);
  const phoff = is64 ? h.u64(0x20) : h.u32(0x1c);
  const shoff = is64 ? h.u64(0x28) : h.u32(0x20);
  const phentsize = h.u16(is64 ? 0x36 : 0x2a);
  const phnum = h.u16(is64 ? 0x38 : 0x2c);
  const shentsize = h.u16(is64 ? 0x3a : 0x2e);
  const shnum = h.u16(is64 ? 0x3c : 0x30);
  const shstrndx = h.u16(is64 ? 0x3e : 0x32);

  const progs: (Mapping & { type: number; flags: number })[] = [];
  const ph = integers(await readTable(access, phoff, phnum * phentsize), little);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    progs.push(
      is64
        ? { type: ph.u32(at), flags: ph.u32(at + 4), offset: ph.u64(at + 8), addr: ph.u64(at + 16), fileSize: ph.u64(at + 32) }
        : { type: ph.u32(at), offset: ph.u32(at + 4), addr: ph.u32(at + 8), fileSize: ph.u32(at + 16), flags: ph.u32(at + 24) },
    );
  }

  let dataStart = 0;
  if (shnum > 0 && shoff > 0) {
    const sh = integers(await readTable(access, shoff, shnum * shentsize), little);
    const section = (i: number) => {
      const at = i * shentsize;
      return is64
        ? { name: sh.u32(at), addr: sh.u64(at + 16), offset: sh.u64(at + 24), size: sh.u64(at + 32) }
        : { name: sh.u32(at), addr: sh.u32(at + 12), offset: sh.u32(at + 16), size: sh.u32(at + 20) };
    };
    if (shstrndx < shnum) {
      const strtab = section(shstrndx);
      const names = await readTable(access, strtab.offset, strtab.size);
      for (let i = 0; i < shnum && dataStart === 0; i++) {
        const s = section(i);
        const end = names.indexOf(0, s.name);
        if (names.toString('latin1', s.name, end < 0 ? names.length : end) === '.go.buildinfo') dataStart = s.addr;
      }
    }
  }
  const PT_LOAD = 1;
  const PF_X = 1;
  const PF_W = 2;
  if (dataStart === 0) dataStart = progs.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W)?.addr ?? 0;
  return { format: 'elf', dataStart, readData: mapper(access, progs) };
}

async function openMachO(access: RandomAccess, head: Buffer): Promise<Executable> {
  const little = head[0] === 0xce || head[0] === 0xcf;
  const is64 = (little ? head[0] : head[3]) === 0xcf;
  const h = integers(head, little);
  const ncmds = h.u32(16);
  const sizeofcmds = h.u32(20);
  const cmds = await readTable(access, is64 ? 32 : 28, sizeofcmds);
  const c = integers(cmds, little);
  const LC_SEGMENT = 0x1;
  const LC_SEGMENT_64 = 0x19;
  const RW = 3;
  const segments: (Mapping & { name: string; maxprot: number; prot: number })[] = [];
  let buildinfo = 0;
  for (let i = 0, at = 0; i < ncmds; i++) {
    const cmd = c.u32(at);
    const size = c.u32(at + 4);
    if (size < 8) throw new ExecutableFormatError('load command too small');
    if (cmd === LC_SEGMENT_64 || cmd === LC_SEGMENT) {
      const name = cmds.toString('latin1', at + 8, at + 24).replace(/\0.*$/s, '');
      const segment = is64
        ? {
            addr: c.u64(at + 24),
            offset: c.u64(at + 40),
            fileSize: c.u64(at + 48),
            maxprot: c.u32(at + 56),
            prot: c.u32(at + 60),
          }
        : {
            addr: c.u32(at + 24),
            offset: c.u32(at + 32),
            fileSize: c.u32(at + 36),
            maxprot: c.u32(at + 40),
            prot: c.u32(at + 44),
          };
      segments.push({ name, ...segment });
      const nsects = c.u32(at + (is64 ? 64 : 48));
      const first = at + (is64 ? 72 : 56);
      const step = is64 ? 80 : 68;
      for (let s = 0; s < nsects && buildinfo === 0; s++) {
        const sat = first + s * step;
        if (cmds.toString('latin1', sat, sat + 16).replace(/\0.*$/s, '') === '__go_buildinfo')
          buildinfo = is64 ? c.u64(sat + 32) : c.u32(sat + 32);
      }
    }
    at += size;
  }
  const dataStart =
    buildinfo || (segments.find((s) => s.addr !== 0 && s.fileSize !== 0 && s.prot === RW && s.maxprot === RW)?.addr ?? 0);
  return {
    format: 'macho',
    dataStart,
    readData: mapper(
      access,
      segments.filter((s) => s.name !== '__PAGEZERO'),
    ),
  };
}

async function openPe(access: RandomAccess, head: Buffer): Promise<Executable> {
  const peOffset = head.readUInt32LE(0x3c);
  const coff = await readTable(access, peOffset, 24);
  if (coff.readUInt32BE(0) !== 0x50450000) throw new ExecutableFormatError('no PE signature');
  const h = integers(coff, true);
  const nsections = h.u16(6);
  const optionalSize = h.u16(20);
  const optional = integers(await readTable(access, peOffset + 24, optionalSize), true);
  const magic = optional.u16(0);
  const imageBase = magic === 0x20b ? optional.u64(24) : optional.u32(28);
  const table = await readTable(access, peOffset + 24 + optionalSize, nsections * 40);
  const t = integers(table, true);
  const INITIALIZED_DATA_READ_WRITE = 0x40 | 0x40000000 | 0x80000000;
  const ALIGN_32BYTES = 0x600000;
  const sections: (Mapping & { characteristics: number })[] = [];
  for (let i = 0; i < nsections; i++) {
    const at = i * 40;
    sections.push({
      addr: imageBase + t.u32(at + 12),
      fileSize: t.u32(at + 16),
      offset: t.u32(at + 20),
      characteristics: t.u32(at + 36),
    });
  }
  const data = sections.find(
    (s) =>
      s.addr !== imageBase &&
      s.fileSize !== 0 &&
      (s.characteristics & ~ALIGN_32BYTES) >>> 0 === INITIALIZED_DATA_READ_WRITE >>> 0,
  );
  return { format: 'pe', dataStart: data?.addr ?? 0, readData: mapper(access, sections) };
}
