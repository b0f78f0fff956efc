/** `release-actions release --config <file> [--output <folder>]`: the local release, its table and its checks. */
import { ReleaseError } from '../core/errors.ts';
import { readConfig } from './config.ts';
import { reportTable, runRelease } from './release.ts';

export interface ReleaseCliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export const RELEASE_USAGE = [
  'Usage: release-actions release --config <file> [--output <folder>]',
  '',
  'Runs the release chain locally with the same bundles as the workflows: build-packages → generate-sbom →',
  'sign-artifacts → publish-binaries → promote-images → update-markers, each stage when the config names it.',
  'Try: release-actions release --config examples/local/release.yaml (docs/releasing.md: every config key).',
  '',
].join('\n');

export function parseReleaseArgs(args: readonly string[]): { config?: string; output?: string; help: boolean } {
  const parsed: { config?: string; output?: string; help: boolean } = { help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flag === '--help' || flag === '-h') parsed.help = true;
    else if (flag === '--config' || flag === '--output') {
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      parsed[flag === '--config' ? 'config' : 'output'] = value;
    } else throw new Error(`unexpected argument ${JSON.stringify(arg)}\n\n${RELEASE_USAGE}`);
  }
  return parsed;
}

export async function runReleaseCli(args: readonly string[], io: ReleaseCliIO): Promise<number> {
  let parsed: ReturnType<typeof parseReleaseArgs>;
  try {
    parsed = parseReleaseArgs(args);
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 2;
  }
  if (parsed.help || !parsed.config) {
    io.out(RELEASE_USAGE);
    return parsed.help ? 0 : 2;
  }
  try {
    const config = await readConfig(parsed.config);
    const report = await runRelease(config, { cwd: io.cwd, output: parsed.output, log: (line) => io.err(`${line}\n`) });
    io.out(`\n${reportTable(report)}\n`);
    if (report.ok) io.out(`\nCheck the release:\n${report.checks.map((c) => `  ${c}`).join('\n')}\n`);
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof ReleaseError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
