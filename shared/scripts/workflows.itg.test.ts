/** A reusable workflow's `run:` step under bash, as the runner runs it (it uses openssl: see .ci/tools). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

interface Step {
  id?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { steps?: Step[] }>;
}

describe('release-binaries.yml: exclude', () => {
  const workflow = parseYaml(
    readFileSync(path.join(import.meta.dirname, '../../.github/workflows/release-binaries.yml'), 'utf8'),
  ) as Workflow;
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
