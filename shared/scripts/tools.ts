/**
 * The outside programs the test suite runs, read from `.ci/tools` (the list `.ci/run` installs too), and which of
 * them this machine lacks.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Tool {
  command: string;
  /** The Debian package that installs it. */
  debianPackage: string;
}

const TABLE = path.join(import.meta.dirname, '..', '..', '.ci', 'tools');

export function parseTools(text: string): Tool[] {
  const tools: Tool[] = [];
  for (const line of text.split('\n')) {
    const [command, debianPackage, ...rest] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!command) continue;
    if (!debianPackage || rest.length > 0) throw new Error(`${TABLE}: expected "command package", got ${JSON.stringify(line)}`);
    tools.push({ command, debianPackage });
  }
  return tools;
}

export function readTools(): Tool[] {
  return parseTools(readFileSync(TABLE, 'utf8'));
}

function onPath(command: string, searchPath: string): boolean {
  return searchPath.split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingTools(tools: readonly Tool[], searchPath = process.env.PATH ?? ''): Tool[] {
  return tools.filter((t) => !onPath(t.command, searchPath));
}

/** The one message a newcomer sees: what is missing and the command that installs it. */
export function missingToolsMessage(missing: readonly Tool[]): string {
  const packages = [...new Set(missing.map((t) => t.debianPackage))].sort();
  return [
    `npm test needs programs this machine lacks: ${missing.map((t) => t.command).join(', ')}.`,
    'On Debian or Ubuntu, install them with:',
    '',
    `  sudo apt-get install --no-install-recommends ${packages.join(' ')}`,
    '',
    'or run `bash .ci/run`, which installs every tool and then runs the suite as CI does.',
    'The tests that need no outside program run anywhere with `npm run test:unit`.',
  ].join('\n');
}
