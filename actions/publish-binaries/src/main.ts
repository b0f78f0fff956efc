import { hashWorkers } from '../../../shared/src/core/hash-workers.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';
import { publishBinaries } from '../../../shared/src/publish/publish.ts';
import { recordPublished } from '../../../shared/src/publish/record-manifest.ts';
import { publishOutputs, publishSummary } from '../../../shared/src/publish/report.ts';
import { readInputs } from './inputs.ts';

await runAction(async (io) => {
  // Every file is hashed before anything is sent: the hashing workers boot while the stores' code loads.
  const { options, workspace, manifest } = await readInputs(io.inputs, process.env, () => hashWorkers.start());
  const result = await publishBinaries(options, io.logger);
  if (manifest && !options.dryRun) await recordPublished(manifest, workspace, options.sourceDir, result);
  io.setOutputs(publishOutputs(result));
  await io.writeSummary(publishSummary(result));
});
