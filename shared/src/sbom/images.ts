/**
 * Images: a reference by digest becomes its index, each platform image and each
 * image's layers, every digest checked against the bytes read. Manifests come
 * through the one narrow interface below; the OCI client of shared/src/oci/
 * (registries and `oci:` layout folders) provides it.
 */
import { InputError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { isIndex, type ManifestBlob, parseManifest } from '../oci/media-types.ts';
import type { ImageReference } from '../oci/reference.ts';
import type { Property, SbomNode } from './model.ts';
import { purl } from './purl.ts';

/** What the SBOM needs of a repository: a manifest's exact bytes by digest. */
export interface ManifestReader {
  getManifest(digest: string): Promise<ManifestBlob | undefined>;
}

export type OpenRepository = (reference: ImageReference) => ManifestReader;

const REFERENCE_TYPE = 'vnd.docker.reference.type';

/** Nested indexes deeper than this are a loop or an attack, not an image. */
const MAX_DEPTH = 4;

interface Where {
  registry: string;
  repository: string;
  /** repository_url qualifier (none for a layout folder). */
  repositoryUrl?: string;
}

function where(ref: ImageReference): Where {
  if (ref.kind === 'layout') return { registry: 'oci', repository: ref.path.replace(/^\.?\/+/, '') };
  return { registry: ref.registry, repository: ref.repository, repositoryUrl: `${ref.registry}/${ref.repository}` };
}

/** The image `reference` (which names a digest) as a tree of nodes: index → platform images → layers. */
export async function inspectImage(reference: ImageReference, text: string, open: OpenRepository): Promise<SbomNode> {
  if (!reference.digest)
    throw new InputError('images', `${text}: an image is described by digest (name@sha256:…)`, { userError: true });
  const repo = open(reference);
  const at = where(reference);
  const name = at.repository.split('/').pop() ?? at.repository;
  const visit = async (
    digest: string,
    depth: number,
    platform?: { os: string; architecture: string; variant?: string },
  ): Promise<SbomNode> => {
    const blob = await repo.getManifest(digest);
    if (!blob) throw new InputError('images', `${text}: manifest ${digest} not found`, { userError: true });
    if (`sha256:${sha256Hex(blob.bytes)}` !== digest)
      throw new InputError('images', `${text}: manifest ${digest} read back with other bytes`, { userError: true });
    const parsed = parseManifest(blob);
    const index = isIndex(blob.mediaType);
    const top = depth === 0;
    const properties: Property[] = [{ name: 'oci:mediaType', value: blob.mediaType }];
    if (platform) {
      properties.push({
        name: 'oci:platform',
        value: [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/'),
      });
    }
    const node: SbomNode = {
      id: `image:${at.registry}/${at.repository}@${digest}`,
      kind: index ? 'image-index' : 'image',
      name: `${at.registry}/${at.repository}`,
      version: top && reference.tag ? reference.tag : digest,
      size: blob.bytes.length,
      checksums: { sha256: digest.slice('sha256:'.length) },
      purl: purl('oci', name, {
        version: digest,
        qualifiers: {
          repository_url: at.repositoryUrl,
          ...(top && reference.tag ? { tag: reference.tag } : {}),
          ...(platform ? { os: platform.os, arch: platform.architecture, variant: platform.variant } : {}),
        },
      }),
      image: {
        registry: at.registry,
        repository: at.repository,
        ...(top && reference.tag ? { tag: reference.tag } : {}),
        digest,
      },
      properties,
      contains: [],
    };
    if (index) {
      if (depth >= MAX_DEPTH)
        throw new InputError('images', `${text}: indexes nested deeper than ${MAX_DEPTH}`, { userError: true });
      for (const child of parsed.manifests) {
        // BuildKit's attestations (platform unknown/unknown) describe an image; they are none (syft lists none either).
        if (child.annotations?.[REFERENCE_TYPE] === 'attestation-manifest') continue;
        node.contains.push(await visit(child.digest, depth + 1, child.platform));
      }
      return node;
    }
    const config = JSON.parse(blob.bytes.toString('utf8')).config as { digest?: string } | undefined;
    if (config?.digest) properties.push({ name: 'oci:config', value: config.digest });
    for (const layer of parsed.blobs) {
      if (layer.digest === config?.digest) continue;
      node.contains.push({
        id: `layer:${digest}:${layer.digest}`,
        kind: 'layer',
        name: layer.digest,
        size: layer.size,
        checksums: { sha256: layer.digest.replace(/^sha256:/, '') },
        properties: [{ name: 'oci:mediaType', value: layer.mediaType }],
        contains: [],
      });
    }
    return node;
  };
  return visit(reference.digest, 0);
}
