/**
 * SLSA v1 provenance for the signed files: an in-toto Statement v1 with the
 * https://slsa.dev/provenance/v1 predicate, in GitHub's workflow build type, or, for a build outside GitHub, in
 * this suite's local build type with the builder and invocation its caller names. The context is passed in (the
 * action reads it from the runner's environment or its inputs), so this module is pure.
 */
import { rfc3339 } from '../core/time.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** The statement's file at the release root, and its DSSE bundle beside it. */
export const PROVENANCE_FILE = 'provenance.json';
export const PROVENANCE_BUNDLE = 'provenance.sigstore.json';
export const GITHUB_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';
export const LOCAL_BUILD_TYPE = 'https://github.com/kubernetes-sigs/release-actions/buildtypes/local/v1';

/** A build outside GitHub Actions: its builder and invocation ids are what the caller says they are. */
export interface LocalBuildContext {
  kind: 'local';
  /** A URI naming the machine or service that built (runDetails.builder.id). */
  builderId: string;
  /** This run (runDetails.metadata.invocationId). */
  invocationId: string;
  builderVersion: string;
}

export type ProvenanceContext = BuildContext | LocalBuildContext;

/** The workflow run that produced the files. */
export interface BuildContext {
  /** https://github.com */
  serverUrl: string;
  /** owner/name */
  repository: string;
  repositoryId?: string;
  repositoryOwnerId?: string;
  /** The commit built (GITHUB_SHA). */
  sha: string;
  /** The ref built (GITHUB_REF). */
  ref: string;
  /** owner/name/.github/workflows/file.yml@ref (GITHUB_WORKFLOW_REF). */
  workflowRef: string;
  runId: string;
  runAttempt: string;
  eventName: string;
  runnerEnvironment?: string;
  /** The workflow's inputs (workflow_dispatch / workflow_call). */
  workflowInputs: Record<string, unknown>;
  /** The version of this action suite. */
  builderVersion: string;
}

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
}

export interface ProvenanceInput {
  context: ProvenanceContext;
  subjects: ResourceDescriptor[];
  byproducts: ResourceDescriptor[];
  startedOn: Date;
  finishedOn: Date;
}

export interface ProvenanceStatement {
  _type: typeof STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: typeof SLSA_PROVENANCE_V1;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: Record<string, unknown>;
      internalParameters: Record<string, unknown>;
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string; version: Record<string, string> };
      metadata: { invocationId: string; startedOn: string; finishedOn: string };
      byproducts: ResourceDescriptor[];
    };
  };
}

/** Splits GITHUB_WORKFLOW_REF (owner/name/.github/workflows/x.yml@ref) into repository, path and ref. */
export function parseWorkflowRef(workflowRef: string): { repository: string; path: string; ref: string } {
  const m = /^([^/]+\/[^/]+)\/(.+?)@(.+)$/.exec(workflowRef);
  if (!m) throw new Error(`not a workflow ref: ${workflowRef}`);
  return { repository: m[1] as string, path: m[2] as string, ref: m[3] as string };
}

function byName(a: ResourceDescriptor, b: ResourceDescriptor): number {
  const [x, y] = [a.name ?? '', b.name ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Who built and how: the parts of a statement that depend on the kind of build. */
interface Build {
  definition: ProvenanceStatement['predicate']['buildDefinition'];
  builderId: string;
  invocationId: string;
}

function githubBuild(context: BuildContext): Build {
  const workflow = parseWorkflowRef(context.workflowRef);
  const github: Record<string, string> = { event_name: context.eventName };
  if (context.repositoryId) github.repository_id = context.repositoryId;
  if (context.repositoryOwnerId) github.repository_owner_id = context.repositoryOwnerId;
  if (context.runnerEnvironment) github.runner_environment = context.runnerEnvironment;
  const repoUrl = `${context.serverUrl}/${context.repository}`;
  return {
    definition: {
      buildType: GITHUB_BUILD_TYPE,
      externalParameters: {
        workflow: { ref: workflow.ref, repository: `${context.serverUrl}/${workflow.repository}`, path: workflow.path },
        inputs: context.workflowInputs,
      },
      internalParameters: { github },
      resolvedDependencies: [{ uri: `git+${repoUrl}@${context.ref}`, digest: { gitCommit: context.sha } }],
    },
    builderId: `${context.serverUrl}/${context.workflowRef}`,
    invocationId: `${repoUrl}/actions/runs/${context.runId}/attempts/${context.runAttempt}`,
  };
}

function localBuild(context: LocalBuildContext): Build {
  return {
    definition: { buildType: LOCAL_BUILD_TYPE, externalParameters: {}, internalParameters: {}, resolvedDependencies: [] },
    builderId: context.builderId,
    invocationId: context.invocationId,
  };
}

export function provenanceStatement(input: ProvenanceInput): ProvenanceStatement {
  const { context } = input;
  const build = 'kind' in context ? localBuild(context) : githubBuild(context);
  return {
    _type: STATEMENT_TYPE,
    subject: [...input.subjects].sort(byName),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: build.definition,
      runDetails: {
        builder: { id: build.builderId, version: { 'release-actions/sign-artifacts': context.builderVersion } },
        metadata: {
          invocationId: build.invocationId,
          startedOn: rfc3339(input.startedOn),
          finishedOn: rfc3339(input.finishedOn),
        },
        byproducts: [...input.byproducts].sort(byName),
      },
    },
  };
}

export function serializeStatement(statement: ProvenanceStatement): string {
  return `${JSON.stringify(statement, null, 2)}\n`;
}
