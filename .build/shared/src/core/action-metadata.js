/** action.yml as data: used by the CLI (--help, defaults), the docs generator and the test harness. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
export async function readActionMetadata(file) {
  const doc = parseYaml(await readFile(file, 'utf8'));
  return { ...doc, inputs: doc.inputs ?? {}, outputs: doc.outputs ?? {} };
}
/** The runner's environment name for an input: INPUT_ + upper-cased, spaces → '_', hyphens kept. */
export function inputEnvName(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
/** The INPUT_* variables the runner sets: every declared default, overridden by what was given. */
export function inputEnvironment(metadata, given) {
  const env = {};
  for (const [name, spec] of Object.entries(metadata.inputs)) {
    if (spec.default !== undefined) env[inputEnvName(name)] = String(spec.default);
  }
  for (const [name, value] of Object.entries(given)) env[inputEnvName(name)] = value;
  return env;
}
/**
 * Parses a GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE file: `name=value` lines and
 * the heredoc form `name<<DELIMITER` … `DELIMITER`.
 */
export function parseCommandFile(text) {
  const result = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
      if (i >= lines.length) throw new Error(`unterminated heredoc for ${name} (delimiter ${delimiter})`);
      result[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed command file line: ${JSON.stringify(line)}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}
