/** The JSON Schema of a packages config: nfpm's keys, plus `packages`, `architectures` and `dependencies-by-version`. */

const stringList = { type: 'array', items: { type: 'string' } } as const;
const scalar = { type: ['string', 'number'] } as const;
const relations = {
  depends: stringList,
  recommends: stringList,
  suggests: stringList,
  conflicts: stringList,
  replaces: stringList,
  provides: stringList,
} as const;

const fileInfo = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { type: 'integer', minimum: 0, maximum: 0o7777 },
    owner: { type: 'string' },
    group: { type: 'string' },
    mtime: { type: 'string' },
  },
} as const;

const content = {
  type: 'object',
  additionalProperties: false,
  required: ['dst'],
  properties: {
    src: { type: 'string' },
    dst: { type: 'string', minLength: 1 },
    type: { enum: ['', 'file', 'config', 'config|noreplace', 'dir', 'symlink', 'ghost'] },
    packager: { enum: ['deb', 'rpm', 'apk', 'archlinux', 'ipk'] },
    file_info: fileInfo,
    expand: { type: 'boolean' },
  },
} as const;

const scripts = {
  type: 'object',
  additionalProperties: false,
  properties: {
    preinstall: { type: 'string' },
    postinstall: { type: 'string' },
    preremove: { type: 'string' },
    postremove: { type: 'string' },
  },
} as const;

const overridable = {
  ...relations,
  contents: { type: 'array', items: content },
  scripts,
} as const;

const compression = { enum: ['gzip', 'zstd', 'none'] } as const;

const packageProperties = {
  name: { type: 'string', pattern: '^[a-z0-9][a-z0-9+.-]*$' },
  arch: { type: 'string' },
  architectures: { type: 'array', items: { type: 'string' }, minItems: 1 },
  platform: { type: 'string' },
  version: scalar,
  version_schema: { enum: ['semver', 'none'] },
  release: scalar,
  epoch: scalar,
  prerelease: { type: 'string' },
  version_metadata: { type: 'string' },
  maintainer: { type: 'string' },
  description: { type: 'string' },
  vendor: { type: 'string' },
  homepage: { type: 'string' },
  license: { type: 'string' },
  section: { type: 'string' },
  priority: { type: 'string' },
  changelog: { type: 'string' },
  mtime: { type: 'string' },
  umask: { type: 'integer' },
  disable_globbing: { type: 'boolean' },
  ...overridable,
  overrides: {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      ['deb', 'rpm', 'apk', 'archlinux', 'ipk'].map((f) => [
        f,
        { type: 'object', additionalProperties: false, properties: overridable },
      ]),
    ),
  },
  deb: {
    type: 'object',
    properties: {
      arch: { type: 'string' },
      compression,
      fields: { type: 'object', additionalProperties: { type: 'string' } },
      breaks: stringList,
      predepends: stringList,
    },
  },
  rpm: {
    type: 'object',
    properties: {
      arch: { type: 'string' },
      compression,
      summary: { type: 'string' },
      group: { type: 'string' },
      packager: { type: 'string' },
    },
  },
  apk: { type: 'object' },
  archlinux: { type: 'object' },
  ipk: { type: 'object' },
  'dependencies-by-version': {
    type: 'object',
    additionalProperties: stringList,
  },
} as const;

export const packageSchema = {
  type: 'object',
  additionalProperties: false,
  properties: packageProperties,
} as const;

/** `packages:` (a list of nfpm packages) with shared defaults beside it; a plain nfpm config is checked as one entry. */
export const listSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['packages'],
  properties: { ...packageProperties, packages: { type: 'array', minItems: 1, items: packageSchema } },
} as const;
