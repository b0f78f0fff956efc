import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingTools, missingToolsMessage, parseTools, readTools } from './tools.ts';

describe('the tools table (.ci/tools)', () => {
  it('parses command and package, skipping comments and blank lines', () => {
    expect(parseTools('# c p\n\nrpmbuild  rpm # why\ngpg gnupg\n')).toEqual([
      { command: 'rpmbuild', debianPackage: 'rpm' },
      { command: 'gpg', debianPackage: 'gnupg' },
    ]);
    expect(() => parseTools('gpg\n')).toThrow(/expected "command package"/);
    expect(() => parseTools('gpg gnupg extra\n')).toThrow(/expected "command package"/);
  });

  it('lists each command once', () => {
    const commands = readTools().map((t) => t.command);
    expect(commands.length).toBeGreaterThan(0);
    expect(new Set(commands).size).toBe(commands.length);
  });

  it('finds what is missing on a PATH, and says how to install it in one command', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tools-'));
    try {
      writeFileSync(path.join(dir, 'rpm'), '', { mode: 0o755 });
      writeFileSync(path.join(dir, 'gpg'), '', { mode: 0o644 });
      const tools = parseTools('rpm rpm\nrpmbuild rpm\ngpg gnupg\nskopeo skopeo\n');
      const missing = missingTools(tools, `${path.join(dir, 'nope')}${path.delimiter}${dir}`);
      expect(missing.map((t) => t.command)).toEqual(['rpmbuild', 'gpg', 'skopeo']);
      const message = missingToolsMessage(missing);
      expect(message).toContain('rpmbuild, gpg, skopeo');
      expect(message).toContain('sudo apt-get install --no-install-recommends gnupg rpm skopeo\n');
      expect(message).toContain('bash .ci/run');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
