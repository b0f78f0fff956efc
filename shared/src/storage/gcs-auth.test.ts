/** gs:// credentials against the local GCS API fake: a service-account key, Workload Identity Federation, a token. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type GcsApiHandle, startGcsApi } from '../testing/gcs-api.ts';
import { createStorage, parseDestination } from './destination.ts';
import { gcsTokenProvider, parseGcsCredentials } from './gcs-auth.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('GCS credentials', () => {
  let gcs: GcsApiHandle;
  let dir: string;
  beforeAll(async () => {
    gcs = await startGcsApi({
      buckets: ['k8s_release'],
      serviceAccountPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      oidcToken: 'runner-oidc-token',
    });
    dir = await mkdtemp(path.join(tmpdir(), 'gcs-auth-'));
  });
  afterAll(async () => {
    await Promise.all([gcs?.stop(), rm(dir, { recursive: true, force: true })]);
  });

  const serviceAccountKey = () =>
    JSON.stringify({
      type: 'service_account',
      client_email: 'publisher@k8s-release.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      token_uri: `${gcs.url}/token`,
    });

  it('a service-account key: a signed JWT traded for a token, then a write and a read through gs://', async () => {
    const storage = await createStorage(parseDestination('gs://k8s_release/release'), {
      gcsCredentials: serviceAccountKey(),
      gcsApiUrl: gcs.url,
    });
    const data = Buffer.from('v1.31.2');
    await storage.put('stable.txt', { data }, { sha256: sha256Hex(data), size: data.length, ifNoneMatch: '*' });
    expect((await storage.read('stable.txt'))?.data.toString()).toBe('v1.31.2');
    expect(gcs.object('k8s_release', 'release/stable.txt')?.metadata).toEqual({ sha256: sha256Hex(data) });
    expect(storage.location).toBe('gs://k8s_release/release');
    expect(await storage.capabilities()).toMatchObject({ conditionalCreate: true, conditionalReplace: true });
  });

  it('a key signed by another key is refused by the token endpoint', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const key = { ...JSON.parse(serviceAccountKey()), private_key: other.export({ type: 'pkcs8', format: 'pem' }).toString() };
    const token = gcsTokenProvider(parseGcsCredentials(JSON.stringify(key), 'gcs-credentials'), { attempts: 1 });
    await expect(token()).rejects.toMatchObject({ status: 400 });
  });

  it('Workload Identity Federation from a credentials file: runner OIDC token → STS → service account token', async () => {
    const file = path.join(dir, 'external-account.json');
    await writeFile(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/providers/github',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `${gcs.url}/v1/token`,
        service_account_impersonation_url: `${gcs.url}/v1/projects/-/serviceAccounts/publisher@x.iam.gserviceaccount.com:generateAccessToken`,
        credential_source: {
          url: `${gcs.url}/oidc?audience=x`,
          headers: { Authorization: 'Bearer request-token' },
          format: { type: 'json', subject_token_field_name: 'value' },
        },
      }),
    );
    const storage = await createStorage(parseDestination('gs://k8s_release'), { gcsCredentialsFile: file, gcsApiUrl: gcs.url });
    const before = gcs.requests.length;
    expect(await storage.stat('missing')).toBeUndefined();
    expect(gcs.requests.slice(before, before + 3)).toEqual([
      'GET /oidc?audience=x',
      'POST /v1/token',
      'POST /v1/projects/-/serviceAccounts/publisher@x.iam.gserviceaccount.com:generateAccessToken',
    ]);
  });

  it('refuses gs:// without credentials, and credentials of another type, naming the input', async () => {
    await expect(createStorage(parseDestination('gs://k8s_release'), {})).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      input: 'gcs-credentials',
    });
    expect(() => parseGcsCredentials('{"type":"authorized_user"}', 'gcs-credentials')).toThrow(/authorized_user/);
  });
});
