/**
 * `npm run smoke -- <destination>`: the live smoke test of one store, for maintainers, with real credentials from
 * the environment (docs/storage.md lists them). Writes only under a scratch prefix and removes it; prints a table.
 */
import { InputReader } from '../src/core/inputs.ts';
import { createStorage, parseDestination } from '../src/storage/destination.ts';
import { smokeTable, smokeTest } from '../src/storage/smoke.ts';
import { readStorageInputs } from '../src/storage/storage-inputs.ts';

const url = process.argv[2];
if (!url) {
  console.error('usage: npm run smoke -- <destination URL> (s3://bucket/prefix, azblob://container, file:///dir)');
  process.exit(2);
}
// The storage inputs, read from SMOKE_<INPUT> variables (SMOKE_S3_ENDPOINT, SMOKE_S3_PROVIDER…).
const env = (name: string) => process.env[`SMOKE_${name.toUpperCase().replaceAll('-', '_')}`] ?? '';
const MiB = 1024 * 1024;
const options = { ...readStorageInputs(new InputReader(env)), partSize: 5 * MiB, githubToken: process.env['GITHUB_TOKEN'] };
const storage = await createStorage(parseDestination(url, 'destination'), options);
const report = await smokeTest(storage, { multipartBytes: 11 * MiB });
console.log(smokeTable(report));
process.exit(report.rows.every((r) => r.ok) ? 0 : 1);
