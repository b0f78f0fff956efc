import { blamingInput } from '../../../shared/src/core/fs-errors.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';
import { markersSummary } from '../../../shared/src/markers/report.ts';
import { updateMarkers } from '../../../shared/src/markers/update-markers.ts';
import { createStorage } from '../../../shared/src/storage/destination.ts';
import { INPUT, OUTPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  const { destination, storage: storageOptions, ...options } = readInputs(io.inputs);
  const storage = await createStorage(destination, storageOptions);
  const result = await blamingInput(
    () => INPUT.destination,
    () => updateMarkers({ ...options, storage }, io.logger),
  );
  io.setOutputs({
    [OUTPUT.updated]: result.updated,
    [OUTPUT.skipped]: result.skipped,
    [OUTPUT.markersIndex]: result.index.url,
  });
  await io.writeSummary(markersSummary(result));
});
