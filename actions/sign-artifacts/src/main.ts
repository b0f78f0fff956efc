import { blamingInput } from '../../../shared/src/core/fs-errors.ts';
import { runAction } from '../../../shared/src/core/run-action.ts';
import { INPUT, OUTPUT, readInputs } from './inputs.ts';

await runAction(async (io) => {
  const inputs = await readInputs(io.inputs);
  // The signing domain (and the Sigstore libraries) load once the inputs are valid.
  const sign = await import('../../../shared/src/sign/index.ts');
  if (inputs.mode === 'verify') {
    const result = await blamingInput(
      () => INPUT.files,
      () => sign.verifyArtifacts(inputs.options, io.logger),
    );
    io.setOutputs({
      [OUTPUT.digests]: result.digests,
      [OUTPUT.verified]: result.verified,
      [OUTPUT.provenance]: result.provenance.join('\n'),
    });
    await io.writeSummary(sign.verifySummary(result));
    return;
  }
  // Bundles and checksums go beside the files: a path that cannot be written is the files' (or the manifest's).
  const manifest = inputs.options.manifest;
  const result = await blamingInput(
    (p) => (manifest !== undefined && p.startsWith(manifest) ? INPUT.manifest : INPUT.files),
    () => sign.signArtifacts(inputs.options, io.logger),
  );
  io.setOutputs({
    [OUTPUT.bundles]: result.bundles,
    [OUTPUT.checksums]: result.checksums ?? '',
    [OUTPUT.provenance]: result.provenance ?? '',
    [OUTPUT.digests]: result.digests,
    [OUTPUT.verified]: result.verified,
  });
  await io.writeSummary(sign.signSummary(result));
});
