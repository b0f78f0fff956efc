import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testIdentityToken } from '../testing/sigstore.ts';
import { certificateIdentityOf, jwtClaims, runnerToken, staticToken } from './oidc.ts';

const token = testIdentityToken({
  sub: 'repo:kubernetes/release:ref:refs/tags/v1.31.2',
  iss: 'https://token.actions.githubusercontent.com',
});
let server: Server;
let url: string;
const seen: { audience: string | null; authorization: string | undefined }[] = [];
let failures = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    seen.push({ audience: query.get('audience'), authorization: req.headers.authorization });
    if (failures > 0) {
      failures--;
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('OIDC identity tokens', () => {
  it('requests the runner token with audience sigstore, masks it, and retries an outage', async () => {
    const masked: string[] = [];
    failures = 1;
    const provider = runnerToken({
      url,
      token: 'request-token',
      mask: (s) => masked.push(s),
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    expect(await provider.getToken()).toBe(token);
    expect(seen.at(-1)).toEqual({ audience: 'sigstore', authorization: 'Bearer request-token' });
    expect(seen).toHaveLength(2);
    expect(masked).toEqual([token]);
  });

  it("names the identity Fulcio certifies: a GitHub job's workflow, GitLab's CI config, else the email, else the subject", () => {
    const github = 'https://token.actions.githubusercontent.com';
    expect(
      certificateIdentityOf({
        iss: github,
        sub: 'repo:kubernetes/release:ref:refs/tags/v1.31.2',
        job_workflow_ref: 'kubernetes/release/.github/workflows/release.yml@refs/tags/v1.31.2',
      }),
    ).toEqual({
      identity: 'https://github.com/kubernetes/release/.github/workflows/release.yml@refs/tags/v1.31.2',
      issuer: github,
    });
    expect(
      certificateIdentityOf({
        iss: `${github}/kubernetes`,
        job_workflow_ref: 'kubernetes/release/.github/workflows/release.yml@refs/heads/main',
      }),
    ).toEqual({
      identity: 'https://github.com/kubernetes/release/.github/workflows/release.yml@refs/heads/main',
      issuer: `${github}/kubernetes`,
    });
    expect(
      certificateIdentityOf({
        iss: 'https://gitlab.com',
        sub: 'project_path:group/project:ref_type:branch:ref:main',
        ci_config_ref_uri: 'gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main',
      }),
    ).toEqual({ identity: 'https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main', issuer: 'https://gitlab.com' });
    expect(certificateIdentityOf({ iss: 'https://accounts.google.com', sub: '1234', email: 'r@k8s.io' })).toEqual({
      identity: 'r@k8s.io',
      issuer: 'https://accounts.google.com',
    });
    expect(certificateIdentityOf({ iss: 'https://ci.example', sub: 'pipeline/7' })).toEqual({
      identity: 'pipeline/7',
      issuer: 'https://ci.example',
    });
    expect(certificateIdentityOf({ sub: 'no issuer' })).toBeUndefined();
  });

  it('accepts a JWT and refuses anything else without echoing it', async () => {
    expect(jwtClaims(token).sub).toBe('repo:kubernetes/release:ref:refs/tags/v1.31.2');
    await expect(staticToken(token).getToken()).resolves.toBe(token);
    for (const bad of ['secret-value', 'a.b.c', `x.${Buffer.from('[1]').toString('base64url')}.y`]) {
      expect(() => staticToken(bad)).toThrow(expect.objectContaining({ code: 'SIGNING_FAILED' }));
      expect(() => staticToken(bad)).not.toThrow(bad);
    }
  });
});
