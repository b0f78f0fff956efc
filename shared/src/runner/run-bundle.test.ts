import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionMetadata, listActions, parseAnnotations, repoRoot, runBundle } from './run-bundle.ts';

const root = repoRoot();
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'harness-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A stand-in entry that uses @actions/core as a real action does, to check the harness reads every channel. */
async function probeEntry(): Promise<string> {
  const core = pathToFileURL(path.join(root, 'node_modules/@actions/core/lib/core.js')).toString();
  const entry = path.join(scratch, 'probe.mjs');
  await writeFile(
    entry,
    `import * as core from ${JSON.stringify(core)};
core.setOutput('single', 'one line');
core.setOutput('multi', 'first\\nsecond\\n\\nfourth');
core.setOutput('dry-run-seen', process.env['INPUT_DRY-RUN']);
core.setOutput('cwd', process.cwd());
core.setOutput('temp', process.env.RUNNER_TEMP);
core.exportVariable('EXPORTED', 'a\\nb');
core.saveState('state-key', 'kept');
core.warning('careful: 50% done', { title: 'Heads up' });
await core.summary.addHeading('Probe').addTable([['a', 'b'], ['1', '2']]).write();
`,
  );
  return entry;
}

describe('runBundle', () => {
  it('passes defaults as INPUT_* and reads outputs (heredoc form), env, state, summary and annotations', async () => {
    const workspace = path.join(scratch, 'ws');
    const result = await runBundle('generate-sbom', { entry: await probeEntry(), workspace, inputs: { 'dry-run': 'true' } });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ single: 'one line', multi: 'first\nsecond\n\nfourth', cwd: workspace });
    // generate-sbom declares no dry-run input: the given value still reaches the action, as the runner passes any with:.
    expect(result.outputs['dry-run-seen']).toBe('true');
    expect(result.outputs.temp).toMatch(/runner-temp$/);
    expect(result.env).toEqual({ EXPORTED: 'a\nb' });
    expect(result.state).toEqual({ 'state-key': 'kept' });
    expect(result.summary).toContain('<h1>Probe</h1>');
    expect(result.annotations).toEqual([{ level: 'warning', properties: { title: 'Heads up' }, message: 'careful: 50% done' }]);
  });

  it('writes outputs with the heredoc delimiter form', async () => {
    const entry = path.join(scratch, 'raw.mjs');
    await writeFile(
      entry,
      `import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.GITHUB_OUTPUT, 'x<<EOF_1\\na\\nb\\nEOF_1\\ny=2\\n');\n`,
    );
    const result = await runBundle('update-markers', { entry });
    expect(result.outputs).toEqual({ x: 'a\nb', y: '2' });
  });

  it('parses annotations with escaped data and properties', () => {
    expect(parseAnnotations('log\n::error title=Invalid input%3A files,file=a.ts::line%0Anext 100%25\n')).toEqual([
      { level: 'error', properties: { title: 'Invalid input: files', file: 'a.ts' }, message: 'line\nnext 100%' },
    ]);
  });
});

/** Plausible values for required inputs, so that the malformed one is the only problem. */
const PLAUSIBLE: Record<string, string> = {
  files: '**/*',
  version: 'v1.31.2',
  destination: 'file:///tmp/release-actions-never-written',
  destinations: 'file:///tmp/release-actions-never-written',
  'source-dir': '.',
  config: 'nfpm.yaml',
  images: 'registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097',
};

/** The malformed value per action: its first boolean set to "yes", or an unknown enum value. */
function malformedInput(action: string, inputs: Record<string, { default?: string }>): [string, string] {
  const boolean = Object.entries(inputs).find(([, spec]) => spec.default === 'true' || spec.default === 'false');
  if (boolean) return [boolean[0], 'yes'];
  if (action === 'generate-sbom') return ['format', 'xml'];
  throw new Error(`${action} has no boolean input to malform`);
}

describe('every bundle, run as the runner runs it', () => {
  it.each(listActions())(
    '%s: a malformed input exits 1 with one ::error naming that input and no stack trace',
    async (action) => {
      const metadata = await actionMetadata(action);
      const [name, value] = malformedInput(action, metadata.inputs);
      const required = Object.entries(metadata.inputs)
        .filter(([, spec]) => spec.required)
        .map(([input]) => [input, PLAUSIBLE[input] ?? 'x']);
      const result = await runBundle(action, { inputs: { ...Object.fromEntries(required), [name]: value } });
      expect(result.exitCode).toBe(1);
      const errors = result.annotations.filter((a) => a.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.properties.title).toBe(`Invalid input: ${name}`);
      expect(errors[0]?.message).toContain(`'${name}'`);
      expect(result.stdout + result.stderr).not.toMatch(/^\s+at /m);
    },
  );

  it.each(listActions())('%s: action.yml declares node24, its bundle, descriptions and boolean defaults', async (action) => {
    const metadata = await actionMetadata(action);
    expect(metadata.runs).toEqual({ using: 'node24', main: `../../dist/${action}/index.js` });
    expect(metadata.description.length).toBeGreaterThan(10);
    for (const [name, spec] of Object.entries(metadata.inputs)) {
      expect(name, 'inputs are kebab-case').toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(spec.description?.trim().length, `${action}.${name} has a description`).toBeGreaterThan(5);
      if (!spec.required) expect(spec.default, `${action}.${name} has a default`).toBeDefined();
    }
    for (const [name, spec] of Object.entries(metadata.outputs)) {
      expect(spec.description?.trim().length, `${action} output ${name} has a description`).toBeGreaterThan(5);
    }
    const bundle = await readFile(path.join(root, 'dist', action, 'package.json'), 'utf8');
    expect(JSON.parse(bundle)).toEqual({ type: 'module' });
  });
});
