/**
 * SharedRead: uploads registered together share one read of the source, each gets every byte; an upload that
 * stops or never asks does not hold the others; a retry reads on its own; a source failure reaches every reader.
 */
import { describe, expect, it } from 'vitest';
import type { BlobStream } from '../oci/store.ts';
import { SharedRead } from './shared-read.ts';

const chunks = Array.from({ length: 50 }, (_, i) => new Uint8Array(1000).fill(i));

function source(fail = false) {
  const opened = { count: 0 };
  const open = async (): Promise<BlobStream> => {
    opened.count++;
    return (async function* () {
      for (const [i, chunk] of chunks.entries()) {
        if (fail && i === 10) throw new Error('digest mismatch');
        yield chunk;
      }
    })();
  };
  return { open, opened };
}

async function bytesOf(stream: BlobStream, stopAfter = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  let seen = 0;
  for await (const chunk of stream) {
    n += chunk.length;
    if (++seen >= stopAfter) break;
  }
  return n;
}

const total = chunks.length * 1000;

describe('SharedRead', () => {
  it('reads the source once for every upload that registered, each gets every byte', async () => {
    const { open, opened } = source();
    const read = new SharedRead(open);
    const tickets = [read.register(), read.register(), read.register()];
    const sizes = await Promise.all(tickets.map(async (t) => bytesOf(await t.stream())));
    expect(sizes).toEqual([total, total, total]);
    expect(opened.count).toBe(1);
    expect(read.open).toBe(false);
  });

  it('does not wait for an upload that released its place, nor for one that stopped reading', async () => {
    const { open, opened } = source();
    const read = new SharedRead(open);
    const [a, b, c] = [read.register(), read.register(), read.register()];
    c.release();
    const sizes = await Promise.all([bytesOf(await a.stream(), 3), bytesOf(await b.stream())]);
    expect(sizes).toEqual([3000, total]);
    expect(opened.count).toBe(1);
  });

  it('gives a retry a read of its own, and a source failure to every reader', async () => {
    const { open, opened } = source(true);
    const read = new SharedRead(open);
    const [a, b] = [read.register(), read.register()];
    const results = await Promise.allSettled([bytesOf(await a.stream()), bytesOf(await b.stream())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(bytesOf(await a.stream())).rejects.toThrow('digest mismatch');
    expect(opened.count).toBe(2);
  });
});
