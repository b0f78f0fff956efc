/**
 * The one bundle script: type-checked sources are emitted to .build/ by tsc, then
 * ncc bundles each action (and the CLI) into dist/<name>/ with its own
 * package.json {"type":"module"} and a licenses file. A bundle that hashes files
 * (core/hasher.ts) gets the hashing threads' module, bundled as a second entry,
 * beside it: dist/<name>/hash-worker.js.
 *
 *   node shared/scripts/bundle.ts            rebuild every bundle
 *   node shared/scripts/bundle.ts <name>…    rebuild only these
 *   node shared/scripts/bundle.ts --check    fail when dist/ differs from a fresh build
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { minify } from 'terser';
import { listActions } from '../src/runner/run-bundle.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const ACTIONS = listActions(root);
const TARGETS: Record<string, string> = {
  ...Object.fromEntries(ACTIONS.map((a) => [a, `actions/${a}/src/main.js`])),
  cli: 'shared/src/cli/main.js',
};

/** Files a bundle reads at run time, which ncc does not copy: the CycloneDX library's schemas (its validator's). */
const CYCLONEDX_SCHEMAS = 'node_modules/@cyclonedx/cyclonedx-library/res/schema';
const ASSETS: Record<string, [from: string, to: string][]> = {
  'generate-sbom': ['bom-1.6', 'spdx', 'jsf-0.82', 'cryptography-defs'].map((s) => [
    `${CYCLONEDX_SCHEMAS}/${s}.SNAPSHOT.schema.json`,
    `res/schema/${s}.SNAPSHOT.schema.json`,
  ]),
};

const args = process.argv.slice(2);
const check = args.includes('--check');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!(n in TARGETS)) throw new Error(`unknown bundle ${n}; known: ${Object.keys(TARGETS).join(', ')}`);
const selected = names.length > 0 ? names : Object.keys(TARGETS);
const outRoot = check ? mkdtempSync(path.join(tmpdir(), 'dist-check-')) : path.join(root, 'dist');

// The build folder sits inside the repository (so node_modules resolves) at a fixed path: ncc derives module
// ids from paths, so a varying folder would make bundles differ from build to build.
// Types are checked by `npm test` (tsc --noEmit); here tsc only strips them.
const build = path.join(root, '.build');
rmSync(build, { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', path.join(root, 'shared/scripts/tsconfig.build.json'), '--noCheck', '--outDir', build], {
  stdio: 'inherit',
});
// The version too: sign-artifacts imports ../../../package.json for the provenance's builder version, which in
// the build folder is this file.
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
writeFileSync(path.join(build, 'package.json'), `${JSON.stringify({ type: 'module', version })}\n`);

/** The hashing threads' module, its name as core/hasher.ts loads it beside the bundle. */
const WORKER = { source: 'shared/src/core/hash-worker.js', file: 'hash-worker.js' };

function ncc(entry: string, out: string): void {
  execFileSync(bin('ncc'), ['build', path.join(build, entry), '-o', out, '--minify', '--license', 'licenses.txt', '--quiet'], {
    stdio: 'inherit',
    cwd: root,
  });
}

async function minifyFile(file: string): Promise<void> {
  const result = await minify(readFileSync(file, 'utf8'), { module: true, compress: true, mangle: true });
  if (result.code === undefined) throw new Error(`terser produced nothing for ${file}`);
  writeFileSync(file, result.code);
}

/** The worker's bundle, built once (it imports only Node's built-ins and its own modules). */
let worker: string | undefined;
function workerBundle(): string {
  if (worker === undefined) {
    const out = mkdtempSync(path.join(tmpdir(), 'hash-worker-'));
    ncc(WORKER.source, out);
    worker = readFileSync(path.join(out, 'index.js'), 'utf8');
    rmSync(out, { recursive: true, force: true });
  }
  return worker;
}

async function bundle(name: string): Promise<void> {
  const out = path.join(outRoot, name);
  rmSync(out, { recursive: true, force: true });
  ncc(TARGETS[name] as string, out);
  // ncc minifies index.js but not the chunks of lazily imported modules (<id>.index.js): minify those here.
  const scripts = readdirSync(out).filter((f) => /^(\d+\.)?index\.js$/.test(f));
  for (const chunk of scripts.filter((f) => f !== 'index.js')) await minifyFile(path.join(out, chunk));
  if (scripts.some((f) => readFileSync(path.join(out, f), 'utf8').includes(WORKER.file)))
    writeFileSync(path.join(out, WORKER.file), workerBundle());
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  for (const [from, to] of ASSETS[name] ?? []) {
    mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
    copyFileSync(path.join(root, from), path.join(out, to));
  }
}

function listFiles(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
  } catch {
    return [];
  }
}

try {
  for (const name of selected) await bundle(name);
} finally {
  rmSync(build, { recursive: true, force: true });
}

if (check) {
  const stale: string[] = [];
  for (const name of selected) {
    const fresh = path.join(outRoot, name);
    const committed = path.join(root, 'dist', name);
    const files = new Set([...listFiles(fresh), ...listFiles(committed)]);
    for (const f of files) {
      const a = listFiles(fresh).includes(f) ? readFileSync(path.join(fresh, f)) : undefined;
      const b = listFiles(committed).includes(f) ? readFileSync(path.join(committed, f)) : undefined;
      if (!a || !b || !a.equals(b)) stale.push(`dist/${name}/${f}`);
    }
  }
  rmSync(outRoot, { recursive: true, force: true });
  if (stale.length > 0) {
    console.error(`dist/ is stale; run 'npm run bundle' and commit the result:\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`dist/ is fresh (${selected.length} bundles)`);
} else {
  for (const name of selected) {
    const size = listFiles(path.join(outRoot, name)).reduce((sum, f) => sum + statSync(path.join(outRoot, name, f)).size, 0);
    console.log(`dist/${name}: ${(size / 1024).toFixed(0)} KiB`);
  }
}
