/**
 * actions/upload-artifact and actions/download-artifact (v4 and later) for the workflow runner: an artifact is a
 * folder in the run's store. What the real ones do that a workflow can trip over is kept: the files are stored
 * relative to the least common ancestor of the search paths, hidden files are left out unless asked for, a name is
 * uploaded once unless `overwrite`, a missing name fails the download, and file modes are lost (the service
 * stores a zip without them: an executable comes back 0644).
 */
import { chmod, copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const GLOB = /[*?[\]{}]/;

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await walk(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) found.push(rel);
  }
  return found;
}

/** The folder a search path starts from: itself, or its part before the first segment holding a glob. */
function searchRoot(pattern: string): string {
  const segments = pattern.replace(/\/+$/, '').split('/');
  const first = segments.findIndex((s) => GLOB.test(s));
  return (first < 0 ? segments : segments.slice(0, first)).join('/');
}

function commonAncestor(dirs: readonly string[]): string {
  const split = dirs.map((d) => d.split('/').filter(Boolean));
  const common: string[] = [];
  for (let i = 0; split.every((s) => s.length > i && s[i] === split[0]?.[i]); i++) common.push(split[0]?.[i] as string);
  return common.join('/');
}

export interface UploadInputs {
  name?: string;
  path: string;
  'if-no-files-found'?: string;
  'include-hidden-files'?: string;
  overwrite?: string;
}

export async function uploadArtifact(workspace: string, store: string, inputs: UploadInputs): Promise<{ files: number }> {
  const name = inputs.name || 'artifact';
  const lines = inputs.path
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const include = lines.filter((l) => !l.startsWith('!')).map((l) => path.posix.normalize(l.replace(/^\.\//, '')));
  const exclude = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
  const all = await walk(workspace);
  const chosen = new Set<string>();
  const roots: string[] = [];
  for (const pattern of include) {
    const clean = pattern.replace(/\/+$/, '');
    roots.push(
      GLOB.test(clean)
        ? searchRoot(clean)
        : (await stat(path.join(workspace, clean)).catch(() => undefined))?.isDirectory()
          ? clean
          : path.posix.dirname(clean),
    );
    for (const file of all) {
      if (file === clean || file.startsWith(`${clean}/`) || (GLOB.test(clean) && path.matchesGlob(file, clean))) chosen.add(file);
    }
  }
  const root = commonAncestor(roots.map((r) => (r === '.' ? '' : r)));
  const hidden = inputs['include-hidden-files'] !== 'true';
  const files = [...chosen]
    .filter((f) => !exclude.some((e) => path.matchesGlob(f, e)))
    .map((f) => ({ from: f, to: root ? path.posix.relative(root, f) : f }))
    .filter(({ to }) => !(hidden && to.split('/').some((s) => s.startsWith('.'))))
    .sort((a, b) => a.to.localeCompare(b.to));
  if (files.length === 0) {
    const mode = inputs['if-no-files-found'] || 'warn';
    if (mode === 'error') throw new Error(`upload-artifact ${name}: no files were found with the provided path: ${inputs.path}`);
    return { files: 0 };
  }
  const target = path.join(store, name);
  if ((await stat(target).catch(() => undefined)) !== undefined) {
    if (inputs.overwrite !== 'true') throw new Error(`upload-artifact: an artifact named ${name} already exists in this run`);
    await rm(target, { recursive: true, force: true });
  }
  for (const { from, to } of files) {
    const dest = path.join(target, to);
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(path.join(workspace, from), dest);
    await chmod(dest, 0o644);
  }
  return { files: files.length };
}

export interface DownloadInputs {
  name?: string;
  path?: string;
  pattern?: string;
  'merge-multiple'?: string;
}

export async function downloadArtifact(workspace: string, store: string, inputs: DownloadInputs): Promise<string> {
  const dest = path.resolve(workspace, inputs.path || '.');
  const names = (await readdir(store).catch(() => [] as string[])).sort();
  let picked: Array<{ name: string; to: string }>;
  if (inputs.name) {
    if (!names.includes(inputs.name))
      throw new Error(`download-artifact: artifact not found: ${inputs.name} (have: ${names.join(', ') || 'none'})`);
    picked = [{ name: inputs.name, to: dest }];
  } else {
    const merge = inputs['merge-multiple'] === 'true';
    picked = names
      .filter((n) => !inputs.pattern || path.matchesGlob(n, inputs.pattern))
      .map((name) => ({ name, to: merge ? dest : path.join(dest, name) }));
  }
  for (const { name, to } of picked) {
    for (const file of await walk(path.join(store, name))) {
      const out = path.join(to, file);
      await mkdir(path.dirname(out), { recursive: true });
      await copyFile(path.join(store, name, file), out);
    }
  }
  return dest;
}
