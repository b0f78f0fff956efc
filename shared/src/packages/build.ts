/**
 * build-packages: plan (config, versions, architectures, key) → build every package in memory → write packages,
 * then the repositories (indexes last) → report. Every check runs before the first write, so a bad input leaves
 * output-dir and repository-dir untouched.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../core/logger.ts';
import { mapPool } from '../core/pool.ts';
import type { BuiltPackage } from './built.ts';
import { loadConfig } from './config.ts';
import { readPackage, sourceReader } from './contents.ts';
import { controlFile, debVersion, withDebianDocs, writeDeb } from './deb.ts';
import { loadSigner, type PgpSigner } from './pgp.ts';
import { type PlannedPackage, planPackages } from './plan.ts';
import { placeInOrder } from './publish.ts';
import { type Layout, planApt, planYum, type RepositoryPlan, type RepositoryResult, writeRepository } from './repository.ts';
import { writeRpm } from './rpm.ts';
import type { Format, PackageSpec } from './spec.ts';
import { channelOf, minorOf } from './version.ts';

export interface BuildOptions {
  config: string;
  /** How the config is named in errors (its path relative to the workspace). */
  configName: string;
  formats: Format[];
  repository: boolean;
  privateKey?: string;
  passphrase?: string;
  outputDir: string;
  repositoryDir: string;
  dryRun: boolean;
  version?: string;
  architectures?: string[];
  sourceDir: string;
  layout: Layout;
  channel?: string;
  sourceDate: Date;
  env: NodeJS.ProcessEnv;
}

export interface PackageOutput {
  path: string;
  format: Format;
  name: string;
  version: string;
  arch: string;
  sha256: string;
  size: number;
}

export interface BuildResult {
  dryRun: boolean;
  packages: PackageOutput[];
  repositories: RepositoryResult[];
  repositoryDir?: string;
  publicKey?: string;
  /** Files written or replaced (empty on a rerun that changed nothing). */
  changed: string[];
}

const CONCURRENCY = 4;

async function build(planned: PlannedPackage, spec: PackageSpec, signer?: PgpSigner): Promise<BuiltPackage> {
  if (planned.format === 'deb') {
    spec = withDebianDocs(spec);
    const data = await writeDeb(spec);
    const sha256 = createHash('sha256').update(data).digest('hex');
    return {
      format: 'deb',
      name: spec.name,
      version: debVersion(spec),
      arch: spec.arch,
      fileName: planned.fileName,
      data,
      sha256,
      spec,
      control: controlFile(spec),
    };
  }
  const rpm = await writeRpm(spec, signer && ((header) => signer.detachBinary(header)));
  const sha256 = createHash('sha256').update(rpm.data).digest('hex');
  const version = `${spec.epoch ? `${spec.epoch}:` : ''}${spec.version}-${spec.release}`;
  return {
    format: 'rpm',
    name: spec.name,
    version,
    arch: spec.arch,
    fileName: planned.fileName,
    data: rpm.data,
    sha256,
    spec,
    rpm,
  };
}

function describePlan(plan: readonly PlannedPackage[], options: BuildOptions, repoRoots: Record<Format, string>): string[] {
  return [
    ...plan.map((p) => `${p.format} ${p.fileName} (${p.contents.length} entries) → ${path.join(options.outputDir, p.fileName)}`),
    ...(options.repository ? options.formats.map((f) => `${f === 'deb' ? 'APT' : 'YUM'} repository → ${repoRoots[f]}`) : []),
  ];
}

export async function buildPackages(options: BuildOptions, logger: Logger): Promise<BuildResult> {
  const sourceDate = Math.floor(options.sourceDate.getTime() / 1000);
  const config = await loadConfig(options.config, options.configName, options.env);
  const plan = planPackages(config, {
    formats: options.formats,
    version: options.version,
    architectures: options.architectures,
    sourceDate,
  });
  const signer = options.privateKey ? await loadSigner(options.privateKey, options.passphrase, options.sourceDate) : undefined;
  const version = options.version ?? String(config.packages[0]?.version ?? '');
  const minor = minorOf(version) ?? 'v0.0';
  const channel = options.channel || channelOf(version, config.packages[0]?.prerelease);
  const repoRoots: Record<Format, string> =
    options.layout === 'flat'
      ? {
          deb: path.join(options.repositoryDir, channel, minor, 'deb'),
          rpm: path.join(options.repositoryDir, channel, minor, 'rpm'),
        }
      : { deb: path.join(options.repositoryDir, 'deb'), rpm: path.join(options.repositoryDir, 'rpm', channel, minor) };
  const lines = describePlan(plan, options, repoRoots);
  if (options.dryRun) {
    await logger.group(`Plan (dry run: nothing written): ${plan.length} packages`, async () => {
      for (const line of lines) logger.info(line);
    });
    return { dryRun: true, packages: [], repositories: [], changed: [] };
  }
  const read = sourceReader(options.sourceDir);
  const specs = await Promise.all(plan.map((p) => readPackage(config, p, read, options.sourceDir, sourceDate)));
  let done = 0;
  const built = await logger.group(`Building ${plan.length} packages`, () =>
    mapPool(plan, CONCURRENCY, async (p, i) => {
      const pkg = await build(p, specs[i] as (typeof specs)[number], signer);
      logger.info(`[${++done}/${plan.length}] ${pkg.fileName} (${pkg.data.length} bytes, sha256 ${pkg.sha256})`);
      return pkg;
    }),
  );
  // Both repositories are read back, verified and signed before the first write: a refused one leaves every folder as it was.
  const plans: RepositoryPlan[] = [];
  if (options.repository) {
    const repo = {
      layout: options.layout,
      suite: channel,
      component: minor,
      date: options.sourceDate,
      origin: 'release-actions',
      label: 'release-actions',
    };
    const debs = built.filter((b) => b.format === 'deb');
    const rpms = built.filter((b) => b.format === 'rpm');
    const arches = [...new Set(debs.map((d) => d.arch))];
    if (options.formats.includes('deb')) plans.push(await planApt(debs, arches, { ...repo, root: repoRoots.deb }, signer));
    if (options.formats.includes('rpm')) plans.push(await planYum(rpms, { ...repo, root: repoRoots.rpm }, signer));
  }
  const outputs = built.map((pkg) => ({ path: path.join(options.outputDir, pkg.fileName), data: pkg.data }));
  const publicKey = signer ? path.join(options.outputDir, 'signing-key.asc') : undefined;
  if (signer && publicKey) outputs.push({ path: publicKey, data: Buffer.from(signer.publicKey) });
  const changed = await placeInOrder(options.outputDir, outputs);
  const repositories: RepositoryResult[] = [];
  if (options.repository) {
    for (const repository of plans) repositories.push(await writeRepository(repository));
    changed.push(...repositories.flatMap((r) => r.changed));
    for (const r of repositories)
      logger.info(
        `${r.format === 'deb' ? 'APT' : 'YUM'} repository ${r.root}: ${r.packages} packages (${r.kept} kept), ${r.changed.length} files written`,
      );
  }
  if (changed.length === 0) logger.info('Nothing changed: every package and index already held these bytes');
  return {
    dryRun: false,
    packages: built.map((b) => ({
      path: path.join(options.outputDir, b.fileName),
      format: b.format,
      name: b.name,
      version: b.version,
      arch: b.arch,
      sha256: b.sha256,
      size: b.data.length,
    })),
    repositories,
    repositoryDir: options.repository ? options.repositoryDir : undefined,
    publicKey,
    changed,
  };
}
