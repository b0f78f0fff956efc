/**
 * Fastly-style surrogate-key purge: one POST listing the keys of the objects that
 * changed (`{"surrogate_keys": [...]}`), authenticated by a masked API token.
 */
import { httpRequest, redactUrl } from '../core/http.ts';
import type { Logger } from '../core/logger.ts';

export interface PurgeTarget {
  url: string;
  token: string;
}

export async function purgeCdn(target: PurgeTarget, keys: readonly string[], logger: Logger): Promise<void> {
  await httpRequest(target.url, {
    method: 'POST',
    headers: { 'Fastly-Key': target.token, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ surrogate_keys: keys }),
    timeoutMs: 30_000,
    retry: { attempts: 4, baseDelayMs: 500, what: `CDN purge ${redactUrl(target.url)}` },
  });
  logger.info(`Purged ${keys.length} key(s) at ${redactUrl(target.url)}: ${keys.join(', ')}`);
}
