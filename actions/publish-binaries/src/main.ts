import { blamingInput } from '../../../shared/src/core/fs-errors.ts';
import { isInside } from '../../../shared/src/core/paths.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';
import { publishBinaries } from '../../../shared/src/publish/publish.ts';
import { manifestReleaseIds, recordPublished } from '../../../shared/src/publish/record-manifest.ts';
import { publishOutputs, publishSummary } from '../../../shared/src/publish/report.ts';
import { openDestinations, publishHasher } from '../../../shared/src/publish/setup.ts';
import { INPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  const { options, destinations, storage, layout, assets, workspace, manifest } = await readInputs(io.inputs);
  // Every file is hashed before anything is sent: the hashing threads boot while the stores' code loads.
  const hasher = publishHasher();
  hasher.start();
  // A file-system failure the user can fix names the input whose path it is.
  const result = await blamingInput(
    (p) => (isInside(options.sourceDir, p) ? INPUT.sourceDir : INPUT.destinations),
    async () => {
      // A GitHub draft's id goes into the manifest as soon as it is made, for a rerun; waits go to the log.
      const github = manifest ? { githubReleaseIds: manifestReleaseIds(manifest) } : {};
      const log = (line: string) => io.logger.info(line);
      const stores = await openDestinations(destinations, { ...storage, ...github, log }, layout, options.version, {
        input: INPUT.destinations,
        assets,
      });
      return publishBinaries({ ...options, destinations: stores, hasher }, io.logger);
    },
  );
  if (manifest && !options.dryRun) await recordPublished(manifest, workspace, options.sourceDir, result);
  io.setOutputs(publishOutputs(result));
  await io.writeSummary(publishSummary(result));
});
