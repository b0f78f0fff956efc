/**
 * The local release: the six actions' bundles run in order through runBundle (as the runner runs them), on one
 * workspace, the release manifest (.release-actions/manifest.json) handed from stage to stage. A stage runs when
 * the config names it (and does not set enabled: false). One progress line per stage, a closing table, and the
 * commands that check the result.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { type RunResult, runBundle } from '../runner/run-bundle.ts';
import { destinationUrl, type ReleaseConfig } from './config.ts';

export const STAGES = [
  { stage: 'packages', action: 'build-packages' },
  { stage: 'sbom', action: 'generate-sbom' },
  { stage: 'sign', action: 'sign-artifacts' },
  { stage: 'publish', action: 'publish-binaries' },
  { stage: 'promote', action: 'promote-images' },
  { stage: 'markers', action: 'update-markers' },
] as const;
export type StageName = (typeof STAGES)[number]['stage'];
export type ActionName = (typeof STAGES)[number]['action'];

export const MANIFEST = '.release-actions/manifest.json';
/** build-packages reads its config inside the workspace: the config's file is copied there. */
const PACKAGES_CONFIG = '.release-actions/packages.yaml';
const TREE = 'release';
/** The folder (in the workspace) promote's stage script makes its OCI layouts in. */
const IMAGES = 'images';

export interface StageReport {
  stage: StageName;
  action: ActionName;
  status: 'done' | 'skipped' | 'failed';
  did: string;
  durationMs: number;
}

export interface ReleaseReport {
  ok: boolean;
  stages: StageReport[];
  /** Commands that check what the run made. */
  checks: string[];
  output: string;
}

export interface ReleaseOptions {
  /** The folder paths in the config are relative to (the current folder). */
  cwd: string;
  /** Overrides the config's output folder. */
  output?: string;
  log: (line: string) => void;
}

interface Run {
  config: ReleaseConfig;
  options: ReleaseOptions;
  out: string;
  workspace: string;
  env: Record<string, string>;
  key?: { privatePem: string; publicPem: string; publicPath: string };
  images?: string[];
  /** The armored OpenPGP private key the packages and their repositories are signed with. */
  pgpKey?: string;
  /** The outputs of each stage that ran. */
  outputs: Partial<Record<StageName, Record<string, string>>>;
}

/** The key for signing: a PEM file, or one made for the run (kept in <output>/keys, so a rerun signs with it too). */
async function signingKey(run: Run): Promise<Run['key']> {
  const sign = run.config.stages?.sign;
  if (!sign || sign.enabled === false || (sign.signing ?? 'key') !== 'key') return undefined;
  const spec = sign.key ?? 'generate';
  const dir = path.join(run.out, 'keys');
  let privatePem: string;
  if (spec === 'generate') {
    const privatePath = path.join(dir, 'signing.key');
    try {
      privatePem = await readFile(privatePath, 'utf8');
      run.options.log(`Signing with the key made for an earlier run: ${path.relative(run.options.cwd, privatePath)}`);
    } catch {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await mkdir(dir, { recursive: true });
      await writeFile(privatePath, privatePem, { mode: 0o600 });
      run.options.log(`Created a signing key for this run: ${path.relative(run.options.cwd, privatePath)} (ECDSA P-256)`);
    }
  } else {
    privatePem = await readFile(path.resolve(run.options.cwd, spec), 'utf8');
  }
  const publicPem = createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }).toString();
  const publicPath = path.join(dir, 'signing.pub');
  await mkdir(dir, { recursive: true });
  await writeFile(publicPath, publicPem);
  return { privatePem, publicPem, publicPath };
}

/**
 * The OpenPGP key for the packages: an armored private key file, or one made for the run (<output>/keys, kept for
 * reruns), dated before SOURCE_DATE_EPOCH so that signatures made at that time are not older than their key.
 */
async function packagesKey(run: Run): Promise<string | undefined> {
  const spec = run.config.stages?.packages?.key;
  if (!ran(run, 'packages') || spec === undefined) return undefined;
  if (spec !== 'generate') return readFile(path.resolve(run.options.cwd, spec), 'utf8');
  const file = path.join(run.out, 'keys', 'packages.asc');
  try {
    const armored = await readFile(file, 'utf8');
    run.options.log(`Signing packages with the OpenPGP key made for an earlier run: ${path.relative(run.options.cwd, file)}`);
    return armored;
  } catch {
    const openpgp = await import('openpgp');
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'release-actions local release', email: 'release@localhost' }],
      date: new Date((Number(run.env.SOURCE_DATE_EPOCH) - 86_400) * 1000),
      format: 'armored',
    });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, privateKey, { mode: 0o600 });
    run.options.log(`Created an OpenPGP key for the packages of this run: ${path.relative(run.options.cwd, file)} (Ed25519)`);
    return privateKey;
  }
}

/** Stages the tree into <workspace>/release/ (same bytes every run, so what was signed before stays signed). */
async function stageTree(run: Run): Promise<void> {
  const target = path.join(run.workspace, TREE);
  await mkdir(target, { recursive: true });
  const { dir, stage } = run.config.tree;
  if (dir) await cp(path.resolve(run.options.cwd, dir), target, { recursive: true });
  if (stage) runScript(run, stage, target);
  const images = run.config.stages?.promote;
  if (enabled(images) && images?.stage) runScript(run, images.stage, path.join(run.workspace, IMAGES));
}

function runScript(run: Run, script: string, target: string): void {
  execFileSync('bash', [path.resolve(run.options.cwd, script), run.config.version, target], {
    env: { ...process.env, ...run.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * promote-images takes images pinned by digest: an `oci:<folder>:<tag>` of the config (a folder in the workspace)
 * is pinned to the digest its index.json names for the tag, and the log says so.
 */
async function pinnedImages(run: Run): Promise<string[]> {
  const pinned: string[] = [];
  for (const image of run.config.stages?.promote?.images ?? []) {
    const match = /^oci:([^:@]+):([^:@]+)$/.exec(image);
    if (!match) {
      pinned.push(image);
      continue;
    }
    const [, folder, tag] = match as unknown as [string, string, string];
    let index: { manifests?: Array<{ digest: string; annotations?: Record<string, string> }> };
    try {
      index = JSON.parse(await readFile(path.join(run.workspace, folder, 'index.json'), 'utf8'));
    } catch (cause) {
      throw new InputError('images', `${image}: ${folder} in the workspace is no OCI layout (${(cause as Error).message})`, {
        cause,
        userError: true,
      });
    }
    const entry = index.manifests?.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
    if (!entry) throw new InputError('images', `${image}: the layout ${folder} has no tag ${tag}`, { userError: true });
    run.options.log(`Promoting ${image} as ${image}@${entry.digest}`);
    pinned.push(`${image}@${entry.digest}`);
  }
  return pinned;
}

const enabled = (c: { enabled?: boolean } | undefined): boolean => c !== undefined && c.enabled !== false;

function ran(run: Run, stage: StageName): boolean {
  return enabled(run.config.stages?.[stage]);
}

/** Provenance off GitHub: the builder and invocation the config names, or none without a builder-id. */
function provenanceInputs(run: Run): Record<string, string> {
  const sign = run.config.stages?.sign;
  const builderId = sign?.['builder-id'];
  if (!builderId) return { provenance: 'false' };
  const invocationId = sign?.['invocation-id'] ?? `${run.config.version}@${run.env.SOURCE_DATE_EPOCH}`;
  return { provenance: 'true', 'builder-id': builderId, 'invocation-id': invocationId };
}

/** The inputs of a stage's action: what the config says, then its `with`, then its `env` (secrets). */
function stageInputs(run: Run, stage: StageName): Record<string, string> {
  const { config, options } = run;
  const stages = config.stages ?? {};
  const base = options.cwd;
  let inputs: Record<string, string>;
  switch (stage) {
    case 'packages':
      inputs = {
        config: PACKAGES_CONFIG,
        formats: stages.packages?.formats ?? 'deb,rpm',
        'output-dir': `${TREE}/packages`,
        version: config.version,
        ...(run.pgpKey ? { 'gpg-private-key': run.pgpKey } : { repository: 'false' }),
      };
      break;
    case 'sbom':
      inputs = {
        files: `${TREE}/**`,
        format: stages.sbom?.format ?? 'both',
        'output-dir': `${TREE}/sbom`,
        'base-dir': TREE,
        name: 'kubernetes-release',
        version: config.version,
      };
      break;
    case 'sign':
      inputs = {
        files: `${TREE}/**`,
        signing: stages.sign?.signing ?? 'key',
        ...(run.key ? { 'private-key': run.key.privatePem, 'rekor-url': 'none', 'tsa-url': 'none' } : {}),
        ...provenanceInputs(run),
      };
      break;
    case 'publish':
      inputs = {
        'source-dir': TREE,
        version: config.version,
        destinations: (stages.publish?.destinations ?? []).map((d) => destinationUrl(d, base)).join('\n'),
        layout: stages.publish?.layout ?? 'kubernetes',
        'verify-signatures': String(ran(run, 'sign')),
        ...(run.key ? { 'public-key': run.key.publicPem } : {}),
      };
      break;
    case 'promote':
      inputs = {
        images: (run.images ?? []).join('\n'),
        confirm: 'true',
        destinations: (stages.promote?.destinations ?? []).join('\n'),
        tags: stages.promote?.tags ?? '',
      };
      break;
    case 'markers':
      inputs = {
        version: config.version,
        destination: destinationUrl(stages.markers?.destination ?? '', base),
        'build-type': stages.markers?.['build-type'] ?? 'release',
      };
      break;
  }
  const own = stages[stage];
  for (const [input, variable] of Object.entries(own?.env ?? {})) inputs[input] = process.env[variable] ?? '';
  return { ...inputs, manifest: MANIFEST, ...own?.with };
}

const count = (json: string | undefined): number => {
  try {
    const v = JSON.parse(json ?? '');
    return Array.isArray(v) ? v.length : Object.keys(v ?? {}).length;
  } catch {
    return 0;
  }
};

/** One line on what a stage did, from its outputs. */
export function describeOutputs(action: ActionName, outputs: Record<string, string>): string {
  switch (action) {
    case 'build-packages':
      return `${count(outputs['packages'])} packages`;
    case 'generate-sbom':
      return `${count(outputs['sboms'])} SBOMs`;
    case 'sign-artifacts':
      return `${count(outputs['bundles'])} files signed, ${outputs['verified'] ?? 0} verified`;
    case 'publish-binaries':
      return `${outputs['uploaded'] ?? 0} objects uploaded, ${outputs['skipped'] ?? 0} already there`;
    case 'promote-images':
      return `${outputs['promoted'] ?? 0} references promoted, ${outputs['skipped'] ?? 0} already in place`;
    case 'update-markers': {
      const moved = Object.entries(JSON.parse(outputs['updated'] || '{}') as Record<string, { to: string }>);
      return moved.length
        ? moved.map(([k, v]) => `${k} → ${v.to}`).join(', ')
        : `no marker moved (${count(outputs['skipped'])} unchanged)`;
    }
  }
}

function failureLog(result: RunResult): string {
  const errors = result.annotations
    .filter((a) => a.level === 'error')
    .map((a) => `  ${a.properties['title'] ?? 'error'}: ${a.message}`);
  return errors.length ? errors.join('\n') : result.stderr.trim().split('\n').slice(-10).join('\n');
}

/** The commands that check the result, for what the run made. */
function checks(run: Run): string[] {
  const stages = run.config.stages ?? {};
  const lines: string[] = [];
  const rel = (p: string) => path.relative(run.options.cwd, p) || '.';
  // build-packages names absolute paths.
  const repository = path.relative(run.workspace, run.outputs.packages?.['repository-dir'] || run.workspace);
  const pgpPublic = run.outputs.packages?.['public-key'];
  let repositoryShown = false;
  if (ran(run, 'publish')) {
    for (const d of stages.publish?.destinations ?? []) {
      const url = destinationUrl(d, run.options.cwd);
      if (!url.startsWith('file://')) continue;
      const folder = path.join(
        url.slice('file://'.length),
        (stages.publish?.layout ?? 'kubernetes') === 'kubernetes' ? `release/${run.config.version}` : '',
      );
      lines.push(`(cd ${rel(folder)} && sha256sum -c SHA256SUMS)`);
      if (run.key) {
        // index.json is publish-binaries' record of the release, not one of its signed files.
        lines.push(
          `npx release-actions sign-artifacts --mode verify --signing key --rekor-url none --tsa-url none --public-key ${rel(run.key.publicPath)} --files '${rel(folder)}/**' --exclude index.json`,
        );
      }
      if (repository.startsWith(`${TREE}/`) && !repositoryShown) {
        repositoryShown = true;
        // Published with the tree: an APT source is deb [signed-by=<key>] file:<deb folder>/ ./, a YUM one baseurl=<rpm folder>.
        lines.push(
          `find ${rel(path.join(folder, repository.slice(TREE.length + 1)))} -name InRelease -o -name repomd.xml.asc   # the signed APT and YUM repositories${pgpPublic ? `, key ${rel(pgpPublic)}` : ''}`,
        );
      }
    }
  }
  if (ran(run, 'markers')) {
    const url = destinationUrl(stages.markers?.destination ?? '', run.options.cwd);
    if (url.startsWith('file://'))
      lines.push(`cat ${rel(path.join(url.slice('file://'.length), stages.markers?.['build-type'] ?? 'release', 'stable.txt'))}`);
  }
  if (ran(run, 'promote'))
    for (const d of stages.promote?.destinations ?? [])
      for (const image of run.images ?? [])
        if (d.startsWith('oci:')) {
          const name = path.posix.basename(image.replace(/^oci:/, '').replace(/[:@].*$/, ''));
          const tag = /^oci:[^:@]+:([^:@]+)/.exec(image)?.[1] ?? stages.promote?.tags?.split(',')[0];
          lines.push(`skopeo inspect --raw oci:${rel(path.join(run.workspace, d.slice(4), name))}:${tag}`);
        }
  if (ran(run, 'packages') && !repositoryShown)
    lines.push(`ls ${rel(path.join(run.workspace, TREE, 'packages'))}   # the deb and rpm packages`);
  return lines;
}

export async function runRelease(config: ReleaseConfig, options: ReleaseOptions): Promise<ReleaseReport> {
  const out = path.resolve(options.cwd, options.output ?? config.output ?? '_out');
  const epoch = String(config['source-date-epoch'] ?? process.env.SOURCE_DATE_EPOCH ?? Math.floor(Date.now() / 1000));
  const run: Run = {
    config,
    options,
    out,
    workspace: path.join(out, 'workspace'),
    env: { SOURCE_DATE_EPOCH: epoch },
    outputs: {},
  };
  await mkdir(path.join(run.workspace, '.release-actions'), { recursive: true });
  await stageTree(run);
  if (ran(run, 'packages')) {
    await cp(path.resolve(options.cwd, config.stages?.packages?.config ?? ''), path.join(run.workspace, PACKAGES_CONFIG));
  }
  run.key = await signingKey(run);
  run.pgpKey = await packagesKey(run);
  if (ran(run, 'sign')) {
    const p = provenanceInputs(run);
    options.log(
      p['builder-id']
        ? `Provenance: builder ${p['builder-id']}, invocation ${p['invocation-id']} (from the config)`
        : 'No provenance: the config names no stages.sign.builder-id',
    );
  }
  if (ran(run, 'promote')) run.images = await pinnedImages(run);
  const reports: StageReport[] = [];
  let failed = false;
  for (const [i, { stage, action }] of STAGES.entries()) {
    const step = `[${i + 1}/${STAGES.length}] ${stage} (${action})`;
    if (!ran(run, stage) || failed) {
      const why = failed ? 'an earlier stage failed' : `${run.config.stages?.[stage] ? 'disabled' : 'not'} in the config`;
      options.log(`${step}: skipped, ${why}`);
      reports.push({ stage, action, status: 'skipped', did: why, durationMs: 0 });
      continue;
    }
    const started = performance.now();
    const result = await runBundle(action, {
      inputs: stageInputs(run, stage),
      workspace: run.workspace,
      githubContext: false,
      env: run.env,
      timeoutMs: 6 * 3_600_000,
    });
    const durationMs = performance.now() - started;
    if (result.exitCode !== 0) {
      failed = true;
      options.log(`${step}: failed after ${(durationMs / 1000).toFixed(1)} s\n${failureLog(result)}`);
      reports.push({ stage, action, status: 'failed', did: failureLog(result).trim().split('\n')[0] ?? 'failed', durationMs });
      continue;
    }
    run.outputs[stage] = result.outputs;
    const did = describeOutputs(action, result.outputs);
    options.log(`${step}: ${did} (${(durationMs / 1000).toFixed(1)} s)`);
    reports.push({ stage, action, status: 'done', did, durationMs });
  }
  return { ok: !failed, stages: reports, checks: failed ? [] : checks(run), output: out };
}

/** The closing table: stage, what it did, time. */
export function reportTable(report: ReleaseReport): string {
  const rows = report.stages.map((s) => [
    s.stage,
    s.status === 'done' ? s.did : `${s.status}: ${s.did}`,
    s.status === 'skipped' ? '' : `${(s.durationMs / 1000).toFixed(1)} s`,
  ]);
  const header = ['stage', 'what it did', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
