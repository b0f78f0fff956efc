import { resolveSafeSync } from '../core/paths.ts';
import type { Credentials } from '../oci/auth.ts';
import { OciClient } from '../oci/client.ts';
import { AnalysisCache } from './cache.ts';
import { type GenerateSbomOptions, TOOL_VERSION } from './generate.ts';

export type { GenerateSbomOptions, GenerateSbomResult, SbomFormat } from './generate.ts';
export { generateSbom, TOOL_NAME, TOOL_VERSION } from './generate.ts';
export { sbomSummary } from './report.ts';

/** The options with their collaborators: the OCI client for images (registries and `oci:` layouts), the cache. */
export function withCollaborators(inputs: {
  options: Omit<GenerateSbomOptions, 'openRepository' | 'cache'>;
  credentials: Credentials;
  plainHttp: readonly string[];
  cacheDir: string | undefined;
}): GenerateSbomOptions {
  const { workspace } = inputs.options;
  const client = new OciClient({
    credentials: inputs.credentials,
    plainHttp: inputs.plainHttp,
    // Read: a layout folder that a symlink leads out of the workspace is refused, as promote-images refuses it.
    resolveLayout: (folder) => resolveSafeSync(workspace, folder),
  });
  return {
    ...inputs.options,
    openRepository: (ref) => client.store(ref),
    ...(inputs.cacheDir ? { cache: new AnalysisCache(inputs.cacheDir, TOOL_VERSION) } : {}),
  };
}
