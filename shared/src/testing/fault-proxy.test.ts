import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, startFaultProxy } from './fault-proxy.ts';

let target: Server;
let targetUrl: string;
let hits = 0;

beforeAll(async () => {
  target = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));

async function outcomes(seed: number): Promise<string[]> {
  const proxy = await startFaultProxy({ target: targetUrl, failureRate: 0.3, seed });
  const seen: string[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      seen.push(
        await fetch(`${proxy.url}/object-${i}`, { method: 'PUT', body: 'x' }).then(
          (r) => String(r.status),
          () => 'reset',
        ),
      );
    }
  } finally {
    await proxy.stop();
  }
  return seen;
}

describe('fault proxy', () => {
  it('fails a seeded, repeatable share of requests with 503, 429 and resets; passes the rest through', async () => {
    const [a, b] = [seededRandom(1), seededRandom(1)];
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    const before = hits;
    const first = await outcomes(42);
    const again = await outcomes(42);
    expect(again).toEqual(first);
    const failed = first.filter((o) => o !== '200');
    expect(failed.length).toBeGreaterThan(3);
    expect(failed.length).toBeLessThan(20);
    expect(new Set(failed)).toEqual(new Set(['503', '429', 'reset']));
    // A reset happens after the request reached the server: the write is done, the answer lost.
    expect(hits - before).toBe(2 * first.filter((o) => o === '200' || o === 'reset').length);
    expect(await outcomes(7)).not.toEqual(first);
  });
});
