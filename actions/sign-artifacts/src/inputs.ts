/**
 * The only reader of sign-artifacts' inputs (and of the runner's environment:
 * workspace, GitHub context, OIDC request variables, SOURCE_DATE_EPOCH). Every
 * value is validated before anything is read or written; secrets are masked
 * first and never appear in a message. The Sigstore libraries (Fulcio client,
 * verifier, trusted roots) are loaded only once the plain values are valid, so a
 * bad input fails fast.
 */
import { readFileSync } from 'node:fs';
import pkg from '../../../package.json' with { type: 'json' };
import { InputError } from '../../../shared/src/core/errors.ts';
import { type InputReader, workspaceDir } from '../../../shared/src/core/inputs.ts';
import { sourceDate } from '../../../shared/src/core/time.ts';
import { readKeySigner } from '../../../shared/src/sign/key-input.ts';
import { type BuildContext, type ProvenanceContext, parseWorkflowRef } from '../../../shared/src/sign/provenance.ts';
import { identityProvider, readEndpoints, requireWitness } from '../../../shared/src/sign/service-inputs.ts';
import { outageRetry } from '../../../shared/src/sign/services.ts';
import type { SignArtifactsOptions } from '../../../shared/src/sign/sign-artifacts.ts';
import type { ArtifactSigner } from '../../../shared/src/sign/signer.ts';
import { DEFAULT_EXCLUDE } from '../../../shared/src/sign/subjects.ts';
import { parsePublicKeyInput, readIdentityPolicy, readPemInput, trustedRootFor } from '../../../shared/src/sign/trust-inputs.ts';
import type { VerifyArtifactsOptions } from '../../../shared/src/sign/verify-artifacts.ts';

/** The signing domain with the Sigstore libraries: one chunk of the bundle, loaded once the plain inputs are valid. */
type Sign = typeof import('../../../shared/src/sign/index.ts');

export const INPUT = {
  files: 'files',
  exclude: 'exclude',
  mode: 'mode',
  signing: 'signing',
  privateKey: 'private-key',
  privateKeyPassword: 'private-key-password',
  publicKey: 'public-key',
  fulcioUrl: 'fulcio-url',
  rekorUrl: 'rekor-url',
  tsaUrl: 'tsa-url',
  identityToken: 'identity-token',
  trustedRoot: 'trusted-root',
  certificateIdentity: 'certificate-identity',
  certificateIdentityRegexp: 'certificate-identity-regexp',
  certificateOidcIssuer: 'certificate-oidc-issuer',
  certificateSourceRepository: 'certificate-source-repository',
  checksums: 'checksums',
  provenance: 'provenance',
  builderId: 'builder-id',
  invocationId: 'invocation-id',
  legacySignatures: 'legacy-signatures',
  concurrency: 'concurrency',
  timeout: 'timeout',
  retryBudget: 'retry-budget',
  force: 'force',
  dryRun: 'dry-run',
  manifest: 'manifest',
} as const;

export const OUTPUT = {
  bundles: 'bundles',
  checksums: 'checksums',
  provenance: 'provenance',
  digests: 'digests',
  verified: 'verified',
} as const;

export type SignArtifactsInputs =
  | { mode: 'sign'; options: SignArtifactsOptions }
  | { mode: 'verify'; options: VerifyArtifactsOptions };

/** The workflow run, from the runner's GITHUB_* variables; undefined when they are missing. */
export function readGitHubContext(env: NodeJS.ProcessEnv): BuildContext | undefined {
  const { GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF, GITHUB_WORKFLOW_REF, GITHUB_RUN_ID } = env;
  if (!GITHUB_REPOSITORY || !GITHUB_SHA || !GITHUB_REF || !GITHUB_WORKFLOW_REF || !GITHUB_RUN_ID) return undefined;
  parseWorkflowRef(GITHUB_WORKFLOW_REF);
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: GITHUB_REPOSITORY,
    repositoryId: env.GITHUB_REPOSITORY_ID || undefined,
    repositoryOwnerId: env.GITHUB_REPOSITORY_OWNER_ID || undefined,
    sha: GITHUB_SHA,
    ref: GITHUB_REF,
    workflowRef: GITHUB_WORKFLOW_REF,
    runId: GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    eventName: env.GITHUB_EVENT_NAME || 'unknown',
    runnerEnvironment: env.RUNNER_ENVIRONMENT || undefined,
    workflowInputs: workflowInputs(env.GITHUB_EVENT_PATH),
    builderVersion: pkg.version,
  };
}

/**
 * Whose build the provenance describes: the builder and invocation the inputs name (a build outside GitHub, or a
 * caller that names its own), else the GitHub run's context; undefined with provenance false.
 */
function readProvenanceContext(inputs: InputReader, env: NodeJS.ProcessEnv): ProvenanceContext | undefined {
  const provenance = inputs.boolean(INPUT.provenance, true);
  const builderId = inputs.optional(INPUT.builderId);
  const invocationId = inputs.optional(INPUT.invocationId);
  if ((builderId === undefined) !== (invocationId === undefined))
    throw new InputError(
      builderId === undefined ? INPUT.builderId : INPUT.invocationId,
      `is needed with ${builderId === undefined ? INPUT.invocationId : INPUT.builderId}`,
      {
        userError: true,
      },
    );
  if (!provenance) return undefined;
  if (builderId !== undefined && invocationId !== undefined) {
    if (!/^[a-z][a-z0-9+.-]*:\S+$/.test(builderId))
      throw new InputError(INPUT.builderId, 'is a URI naming the builder (https://…, or any scheme:…)', { userError: true });
    return { kind: 'local', builderId, invocationId, builderVersion: pkg.version };
  }
  const context = readGitHubContext(env);
  if (!context)
    throw new InputError(
      INPUT.provenance,
      'needs the GitHub context (GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF, GITHUB_WORKFLOW_REF, GITHUB_RUN_ID), or builder-id and invocation-id outside a workflow run; or set it to false',
      { userError: true },
    );
  return context;
}

/** The inputs of a workflow_dispatch / workflow_call event, from the event payload. */
function workflowInputs(eventPath: string | undefined): Record<string, unknown> {
  if (!eventPath) return {};
  try {
    const event = JSON.parse(readFileSync(eventPath, 'utf8')) as { inputs?: unknown };
    return event.inputs && typeof event.inputs === 'object' ? (event.inputs as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const loadSign = (): Promise<Sign> => import('../../../shared/src/sign/index.ts');

async function readSign(inputs: InputReader, env: NodeJS.ProcessEnv, common: Common): Promise<SignArtifactsOptions> {
  const signing = inputs.enum(INPUT.signing, ['keyless', 'key'] as const, 'keyless');
  const endpoints = readEndpoints(inputs);
  const keyless = signing === 'keyless';
  if (keyless) requireWitness(endpoints);
  const timeoutMs = inputs.duration(INPUT.timeout, 180_000, { min: 1000 });
  const retryBudgetMs = inputs.duration(INPUT.retryBudget, 600_000);
  const dryRun = inputs.boolean(INPUT.dryRun, false);
  const checksums = inputs.boolean(INPUT.checksums, true);
  const legacySignatures = inputs.boolean(INPUT.legacySignatures, true);
  const force = inputs.boolean(INPUT.force, false);
  const context = readProvenanceContext(inputs, env);
  const policy = readIdentityPolicy(inputs);
  const identity = keyless ? identityProvider(inputs, env, dryRun, timeoutMs) : undefined;
  const key = identity ? undefined : readKeySigner(inputs, 'with signing: key');
  const trust = await loadSign();
  const signer: ArtifactSigner = identity
    ? new trust.KeylessSigner({ identity, fulcioUrl: endpoints.fulcioUrl, timeoutMs, retry: outageRetry(retryBudgetMs) })
    : (key as ArtifactSigner);
  const trustedRoot = trustedRootFor(inputs, common.workspace, endpoints, keyless, trust);
  const needsRoot = keyless || endpoints.rekorUrl !== undefined || endpoints.tsaUrl !== undefined;
  return {
    ...common,
    signer,
    endpoints: { rekorUrl: endpoints.rekorUrl, tsaUrl: endpoints.tsaUrl },
    trust:
      needsRoot && !trustedRoot
        ? undefined
        : trust.trustPolicy({
            publicKey: keyless ? undefined : signer.publicKey,
            trustedRoot,
            tlog: endpoints.rekorUrl !== undefined,
            ...policy,
          }),
    checksums,
    legacySignatures,
    provenance: context,
    concurrency: common.concurrency,
    timeoutMs,
    retryBudgetMs,
    force,
    dryRun,
    sourceDate: env.SOURCE_DATE_EPOCH?.trim() ? sourceDate(env) : undefined,
  };
}

async function readVerify(inputs: InputReader, common: Common): Promise<VerifyArtifactsOptions> {
  const endpoints = readEndpoints(inputs);
  const publicKeyPem = readPemInput(inputs, INPUT.publicKey, common.workspace);
  const keyless = publicKeyPem === undefined;
  if (keyless && inputs.enum(INPUT.signing, ['keyless', 'key'] as const, 'keyless') === 'key')
    throw new InputError(INPUT.publicKey, 'is required to verify signing: key bundles');
  const policy = readIdentityPolicy(inputs);
  if (keyless && policy.identity === undefined)
    throw new InputError(
      INPUT.certificateIdentity,
      `verify mode needs ${INPUT.certificateIdentity} or ${INPUT.certificateIdentityRegexp} (keyless) or ${INPUT.publicKey}`,
    );
  if (keyless && policy.issuer === undefined)
    throw new InputError(
      INPUT.certificateOidcIssuer,
      'is required with a certificate identity (e.g. https://token.actions.githubusercontent.com)',
    );
  const timeoutMs = inputs.duration(INPUT.timeout, 180_000, { min: 1000 });
  const trust = await loadSign();
  const publicKey = parsePublicKeyInput(publicKeyPem, trust);
  const needsRoot = keyless || endpoints.rekorUrl !== undefined;
  const trustedRoot = trustedRootFor(inputs, common.workspace, endpoints, keyless, trust);
  if (needsRoot && !trustedRoot)
    throw new InputError(INPUT.trustedRoot, 'is required to verify against a private Sigstore instance (its trusted_root.json)');
  return {
    workspace: common.workspace,
    files: common.files,
    exclude: common.exclude,
    manifest: common.manifest,
    trust: trust.trustPolicy({ publicKey, trustedRoot, tlog: endpoints.rekorUrl !== undefined, ...policy }),
    concurrency: common.concurrency,
    timeoutMs,
  };
}

interface Common {
  workspace: string;
  files: string[];
  exclude: string[];
  manifest: string | undefined;
  concurrency: number;
}

export async function readInputs(inputs: InputReader, env: NodeJS.ProcessEnv = process.env): Promise<SignArtifactsInputs> {
  const workspace = workspaceDir(env);
  const mode = inputs.enum(INPUT.mode, ['sign', 'verify'] as const, 'sign');
  const manifest = inputs.workspacePath(INPUT.manifest, workspace);
  const files = inputs.list(INPUT.files, { commas: false });
  if (files.length === 0 && manifest === undefined)
    throw new InputError(INPUT.files, 'is required: newline-separated globs relative to the workspace');
  const exclude = inputs.list(INPUT.exclude, { commas: false });
  const common: Common = {
    workspace,
    files,
    exclude: exclude.length > 0 ? exclude : [...DEFAULT_EXCLUDE],
    manifest,
    concurrency: inputs.integer(INPUT.concurrency, 10, { min: 1, max: 100 }),
  };
  return mode === 'sign'
    ? { mode, options: await readSign(inputs, env, common) }
    : { mode, options: await readVerify(inputs, common) };
}
