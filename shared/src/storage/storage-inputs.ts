/**
 * The storage inputs every storage-writing action shares (publish-binaries,
 * update-markers): S3 endpoint and keys, the Azure connection string and the
 * GitHub token. Every credential is masked before anything can print it.
 */
import { InputError } from '../core/errors.ts';
import type { InputReader } from '../core/inputs.ts';
import type { StorageOptions } from './destination.ts';
import { S3_PROVIDERS } from './s3-profiles.ts';

/**
 * The shared storage inputs. gs:// credentials: gcs-access-token, else gcs-credentials, else the file
 * GOOGLE_APPLICATION_CREDENTIALS names (what google-github-actions/auth writes).
 */
export function readStorageInputs(inputs: InputReader): StorageOptions {
  const s3Endpoint = inputs.optional('s3-endpoint');
  if (s3Endpoint !== undefined && !/^https?:\/\/[^/?#@\s]+(\/[^?#@\s]*)?$/.test(s3Endpoint))
    throw new InputError(
      's3-endpoint',
      'must be an http(s) URL such as https://s3.example.com (no credentials, query or fragment)',
    );
  const accessKeyId = inputs.secret('s3-access-key-id');
  const secretAccessKey = inputs.secret('s3-secret-access-key');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? 's3-access-key-id' : 's3-secret-access-key';
    throw new InputError(missing, 'is required when the other S3 key is given');
  }
  return {
    s3Endpoint,
    s3Region: inputs.optional('s3-region'),
    s3ForcePathStyle: inputs.boolean('s3-force-path-style', false),
    s3Provider: inputs.optional('s3-provider') === undefined ? undefined : inputs.enum('s3-provider', S3_PROVIDERS, 'other'),
    s3Credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    azureConnectionString: inputs.secret('azure-connection-string'),
    gcsCredentials: inputs.secret('gcs-credentials'),
    gcsAccessToken: inputs.secret('gcs-access-token'),
    gcsCredentialsFile: process.env['GOOGLE_APPLICATION_CREDENTIALS'] || undefined,
    githubToken: inputs.secret('github-token'),
  };
}
