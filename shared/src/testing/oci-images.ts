/**
 * Images for promotion tests, built as OCI layouts and pushed with skopeo: a two-platform index and a
 * one-platform image that share two layers, each with a layer of its own.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { type Descriptor, OciLayout } from './oci-layout.ts';
import { type Registry, type RegistryOptions, startRegistries } from './registry.ts';

const exec = promisify(execFile);

export interface TestImage {
  /** The top manifest (an index for several platforms). */
  digest: string;
  /** Each platform's manifest. */
  platforms: Descriptor[];
}

/** A layer of `size` random bytes (incompressible, so the bytes sent are the bytes written). */
export function randomLayer(layout: OciLayout, size: number): Promise<Descriptor> {
  return layout.blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(randomBytes(size), { level: 0 }));
}

/** One platform's manifest over the given layers. */
export async function platformImage(
  layout: OciLayout,
  layers: Descriptor[],
  platform: { os: string; architecture: string },
): Promise<Descriptor> {
  const config = await layout.blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} })),
  );
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers };
  return { ...(await layout.blob(manifest.mediaType, Buffer.from(JSON.stringify(manifest)))), platform };
}

export async function indexOf(layout: OciLayout, manifests: Descriptor[]): Promise<Descriptor> {
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  return layout.blob(index.mediaType, Buffer.from(JSON.stringify(index)));
}

/** Writes index.json naming each top manifest under its tag. */
export async function writeIndex(layout: OciLayout, tagged: Record<string, Descriptor>): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(layout.dir, { recursive: true });
  await writeFile(`${layout.dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = Object.entries(tagged).map(([tag, d]) => ({
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  }));
  await writeFile(
    `${layout.dir}/index.json`,
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
}

/** The pair: `multi` (amd64 + arm64, an index) and `single` (amd64), sharing two layers. */
export async function sharedLayerImages(dir: string, layerSize = 64 * 1024): Promise<{ multi: TestImage; single: TestImage }> {
  const layout = new OciLayout(dir);
  const shared = [await randomLayer(layout, layerSize), await randomLayer(layout, layerSize)];
  const amd64 = await platformImage(layout, [...shared, await randomLayer(layout, layerSize)], {
    os: 'linux',
    architecture: 'amd64',
  });
  const arm64 = await platformImage(layout, [...shared, await randomLayer(layout, layerSize)], {
    os: 'linux',
    architecture: 'arm64',
  });
  const index = await indexOf(layout, [amd64, arm64]);
  const single = await platformImage(layout, [...shared, await randomLayer(layout, layerSize)], {
    os: 'linux',
    architecture: 'amd64',
  });
  await writeIndex(layout, { multi: index, single });
  return { multi: { digest: index.digest, platforms: [amd64, arm64] }, single: { digest: single.digest, platforms: [single] } };
}

export async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec('skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** skopeo copy --all of a layout's tag to a plain-http registry reference (docker://host/repo:tag). */
export function pushLayout(dir: string, tag: string, target: string): Promise<string> {
  return skopeo('copy', '--all', '--quiet', '--dest-tls-verify=false', `oci:${dir}:${tag}`, `docker://${target}`);
}

/** Registries behind counting proxies: what reaches each registry is counted, writes listed ("PUT /v2/…"). */
export interface CountedRegistries {
  registries: Registry[];
  /** The proxies' host:port, to use in references (plain http). */
  hosts: string[];
  counts: { requests: number; writes: string[] };
  reset(): void;
  stop(): Promise<void>;
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

export async function startCountedRegistries(count: number, options: RegistryOptions = {}): Promise<CountedRegistries> {
  const registries = await startRegistries(count, options);
  const counts = { requests: 0, writes: [] as string[] };
  const proxies: FaultProxy[] = await Promise.all(
    registries.map((r) =>
      startFaultProxy({
        target: r.url,
        failureRate: 0,
        seed: 1,
        observe: (req) => {
          counts.requests++;
          if (WRITE_METHODS.has(req.method ?? '')) counts.writes.push(`${req.method} ${req.url}`);
        },
      }),
    ),
  );
  return {
    registries,
    hosts: proxies.map((p) => p.url.replace('http://', '')),
    counts,
    reset() {
      counts.requests = 0;
      counts.writes.length = 0;
    },
    async stop() {
      await Promise.all(proxies.map((p) => p.stop()));
      await Promise.all(registries.map((r) => r.stop()));
    },
  };
}
