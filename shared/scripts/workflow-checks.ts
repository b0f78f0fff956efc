/**
 * Static checks of a workflow's text, each a function returning the problems it finds, so the tests run them on
 * every workflow we ship and on deliberately broken copies (workflows.test.ts): pins, expressions inside run:,
 * permissions, artifact names handed between jobs, job and step outputs that something sets, nothing written on a
 * pull request.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ActionMetadata, readActionMetadata } from '../src/core/action-metadata.ts';
import { asString, type Contexts, evaluate, truthy, type Value } from '../src/testing/workflow-expressions.ts';

export const root = path.resolve(import.meta.dirname, '../..');
export const OWN = 'kubernetes-sigs/release-actions';
/** The release these workflows belong to: a caller pinning a workflow by SHA runs the actions of that same release. */
export const SUITE_REF = `v${(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}`;

export type Dict = Record<string, unknown>;
export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: unknown;
  with?: Dict;
  env?: Dict;
}
export interface Job {
  name?: string;
  if?: unknown;
  env?: Dict;
  uses?: string;
  needs?: string | string[];
  with?: Dict;
  secrets?: Dict | 'inherit';
  permissions?: Dict | string;
  outputs?: Record<string, string>;
  steps?: Step[];
  'timeout-minutes'?: unknown;
}
export interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: Dict | string;
  concurrency?: unknown;
  env?: Dict;
  jobs: Record<string, Job>;
}
export interface CallContract {
  inputs?: Record<string, { description?: string; required?: boolean; type?: string; default?: unknown }>;
  secrets?: Record<string, { description?: string; required?: boolean }>;
  outputs?: Record<string, { description?: string; value?: string }>;
}

export const parse = (text: string) => parseYaml(text) as Workflow;

export function callContract(workflow: Workflow): CallContract | undefined {
  const on = workflow.on;
  if (on === null || typeof on !== 'object' || !('workflow_call' in on)) return undefined;
  return ((on as Dict)['workflow_call'] ?? {}) as CallContract;
}

export function steps(workflow: Workflow): Array<{ job: string; step: Step }> {
  return Object.entries(workflow.jobs ?? {}).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
}

/**
 * Third-party pins checked upstream: the commit each release tag points at in the action's own repository (read
 * with git from a clone of it). A new pin, or a new version, is added here after the same check.
 */
export const VERIFIED_PINS: Record<string, string> = {
  d23441a48e516b6c34aea4fa41551a30e30af803: 'actions/checkout@v6.1.0',
  '249970729cb0ef3589644e2896645e5dc5ba9c38': 'actions/setup-node@v6.5.0',
  bbbca2ddaa5d8feaa63e36b76fdaad77386f024f: 'actions/upload-artifact@v7.0.0',
  '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c': 'actions/download-artifact@v8.0.1',
};

const SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
export const OWN_ACTION = new RegExp(`^${OWN}/actions/([a-z0-9-]+)@(.+)$`);
export const OWN_WORKFLOW = new RegExp(`^${OWN}/\\.github/workflows/([A-Za-z0-9_.-]+\\.ya?ml)@(.+)$`);

/** Every `uses:` of a file: steps' actions and jobs' reusable workflows. */
function usesOf(workflow: Workflow): Array<{ where: string; uses: string }> {
  const found: Array<{ where: string; uses: string }> = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) if (job.uses) found.push({ where: `jobs.${id}`, uses: job.uses });
  for (const { job, step } of steps(workflow)) {
    if (step.uses) found.push({ where: `jobs.${job} step ${step.id ?? step.name ?? step.uses}`, uses: step.uses });
  }
  return found;
}

/** Third-party actions pinned by commit SHA with a verified `# vX.Y.Z` comment; ours at the release they belong to. */
export function pinProblems(text: string): string[] {
  const workflow = parse(text);
  const reusable = callContract(workflow) !== undefined;
  const problems: string[] = [];
  for (const { where, uses } of usesOf(workflow)) {
    const own = OWN_ACTION.exec(uses) ?? OWN_WORKFLOW.exec(uses);
    if (own) {
      if (own[2] !== SUITE_REF) problems.push(`${where}: ${uses} is not at the release it belongs to, @${SUITE_REF}`);
    } else if (uses.startsWith('./')) {
      if (reusable) problems.push(`${where}: ${uses} would resolve in the caller's repository`);
    } else if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) problems.push(`${where}: ${uses} is not pinned by digest`);
    } else if (!SHA_PIN.test(uses)) {
      problems.push(`${where}: ${uses} is not pinned to a 40-hex commit SHA`);
    }
  }
  // The version comment lives in the text: `uses: owner/repo@<sha> # vX.Y.Z`.
  for (const [index, line] of text.split('\n').entries()) {
    const m = /^\s*(?:-\s+)?uses:\s*([^@\s]+)@([0-9a-f]{40})(.*)$/.exec(line);
    if (!m) continue;
    const [, action, sha, rest] = m as unknown as [string, string, string, string];
    const version = /^\s+#\s+(v\d+\.\d+\.\d+)\b/.exec(rest)?.[1];
    if (!version) problems.push(`line ${index + 1}: ${action}@${sha} has no "# vX.Y.Z" comment`);
    else if (VERIFIED_PINS[sha] !== `${action}@${version}`) {
      problems.push(`line ${index + 1}: ${action}@${sha} # ${version} is not a verified pin (VERIFIED_PINS)`);
    }
  }
  return problems;
}

/** No `${{ … }}` inside run: (values go through env:, where the shell cannot read them as code). */
export function runExpansionProblems(text: string): string[] {
  const problems = steps(parse(text))
    .filter(({ step }) => typeof step.run === 'string' && step.run.includes('${{'))
    .map(({ job, step }) => `jobs.${job} step ${step.name ?? step.id ?? '?'}: ${(step.run as string).trim().split('\n')[0]}`);
  // The same, textually, so a run: the YAML loader would not see (anchors, odd indentation) cannot slip through.
  for (const [index, line] of text.split('\n').entries()) {
    if (/(?:^|\s)run:[^\n]*\$\{\{/.test(line)) problems.push(`line ${index + 1}: an expression inside run:`);
  }
  return problems;
}

export function permissionMap(p: Dict | string | undefined): Dict {
  if (p === undefined) return {};
  if (typeof p === 'string') return { '*': p };
  return p;
}

const OIDC_ACTIONS = ['sign-artifacts', 'publish-binaries', 'update-markers', 'promote-images'];

/**
 * `contents: read` at most at the top; a job raises `id-token: write` only to sign or to take store credentials from
 * OIDC, `contents: write` only to publish; every job of a reusable workflow says what it holds.
 */
export function permissionProblems(text: string): string[] {
  const workflow = parse(text);
  const problems: string[] = [];
  if (workflow.permissions === undefined) problems.push('no top-level permissions');
  for (const [scope, level] of Object.entries(permissionMap(workflow.permissions))) {
    if (!/^contents: (read|none)$/.test(`${scope}: ${String(level)}`)) problems.push(`top-level ${scope}: ${String(level)}`);
  }
  const reusable = callContract(workflow) !== undefined;
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.uses) continue; // a reusable-workflow call: checked against the called jobs
    if (reusable && job.permissions === undefined)
      problems.push(`jobs.${id}: no permissions (each job of a reusable workflow says what it holds)`);
    const uses = (job.steps ?? []).map((s) => s.uses ?? '');
    const runs = (name: string) => uses.some((u) => u.startsWith(`${OWN}/actions/${name}@`));
    if (typeof job.permissions === 'string') problems.push(`jobs.${id}: permissions: ${job.permissions} (list the scopes)`);
    for (const [scope, level] of Object.entries(permissionMap(job.permissions))) {
      if (level !== 'write') continue;
      if (scope === 'id-token' && OIDC_ACTIONS.some(runs)) continue;
      if (scope === 'contents' && runs('publish-binaries')) continue;
      problems.push(`jobs.${id}: ${scope}: write without a step that needs it`);
    }
  }
  return problems;
}

const WHOLE = (name: string, context: string) =>
  new RegExp(`^\\$\\{\\{\\s*${context}\\.([A-Za-z0-9_-]+)\\.outputs\\.([A-Za-z0-9_-]+)\\s*\\}\\}$`).exec(name);
const isArtifactAction = (uses: string | undefined, which: 'upload' | 'download') =>
  uses?.startsWith(`actions/${which}-artifact@`) === true;

/**
 * Every artifact downloaded by name is uploaded under that name in the same workflow, or is the caller's (`${{
 * inputs.<x> }}` whole): names are compared as written, a `${{ needs.<job>.outputs.<o> }}` read through the job's
 * output. A job output read that way must exist.
 */
export function artifactProblems(text: string): string[] {
  const workflow = parse(text);
  const problems: string[] = [];
  const norm = (s: unknown) => String(s ?? '').trim();
  const uploads = new Set(
    steps(workflow)
      .filter(({ step }) => isArtifactAction(step.uses, 'upload'))
      .map(({ step }) => norm(step.with?.['name'])),
  );
  for (const { job, step } of steps(workflow)) {
    if (!isArtifactAction(step.uses, 'download') || step.with?.['name'] === undefined) continue;
    let name = norm(step.with['name']);
    const viaNeeds = WHOLE(name, 'needs');
    if (viaNeeds) {
      const value = workflow.jobs[viaNeeds[1] as string]?.outputs?.[viaNeeds[2] as string];
      if (value === undefined) {
        problems.push(`jobs.${job}: downloads ${name}, but job ${viaNeeds[1]} has no output ${viaNeeds[2]}`);
        continue;
      }
      name = norm(value);
    }
    if (/^\$\{\{\s*inputs\.[A-Za-z0-9_-]+\s*\}\}$/.test(name)) continue;
    if (!uploads.has(name))
      problems.push(`jobs.${job}: downloads artifact ${name}, which no job uploads (uploaded: ${[...uploads].join(', ')})`);
  }
  return problems;
}

const KNOWN_OUTPUTS: Record<string, string[]> = {
  'upload-artifact': ['artifact-id', 'artifact-url', 'artifact-digest'],
  'download-artifact': ['download-path'],
};

/**
 * Every `steps.<id>.outputs.<o>` a job reads is set by that step (our action declares it, a run: step writes it to
 * GITHUB_OUTPUT), and every `needs.<job>.outputs.<o>` is an output that job declares.
 */
export async function outputProblems(
  text: string,
  ownAction: (name: string) => Promise<ActionMetadata | undefined>,
): Promise<string[]> {
  const workflow = parse(text);
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    const body = JSON.stringify(job);
    for (const [, stepId, output] of body.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const step = (job.steps ?? []).find((s) => s.id === stepId);
      if (!step) {
        problems.push(`jobs.${id}: reads steps.${stepId}.outputs.${output}, but has no step ${stepId}`);
        continue;
      }
      const own = step.uses ? OWN_ACTION.exec(step.uses) : null;
      const known = own
        ? Object.keys((await ownAction(own[1] as string))?.outputs ?? {})
        : step.run !== undefined
          ? [...step.run.matchAll(/(?:^|[\s"'{])([A-Za-z0-9_-]+)(?:=|<<)/gm)].map((m) => m[1] as string)
          : KNOWN_OUTPUTS[/^actions\/([a-z-]+)@/.exec(step.uses ?? '')?.[1] ?? ''];
      if (known && !known.includes(output as string))
        problems.push(`jobs.${id}: reads steps.${stepId}.outputs.${output}, which step ${stepId} never sets`);
    }
    const needs = typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []);
    for (const [, need, output] of body.matchAll(/needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      if (!needs.includes(need as string))
        problems.push(`jobs.${id}: reads needs.${need}.outputs.${output} without needing ${need}`);
      else if (!workflow.jobs[need as string]?.outputs?.[output as string] && !workflow.jobs[need as string]?.uses) {
        problems.push(`jobs.${id}: reads needs.${need}.outputs.${output}, which job ${need} does not declare`);
      }
    }
  }
  return problems;
}

/**
 * Our actions that write outside the run (stores, registries, markers; Sigstore's public logs when keyless): the
 * input that decides, and whether its value (as the runner hands it: a string) lets the action write.
 */
const WRITES: Record<string, { input: string; writes: (value: string) => boolean }> = {
  'publish-binaries': { input: 'dry-run', writes: (value) => value !== 'true' },
  'update-markers': { input: 'dry-run', writes: (value) => value !== 'true' },
  'sign-artifacts': { input: 'dry-run', writes: (value) => value !== 'true' },
  'promote-images': { input: 'confirm', writes: (value) => value === 'true' },
};

/** Whether the workflow runs on a pull_request event: its own trigger, or a caller's (a reusable workflow). */
function runsOnPullRequest(workflow: Workflow): boolean {
  const on = workflow.on;
  const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys((on as Dict | null) ?? {});
  return events.some((event) => ['pull_request', 'pull_request_target', 'workflow_call'].includes(String(event)));
}

/** A YAML value as GitHub reads it: `${{ … }}` whole is evaluated; `if:` is an expression even without `${{ }}`. */
function yamlValue(raw: unknown, contexts: Contexts, isCondition = false): Value {
  if (typeof raw !== 'string') return (raw ?? null) as Value;
  const whole = /^\s*\$\{\{((?:(?!\}\}).)*)\}\}\s*$/s.exec(raw);
  if (whole) return evaluate(whole[1] as string, contexts);
  return isCondition ? evaluate(raw, contexts) : raw;
}

/**
 * On a pull_request event (a reusable workflow's caller's), with `dry-run: false` and `confirm: true`, every step of
 * ours that could write outside the run (WRITES) is skipped (its job's `if:` or its own) or told not to.
 */
export function pullRequestWriteProblems(text: string): string[] {
  const workflow = parse(text);
  if (!runsOnPullRequest(workflow)) return [];
  // Every input given (an empty default would skip the stages it enables), and the run told to write.
  const inputs: Record<string, Value> = {};
  for (const [name, spec] of Object.entries(callContract(workflow)?.inputs ?? {}))
    inputs[name] = spec.default === undefined || spec.default === '' ? 'given' : (spec.default as Value);
  Object.assign(inputs, { 'dry-run': false, confirm: true });
  const needs = Object.fromEntries(Object.keys(workflow.jobs ?? {}).map((id) => [id, { result: 'success', outputs: {} }]));
  const top: Contexts = { github: { event_name: 'pull_request' }, inputs, needs };
  const strings = (dict: Dict | undefined, contexts: Contexts) =>
    Object.fromEntries(Object.entries(dict ?? {}).map(([key, raw]) => [key, asString(yamlValue(raw, contexts))]));
  const workflowEnv = strings(workflow.env, top);
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.if !== undefined && !truthy(yamlValue(job.if, top, true))) continue;
    const contexts = { ...top, env: { ...workflowEnv, ...strings(job.env, { ...top, env: workflowEnv }) } };
    for (const step of job.steps ?? []) {
      const action = OWN_ACTION.exec(step.uses ?? '')?.[1] as string | undefined;
      const rule = action === undefined ? undefined : WRITES[action];
      if (!rule || (step.if !== undefined && !truthy(yamlValue(step.if, contexts, true)))) continue;
      const value = asString(yamlValue(step.with?.[rule.input], contexts));
      if (rule.writes(value))
        problems.push(`jobs.${id}: ${action} would write on a pull_request event (${rule.input}: ${JSON.stringify(value)})`);
    }
  }
  return problems;
}

export function readAction(name: string): Promise<ActionMetadata | undefined> {
  return readActionMetadata(path.join(root, 'actions', name, 'action.yml')).catch(() => undefined);
}
