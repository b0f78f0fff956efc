/**
 * The only reader of build-packages' inputs: the key and passphrase are read (and masked) first, then every value
 * is validated before the config is read.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../shared/src/core/errors.ts';
import { type InputReader, workspaceDir } from '../../../shared/src/core/inputs.ts';
import { sourceDate } from '../../../shared/src/core/time.ts';
import type { BuildOptions } from '../../../shared/src/packages/build.ts';
import type { Format } from '../../../shared/src/packages/spec.ts';
import { KNOWN_ARCHES } from '../../../shared/src/packages/version.ts';

const FORMATS = ['deb', 'rpm'] as const;
const CHANNELS = ['stable', 'prerelease', 'nightly'] as const;

export const INPUT = {
  config: 'config',
  formats: 'formats',
  repository: 'repository',
  gpgPrivateKey: 'gpg-private-key',
  gpgPassphrase: 'gpg-passphrase',
  outputDir: 'output-dir',
  dryRun: 'dry-run',
  manifest: 'manifest',
  version: 'version',
  architectures: 'architectures',
  sourceDir: 'source-dir',
  repositoryDir: 'repository-dir',
  repositoryLayout: 'repository-layout',
  channel: 'channel',
  sourceDateEpoch: 'source-date-epoch',
} as const;

export interface BuildPackagesInputs {
  options: BuildOptions;
  workspace: string;
  manifest: string | undefined;
}

function existingDir(input: string, dir: string): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new InputError(input, `${dir} is not a folder`);
  return dir;
}

export function readInputs(inputs: InputReader, env: NodeJS.ProcessEnv = process.env): BuildPackagesInputs {
  const privateKey = inputs.secret(INPUT.gpgPrivateKey);
  const passphrase = inputs.secret(INPUT.gpgPassphrase);
  const workspace = workspaceDir(env);
  const formats = inputs.list(INPUT.formats);
  for (const f of formats)
    if (!(FORMATS as readonly string[]).includes(f))
      throw new InputError(INPUT.formats, `unknown format ${JSON.stringify(f)} (expected deb, rpm)`);
  if (formats.length === 0) throw new InputError(INPUT.formats, 'names no format (expected deb, rpm)');
  const architectures = inputs.list(INPUT.architectures);
  for (const a of architectures)
    if (!KNOWN_ARCHES.includes(a))
      throw new InputError(INPUT.architectures, `unknown architecture ${JSON.stringify(a)} (known: ${KNOWN_ARCHES.join(', ')})`);
  inputs.required(INPUT.config);
  const config = inputs.workspacePath(INPUT.config, workspace) as string;
  const outputDir = inputs.workspacePath(INPUT.outputDir, workspace) ?? path.join(workspace, 'packages');
  const epoch = inputs.optional(INPUT.sourceDateEpoch);
  const date = sourceDate(epoch === undefined ? env : { SOURCE_DATE_EPOCH: epoch });
  return {
    workspace,
    manifest: inputs.workspacePath(INPUT.manifest, workspace),
    options: {
      config,
      configName: path.relative(workspace, config) || config,
      formats: [...new Set(formats)] as Format[],
      repository: inputs.boolean(INPUT.repository, true),
      privateKey,
      passphrase,
      outputDir,
      repositoryDir: inputs.workspacePath(INPUT.repositoryDir, workspace) ?? path.join(outputDir, 'repository'),
      dryRun: inputs.boolean(INPUT.dryRun),
      version: inputs.optional(INPUT.version),
      architectures: architectures.length > 0 ? architectures : undefined,
      sourceDir: existingDir(INPUT.sourceDir, inputs.workspacePath(INPUT.sourceDir, workspace) ?? workspace),
      layout: inputs.enum(INPUT.repositoryLayout, ['flat', 'dists'], 'flat'),
      channel: inputs.optional(INPUT.channel) === undefined ? undefined : inputs.enum(INPUT.channel, CHANNELS),
      sourceDate: date,
      env,
    },
  };
}
