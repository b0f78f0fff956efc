/**
 * The only reader of promote-images' inputs. Everything is validated before a registry is asked anything: the
 * manifests are parsed (errors name file, image, field and line), the inline lists checked, secrets masked. The
 * Sigstore libraries (signers, verifier, trusted roots) are loaded only when sign or verify asks for them.
 */
import { InputError } from '../../../shared/src/core/errors.ts';
import { type InputReader, workspaceDir } from '../../../shared/src/core/inputs.ts';
import { resolveSafeSync } from '../../../shared/src/core/paths.ts';
import { rfc3339, sourceDate } from '../../../shared/src/core/time.ts';
import { readManifest } from '../../../shared/src/manifest/manifest.ts';
import { loadCredentials } from '../../../shared/src/oci/auth.ts';
import { OciClient } from '../../../shared/src/oci/client.ts';
import type { PromoteOptions, VerifyMode } from '../../../shared/src/promote/promote.ts';
import type { ImageSigning, SignatureTrust } from '../../../shared/src/promote/signatures.ts';
import { type ImageSpec, inlineSpecs, readManifests } from '../../../shared/src/promote/spec.ts';
import { type Endpoints, identityProvider, readEndpoints, requireWitness } from '../../../shared/src/sign/service-inputs.ts';
import { outageRetry } from '../../../shared/src/sign/services.ts';
import { parsePublicKeyInput, readIdentityPolicy, readPemInput, trustedRootFor } from '../../../shared/src/sign/trust-inputs.ts';

/** The Sigstore half of the domain: a chunk of the bundle of its own, loaded only by runs that sign or verify. */
type Sigstore = typeof import('../../../shared/src/promote/sigstore.ts');
const loadSigstore = (): Promise<Sigstore> => import('../../../shared/src/promote/sigstore.ts');

export const INPUT = {
  manifests: 'manifests',
  images: 'images',
  destinations: 'destinations',
  tags: 'tags',
  confirm: 'confirm',
  allowTagMoves: 'allow-tag-moves',
  copyReferrers: 'copy-referrers',
  sign: 'sign',
  signing: 'signing',
  privateKey: 'private-key',
  privateKeyPassword: 'private-key-password',
  fulcioUrl: 'fulcio-url',
  rekorUrl: 'rekor-url',
  tsaUrl: 'tsa-url',
  identityToken: 'identity-token',
  trustedRoot: 'trusted-root',
  attest: 'attest',
  verify: 'verify',
  publicKey: 'public-key',
  certificateIdentity: 'certificate-identity',
  certificateIdentityRegexp: 'certificate-identity-regexp',
  certificateOidcIssuer: 'certificate-oidc-issuer',
  certificateSourceRepository: 'certificate-source-repository',
  check: 'check',
  concurrency: 'concurrency',
  rateLimit: 'rate-limit',
  registryCredentials: 'registry-credentials',
  plainHttpRegistries: 'plain-http-registries',
  report: 'report',
  manifest: 'manifest',
} as const;

export interface PromoteImagesInputs {
  options: PromoteOptions;
  report: string | undefined;
  manifest: string | undefined;
}

const TIMEOUT_MS = 180_000;
const RETRY_BUDGET_MS = 600_000;

/** The keyless trust policy: the trusted root (given, or public-good when every service is) and the identity policy. */
function keylessTrust(inputs: InputReader, workspace: string, endpoints: Endpoints, sigstore: Sigstore): SignatureTrust {
  const trustedRoot = trustedRootFor(inputs, workspace, endpoints, true, sigstore);
  if (!trustedRoot)
    throw new InputError(INPUT.trustedRoot, 'is required with a private Sigstore instance (its trusted_root.json)');
  const policy = readIdentityPolicy(inputs);
  return {
    verifier: new sigstore.BundleVerifier(
      sigstore.trustPolicy({ trustedRoot, tlog: endpoints.rekorUrl !== undefined, ...policy }),
    ),
  };
}

async function readVerifyTrust(inputs: InputReader, workspace: string, mode: VerifyMode): Promise<SignatureTrust | undefined> {
  if (mode === 'none') return undefined;
  const pem = readPemInput(inputs, INPUT.publicKey, workspace);
  if (pem !== undefined)
    return {
      key: parsePublicKeyInput(pem, await loadSigstore()) as NonNullable<ReturnType<typeof parsePublicKeyInput>>,
    };
  const policy = readIdentityPolicy(inputs);
  if (policy.identity === undefined)
    throw new InputError(
      INPUT.publicKey,
      `is required with verify: ${mode}, or ${INPUT.certificateIdentity} / ${INPUT.certificateIdentityRegexp} (keyless)`,
    );
  if (policy.issuer === undefined)
    throw new InputError(
      INPUT.certificateOidcIssuer,
      'is required with a certificate identity (e.g. https://token.actions.githubusercontent.com)',
    );
  const endpoints = readEndpoints(inputs);
  return keylessTrust(inputs, workspace, endpoints, await loadSigstore());
}

async function readSigning(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  workspace: string,
  dryRun: boolean,
): Promise<ImageSigning> {
  const retry = outageRetry(RETRY_BUDGET_MS);
  if (inputs.enum(INPUT.signing, ['keyless', 'key'] as const, 'key') === 'key') {
    const sigstore = await loadSigstore();
    return sigstore.keySigning(sigstore.readKeySigner(inputs, 'with sign: true and signing: key'), retry, TIMEOUT_MS);
  }
  const endpoints = readEndpoints(inputs);
  requireWitness(endpoints);
  const sigstore = await loadSigstore();
  const trust = keylessTrust(inputs, workspace, endpoints, sigstore);
  const identity = identityProvider(inputs, env, dryRun, TIMEOUT_MS);
  return {
    signer: new sigstore.KeylessSigner({ identity, fulcioUrl: endpoints.fulcioUrl, timeoutMs: TIMEOUT_MS, retry }),
    witnesses: sigstore.witnessesFor(endpoints, TIMEOUT_MS),
    retry,
    timeoutMs: TIMEOUT_MS,
    trust,
  };
}

async function readSpecs(inputs: InputReader, workspace: string, manifest: string | undefined): Promise<ImageSpec[]> {
  const manifests = inputs.list(INPUT.manifests, { commas: false });
  const images = inputs.list(INPUT.images, { commas: false });
  const destinations = inputs.list(INPUT.destinations, { commas: false });
  const tags = inputs.list(INPUT.tags);
  const specs: ImageSpec[] = [];
  if (manifests.length > 0) {
    const resolve = (p: string) => {
      try {
        return resolveSafeSync(workspace, p);
      } catch (err) {
        throw new InputError(INPUT.manifests, (err as Error).message);
      }
    };
    specs.push(...(await readManifests(manifests, resolve)));
  }
  const fromRelease =
    images.length === 0 && manifests.length === 0 && manifest !== undefined
      ? (await readManifest(manifest)).images.map((i) => `${i.reference.replace(/[:@].*$/, '')}@${i.digest}`)
      : [];
  const inline = [...images, ...fromRelease];
  if (inline.length > 0) {
    if (destinations.length === 0) throw new InputError(INPUT.destinations, 'is required with images');
    specs.push(...inlineSpecs(inline, destinations, tags));
  } else if (destinations.length > 0) throw new InputError(INPUT.images, 'is required with destinations');
  if (specs.length === 0 && manifests.length === 0)
    throw new InputError(INPUT.manifests, 'nothing to promote: give manifests, or images with destinations');
  return specs;
}

export async function readInputs(inputs: InputReader, env: NodeJS.ProcessEnv = process.env): Promise<PromoteImagesInputs> {
  const workspace = workspaceDir(env);
  const credentials = inputs.secret(INPUT.registryCredentials);
  const confirm = inputs.boolean(INPUT.confirm, false);
  const allowTagMoves = inputs.boolean(INPUT.allowTagMoves, false);
  const copyReferrers = inputs.boolean(INPUT.copyReferrers, true);
  const sign = inputs.boolean(INPUT.sign, false);
  const attest = inputs.boolean(INPUT.attest, false);
  const verify = inputs.enum(INPUT.verify, ['none', 'if-present', 'required'] as const, 'none');
  const check = inputs.enum(INPUT.check, ['full', 'written'] as const, 'full');
  const concurrency = inputs.integer(INPUT.concurrency, 20, { min: 1, max: 256 });
  const rateLimit = inputs.integer(INPUT.rateLimit, 50, { min: 0, max: 100_000 });
  const plainHttp = inputs.list(INPUT.plainHttpRegistries);
  const report = inputs.workspacePath(INPUT.report, workspace);
  const manifest = inputs.workspacePath(INPUT.manifest, workspace);
  if (attest && !sign) throw new InputError(INPUT.attest, 'needs sign: true (the statement is signed with the signing key)');
  const signing = sign ? await readSigning(inputs, env, workspace, !confirm) : undefined;
  const verifyTrust = await readVerifyTrust(inputs, workspace, verify);
  let parsedCredentials: ReturnType<typeof loadCredentials>;
  try {
    parsedCredentials = loadCredentials(credentials, env);
  } catch (err) {
    throw new InputError(INPUT.registryCredentials, (err as Error).message);
  }
  const specs = await readSpecs(inputs, workspace, manifest);
  const client = new OciClient({
    credentials: parsedCredentials,
    plainHttp,
    rateLimit: rateLimit === 0 ? Number.POSITIVE_INFINITY : rateLimit,
    resolveLayout: (folder) => resolveSafeSync(workspace, folder),
  });
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  return {
    options: {
      specs,
      client,
      confirm,
      allowTagMoves,
      copyReferrers,
      concurrency,
      signing,
      attest,
      verify,
      verifyTrust,
      builderId:
        GITHUB_REPOSITORY && GITHUB_RUN_ID
          ? `${GITHUB_SERVER_URL || 'https://github.com'}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
          : 'release-actions/promote-images',
      timestamp: rfc3339(sourceDate(env)),
      check,
    },
    report,
    manifest,
  };
}
