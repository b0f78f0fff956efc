/** The options the publish tests run with: the Kubernetes layout at one version, to one store, checksums made. */
import type { Storage } from '../storage/storage.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import type { PublishOptions } from './publish.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

export const VERSION = 'v1.31.2';
const layout = parseLayout('kubernetes');

/** Where a release file of VERSION goes in a store. */
export const key = (p: string) => keyFor(layout, VERSION, p);

export function publishOptions(source: string, storage: Storage, extra: Partial<PublishOptions> = {}): PublishOptions {
  return {
    sourceDir: source,
    version: VERSION,
    destinations: [{ name: storage.location, storage, keyFor: key }],
    checksums: true,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    contentTypeOf: contentTypeFor,
    concurrency: 4,
    dryRun: false,
    ...extra,
  };
}
