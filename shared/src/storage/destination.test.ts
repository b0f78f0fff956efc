import { describe, expect, it, vi } from 'vitest';
import { InputReader } from '../core/inputs.ts';
import { flushStdout } from '../core/workflow-commands.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { createStorage, parseDestination } from './destination.ts';
import { FileStorage } from './file-storage.ts';
import { S3Storage } from './s3-storage.ts';
import { readStorageInputs } from './storage-inputs.ts';

const AZURE = 'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/a;';

describe('parseDestination', () => {
  it('parses every scheme into a descriptor', () => {
    expect(parseDestination('s3://k8s-release/release/')).toEqual({
      scheme: 's3',
      url: 's3://k8s-release/release/',
      bucket: 'k8s-release',
      prefix: 'release',
    });
    expect(parseDestination(' azblob://mirror//a/b ')).toMatchObject({ scheme: 'azblob', container: 'mirror', prefix: 'a/b' });
    expect(parseDestination('s3://bucket')).toMatchObject({ bucket: 'bucket', prefix: '' });
    expect(parseDestination('file:///srv/mirror')).toMatchObject({ scheme: 'file', path: '/srv/mirror' });
    expect(parseDestination('github-release://kubernetes/kubernetes')).toMatchObject({
      scheme: 'github-release',
      owner: 'kubernetes',
      repo: 'kubernetes',
    });
  });

  it.each([
    ['gs://goog-bucket/x'],
    ['gcs://bucket/x'],
    ['bucket/x'],
    ['s3://Bad_Bucket/x'],
    ['s3://b'],
    ['s3://bucket/a/../b'],
    ['s3://bucket/x?versionId=1'],
    ['azblob://Upper/x'],
    ['azblob://a--b/x'],
    ['file://relative/path'],
    ['file://'],
    ['file:///'],
    ['file:////'],
    ['file:///tmp/..'],
    ['file:///d?x=1'],
    ['file:///d#frag'],
    ['github-release://kubernetes'],
    ['github-release://kubernetes/kubernetes/extra'],
  ])('refuses %s, naming the input', (url) => {
    expect(() => parseDestination(url, 'mirrors')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', input: 'mirrors' }));
  });

  it('never repeats credentials written into a URL', () => {
    for (const url of ['s3://AKIA:SECRETVALUE@bucket/x', 'ftp://user:SECRETVALUE@host/x']) {
      let message = '';
      try {
        parseDestination(url);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/destinations/);
      expect(message).not.toContain('SECRETVALUE');
    }
  });
});

describe('createStorage', () => {
  it('returns the backend for each scheme', async () => {
    const s3 = await createStorage(parseDestination('s3://bucket/pre/fix'), {
      s3Endpoint: 'http://127.0.0.1:9',
      s3ForcePathStyle: true,
    });
    expect(s3).toBeInstanceOf(S3Storage);
    expect(s3.location).toBe('s3://bucket/pre/fix');
    expect(s3.urlFor('a b/c')).toBe('http://127.0.0.1:9/bucket/pre/fix/a%20b/c');
    const virtualHosted = await createStorage(parseDestination('s3://bucket'), { s3Region: 'eu-west-1' });
    expect(virtualHosted.urlFor('k')).toBe('https://bucket.s3.eu-west-1.amazonaws.com/k');

    const az = await createStorage(parseDestination('azblob://mirror/x'), { azureConnectionString: AZURE });
    expect(az).toBeInstanceOf(AzBlobStorage);
    expect(az.location).toBe('azblob://mirror/x');
    expect(az.urlFor('k')).toBe('http://127.0.0.1:1/a/mirror/x/k');

    expect(await createStorage(parseDestination('file:///tmp/mirror'), {})).toBeInstanceOf(FileStorage);
    await expect(createStorage(parseDestination('github-release://o/r'), {})).rejects.toMatchObject({ input: 'github-token' });
    const gh = await createStorage(parseDestination('github-release://o/r'), { githubToken: 't', githubTag: 'v1.0.0' });
    expect(gh.location).toBe('github-release://o/r@v1.0.0');
    expect(gh.urlFor('bin/kubectl')).toBe('https://github.com/o/r/releases/download/v1.0.0/bin-kubectl');
  });

  it('asks for the Azure connection string by its input name', async () => {
    await expect(createStorage(parseDestination('azblob://mirror'), {})).rejects.toMatchObject({
      input: 'azure-connection-string',
    });
  });
});

describe('readStorageInputs', () => {
  const reader = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');

  it('reads the shared inputs', () => {
    expect(
      readStorageInputs(
        reader({
          's3-endpoint': 'http://127.0.0.1:4568',
          's3-region': 'auto',
          's3-force-path-style': 'true',
          's3-access-key-id': 'AKIAEXAMPLE',
          's3-secret-access-key': 'secret-example',
          'azure-connection-string': AZURE,
          'github-token': 'ghp_example',
        }),
      ),
    ).toEqual({
      s3Endpoint: 'http://127.0.0.1:4568',
      s3Region: 'auto',
      s3ForcePathStyle: true,
      s3Credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-example' },
      azureConnectionString: AZURE,
      githubToken: 'ghp_example',
    });
    expect(readStorageInputs(reader({}))).toMatchObject({ s3ForcePathStyle: false, s3Credentials: undefined });
  });

  it('masks every credential', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      readStorageInputs(
        reader({
          's3-access-key-id': 'AKIAEXAMPLE',
          's3-secret-access-key': 'secret-example',
          'azure-connection-string': AZURE,
          'github-token': 'ghp_example',
        }),
      );
      flushStdout();
      const masked = write.mock.calls.map(([chunk]) => String(chunk)).join('');
      for (const secret of ['AKIAEXAMPLE', 'secret-example', AZURE, 'ghp_example'])
        expect(masked).toContain(`::add-mask::${secret}`);
    } finally {
      write.mockRestore();
    }
  });

  it('names the input that is wrong', () => {
    expect(() => readStorageInputs(reader({ 's3-access-key-id': 'AKIAEXAMPLE' }))).toThrow(
      expect.objectContaining({ input: 's3-secret-access-key' }),
    );
    expect(() => readStorageInputs(reader({ 's3-endpoint': 'minio:9000' }))).toThrow(
      expect.objectContaining({ input: 's3-endpoint' }),
    );
    expect(() => readStorageInputs(reader({ 's3-force-path-style': 'maybe' }))).toThrow(
      expect.objectContaining({ input: 's3-force-path-style' }),
    );
  });
});
