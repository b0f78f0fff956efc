import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../runner/run-bundle.ts';
import { runWorkflow, UnsupportedStepError, type WorkflowRunOptions } from './workflow-runner.ts';

const UPLOAD = 'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f';
const DOWNLOAD = 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c';

let dir: string;
let root: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'workflow-runner-'));
  // A repository of its own for the inline workflows, with this one's actions and bundles.
  root = path.join(dir, 'repo');
  await mkdir(path.join(root, '.github', 'workflows'), { recursive: true });
  await writeFile(path.join(root, 'package.json'), '{}');
  for (const f of ['actions', 'dist']) await symlink(path.join(repoRoot(), f), path.join(root, f));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function run(workflows: Record<string, string>, options: Partial<WorkflowRunOptions> = {}) {
  for (const [name, text] of Object.entries(workflows)) await writeFile(path.join(root, '.github', 'workflows', name), text);
  const [first] = Object.keys(workflows);
  return runWorkflow(`.github/workflows/${first}`, { scratch: await mkdtemp(path.join(dir, 'run-')), root, ...options });
}

describe('runWorkflow', () => {
  it('runs jobs in needs order, matrices expanded, env at every level, outputs through GITHUB_OUTPUT', async () => {
    const result = await run(
      {
        'w.yml': `
name: w
on:
  workflow_call:
    inputs:
      tag: {type: string, required: true, description: t}
    outputs:
      joined: {description: j, value: "\${{ jobs.collect.outputs.joined }}"}
env:
  LEVEL: workflow
  TOP: top
jobs:
  collect:
    needs: build
    runs-on: x
    outputs:
      joined: \${{ steps.join.outputs.joined }}
    steps:
      - id: join
        env:
          LAST: \${{ needs.build.outputs.arch }}
        run: echo "joined=$TOP-$LAST" >> "$GITHUB_OUTPUT"
  build:
    runs-on: x
    strategy:
      matrix:
        arch: [amd64, arm64]
    env:
      LEVEL: job
      ARCH: \${{ matrix.arch }}
    outputs:
      arch: \${{ steps.one.outputs.arch }}
    steps:
      - id: one
        env:
          LEVEL: step
          TAG: \${{ inputs.tag }}
        run: |
          test "$LEVEL" = step
          echo "arch=$ARCH-$TAG" >> "$GITHUB_OUTPUT"
          echo "LATER=from-env-file" >> "$GITHUB_ENV"
      - run: test "$LATER" = from-env-file && test "$LEVEL" = job
`,
      },
      { inputs: { tag: 'v1' } },
    );
    expect(result.result).toBe('success');
    expect(result.jobs['build']?.runs.map((r) => r.matrix)).toEqual([{ arch: 'amd64' }, { arch: 'arm64' }]);
    expect(result.jobs['build']?.runs.map((r) => r.outputs['arch'])).toEqual(['amd64-v1', 'arm64-v1']);
    expect(result.outputs).toEqual({ joined: 'top-arm64-v1' });
  });

  it('takes if: with success(), failure() and always() at job and step level', async () => {
    const result = await run({
      'w.yml': `
name: w
on: {workflow_call: {}}
jobs:
  breaks:
    runs-on: x
    steps:
      - run: exit 3
      - run: echo never
      - if: failure()
        run: echo cleanup
      - if: always()
        run: echo always
  after:
    needs: breaks
    runs-on: x
    steps: [{run: 'true'}]
  mend:
    needs: breaks
    if: failure()
    runs-on: x
    steps: [{run: 'true'}]
  report:
    needs: [after, mend]
    if: always() && needs.mend.result == 'success'
    runs-on: x
    steps: [{run: 'true'}]
`,
    });
    expect(result.result).toBe('failure');
    expect(result.jobs['breaks']?.runs[0]?.steps.map((s) => s.outcome)).toEqual(['failure', 'skipped', 'success', 'success']);
    expect(Object.fromEntries(Object.entries(result.jobs).map(([k, v]) => [k, v.result]))).toEqual({
      breaks: 'failure',
      after: 'skipped',
      mend: 'success',
      report: 'success',
    });
  });

  it('types workflow_call inputs and refuses unknown or missing ones', async () => {
    const text = `
name: w
on:
  workflow_call:
    inputs:
      flag: {type: boolean, default: false, description: f}
      count: {type: number, default: 2, description: c}
      name: {type: string, required: true, description: n}
jobs:
  j:
    runs-on: x
    steps:
      - env:
          FLAG: \${{ inputs.flag && 'yes' || 'no' }}
          COUNT: \${{ inputs.count == 3 && 4 || 0 }}
        run: test "$FLAG" = yes && test "$COUNT" = 4
`;
    expect((await run({ 'w.yml': text }, { inputs: { flag: true, count: 3, name: 'a' } })).result).toBe('success');
    await expect(run({ 'w.yml': text }, { inputs: { flag: true } })).rejects.toThrow(/required input name/);
    await expect(run({ 'w.yml': text }, { inputs: { name: 'a', nme: 'b' } })).rejects.toThrow(/no input named nme/);
  });

  it('calls a reusable workflow with its inputs and secrets; inherited secrets match by their GitHub names only', async () => {
    const called = `
name: called
on:
  workflow_call:
    inputs:
      who: {type: string, required: true, description: w}
    secrets:
      store-key: {description: k, required: false}
    outputs:
      said: {description: s, value: "\${{ jobs.say.outputs.said }}"}
jobs:
  say:
    runs-on: x
    outputs:
      said: \${{ steps.s.outputs.said }}
    steps:
      - id: s
        env:
          WHO: \${{ inputs.who }}
          KEY: \${{ secrets.store-key }}
        run: echo "said=$WHO:\${KEY:-empty}" >> "$GITHUB_OUTPUT"
`;
    const caller = (secrets: string) => `
name: caller
on: push
permissions: {contents: read}
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with:
      who: me
    ${secrets}
  echo:
    needs: call
    runs-on: x
    steps:
      - env:
          SAID: \${{ needs.call.outputs.said }}
        run: echo "$SAID"
`;
    const explicit = await run(
      { 'caller.yml': caller(`secrets:\n      store-key: \${{ secrets.STORE_KEY }}`), 'called.yml': called },
      { event: 'push', secrets: { STORE_KEY: 'k1' } },
    );
    expect(explicit.jobs['call']?.outputs).toEqual({ said: 'me:k1' });
    expect(explicit.jobs['echo']?.runs[0]?.steps[0]?.log).toBe('me:k1\n');
    // secrets: inherit hands on the repository's secrets by name: STORE_KEY never matches store-key.
    const inherited = await run(
      { 'caller.yml': caller('secrets: inherit'), 'called.yml': called },
      { event: 'push', secrets: { STORE_KEY: 'k1' } },
    );
    expect(inherited.jobs['call']?.outputs).toEqual({ said: 'me:empty' });
    await expect(
      run({ 'caller.yml': caller('secrets: inherit'), 'called.yml': called }, { event: 'push', secrets: { 'store-key': 'k1' } }),
    ).rejects.toThrow(/not a valid GitHub secret name/);
  });

  it('hands artifacts between jobs as upload-artifact does: paths from the common root, hidden files on request, modes lost', async () => {
    const text = (downloadName: string) => `
name: w
on: {workflow_call: {}}
jobs:
  make:
    runs-on: x
    steps:
      - run: |
          mkdir -p out/bin .state
          printf '#!/bin/sh\\n' > out/bin/tool && chmod 755 out/bin/tool
          echo m > .state/manifest.json
      - uses: ${UPLOAD} # v7.0.0
        with:
          name: tree
          path: |
            out/
            .state/
          include-hidden-files: true
  use:
    needs: make
    runs-on: x
    steps:
      - uses: ${DOWNLOAD} # v8.0.1
        with:
          name: ${downloadName}
          path: here
      - run: test -f here/out/bin/tool && test -f here/.state/manifest.json && ! test -x here/out/bin/tool
`;
    const ok = await run({ 'w.yml': text('tree') });
    expect(ok.result).toBe('success');
    expect(((await stat(path.join(ok.artifacts, 'tree', 'out', 'bin', 'tool'))).mode & 0o777).toString(8)).toBe('644');
    const misspelt = await run({ 'w.yml': text('trees') });
    expect(misspelt.result).toBe('failure');
    expect(misspelt.jobs['use']?.runs[0]?.steps[0]?.log).toMatch(/artifact not found: trees/);
  });

  it('fails the test by name on a uses: it does not run', async () => {
    const text = `
name: w
on: {workflow_call: {}}
jobs:
  j:
    runs-on: x
    steps:
      - uses: docker/login-action@v3
`;
    const error = await run({ 'w.yml': text }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedStepError);
    expect((error as UnsupportedStepError).uses).toBe('docker/login-action@v3');
  });

  it("runs this repository's actions from their bundles", async () => {
    const text = `
name: w
on: {workflow_call: {}}
jobs:
  j:
    runs-on: x
    steps:
      - id: markers
        uses: ./actions/update-markers
        with:
          version: not-a-version
          destination: file:///nonexistent
`;
    const result = await run({ 'w.yml': text });
    expect(result.result).toBe('failure');
    expect(result.jobs['j']?.runs[0]?.steps[0]?.log).toMatch(/Invalid input%3A version/);
    expect(await readFile(path.join(root, 'actions', 'update-markers', 'action.yml'), 'utf8')).toMatch(/version/);
  });
});
