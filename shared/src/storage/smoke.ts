/**
 * The live smoke test of a store (`npm run smoke -- <destination>`): under a
 * scratch prefix it creates, creates conditionally twice, replaces with a stale
 * and a fresh ETag, uploads in parts (then tells whether the store's own checksum
 * proves that upload, and whether a conditional create of it is refused), reads
 * back, lists and deletes, and answers
 * one row per check plus the store's capabilities. What it records for a
 * provider is what docs/storage.md may then call smoke-tested.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeError, findCause } from '../core/errors.ts';
import { hashStream, sha256Hex } from '../core/hash.ts';
import { isContentEtag } from './content-etag.ts';
import { type Capabilities, NotSupportedError, PreconditionFailedError, type Storage } from './storage.ts';

export interface SmokeRow {
  check: string;
  /** `holds`, or what the store did instead. */
  outcome: string;
  ok: boolean;
}

export interface SmokeReport {
  location: string;
  rows: SmokeRow[];
  capabilities: Capabilities | undefined;
}

/** A conditional write's outcome: refused as it must be, ignored, or not implemented. */
async function refused(write: () => Promise<unknown>): Promise<SmokeRow['outcome']> {
  try {
    await write();
    return 'ignored: the write succeeded';
  } catch (error) {
    if (findCause(error, (e) => e instanceof PreconditionFailedError)) return 'holds';
    if (findCause(error, (e) => e instanceof NotSupportedError)) return 'not supported (501)';
    throw error;
  }
}

/** Runs every check under `<scratch>/`; a failing check is recorded and the next one still runs. */
export async function smokeTest(storage: Storage, options: { multipartBytes: number }): Promise<SmokeReport> {
  const scratch = `smoke-${randomUUID()}`;
  const rows: SmokeRow[] = [];
  const written = new Set<string>();
  const data = (text: string) => Buffer.from(text);
  const put = async (key: string, body: Buffer, conditions: { ifNoneMatch?: '*'; ifMatch?: string } = {}) => {
    written.add(`${scratch}/${key}`);
    return storage.put(`${scratch}/${key}`, { data: body }, { sha256: sha256Hex(body), size: body.length, ...conditions });
  };
  const check = async (name: string, run: () => Promise<string>) => {
    try {
      const outcome = await run();
      rows.push({ check: name, outcome, ok: outcome === 'holds' });
    } catch (error) {
      rows.push({ check: name, outcome: `failed: ${describeError(error)}`, ok: false });
    }
  };
  const work = await mkdtemp(path.join(tmpdir(), 'smoke-'));
  try {
    await check('create', async () => ((await put('plain', data('one'))).size === 3 ? 'holds' : 'wrong size'));
    await check('conditional create of an absent key', async () => {
      await put('created', data('first'), { ifNoneMatch: '*' });
      return 'holds';
    });
    await check('conditional create of an existing key is refused', () =>
      refused(() => put('created', data('second'), { ifNoneMatch: '*' })),
    );
    await check('conditional replace with a stale ETag is refused', () =>
      refused(() => put('plain', data('two'), { ifMatch: '"stale-etag"' })),
    );
    await check('conditional replace with the fresh ETag', async () => {
      const info = await storage.stat(`${scratch}/plain`);
      if (!info) return 'missing';
      await put('plain', data('three'), { ifMatch: info.etag });
      const now = await storage.read(`${scratch}/plain`);
      return now?.data.toString() === 'three' ? 'holds' : `reads ${JSON.stringify(now?.data.toString())}`;
    });
    await check(`upload in parts (${options.multipartBytes} bytes) and read back`, async () => {
      const bytes = randomBytes(options.multipartBytes);
      const file = path.join(work, 'large');
      await writeFile(file, bytes);
      written.add(`${scratch}/large`);
      const large = { sha256: sha256Hex(bytes), size: bytes.length };
      const put = await storage.put(`${scratch}/large`, { file }, large);
      const info = await storage.stat(`${scratch}/large`);
      if (info?.size !== bytes.length) return `size ${info?.size}`;
      const { sha256 } = await hashStream(await storage.stream(`${scratch}/large`));
      if (sha256 !== sha256Hex(bytes)) return `SHA-256 ${sha256}`;
      await check('the upload in parts is proven by what the store reports (read-back without a download)', async () => {
        const proves = (value: string | undefined) => isContentEtag(value ?? '', put.contentEtags);
        if (proves(info?.etag) || proves(info?.checksum)) return 'holds';
        if (put.contentEtags === undefined && info?.sha256 === large.sha256) return 'holds';
        return `no: ETag ${info?.etag}${info?.checksum ? `, checksum ${info.checksum}` : ''} (read back in full)`;
      });
      await check('conditional create of an existing key, as a large file, is refused', () =>
        refused(() => storage.put(`${scratch}/large`, { file }, { ...large, ifNoneMatch: '*' })),
      );
      return 'holds';
    });
    await check('list', async () => {
      const listed: string[] = [];
      for await (const info of storage.list(scratch)) listed.push(info.key);
      const expected = [...written].map((k) => k.slice(scratch.length + 1)).sort();
      const got = listed.map((k) => k.replace(`${scratch}/`, '')).sort();
      return JSON.stringify(got) === JSON.stringify(expected) ? 'holds' : `listed ${got.join(', ')}`;
    });
  } finally {
    await check('delete', async () => {
      for (const key of written) await storage.delete(key);
      for await (const info of storage.list(scratch)) return `still listed: ${info.key}`;
      return 'holds';
    });
    await rm(work, { recursive: true, force: true });
  }
  const capabilities = await storage.capabilities().catch(() => undefined);
  return { location: storage.location, rows, capabilities };
}

/** The report as Markdown, for docs/storage.md. */
export function smokeTable(report: SmokeReport): string {
  const lines = [`Smoke test of ${report.location}`, '', '| check | outcome |', '| --- | --- |'];
  for (const row of report.rows) lines.push(`| ${row.check} | ${row.outcome} |`);
  const c = report.capabilities;
  if (c) {
    lines.push('', '| capability | value |', '| --- | --- |');
    lines.push(`| conditional create | ${c.conditionalCreate} |`, `| conditional replace | ${c.conditionalReplace} |`);
    if (c.conditionalUpTo !== undefined) lines.push(`| conditions enforced up to | ${c.conditionalUpTo} bytes (one PUT) |`);
    lines.push(`| server-side SHA-256 check | ${c.serverChecksum} |`, `| ETag | ${c.etag} |`);
    lines.push(`| established | ${c.established} |`);
    for (const note of c.notes) lines.push(`| note | ${note} |`);
  }
  return lines.join('\n');
}
