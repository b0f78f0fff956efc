import { runAction } from '../../../shared/src/core/run-action.ts';
import { publishBinaries } from '../../../shared/src/publish/publish.ts';
import { recordPublished } from '../../../shared/src/publish/record-manifest.ts';
import { publishOutputs, publishSummary } from '../../../shared/src/publish/report.ts';
import { openDestinations, publishHasher } from '../../../shared/src/publish/setup.ts';
import { INPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  const { options, destinations, storage, layout, workspace, manifest } = await readInputs(io.inputs);
  // Every file is hashed before anything is sent: the hashing threads boot while the stores' code loads.
  const hasher = publishHasher();
  hasher.start();
  const stores = await openDestinations(destinations, storage, layout, options.version, INPUT.destinations);
  const result = await publishBinaries({ ...options, destinations: stores, hasher }, io.logger);
  if (manifest && !options.dryRun) await recordPublished(manifest, workspace, options.sourceDir, result);
  io.setOutputs(publishOutputs(result));
  await io.writeSummary(publishSummary(result));
});
