/**
 * Registry credentials and the WWW-Authenticate challenge flow. Credentials come from docker `config.json` content
 * (the `registry-credentials` input, then ~/.docker/config.json); a `Bearer` challenge is answered with a token
 * from its realm (anonymous, or with the host's credentials), a `Basic` one with the credentials themselves.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ReleaseError } from '../core/errors.ts';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`). */
  identityToken?: string;
}

/** Registry host → credential. */
export type Credentials = ReadonlyMap<string, Credential>;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** The host a config.json key names: `https://index.docker.io/v1/` → `docker.io`, scheme and path dropped. */
export function credentialHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** Parses docker config.json content (`{"auths": {host: {auth | username/password | identitytoken}}}`). */
export function parseDockerConfig(text: string, source: string): Map<string, Credential> {
  let doc: { auths?: Record<string, AuthEntry> };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new ReleaseError('INPUT_INVALID', `${source} is not a docker config.json (not JSON)`, { userError: true });
  }
  if (typeof doc !== 'object' || doc === null || (doc.auths !== undefined && typeof doc.auths !== 'object'))
    throw new ReleaseError('INPUT_INVALID', `${source} is not a docker config.json (no "auths" map)`, { userError: true });
  const credentials = new Map<string, Credential>();
  for (const [key, entry] of Object.entries(doc.auths ?? {})) {
    let { username, password } = entry;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0)
        throw new ReleaseError('INPUT_INVALID', `${source}: the auth of ${key} is not base64 of user:password`, {
          userError: true,
        });
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    credentials.set(credentialHost(key), {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
    });
  }
  return credentials;
}

/** The given config first, then ~/.docker/config.json (or $DOCKER_CONFIG/config.json) for hosts it does not name. */
export function loadCredentials(given: string | undefined, env: NodeJS.ProcessEnv = process.env): Map<string, Credential> {
  const file = path.join(env.DOCKER_CONFIG || path.join(homedir(), '.docker'), 'config.json');
  let fromHome = new Map<string, Credential>();
  try {
    fromHome = parseDockerConfig(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const fromInput = given === undefined ? new Map<string, Credential>() : parseDockerConfig(given, 'registry-credentials');
  return new Map([...fromHome, ...fromInput]);
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const p of (match[2] as string).matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g))
    params[(p[1] as string).toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: (match[1] as string).toLowerCase(), params };
}

export function basicAuthorization(credential: Credential): string | undefined {
  if (credential.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${credential.username}:${credential.password ?? ''}`).toString('base64')}`;
}
