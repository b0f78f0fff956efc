import path from 'node:path';
import { InputError, UnsafePathError } from '../../../shared/src/core/errors.ts';
import { type InputReader, workspaceDir } from '../../../shared/src/core/inputs.ts';
import { resolveSafeSync, toPosix } from '../../../shared/src/core/paths.ts';
import { sourceDate } from '../../../shared/src/core/time.ts';
import { type Credential, loadCredentials } from '../../../shared/src/oci/auth.ts';
import { type ImageReference, parseReference } from '../../../shared/src/oci/reference.ts';
import type { GenerateSbomOptions, SbomFormat } from '../../../shared/src/sbom/generate.ts';

export const INPUT = {
  files: 'files',
  baseDir: 'base-dir',
  exclude: 'exclude',
  images: 'images',
  format: 'format',
  outputDir: 'output-dir',
  name: 'name',
  version: 'version',
  supplier: 'supplier',
  namespace: 'namespace',
  registryCredentials: 'registry-credentials',
  plainHttpRegistries: 'plain-http-registries',
  cacheDir: 'cache-dir',
  manifest: 'manifest',
} as const;

export const OUTPUT = { sboms: 'sboms', components: 'components', goModules: 'go-modules' } as const;

export interface GenerateSbomInputs {
  options: Omit<GenerateSbomOptions, 'openRepository' | 'cache'>;
  credentials: Map<string, Credential>;
  plainHttp: string[];
  /** Absolute, when given. */
  cacheDir: string | undefined;
}

function imageReference(text: string): ImageReference {
  let ref: ImageReference;
  try {
    ref = parseReference(text);
  } catch (err) {
    throw new InputError(INPUT.images, (err as Error).message, { cause: err, userError: true });
  }
  if (!ref.digest) throw new InputError(INPUT.images, `${text} names no digest (name@sha256:…)`, { userError: true });
  return ref;
}

/** A folder the action writes to: inside the workspace with its symlinks resolved (for one not there yet, where it would land). */
function writableFolder(input: string, folder: string, workspace: string): string {
  try {
    return resolveSafeSync(workspace, folder);
  } catch (err) {
    if (err instanceof UnsafePathError) throw new InputError(input, err.message, { cause: err, userError: true });
    throw err;
  }
}

export function readInputs(inputs: InputReader, env: NodeJS.ProcessEnv = process.env): GenerateSbomInputs {
  const workspace = workspaceDir(env);
  const secret = inputs.secret(INPUT.registryCredentials);
  const format = inputs.enum<SbomFormat>(INPUT.format, ['cyclonedx', 'spdx', 'both'], 'both');
  const files = inputs.list(INPUT.files, { commas: false });
  const images = inputs.list(INPUT.images, { commas: false }).map(imageReference);
  if (files.length === 0 && images.length === 0)
    throw new InputError(INPUT.files, 'nothing to describe: give files or images', { userError: true });
  // Folders are passed on relative to the workspace however they were written (absolute, ./, a trailing /).
  const relative = (absolute: string) => toPosix(path.relative(workspace, absolute));
  const outputDir = relative(writableFolder(INPUT.outputDir, inputs.raw(INPUT.outputDir) || 'sbom', workspace)) || '.';
  const name = inputs.optional(INPUT.name) ?? env.GITHUB_REPOSITORY?.split('/')[1] ?? 'release';
  if (/[/\\]/.test(name) || name.startsWith('.'))
    throw new InputError(INPUT.name, `${JSON.stringify(name)} is no file name`, { userError: true });
  const namespace = inputs.raw(INPUT.namespace) || 'https://sbom.k8s.io';
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(namespace))
    throw new InputError(INPUT.namespace, `${JSON.stringify(namespace)} is no absolute URI`, { userError: true });
  // SPDX 2.3 §6.5: elements are named <namespace>#<id>, so the namespace itself holds no '#'.
  if (namespace.includes('#'))
    throw new InputError(INPUT.namespace, `${JSON.stringify(namespace)} holds a '#', which an SPDX namespace may not`, {
      userError: true,
    });
  let credentials: Map<string, Credential>;
  try {
    credentials = loadCredentials(secret, env);
  } catch (err) {
    throw new InputError(INPUT.registryCredentials, (err as Error).message, { userError: true });
  }
  const manifest = inputs.workspacePath(INPUT.manifest, workspace);
  const supplier = inputs.optional(INPUT.supplier);
  const baseDirPath = inputs.workspacePath(INPUT.baseDir, workspace);
  const baseDir = baseDirPath && relative(baseDirPath);
  const cacheDir = inputs.optional(INPUT.cacheDir);
  return {
    options: {
      workspace,
      files,
      ...(baseDir ? { baseDir } : {}),
      exclude: inputs.list(INPUT.exclude, { commas: false }),
      images,
      format,
      outputDir,
      name,
      version: inputs.optional(INPUT.version) ?? env.GITHUB_REF_NAME ?? 'unversioned',
      ...(supplier ? { supplier } : {}),
      namespace,
      ...(manifest ? { manifest } : {}),
      created: sourceDate(env),
    },
    credentials,
    plainHttp: inputs.list(INPUT.plainHttpRegistries),
    cacheDir: cacheDir === undefined ? undefined : writableFolder(INPUT.cacheDir, cacheDir, workspace),
  };
}
