/** The check of every mirror after a confirmed run walks skipped pairs too: a blob gone from a mirror is found. */
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { formatBytes } from '../core/summary.ts';
import { OciClient } from '../oci/client.ts';
import { sharedLayerImages, type TestImage } from '../testing/oci-images.ts';
import { type PromoteResult, promote } from './promote.ts';

let dir: string;
let images: { multi: TestImage; single: TestImage };

const run = (check: 'full' | 'written' = 'full', logger = new RecordingLogger()): Promise<PromoteResult> =>
  promote(
    {
      specs: (['multi', 'single'] as const).map((image) => ({
        image,
        source: 'oci:src',
        digest: images[image].digest,
        tags: ['v1'],
        destinations: [`oci:mirror-a/${image}`, `oci:mirror-b/${image}`],
        origin: 'test',
      })),
      client: new OciClient({ baseDir: dir }),
      confirm: true,
      allowTagMoves: false,
      copyReferrers: true,
      concurrency: 4,
      attest: false,
      verify: 'none',
      builderId: 'test',
      timestamp: '2026-01-01T00:00:00Z',
      check,
    },
    logger,
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'promote-check-'));
  images = await sharedLayerImages(path.join(dir, 'src'), 2048);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the check of every mirror', () => {
  it('logs the bytes uploaded as the copy goes, and no byte count for the check, which uploads none', async () => {
    const logger = new RecordingLogger();
    const result = await run('full', logger);
    const copied = logger.lines.filter((l) => / copy oci:mirror/.test(l));
    expect(copied).toHaveLength(4);
    const sent = Object.values(result.transfers).reduce((n, t) => n + t.bytes, 0);
    expect(sent).toBeGreaterThan(0);
    expect(copied.at(-1)).toMatch(new RegExp(`^\\[4/4\\] copy .* \\(${formatBytes(sent).replace('.', '\\.')}\\)$`));
    const checked = logger.lines.filter((l) => / ok oci:mirror/.test(l));
    expect(checked).toHaveLength(4);
    for (const line of checked) expect(line).not.toMatch(/\)$/);
    await rm(path.join(dir, 'mirror-a'), { recursive: true });
    await rm(path.join(dir, 'mirror-b'), { recursive: true });
  });

  it('walks every pair, skipped ones included, and fails the edges of a mirror missing a platform blob', async () => {
    const first = await run();
    expect(first.failed).toBe(0);
    expect(first.checks.map((c) => c.ok)).toEqual([true, true, true, true]);

    // A layer of multi's arm64 platform vanishes from mirror b: the rerun plans a skip, and its check finds the hole.
    const arm64 = images.multi.platforms[1]?.digest as string;
    const manifest = JSON.parse(await readFile(path.join(dir, 'mirror-b/multi/blobs/sha256', arm64.slice(7)), 'utf8'));
    const layer = manifest.layers[2].digest as string;
    await unlink(path.join(dir, 'mirror-b/multi/blobs/sha256', layer.slice(7)));

    const again = await run();
    expect(again.edges.every((e) => e.action === 'skip')).toBe(true);
    expect(again.checks).toHaveLength(4);
    const broken = again.checks.filter((c) => !c.ok);
    expect(broken.map((c) => [c.destination, c.problems])).toEqual([
      ['oci:mirror-b/multi', [`oci:mirror-b/multi: blob ${layer} is missing`]],
    ]);
    expect(again.failed).toBe(1);
    expect(again.edges.filter((e) => e.status === 'failed').map((e) => e.destination)).toEqual(['oci:mirror-b/multi']);

    // check: written leaves skipped pairs to the survey (their tags at their digests): nothing is walked.
    const light = await run('written');
    expect(light.checks).toEqual([]);
    expect(light.failed).toBe(0);
  });
});
