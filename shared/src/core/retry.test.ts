import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError, type ReleaseError } from './errors.ts';
import { httpRequest, redactUrl } from './http.ts';
import { backoffDelay, isRetryableError, parseRetryAfter, sleep, withRetry } from './retry.ts';

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

/** Waits recorded instead of waited: what a retry waits is its result, not how long a busy machine took. */
function recordedSleep(): { slept: number[]; sleep: (ms: number) => Promise<void> } {
  const slept: number[] = [];
  return { slept, sleep: async (ms) => void slept.push(ms) };
}

describe('httpRequest with retry', () => {
  it('retries 503 twice, then succeeds, backing off in between', async () => {
    scripts.set('/flaky', [{ status: 503 }, { status: 503 }, { status: 200 }]);
    const delays: number[] = [];
    const { slept, sleep } = recordedSleep();
    const res = await httpRequest(`${base}/flaky`, {
      retry: { ...fast, sleep, random: () => 1, onRetry: ({ delayMs }) => delays.push(delayMs) },
    });
    expect(await res.text()).toBe('ok');
    expect(hits.get('/flaky')).toBe(3);
    expect(delays).toEqual([20, 40]);
    expect(slept).toEqual(delays);
  });

  it('honours Retry-After on 429', async () => {
    scripts.set('/limited', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const { slept, sleep } = recordedSleep();
    await httpRequest(`${base}/limited`, { retry: { ...fast, sleep } });
    expect(slept).toEqual([1000]);
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

  it.each([
    ['a 599', new HttpError(599, 'x'), true],
    ['a 600', new HttpError(600, 'x'), false],
    ['a 499', new HttpError(499, 'x'), false],
    // Each backend translates its own error shapes into HttpError: an SDK's shape means nothing here.
    ['an SDK 429 not translated', { $metadata: { httpStatusCode: 429 } }, false],
    ['a statusCode 500 not translated', { statusCode: 500 }, false],
    ['an untranslated error whose cause is a reset', { statusCode: 400, cause: { code: 'ECONNRESET' } }, true],
    ['ENOENT (a string code, not a network one)', Object.assign(new Error('x'), { code: 'ENOENT' }), false],
    ['EACCES', Object.assign(new Error('x'), { code: 'EACCES' }), false],
    ['a numeric code', { code: 104 }, false],
    ['ETIMEDOUT', Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), true],
    ["undici's connect timeout", Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), true],
    ['a TimeoutError (AbortSignal.timeout)', Object.assign(new Error('x'), { name: 'TimeoutError' }), true],
    ['an AbortError', Object.assign(new Error('x'), { name: 'AbortError' }), true],
    ["fetch's TypeError without a cause", new TypeError('fetch failed'), true],
    ['another TypeError', new TypeError('x is not a function'), false],
    ['a reset three causes down', new Error('a', { cause: new Error('b', { cause: { code: 'ECONNRESET' } }) }), true],
    ['a 404 above a reset', new HttpError(404, 'x', { cause: { code: 'ECONNRESET' } }), false],
    ['undefined', undefined, false],
    ['null', null, false],
  ])('%s is retryable: %s', (_, error, retryable) => {
    expect(isRetryableError(error)).toBe(retryable);
  });

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CLOSED',
  ])('retries the connection failure %s, also as the cause of fetch', (code) => {
    expect(isRetryableError(Object.assign(new Error('x'), { code }))).toBe(true);
    expect(isRetryableError(new TypeError('terminated', { cause: { code } }))).toBe(true);
  });

  it('sleeps on a timer', async () => {
    const waiting = sleep(1);
    expect(waiting).toBeInstanceOf(Promise);
    await expect(waiting).resolves.toBeUndefined();
  });

  it('ends on a cyclic cause chain', () => {
    const a: { code: string; cause?: unknown } = { code: 'EINVAL' };
    a.cause = { code: 'EPERM', cause: a };
    expect(isRetryableError(a)).toBe(false);
  });

  it.each([
    ['2', 2000],
    [' 2 ', 2000],
    ['1.5', 1500],
    ['12', 12_000],
    ['0.25', 250],
    ['0', 0],
    ['10s', undefined],
    ['-1', undefined],
    ['1.', undefined],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
    [new Date(10_000).toUTCString(), 6000],
    [new Date(1_000).toUTCString(), 0],
  ])('parses Retry-After %j as %j ms (a date against a clock at 4 s)', (value, ms) => {
    expect(parseRetryAfter(value, 4000)).toBe(ms);
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
    expect(error).toMatchObject({
      code: 'RETRY_EXHAUSTED',
      userError: false,
      message: 'request failed: the server asks to retry in 3600 s, longer than the 60 s waited out',
    });
    expect((error as ReleaseError).cause).toBeInstanceOf(HttpError);
    expect(calls).toBe(1);
  });

  describe('the retry budget, on a clock the waits advance', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });
    // Delays 50, 100, 200, 400 ms (random 1): a retry is made while the time spent plus its wait fits the budget.
    it.each([
      [49, 1],
      [50, 2],
      [149, 2],
      [150, 3],
      [350, 4],
      [Number.POSITIVE_INFINITY, 6],
    ])('a budget of %s ms makes %s attempt(s)', async (budgetMs, expected) => {
      let now = 1_000_000;
      vi.spyOn(Date, 'now').mockImplementation(() => now);
      let calls = 0;
      const error = await withRetry(
        async () => {
          calls++;
          throw new HttpError(503, 'down');
        },
        {
          attempts: 6,
          baseDelayMs: 50,
          maxDelayMs: 10_000,
          budgetMs,
          random: () => 1,
          sleep: async (ms) => {
            now += ms;
          },
          what: 'GET x',
        },
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RETRY_EXHAUSTED', message: `GET x failed after ${expected} attempt(s)` });
      expect((error as ReleaseError).cause).toBeInstanceOf(HttpError);
      expect(calls).toBe(expected);
    });
  });

  it('defaults: five attempts, backoff from 500 ms, what is "request"', async () => {
    const { slept, sleep } = recordedSleep();
    const retries: number[] = [];
    const error = await withRetry(
      async () => {
        throw new HttpError(502, 'bad gateway');
      },
      { sleep, random: () => 1, onRetry: ({ attempt }) => retries.push(attempt) },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RETRY_EXHAUSTED', message: 'request failed after 5 attempt(s)', userError: false });
    expect(slept).toEqual([500, 1000, 2000, 4000]);
    expect(retries).toEqual([1, 2, 3, 4]);
  });

  it('returns the first success, and rethrows what is not retryable as it is', async () => {
    const { slept, sleep } = recordedSleep();
    let calls = 0;
    await expect(
      withRetry(
        async (attempt) => {
          calls++;
          if (attempt < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
          return attempt;
        },
        { sleep },
      ),
    ).resolves.toBe(3);
    expect(calls).toBe(3);
    expect(slept).toHaveLength(2);
    const notFound = new HttpError(404, 'nope');
    await expect(withRetry(async () => Promise.reject(notFound), { sleep })).rejects.toBe(notFound);
    const custom = await withRetry(async () => Promise.reject(notFound), { sleep, isRetryable: () => true, attempts: 2 }).catch(
      (e: unknown) => e,
    );
    expect(custom).toMatchObject({ code: 'RETRY_EXHAUSTED' });
  });

  it('waits out a Retry-After up to the limit, instead of the backoff', async () => {
    const { slept, sleep } = recordedSleep();
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls === 1) throw new HttpError(429, 'slow down', { retryAfterMs: 60_000 });
        return 'ok';
      },
      { sleep, maxRetryAfterMs: 60_000 },
    );
    expect(slept).toEqual([60_000]);
  });

  it('redacts credentials and query strings from URLs', () => {
    expect(redactUrl('https://user:pw@example.com/a?X-Amz-Signature=abc')).toBe('https://example.com/a');
  });
});
