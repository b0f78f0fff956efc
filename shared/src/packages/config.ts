/**
 * Loading a packages config: YAML 1.1 as nfpm reads it (`mode: 0755` is octal), `${VAR}` expansion from the
 * environment, a JSON Schema check whose errors name the entry and its line, and shared defaults merged into each
 * entry of `packages:`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { InputError } from '../core/errors.ts';
import { listSchema, packageSchema } from './config-schema.ts';
import { PackageConfigError } from './errors.ts';

export type ConfigPath = ReadonlyArray<string | number>;

export interface RawContent {
  src?: string;
  dst: string;
  type?: string;
  packager?: string;
  file_info?: { mode?: number; owner?: string; group?: string; mtime?: string };
  expand?: boolean;
}

export interface RawOverridable {
  depends?: string[];
  recommends?: string[];
  suggests?: string[];
  conflicts?: string[];
  replaces?: string[];
  provides?: string[];
  contents?: RawContent[];
  scripts?: Partial<Record<'preinstall' | 'postinstall' | 'preremove' | 'postremove', string>>;
}

export interface RawPackage extends RawOverridable {
  name: string;
  arch?: string;
  architectures?: string[];
  platform?: string;
  version?: string | number;
  release?: string | number;
  epoch?: string | number;
  prerelease?: string;
  version_metadata?: string;
  maintainer?: string;
  description?: string;
  vendor?: string;
  homepage?: string;
  license?: string;
  section?: string;
  priority?: string;
  mtime?: string;
  disable_globbing?: boolean;
  overrides?: Partial<Record<'deb' | 'rpm', RawOverridable>>;
  deb?: {
    arch?: string;
    compression?: 'gzip' | 'zstd' | 'none';
    fields?: Record<string, string>;
    breaks?: string[];
    predepends?: string[];
  };
  rpm?: { arch?: string; compression?: 'gzip' | 'zstd' | 'none'; summary?: string; group?: string; packager?: string };
  'dependencies-by-version'?: Record<string, string[]>;
}

export interface PackagesConfig {
  file: string;
  packages: RawPackage[];
  /** An error located at a key of package `index` (or of the shared defaults it took that key from). */
  error(index: number, path: ConfigPath, problem: string, cause?: unknown): PackageConfigError;
  /** That key as an error names it (`packages[0].contents[1] (line 7)`), for a problem that involves two entries. */
  where(index: number, path: ConfigPath): string;
}

/** os.ExpandEnv's forms, `${VAR}` and `$VAR`; an unset variable is empty. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => env[a ?? b] ?? '');
}

/** Expands every string, except a content's src and dst unless it says `expand: true` (as nfpm does). */
function expandTree(value: unknown, env: NodeJS.ProcessEnv, key = ''): unknown {
  if (typeof value === 'string') return expandEnv(value, env);
  if (Array.isArray(value)) return value.map((v) => expandTree(v, env, key));
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const literal = key === 'contents' && object.expand !== true;
    return Object.fromEntries(
      Object.entries(object).map(([k, v]) => [k, literal && (k === 'src' || k === 'dst') ? v : expandTree(v, env, k)]),
    );
  }
  return value;
}

type Validator = ((value: unknown) => boolean) & {
  errors?: Array<{ instancePath: string; message?: string; params?: unknown }> | null;
};
let validators: { list: Validator; single: Validator } | undefined;

async function compile(): Promise<{ list: Validator; single: Validator }> {
  if (!validators) {
    // ajv is CommonJS: Node and the bundle disagree on what its default export is, but both carry `.Ajv`.
    const { Ajv } = (await import('ajv')).default;
    const ajv = new Ajv({ allErrors: true, strict: false });
    validators = {
      list: ajv.compile(listSchema) as Validator,
      single: ajv.compile({ ...packageSchema, required: ['name'] }) as Validator,
    };
  }
  return validators;
}

function pointerPath(pointer: string): Array<string | number> {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function entryName(path: ConfigPath): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

export async function loadConfig(file: string, display: string, env: NodeJS.ProcessEnv): Promise<PackagesConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new InputError(
      'config',
      `cannot read ${display}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      {
        cause,
        userError: true,
      },
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lines, prettyErrors: false });
  // A key's own line (a mapping's value may start on the next one); a list item's, or the nearest parent's.
  const lineOf = (path: ConfigPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const last = path[n - 1];
      if (n > 0 && typeof last === 'string') {
        const parent = doc.getIn(path.slice(0, n - 1), true) as
          | { items?: Array<{ key?: { value?: unknown; range?: [number] } }> }
          | undefined;
        const pair = parent?.items?.find((item) => item.key?.value === last);
        if (pair?.key?.range) return lines.linePos(pair.key.range[0]).line;
      }
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const fail = (path: ConfigPath, problem: string, cause?: unknown) =>
    new PackageConfigError(display, entryName(path), lineOf(path), problem, { cause });
  if (doc.errors.length > 0) {
    const first = doc.errors[0] as { message: string; linePos?: Array<{ line: number }> };
    throw new PackageConfigError(display, '', first.linePos?.[0]?.line, `is not valid YAML: ${first.message.split('\n')[0]}`);
  }
  const raw = expandTree(doc.toJS(), env) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw fail([], 'expected a mapping (an nfpm config, or packages: [...])');
  const isList = 'packages' in raw;
  const { list, single } = await compile();
  const validate = isList ? list : single;
  if (!validate(raw)) {
    const [first] = validate.errors ?? [];
    const path = pointerPath(first?.instancePath ?? '');
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    throw fail(extra ? [...path, extra] : path, `${first?.message ?? 'is invalid'}${extra ? `: ${extra}` : ''}`);
  }
  const { packages, ...defaults } = raw as { packages?: RawPackage[] } & Partial<RawPackage>;
  const entries = isList ? (packages as RawPackage[]).map((p) => ({ ...defaults, ...p })) : [raw as unknown as RawPackage];
  const located = (index: number, path: ConfigPath): ConfigPath =>
    !isList ? path : path.length === 0 || doc.hasIn(['packages', index, path[0]]) ? ['packages', index, ...path] : path;
  return {
    file: display,
    packages: entries,
    error: (index, path, problem, cause) => fail(located(index, path), problem, cause),
    where(index, path) {
      const at = located(index, path);
      const line = lineOf(at);
      return `${entryName(at) || '(top)'}${line ? ` (line ${line})` : ''}`;
    },
  };
}
