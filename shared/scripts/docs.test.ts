import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ActionDoc,
  cell,
  END_MARKER,
  firstSentence,
  planDocs,
  README_END,
  README_START,
  renderActionFile,
  renderActionTable,
  spliceReadme,
  usageSnippet,
} from './docs.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

const sample: ActionDoc = {
  name: 'demo',
  metadata: {
    name: 'demo',
    description: 'Does a demo thing. More words here.',
    inputs: {
      files: { description: 'Globs of files.\nOne per line.', required: true },
      mode: { description: 'sign | verify', required: false, default: 'sign' },
      token: { description: 'A token.', required: false, default: '' },
    },
    outputs: { count: { description: 'How many.' } },
    runs: { using: 'node24', main: '../../dist/demo/index.js' },
  },
};

describe('generated docs are fresh', () => {
  it('`node shared/scripts/docs.ts --check` passes (run `npm run docs` when it fails)', async () => {
    const result = await run(process.execPath, [path.join(root, 'shared/scripts/docs.ts'), '--check'], { cwd: root }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? String(err) }),
    );
    expect(result.stderr, 'stale generated docs: run `npm run docs` and commit the result').toBe('');
    expect(result.code).toBe(0);
  });
});

describe('rendering', () => {
  it('renders title, usage with the required inputs, inputs and outputs tables', () => {
    const page = renderActionFile(sample, undefined);
    expect(page).toContain('# demo\n');
    expect(page).toContain('- uses: kubernetes-sigs/release-actions/actions/demo@v1');
    expect(usageSnippet(sample)).toContain("    files: ''");
    expect(usageSnippet(sample)).not.toContain('mode:');
    expect(page).toContain('| `files` | yes |  | Globs of files. One per line. |');
    expect(page).toContain('| `mode` | no | `sign` | sign \\| verify |');
    expect(page).toContain('| `token` | no | `""` | A token. |');
    expect(page).toContain('| `count` | How many. |');
    expect(page.endsWith(`${END_MARKER}\n`)).toBe(true);
  });

  it('keeps the hand-written part below the end marker, and a page that had no marker', () => {
    const handWritten = '\n## Examples\n\nHand-written text.\n';
    const first = renderActionFile(sample, `old generated text\n${END_MARKER}${handWritten}`);
    expect(first.endsWith(`${END_MARKER}${handWritten}`)).toBe(true);
    expect(first).not.toContain('old generated text');
    expect(renderActionFile(sample, first)).toBe(first);
    const adopted = renderActionFile(sample, '# Notes\n\nWritten before the generator.\n');
    expect(adopted).toContain(`${END_MARKER}\n\n# Notes\n\nWritten before the generator.\n`);
  });

  it('takes the first sentence, past "e.g." and parentheses', () => {
    expect(firstSentence('Globs (e.g. a/b. Or c). Second.')).toBe('Globs (e.g. a/b. Or c).');
    expect(firstSentence('Use it, e.g. here. Then more.')).toBe('Use it, e.g. here.');
    expect(firstSentence('No full stop')).toBe('No full stop');
  });

  it('escapes table cells', () => {
    expect(cell('a | b\nc')).toBe('a \\| b c');
    expect(cell(undefined)).toBe('');
    expect(cell('globs like _output/** or `bin/**`')).toBe('globs like \\_output/\\*\\* or `bin/**`');
    expect(cell('keep <root>/markers.json, not `<root>`; a & b')).toBe('keep &lt;root&gt;/markers.json, not `<root>`; a &amp; b');
  });

  it('writes the README table only between the markers', () => {
    const table = renderActionTable([sample]);
    const readme = `# Title\n\nintro\n${README_START}\nold\n${README_END}\n\nafter\n`;
    const next = spliceReadme(readme, table);
    expect(next).toBe(`# Title\n\nintro\n${README_START}\n${table}\n${README_END}\n\nafter\n`);
    expect(spliceReadme(next as string, table)).toBe(next);
    expect(table).toContain('| [`demo`](docs/actions/demo.md) | Does a demo thing. |');
    expect(spliceReadme('# no markers\n', table)).toBeUndefined();
    expect(spliceReadme(`${README_END}\n${README_START}\n`, table)).toBeUndefined();
  });
});

describe('planDocs on a scratch repository', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('finds stale, missing and orphaned pages and the README section', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'docs-plan-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'actions/demo'), { recursive: true });
    await writeFile(
      path.join(dir, 'actions/demo/action.yml'),
      'name: demo\ndescription: Demo.\ninputs:\n  x:\n    description: X.\n    required: true\nruns:\n  using: node24\n  main: i.js\n',
    );
    await mkdir(path.join(dir, 'docs/actions'), { recursive: true });
    await writeFile(path.join(dir, 'docs/actions/gone.md'), '<!-- Generated by shared/scripts/docs.ts from … -->\n# gone\n');
    await writeFile(path.join(dir, 'docs/actions/guide.md'), '# a hand-written page\n');
    await writeFile(path.join(dir, 'README.md'), `# r\n${README_START}\n${README_END}\n`);

    const plan = await planDocs(dir);
    expect(plan.map((p) => [p.file, p.stale, p.content === undefined])).toEqual([
      ['docs/actions/demo.md', true, false],
      ['docs/actions/gone.md', true, true],
      ['README.md', true, false],
    ]);
    for (const p of plan) if (p.content !== undefined) await writeFile(path.join(dir, p.file), p.content);
    await rm(path.join(dir, 'docs/actions/gone.md'));
    expect((await planDocs(dir)).filter((p) => p.stale)).toEqual([]);
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toContain('[`demo`](docs/actions/demo.md)');
  });
});
