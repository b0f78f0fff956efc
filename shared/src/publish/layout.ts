/**
 * Where a release file goes in a store: the `kubernetes` layout of dl.k8s.io
 * (`release/{version}/{path}`) or a template holding `{path}` and optionally
 * `{version}`. The release index sits at the layout's `index.json`.
 */
import { InputError } from '../core/errors.ts';
import { joinKey } from '../storage/storage.ts';

export const KUBERNETES_LAYOUT = 'release/{version}/{path}';
export const INDEX_FILE = 'index.json';

export interface Layout {
  template: string;
}

/**
 * Parses the `layout` input: `kubernetes` or a template holding {version} before a last segment that is {path}. Without
 * {version} the index of every version lands on one key; {path} glued to a name makes keys like `v1.31.2tiny`.
 */
export function parseLayout(raw: string, input = 'layout'): Layout {
  const template = raw === '' || raw === 'kubernetes' ? KUBERNETES_LAYOUT : raw;
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((name) => name !== 'version' && name !== 'path');
  if (unknown.length > 0) throw new InputError(input, `unknown placeholder {${unknown[0]}}; use {version} and {path}`);
  if (!template.includes('{path}')) throw new InputError(input, 'a template must contain {path}');
  if (!template.endsWith('/{path}')) throw new InputError(input, 'a template must end with /{path}: {path} is a whole segment');
  if (template.split('{path}').length !== 2) throw new InputError(input, 'a template holds {path} once');
  if (!template.includes('{version}'))
    throw new InputError(input, 'a template must contain {version}: each version needs a folder of its own');
  if (template.startsWith('/') || template.split('/').some((segment) => segment === '..' || segment === '.'))
    throw new InputError(input, 'a template must be a relative key without . or .. segments');
  return { template };
}

/** The object key of a release file (`path` relative, POSIX). */
export function keyFor(layout: Layout, version: string, path: string): string {
  // Replaced by functions: a `$&` or `$'` in a file name is not a replacement pattern.
  return joinKey(layout.template.replaceAll('{version}', () => version).replace('{path}', () => path));
}
