import { runAction } from '../../../shared/src/core/run-action.ts';
import { buildPackages } from '../../../shared/src/packages/build.ts';
import { recordPackages } from '../../../shared/src/packages/record-manifest.ts';
import { buildOutputs, buildSummary } from '../../../shared/src/packages/report.ts';
import { readInputs } from './inputs.ts';

await runAction(async (io) => {
  const { options, workspace, manifest } = readInputs(io.inputs);
  const result = await buildPackages(options, io.logger);
  if (manifest && !options.dryRun) await recordPackages(manifest, workspace, result);
  io.setOutputs(buildOutputs(result));
  await io.writeSummary(buildSummary(result));
});
