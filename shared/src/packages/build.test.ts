/** Where a build's repositories go: the channel follows the version the packages get. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { buildPackages } from './build.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-build-unit-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the channel', () => {
  it.each([
    ['version: v1.31.0', undefined, 'stable'],
    ['version: v1.31.0-rc.1\nrelease: "1"', undefined, 'prerelease'],
    ['version: v1.31.0\nprerelease: rc.1', undefined, 'prerelease'],
    ['version: v1.31.0\nprerelease: rc.1', 'nightly', 'nightly'],
  ])('%j, channel input %j → %s', async (lines, channel, expected) => {
    const config = path.join(work, 'nfpm.yaml');
    await writeFile(config, `name: tool\n${lines}\n`);
    const logger = new RecordingLogger();
    await buildPackages(
      {
        config,
        configName: 'nfpm.yaml',
        formats: ['deb', 'rpm'],
        repository: true,
        outputDir: path.join(work, 'out'),
        repositoryDir: path.join(work, 'repo'),
        dryRun: true,
        sourceDir: work,
        layout: 'flat',
        channel,
        sourceDate: new Date(1_700_000_000_000),
        env: {},
      },
      logger,
    );
    const log = logger.lines.join('\n');
    expect(log).toContain(`APT repository → ${path.join(work, 'repo', expected, 'v1.31', 'deb')}`);
    expect(log).toContain(`YUM repository → ${path.join(work, 'repo', expected, 'v1.31', 'rpm')}`);
  });
});
