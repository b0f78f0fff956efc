import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { httpRequest, redactUrl } from './http.ts';
import { backoffDelay, isRetryableError, parseRetryAfter, withRetry } from './retry.ts';

/** A loopback server whose behaviour per path is a script of responses. */
let server: Server;
let base: string;
const scripts = new Map<string, Array<{ status: number; headers?: Record<string, string> } | 'reset'>>();
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const step = scripts.get(path)?.shift() ?? { status: 200 };
    if (step === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(step.status, step.headers);
    res.end(step.status === 200 ? 'ok' : 'nope');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fast = { baseDelayMs: 20, maxDelayMs: 200 };

describe('httpRequest with retry', () => {
  it('retries 503 twice, then succeeds, backing off in between', async () => {
    scripts.set('/flaky', [{ status: 503 }, { status: 503 }, { status: 200 }]);
    const delays: number[] = [];
    const started = Date.now();
    const res = await httpRequest(`${base}/flaky`, { retry: { ...fast, onRetry: ({ delayMs }) => delays.push(delayMs) } });
    expect(await res.text()).toBe('ok');
    expect(hits.get('/flaky')).toBe(3);
    expect(delays).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(delays[0]! + delays[1]! - 5);
  });

  it('honours Retry-After on 429', async () => {
    scripts.set('/limited', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const delays: number[] = [];
    const started = Date.now();
    await httpRequest(`${base}/limited`, { retry: { ...fast, onRetry: ({ delayMs }) => delays.push(delayMs) } });
    expect(delays).toEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('does not retry a 404', async () => {
    scripts.set('/missing', [{ status: 404 }, { status: 200 }]);
    const error = await httpRequest(`${base}/missing`, { retry: fast }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(404);
    expect(hits.get('/missing')).toBe(1);
  });

  it('returns accepted statuses instead of throwing', async () => {
    scripts.set('/absent', [{ status: 404 }]);
    const res = await httpRequest(`${base}/absent`, { accept: [404], retry: fast });
    expect(res.status).toBe(404);
  });

  it('retries connection resets and gives up after the attempts', async () => {
    scripts.set('/reset', ['reset', { status: 200 }]);
    await expect(httpRequest(`${base}/reset`, { retry: fast })).resolves.toBeDefined();
    scripts.set('/down', ['reset', 'reset', 'reset']);
    const error = await httpRequest(`${base}/down`, { retry: { ...fast, attempts: 3 } }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('RETRY_EXHAUSTED');
    expect(hits.get('/down')).toBe(3);
  });
});

describe('retry rules', () => {
  it('classifies statuses and errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetryableError(new HttpError(status, 'x'))).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 412, 422]) expect(isRetryableError(new HttpError(status, 'x'))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
    // 501/505 are answers (a store without conditional writes), not outages: asking again gets them again.
    for (const status of [501, 505]) expect(isRetryableError(new HttpError(status, 'x'))).toBe(false);
    expect(isRetryableError(new Error('wrapped', { cause: new HttpError(503, 'x') }))).toBe(true);
    const cyclic: { cause?: unknown } = new Error('cyclic');
    cyclic.cause = cyclic;
    expect(isRetryableError(cyclic)).toBe(false);
    expect(isRetryableError(new Error('bad input'))).toBe(false);
  });

  it('parses Retry-After in seconds and as a date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('grows the backoff exponentially up to the cap, with jitter', () => {
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(4, 100, 10_000, () => 0)).toBe(80);
  });

  it('gives up at once when the server asks to wait longer than it waits out', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw new HttpError(503, 'maintenance', { retryAfterMs: 3_600_000 });
      },
      { attempts: 5, maxRetryAfterMs: 60_000 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RETRY_EXHAUSTED', message: expect.stringContaining('retry in 3600 s') });
    expect(calls).toBe(1);
  });

  it('stops when the retry budget is spent', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw new HttpError(503, 'down');
      },
      { attempts: 100, baseDelayMs: 50, budgetMs: 120, random: () => 1 },
    ).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('RETRY_EXHAUSTED');
    expect(calls).toBeLessThan(5);
  });

  it('redacts credentials and query strings from URLs', () => {
    expect(redactUrl('https://user:pw@example.com/a?X-Amz-Signature=abc')).toBe('https://example.com/a');
  });
});
