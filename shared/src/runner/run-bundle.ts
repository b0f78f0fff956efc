/**
 * Runs an action's bundle exactly as the GitHub runner does: INPUT_* variables
 * with the defaults from action.yml, the command files (GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_STATE), RUNNER_TEMP and GITHUB_WORKSPACE,
 * then reads back outputs, summary and annotations. The CLI and the end-to-end
 * tests both go through here, so local runs and CI runs share one code path.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ActionMetadata, inputEnvironment, parseCommandFile, readActionMetadata } from '../core/action-metadata.ts';
import { LogMasker } from './log-masker.ts';

/** The repository root: the nearest folder above this module holding actions/ and package.json. */
export function repoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'actions')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the release-actions root above ${from}`);
  }
}

/** Every action, sorted by name: each folder of actions/ that holds an action.yml (the bundle and docs scripts too). */
export function listActions(root = repoRoot()): string[] {
  return readdirSync(path.join(root, 'actions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, 'actions', entry.name, 'action.yml')))
    .map((entry) => entry.name)
    .sort();
}

export function actionMetadata(action: string, root = repoRoot()): Promise<ActionMetadata> {
  return readActionMetadata(path.join(root, 'actions', action, 'action.yml'));
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  properties: Record<string, string>;
  message: string;
}

export interface RunResult {
  exitCode: number;
  outputs: Record<string, string>;
  env: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  stdout: string;
  stderr: string;
  annotations: Annotation[];
  /** From the spawn of the action's process to its end (what a step takes, without this runner's own setup). */
  durationMs: number;
}

export interface RunBundleOptions {
  inputs?: Record<string, string>;
  /** Extra environment (e.g. AWS_*, SOURCE_DATE_EPOCH); merged over the runner context. */
  env?: Record<string, string | undefined>;
  /** GITHUB_WORKSPACE and the working directory; a fresh temp folder by default. */
  workspace?: string;
  /** The script to run; `dist/<action>/index.js` by default. */
  entry?: string;
  /** Include the GITHUB_* context of a workflow run (the CLI leaves it out). */
  githubContext?: boolean;
  /** Where the child's log goes: collected (default), or streamed to our stderr (the CLI keeps stdout for JSON). */
  stdio?: 'collect' | 'stderr';
  /** With stdio 'stderr': the masks the log is shown through (a fresh one by default; share one across steps). */
  masker?: LogMasker;
  timeoutMs?: number;
  root?: string;
}

/** The context variables a runner sets for a job in a push workflow. */
export function githubContext(workspace: string): Record<string, string> {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'kubernetes/release-test',
    GITHUB_REPOSITORY_ID: '20580498',
    GITHUB_REPOSITORY_OWNER: 'kubernetes',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/tags/v1.31.2',
    GITHUB_REF_NAME: 'v1.31.2',
    GITHUB_REF_TYPE: 'tag',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_WORKFLOW: 'release',
    GITHUB_WORKFLOW_REF: 'kubernetes/release-test/.github/workflows/release.yml@refs/tags/v1.31.2',
    GITHUB_WORKFLOW_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'release',
    GITHUB_ACTOR: 'k8s-release-robot',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted',
  };
}

const ANNOTATION = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/;

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function parseAnnotations(stdout: string): Annotation[] {
  const found: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = ANNOTATION.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeData(pair.slice(eq + 1))
        .replace(/%3A/g, ':')
        .replace(/%2C/g, ',');
    }
    found.push({ level: m[1] as Annotation['level'], properties, message: unescapeData(m[3] as string) });
  }
  return found;
}

export async function runBundle(action: string, options: RunBundleOptions = {}): Promise<RunResult> {
  const root = options.root ?? repoRoot();
  const metadata = await actionMetadata(action, root);
  const scratch = await mkdtemp(path.join(tmpdir(), `run-${action}-`));
  const workspace = options.workspace ?? path.join(scratch, 'workspace');
  const files = {
    GITHUB_OUTPUT: path.join(scratch, 'output'),
    GITHUB_STEP_SUMMARY: path.join(scratch, 'summary'),
    GITHUB_ENV: path.join(scratch, 'env'),
    GITHUB_STATE: path.join(scratch, 'state'),
    GITHUB_PATH: path.join(scratch, 'path'),
  };
  const runnerTemp = path.join(scratch, 'runner-temp');
  await Promise.all([mkdir(workspace, { recursive: true }), mkdir(runnerTemp, { recursive: true })]);
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));

  const base: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(base)) if (key.startsWith('INPUT_')) delete base[key];
  const env = {
    ...base,
    ...(options.githubContext === false ? { GITHUB_WORKSPACE: workspace } : githubContext(workspace)),
    RUNNER_TEMP: runnerTemp,
    ...files,
    ...inputEnvironment(metadata, options.inputs ?? {}),
    ...options.env,
  };
  const entry = options.entry ?? path.join(root, 'dist', action, 'index.js');
  try {
    const started = performance.now();
    const child = spawn(process.execPath, [entry], {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (options.stdio === 'stderr') {
      // Shown on a terminal, where no runner masks anything: both streams go through the step's own masks.
      const masker = options.masker ?? new LogMasker();
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
          const shown = masker.line(line);
          if (shown !== undefined) process.stderr.write(`${shown}\n`);
        });
      }
    } else {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    }).finally(() => clearTimeout(timer));
    const durationMs = performance.now() - started;
    const read = (f: string) => readFile(f, 'utf8');
    return {
      exitCode,
      outputs: parseCommandFile(await read(files.GITHUB_OUTPUT)),
      env: parseCommandFile(await read(files.GITHUB_ENV)),
      state: parseCommandFile(await read(files.GITHUB_STATE)),
      summary: await read(files.GITHUB_STEP_SUMMARY),
      stdout,
      stderr,
      annotations: parseAnnotations(stdout),
      durationMs,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
