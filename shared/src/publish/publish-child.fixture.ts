/**
 * Runs publishBinaries to one S3 bucket in a child process (for the kill -9 test):
 * node publish-child.fixture.ts '<json config>'. Progress lines go to stdout.
 */
import type { Logger } from '../core/logger.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import { publishBinaries } from './publish.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

export interface ChildConfig {
  source: string;
  version: string;
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  concurrency: number;
}

const config = JSON.parse(process.argv[2] as string) as ChildConfig;
const storage = new S3Storage({
  bucket: config.bucket,
  endpoint: config.endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
});
const logger: Logger = {
  info: (m) => process.stdout.write(`${m}\n`),
  warning: (m) => process.stdout.write(`warning: ${m}\n`),
  debug: () => {},
  group: (_title, fn) => fn(),
};
const layout = parseLayout('kubernetes');
await publishBinaries(
  {
    sourceDir: config.source,
    version: config.version,
    destinations: [{ name: storage.location, storage, keyFor: (p) => keyFor(layout, config.version, p) }],
    checksums: true,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    contentTypeOf: contentTypeFor,
    concurrency: config.concurrency,
    dryRun: false,
  },
  logger,
);
