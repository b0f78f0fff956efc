/**
 * The local release's config (`release-actions release --config <file>`): YAML or JSON, checked against
 * CONFIG_SCHEMA before anything runs. Paths are relative to the folder the command runs in; a destination that is
 * not a URL is a local folder (a file:// destination).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/errors.ts';

const stage = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties: {
    enabled: { type: 'boolean', description: 'Run this stage (default true when the stage is present).' },
    with: {
      type: 'object',
      description: "Further inputs of the stage's action, by their action.yml names (s3-endpoint, fulcio-url, …).",
      additionalProperties: { type: 'string' },
    },
    env: {
      type: 'object',
      description: 'Inputs taken from environment variables (input name → variable), for secrets: never in the config.',
      additionalProperties: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    },
    ...properties,
  },
});

const list = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 };

// No `as const`: Stryker makes no mutant inside a const assertion, and these are the rules config.test.ts pins.
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'release-actions local release',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'tree'],
  properties: {
    version: { type: 'string', description: 'The version released, vMAJOR.MINOR.PATCH[-pre][+build].' },
    output: { type: 'string', description: 'Folder for the run: workspace, keys, local destinations (default _out).' },
    'source-date-epoch': {
      type: 'integer',
      minimum: 0,
      description: 'Seconds since 1970 for every timestamp (default SOURCE_DATE_EPOCH, else now).',
    },
    tree: {
      type: 'object',
      additionalProperties: false,
      description: 'The staged release tree: a folder, or a script that stages one.',
      properties: {
        dir: { type: 'string', description: 'A staged tree (copied into the workspace as release/).' },
        stage: { type: 'string', description: 'A script run as bash <script> <version> <folder> that stages the tree.' },
      },
      oneOf: [{ required: ['dir'] }, { required: ['stage'] }],
    },
    stages: {
      type: 'object',
      additionalProperties: false,
      properties: {
        packages: stage(
          {
            config: { type: 'string' },
            formats: { type: 'string' },
            key: {
              type: 'string',
              description:
                "An armored OpenPGP private key file, or 'generate': a key made for this run. It signs the rpms and the APT and YUM repositories; without it no repository is written.",
            },
          },
          ['config'],
        ),
        sbom: stage({ format: { enum: ['cyclonedx', 'spdx', 'both'] } }),
        sign: stage({
          signing: { enum: ['key', 'keyless'] },
          key: { type: 'string', description: "A PEM private key file, or 'generate': a key made for this run." },
          'builder-id': {
            type: 'string',
            pattern: '^[a-z][a-z0-9+.-]*:\\S+$',
            description: 'A URI naming this builder: with it the run writes SLSA provenance (local build type).',
          },
          'invocation-id': {
            type: 'string',
            minLength: 1,
            description: "The provenance's invocation id (default <version>@<source-date-epoch>).",
          },
        }),
        publish: stage({ destinations: list, layout: { type: 'string' } }, ['destinations']),
        promote: stage(
          {
            stage: {
              type: 'string',
              description: 'A script run as bash <script> <version> <workspace>/images that makes the OCI layouts to promote.',
            },
            images: { ...list, description: 'oci:<folder>:<tag> (pinned to its digest by the command) or <ref>@sha256:….' },
            destinations: list,
            tags: { type: 'string' },
          },
          ['images', 'destinations'],
        ),
        markers: stage({ destination: { type: 'string' }, 'build-type': { enum: ['release', 'ci', 'devel'] } }, ['destination']),
      },
    },
  },
};

interface StageConfig {
  enabled?: boolean;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

export interface ReleaseConfig {
  version: string;
  output?: string;
  'source-date-epoch'?: number;
  tree: { dir?: string; stage?: string };
  stages?: {
    packages?: StageConfig & { config: string; formats?: string; key?: string };
    sbom?: StageConfig & { format?: 'cyclonedx' | 'spdx' | 'both' };
    sign?: StageConfig & { signing?: 'key' | 'keyless'; key?: string; 'builder-id'?: string; 'invocation-id'?: string };
    publish?: StageConfig & { destinations: string[]; layout?: string };
    promote?: StageConfig & { stage?: string; images: string[]; destinations: string[]; tags?: string };
    markers?: StageConfig & { destination: string; 'build-type'?: 'release' | 'ci' | 'devel' };
  };
}

/** Checks a parsed config against CONFIG_SCHEMA; the problems name the key. */
export async function validateConfig(value: unknown, source: string): Promise<ReleaseConfig> {
  // ajv is CommonJS: Node and the bundle disagree on what its default export is, but both carry `.Ajv`.
  const { Ajv } = (await import('ajv')).default;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(CONFIG_SCHEMA);
  if (validate(value)) return value as unknown as ReleaseConfig;
  // Stryker disable next-line ArrayDeclaration: ajv sets errors whenever validate() returns false
  const problems = (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
  throw new InputError('config', `${source}: ${problems.join('; ')}`);
}

export async function readConfig(file: string): Promise<ReleaseConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new InputError('config', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  return validateConfig(parseYaml(text), file);
}

/** A destination as the actions take it: a local folder becomes an absolute file:// URL. */
export function destinationUrl(destination: string, base: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//.test(destination) ? destination : `file://${path.resolve(base, destination)}`;
}
