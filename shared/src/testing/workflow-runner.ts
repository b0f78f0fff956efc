/**
 * Runs a workflow of ours on this machine, as GitHub would, to test what static checks cannot see: an artifact name
 * misspelt between jobs, a job output nobody sets, a stage reading the manifest from the wrong path.
 *
 * Parsed and validated by GitHub's own parser (@actions/workflow-parser), expressions evaluated by GitHub's own
 * evaluator (@actions/expressions). Jobs run one at a time in `needs` order, matrices expanded; `if:` with the
 * status functions; `workflow_call` / `workflow_dispatch` inputs typed and checked, secrets declared or inherited;
 * `env:` at every level; job outputs from step outputs (GITHUB_OUTPUT); `run:` in bash; this repository's actions
 * (`<owner>/release-actions/actions/<name>@<ref>` or `./actions/<name>`) run their bundle through runBundle;
 * upload/download-artifact (pinned by SHA) are folders (workflow-artifacts.ts); checkout copies a folder into the
 * workspace; a reusable workflow of this repository is run in place. Any other `uses:` throws
 * UnsupportedStepError: the test fails by name, not by a silent skip.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { parseCommandFile } from '../core/action-metadata.ts';
import { githubContext, repoRoot, runBundle } from '../runner/run-bundle.ts';
import { downloadArtifact, uploadArtifact } from './workflow-artifacts.ts';
import {
  asString,
  type Contexts,
  evaluate,
  type Status,
  stringMap,
  tokenValue,
  truthy,
  type Value,
} from './workflow-expressions.ts';
import { type Combination, expandMatrix } from './workflow-matrix.ts';

export class UnsupportedStepError extends Error {
  override name = 'UnsupportedStepError';
  readonly uses: string;
  constructor(uses: string, where: string) {
    super(
      `${where}: uses ${uses}, which the workflow runner does not run (only this repository's actions and workflows, and SHA-pinned checkout/upload-artifact/download-artifact)`,
    );
    this.uses = uses;
  }
}

export type Result = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  id: string;
  name: string;
  outcome: Result;
  outputs: Record<string, string>;
  /** The step's stdout and stderr (or the reason it failed). */
  log: string;
  durationMs: number;
}

export interface JobRun {
  matrix: Combination;
  result: Result;
  outputs: Record<string, string>;
  steps: StepRecord[];
  env: Record<string, string>;
  environment?: string;
  permissions?: Value;
  /** A reusable-workflow job: what the called workflow did. */
  called?: WorkflowResult;
}

export interface JobResult {
  result: Result;
  outputs: Record<string, string>;
  runs: JobRun[];
}

export interface WorkflowResult {
  file: string;
  result: 'success' | 'failure';
  jobs: Record<string, JobResult>;
  outputs: Record<string, string>;
  concurrency?: string;
  permissions?: Value;
  /** The run's artifact store: one folder per artifact. */
  artifacts: string;
}

export interface WorkflowRunOptions {
  /** Scratch folder of the run: job workspaces and the artifact store. */
  scratch: string;
  /** The repository whose actions' bundles and workflows are run (this one by default). */
  root?: string;
  event?: 'workflow_call' | 'workflow_dispatch' | 'push';
  inputs?: Record<string, string | number | boolean>;
  /** Secrets passed by the caller (workflow_call), or the repository's secrets (other events: names checked). */
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Environment every step gets besides the runner's (SOURCE_DATE_EPOCH, AWS_*, …). */
  env?: Record<string, string>;
  /** What actions/checkout puts in a workspace; nothing when absent. */
  checkout?: string;
  github?: Record<string, unknown>;
  log?: (line: string) => void;
}

interface RunState {
  options: WorkflowRunOptions;
  root: string;
  artifacts: string;
  counter: { jobs: number };
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SHA_PINNED = (action: string) => new RegExp(`^actions/${action}@[0-9a-f]{40}$`);
const OWN_ACTION = /^(?:[A-Za-z0-9_.-]+\/release-actions\/actions\/([a-z0-9-]+)@\S+|\.\/actions\/([a-z0-9-]+))$/;
const OWN_WORKFLOW =
  /^(?:[A-Za-z0-9_.-]+\/release-actions\/\.github\/workflows\/([A-Za-z0-9_.-]+\.ya?ml)@\S+|\.\/\.github\/workflows\/([A-Za-z0-9_.-]+\.ya?ml))$/;

const find = (token: TemplateToken | undefined, key: string): TemplateToken | undefined =>
  token && isMapping(token) ? token.find(key) : undefined;

async function parse(file: string): Promise<{ template: WorkflowTemplate; raw: TemplateToken }> {
  const parsed = parseWorkflow({ name: file, content: await readFile(file, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !parsed.value) throw new Error(`${file} does not parse: ${errors.join('; ')}`);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length) throw new Error(`${file}: ${template.errors.map((e) => e.Message).join('; ')}`);
  return { template, raw: parsed.value };
}

function typedInputs(
  definitions: Record<string, { type?: string; required?: boolean; default?: unknown; options?: string[] }>,
  given: Record<string, Value>,
  contexts: Contexts,
  where: string,
): Record<string, Value> {
  for (const key of Object.keys(given)) if (!(key in definitions)) throw new Error(`${where}: no input named ${key}`);
  const inputs: Record<string, Value> = {};
  for (const [name, def] of Object.entries(definitions)) {
    let value: Value | undefined = given[name];
    if (value === undefined && def.default !== undefined) {
      value = typeof def.default === 'object' ? tokenValue(def.default as TemplateToken, contexts) : (def.default as Value);
    }
    if (value === undefined && def.required) throw new Error(`${where}: the required input ${name} is not given`);
    if (def.type === 'boolean') {
      if (value === 'true' || value === 'false') value = value === 'true';
      if (value !== undefined && typeof value !== 'boolean')
        throw new Error(`${where}: input ${name} is not a boolean: ${JSON.stringify(value)}`);
      value ??= false;
    } else if (def.type === 'number') {
      value = value === undefined ? 0 : Number(value);
      if (Number.isNaN(value)) throw new Error(`${where}: input ${name} is not a number`);
    } else {
      value = value === undefined ? '' : asString(value);
      if (def.type === 'choice' && !def.options?.includes(value)) {
        throw new Error(`${where}: input ${name} = ${JSON.stringify(value)} is not one of ${def.options?.join(', ')}`);
      }
    }
    inputs[name] = value;
  }
  return inputs;
}

function githubObject(options: WorkflowRunOptions, event: string, inputs: Record<string, Value>): Record<string, unknown> {
  return {
    repository: 'kubernetes/release-test',
    repository_owner: 'kubernetes',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/tags/v1.31.2',
    ref_name: 'v1.31.2',
    run_id: '1234567890',
    run_number: '42',
    run_attempt: '1',
    actor: 'k8s-release-robot',
    workflow: 'release',
    token: 'ghs_workflowrunnertoken',
    event_name: event,
    event: { inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, asString(v)])) },
    ...options.github,
  };
}

/** Runs the workflow file (absolute, or relative to the repository root). */
export async function runWorkflow(file: string, options: WorkflowRunOptions): Promise<WorkflowResult> {
  const root = options.root ?? repoRoot();
  const artifacts = path.join(options.scratch, 'artifacts');
  await mkdir(artifacts, { recursive: true });
  const event = options.event ?? 'workflow_call';
  if (event !== 'workflow_call') {
    for (const name of Object.keys(options.secrets ?? {})) {
      if (!SECRET_NAME.test(name) || /^GITHUB_/i.test(name))
        throw new Error(`${name} is not a valid GitHub secret name ([A-Za-z0-9_], not GITHUB_*)`);
    }
  }
  return run(path.resolve(root, file), event, options.inputs ?? {}, options.secrets ?? {}, {
    options,
    root,
    artifacts,
    counter: { jobs: 0 },
  });
}

async function run(
  file: string,
  event: string,
  given: Record<string, Value>,
  secrets: Record<string, string>,
  state: RunState,
  inherited = false,
): Promise<WorkflowResult> {
  const { template, raw } = await parse(file);
  const where = path.basename(file);
  const on = find(raw, 'on');
  const trigger =
    event === 'workflow_call'
      ? template.events.workflow_call
      : event === 'workflow_dispatch'
        ? template.events.workflow_dispatch
        : undefined;
  if ((event === 'workflow_call' || event === 'workflow_dispatch') && !trigger) throw new Error(`${where} is not on: ${event}`);
  const baseContexts = { github: githubObject(state.options, event, {}), vars: state.options.vars ?? {} };
  const inputs = trigger ? typedInputs((trigger.inputs ?? {}) as never, given, baseContexts, where) : {};
  if (event === 'workflow_call') {
    const declared = template.events.workflow_call?.secrets ?? {};
    for (const name of Object.keys(secrets))
      if (!inherited && !(name in declared)) throw new Error(`${where}: no secret named ${name}`);
    for (const [name, def] of Object.entries(declared)) {
      if (def.required && !secrets[name]) throw new Error(`${where}: the required secret ${name} is not given`);
    }
  }
  const github = githubObject(state.options, event, inputs);
  const secretContext = { GITHUB_TOKEN: String(github.token), ...secrets };
  const top: Contexts = { github, inputs, vars: state.options.vars ?? {}, secrets: secretContext };
  const workflowEnv = stringMap(tokenValue(template.env, top));
  const concurrency = tokenValue(find(raw, 'concurrency'), top);
  const result: WorkflowResult = {
    file: where,
    result: 'success',
    jobs: {},
    outputs: {},
    concurrency:
      concurrency === null
        ? undefined
        : typeof concurrency === 'object' && !Array.isArray(concurrency)
          ? asString((concurrency as Record<string, Value>)['group'] ?? null)
          : asString(concurrency),
    permissions: tokenValue(find(raw, 'permissions'), top),
    artifacts: state.artifacts,
  };
  const rawJobs = find(raw, 'jobs');
  const pending = [...template.jobs];
  const failedUpstream = new Set<string>();
  while (pending.length) {
    const index = pending.findIndex((j) => (j.needs ?? []).every((n) => n.value in result.jobs));
    if (index < 0)
      throw new Error(`${where}: jobs ${pending.map((j) => j.id.value).join(', ')} wait on each other or on a missing job`);
    const job = pending.splice(index, 1)[0] as WorkflowTemplate['jobs'][number];
    const id = job.id.value;
    const needs = Object.fromEntries(
      (job.needs ?? []).map((n) => [n.value, { result: result.jobs[n.value]?.result, outputs: result.jobs[n.value]?.outputs }]),
    );
    const needResults = Object.values(needs).map((n) => n.result);
    // A job's success() asks that every job it needs succeeded (one skipped is no success either); failure() that
    // one it depends on, directly or not, failed.
    const upstreamFailed = (job.needs ?? []).some(
      (n) => result.jobs[n.value]?.result === 'failure' || failedUpstream.has(n.value),
    );
    if (upstreamFailed) failedUpstream.add(id);
    const status: Status = { success: needResults.every((r) => r === 'success'), failure: upstreamFailed };
    const jobContexts: Contexts = { ...top, needs };
    const run = truthy(evaluate(job.if?.expression ?? 'success()', jobContexts, status));
    if (!run) {
      state.options.log?.(`${where} ${id}: skipped`);
      result.jobs[id] = { result: 'skipped', outputs: {}, runs: [] };
      continue;
    }
    const rawJob = find(rawJobs, id);
    const legs = expandMatrix(findValue(tokenValue(job.strategy, jobContexts), 'matrix'));
    const runs: JobRun[] = [];
    for (const [index, matrix] of legs.entries()) {
      const contexts = { ...jobContexts, matrix, strategy: { 'job-index': index, 'job-total': legs.length } };
      runs.push(
        job.type === 'reusableWorkflowJob'
          ? await callWorkflow(job, contexts, secretContext, state, `${where} ${id}`)
          : await runJob(job, rawJob, raw, contexts, workflowEnv, state, `${where} ${id}`),
      );
    }
    const outputs: Record<string, string> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.outputs)) if (v !== '' || !(k in outputs)) outputs[k] = v;
    const jobResult: Result = runs.some((r) => r.result === 'failure') ? 'failure' : 'success';
    result.jobs[id] = { result: jobResult, outputs, runs };
    if (jobResult === 'failure') result.result = 'failure';
  }
  const jobs = Object.fromEntries(Object.entries(result.jobs).map(([id, j]) => [id, { result: j.result, outputs: j.outputs }]));
  const declaredOutputs = tokenValue(find(find(on, 'workflow_call'), 'outputs'), { ...top, jobs });
  for (const [name, spec] of Object.entries((declaredOutputs ?? {}) as Record<string, Value>)) {
    result.outputs[name] = asString(findValue(spec, 'value'));
  }
  return result;
}

function findValue(value: Value, key: string): Value {
  return value && typeof value === 'object' && !Array.isArray(value) ? ((value as Record<string, Value>)[key] ?? null) : null;
}

async function callWorkflow(
  job: Extract<WorkflowTemplate['jobs'][number], { type: 'reusableWorkflowJob' }>,
  contexts: Contexts,
  callerSecrets: Record<string, string>,
  state: RunState,
  where: string,
): Promise<JobRun> {
  const ref = job.ref.value;
  const m = OWN_WORKFLOW.exec(ref);
  if (!m) throw new UnsupportedStepError(ref, where);
  const file = path.join(state.root, '.github', 'workflows', (m[1] ?? m[2]) as string);
  const withValues = (tokenValue(job['input-values'], contexts) ?? {}) as Record<string, Value>;
  const secrets = job['inherit-secrets']
    ? Object.fromEntries(Object.entries(callerSecrets).filter(([k]) => k !== 'GITHUB_TOKEN'))
    : stringMap(tokenValue(job['secret-values'], contexts));
  state.options.log?.(`${where}: calls ${ref}`);
  const called = await run(file, 'workflow_call', withValues, secrets, state, job['inherit-secrets'] === true);
  return {
    matrix: (contexts.matrix ?? {}) as Combination,
    result: called.result,
    outputs: called.outputs,
    steps: [],
    env: {},
    called,
  };
}

async function runJob(
  job: Extract<WorkflowTemplate['jobs'][number], { type: 'job' }>,
  rawJob: TemplateToken | undefined,
  rawWorkflow: TemplateToken,
  contexts: Contexts,
  workflowEnv: Record<string, string>,
  state: RunState,
  where: string,
): Promise<JobRun> {
  const dir = path.join(state.options.scratch, 'jobs', `${++state.counter.jobs}-${job.id.value}`);
  const workspace = path.join(dir, 'workspace');
  const temp = path.join(dir, 'temp');
  await Promise.all([mkdir(workspace, { recursive: true }), mkdir(temp, { recursive: true })]);
  const env: Record<string, string> = { ...workflowEnv };
  Object.assign(env, stringMap(tokenValue(job.env, { ...contexts, env })));
  const environment = tokenValue(job.environment, contexts);
  const defaults = {
    ...(tokenValue(find(find(rawWorkflow, 'defaults'), 'run'), contexts) as object),
    ...(tokenValue(find(find(rawJob, 'defaults'), 'run'), contexts) as object),
  } as Record<string, Value>;
  const record: JobRun = {
    matrix: (contexts.matrix ?? {}) as Combination,
    result: 'success',
    outputs: {},
    steps: [],
    env,
    environment:
      environment === null ? undefined : asString(typeof environment === 'object' ? findValue(environment, 'name') : environment),
    permissions: tokenValue(find(rawJob, 'permissions'), contexts),
  };
  const steps: Record<string, { outputs: Record<string, string>; outcome: Result; conclusion: Result }> = {};
  const rawSteps = find(rawJob, 'steps');
  const extraPath: string[] = [];
  let failed = false;
  for (const [i, step] of job.steps.entries()) {
    const rawStep = rawSteps && isSequence(rawSteps) ? rawSteps.get(i) : undefined;
    const stepContexts: Contexts = {
      ...contexts,
      env,
      steps,
      job: { status: failed ? 'failure' : 'success' },
      runner: { temp, os: 'Linux', arch: 'X64' },
    };
    const status: Status = { success: !failed, failure: failed };
    const name = asString(tokenValue(step.name, stepContexts)) || step.id;
    const started = performance.now();
    const stepRecord: StepRecord = { id: step.id, name, outcome: 'skipped', outputs: {}, log: '', durationMs: 0 };
    record.steps.push(stepRecord);
    if (!truthy(evaluate((step as { if?: { expression: string } }).if?.expression ?? 'success()', stepContexts, status))) {
      steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    const stepEnv = { ...env, ...stringMap(tokenValue(find(rawStep, 'env'), stepContexts, status)) };
    const context = {
      ...githubContext(workspace),
      GITHUB_EVENT_NAME: asString(findValue(contexts.github as Value, 'event_name')),
      GITHUB_JOB: job.id.value,
      RUNNER_TEMP: temp,
      ...state.options.env,
    };
    let outcome: Result = 'success';
    try {
      if ('run' in step) {
        const script = asString(tokenValue(step.run, stepContexts, status));
        const shell = asString(tokenValue(find(rawStep, 'shell'), stepContexts)) || asString(defaults['shell'] ?? null) || 'bash';
        const cwd = path.resolve(
          workspace,
          asString(tokenValue(find(rawStep, 'working-directory'), stepContexts)) ||
            asString(defaults['working-directory'] ?? null) ||
            '.',
        );
        const out = await runScript(script, shell, cwd, { ...context, ...stepEnv }, dir, extraPath, where);
        stepRecord.log = out.log;
        stepRecord.outputs = out.outputs;
        Object.assign(env, out.env);
        if (out.exitCode !== 0) outcome = 'failure';
      } else if ('uses' in step) {
        const uses = step.uses.value;
        const withValues = stringMap(tokenValue(find(rawStep, 'with'), stepContexts, status));
        const own = OWN_ACTION.exec(uses);
        if (own) {
          const action = (own[1] ?? own[2]) as string;
          const result = await runBundle(action, {
            inputs: withValues,
            env: { ...context, ...stepEnv },
            workspace,
            root: state.root,
            timeoutMs: 300_000,
          });
          stepRecord.log = `${result.stdout}${result.stderr}`;
          stepRecord.outputs = result.outputs;
          Object.assign(env, result.env);
          if (result.exitCode !== 0) outcome = 'failure';
        } else if (SHA_PINNED('upload-artifact').test(uses)) {
          const { files } = await uploadArtifact(workspace, state.artifacts, withValues as never);
          stepRecord.log = `uploaded ${files} files as ${withValues['name'] || 'artifact'}`;
        } else if (SHA_PINNED('download-artifact').test(uses)) {
          const to = await downloadArtifact(workspace, state.artifacts, withValues);
          stepRecord.outputs = { 'download-path': to };
        } else if (SHA_PINNED('checkout').test(uses)) {
          if (state.options.checkout) await cp(state.options.checkout, workspace, { recursive: true });
        } else {
          throw new UnsupportedStepError(uses, `${where} step ${name}`);
        }
      }
    } catch (error) {
      if (error instanceof UnsupportedStepError) throw error;
      stepRecord.log += (error as Error).message;
      outcome = 'failure';
    }
    stepRecord.durationMs = performance.now() - started;
    stepRecord.outcome = outcome;
    const continueOnError = truthy(tokenValue(find(rawStep, 'continue-on-error'), stepContexts));
    const conclusion: Result = outcome === 'failure' && continueOnError ? 'success' : outcome;
    steps[step.id] = { outputs: stepRecord.outputs, outcome, conclusion };
    if (conclusion === 'failure') failed = true;
    state.options.log?.(
      `${where} step ${name}: ${outcome}${outcome === 'failure' ? `\n${stepRecord.log.trim().split('\n').slice(-15).join('\n')}` : ''}`,
    );
  }
  record.result = failed ? 'failure' : 'success';
  const outputContexts = { ...contexts, env, steps, job: { status: record.result } };
  record.outputs = stringMap(tokenValue(job.outputs, outputContexts));
  return record;
}

async function runScript(
  script: string,
  shell: string,
  cwd: string,
  env: Record<string, string>,
  dir: string,
  extraPath: string[],
  where: string,
): Promise<{ exitCode: number; log: string; outputs: Record<string, string>; env: Record<string, string> }> {
  const args: Record<string, string[]> = { bash: ['--noprofile', '--norc', '-eo', 'pipefail'], sh: ['-e'] };
  const command = shell.split(' ')[0] as string;
  if (!args[command]) throw new UnsupportedStepError(`shell: ${shell}`, where);
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_ENV: path.join(dir, 'env'),
    GITHUB_PATH: path.join(dir, 'path'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
  };
  const scriptFile = path.join(dir, 'script.sh');
  await Promise.all([writeFile(scriptFile, script), ...Object.values(files).map((f) => writeFile(f, ''))]);
  const base = { PATH: [...extraPath, process.env.PATH ?? ''].join(':'), HOME: process.env.HOME ?? dir, LANG: 'C.UTF-8' };
  const child = spawn(command, [...(args[command] as string[]), scriptFile], {
    cwd,
    env: { ...base, ...env, ...files },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const read = (f: string) => readFile(f, 'utf8');
  extraPath.unshift(...(await read(files.GITHUB_PATH)).split('\n').filter(Boolean));
  return {
    exitCode,
    log,
    outputs: parseCommandFile(await read(files.GITHUB_OUTPUT)),
    env: parseCommandFile(await read(files.GITHUB_ENV)),
  };
}
