/**
 * `npm run test:mutation [-- module…]`: Stryker over the modules whose mistakes publish something wrong, one module
 * at a time with its own tests (a mutant is killed by the tests written for it, not by some far end-to-end test),
 * each held to the break threshold of stryker.config.json. Modules: the keys of MODULES; all when none is given.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

interface MutationTarget {
  mutate: string[];
  tests: string[];
}

export const MODULES: Record<string, MutationTarget> = {
  markers: {
    mutate: ['release-check', 'precedence', 'version', 'decide', 'names'].map((m) => `shared/src/markers/${m}.ts`),
    // release-check.ts reads a store: update-markers.test.ts runs it against real folders too.
    tests: ['release-check', 'precedence', 'version', 'decide', 'names', 'update-markers'].map(
      (m) => `shared/src/markers/${m}.test.ts`,
    ),
  },
  cas: { mutate: ['shared/src/markers/cas.ts'], tests: ['shared/src/markers/cas.test.ts'] },
  paths: { mutate: ['shared/src/core/paths.ts'], tests: ['shared/src/core/paths.test.ts'] },
  checksums: {
    mutate: ['shared/src/checksums/sums.ts', 'shared/src/checksums/files.ts', 'shared/src/checksums/verify.ts'],
    tests: ['shared/src/checksums/sums.test.ts'],
  },
  retry: { mutate: ['shared/src/core/retry.ts'], tests: ['shared/src/core/retry.test.ts'] },
  // The small-file reads and atomic writes every signature, checksum, SBOM, report and manifest goes through.
  files: { mutate: ['shared/src/core/files.ts'], tests: ['shared/src/core/files.test.ts'] },
  verify: { mutate: ['shared/src/publish/verify.ts'], tests: ['shared/src/publish/verify.test.ts'] },
  // promote-images: the plan (skip, tag, copy, move, conflicts), kpromo's manifests and the tag and digest rules.
  promote: {
    mutate: ['shared/src/promote/plan.ts', 'shared/src/promote/spec.ts', 'shared/src/oci/reference.ts'],
    tests: ['shared/src/promote/plan.test.ts', 'shared/src/promote/spec.test.ts', 'shared/src/oci/reference.test.ts'],
  },
  // build-packages: version, architecture and dependency mapping, what a field may hold; plan.ts's pure rules only
  // (the rest reads files).
  packages: {
    mutate: [
      'shared/src/packages/version.ts',
      'shared/src/packages/depends.ts',
      'shared/src/packages/fields.ts',
      'shared/src/packages/plan.ts:48-62',
    ],
    tests: ['shared/src/packages/version.test.ts', 'shared/src/packages/fields.test.ts'],
  },
  // generate-sbom: the package URLs and document names in every SBOM, the tar reader that finds an image's files.
  sbom: {
    mutate: ['shared/src/sbom/purl.ts', 'shared/src/sbom/uuid.ts', 'shared/src/sbom/tar.ts'],
    tests: ['shared/src/sbom/purl.test.ts', 'shared/src/sbom/tar.test.ts', 'shared/src/sbom/tar-headers.test.ts'],
  },
  // The local release: the config schema every run is checked against, and where a destination points.
  release: { mutate: ['shared/src/release/config.ts'], tests: ['shared/src/release/config.test.ts'] },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((m) => !(m in MODULES));
if (unknown.length > 0) {
  process.stderr.write(`test:mutation: unknown module(s) ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : Object.keys(MODULES)) {
  const target = MODULES[name] as MutationTarget;
  process.stdout.write(`\ntest:mutation: ${name}\n`);
  const run = spawnSync(path.join(root, 'node_modules', '.bin', 'stryker'), ['run', '--mutate', target.mutate.join(',')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, MUTATION_TESTS: target.tests.join(',') },
  });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
