/**
 * Builds a small, valid OCI image layout on disk (one layer, a config, a
 * manifest, optionally several platforms under an index) that skopeo can copy
 * into a registry: fixtures for promotion and SBOM tests, made by the tests.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
}

function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding]);
}

export class OciLayout {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  async blob(mediaType: string, data: Buffer): Promise<Descriptor> {
    const hex = createHash('sha256').update(data).digest('hex');
    await mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(path.join(this.dir, 'blobs', 'sha256', hex), data);
    return { mediaType, digest: `sha256:${hex}`, size: data.length };
  }

  /** One single-platform image whose layer holds one file with `content`. */
  async image(content: string, platform = { os: 'linux', architecture: 'amd64' }): Promise<Descriptor> {
    const tar = Buffer.concat([tarEntry('hello.txt', Buffer.from(content)), Buffer.alloc(1024)]);
    const layer = await this.blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar, { level: 9 }));
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    const config = await this.blob(
      'application/vnd.oci.image.config.v1+json',
      Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [diffId] }, config: {} })),
    );
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] };
    return { ...(await this.blob(manifest.mediaType, Buffer.from(JSON.stringify(manifest)))), platform };
  }

  /** Writes index.json naming the given manifests (a multi-platform image when there are several). */
  async write(tag: string, manifests: Descriptor[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(path.join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    let top: Descriptor;
    if (manifests.length === 1) top = manifests[0] as Descriptor;
    else {
      const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
      top = await this.blob(index.mediaType, Buffer.from(JSON.stringify(index)));
    }
    const entry = { ...top, annotations: { 'org.opencontainers.image.ref.name': tag } };
    delete entry.platform;
    await writeFile(
      path.join(this.dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] }),
    );
  }
}
