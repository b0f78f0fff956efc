/**
 * A Kubernetes-shaped staged release tree for tests and the benchmark: tarballs at
 * the root, `bin/<os>/<arch>/<binary>`, a signature and certificate, an SBOM and
 * provenance. Contents are deterministic (same tree, same digests, every run).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/ppc64le', 'linux/s390x', 'darwin/amd64', 'darwin/arm64', 'windows/amd64'];
const BINARIES = ['kubectl', 'kubeadm', 'kubelet', 'kube-apiserver', 'kube-proxy', 'kube-scheduler', 'kube-controller-manager'];

export interface TreeOptions {
  /** Number of binaries (the first N of platform × binary, cycling with a suffix beyond that). */
  binaries?: number;
  /** Size of each binary. */
  binarySize?: number;
}

/** Deterministic bytes: a SHA-256 counter stream seeded by the name (fast enough for hundreds of MiB). */
export function contentFor(name: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const block = Buffer.alloc(64 * 1024);
  let seed = createHash('sha256').update(name).digest();
  for (let i = 0; i < block.length; i += 32) {
    seed = createHash('sha256').update(seed).digest();
    seed.copy(block, i);
  }
  for (let offset = 0; offset < size; offset += block.length) {
    block.writeUInt32BE(offset / block.length, 0);
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
  }
  return out;
}

export function binaryPaths(count: number): string[] {
  const paths: string[] = [];
  for (let i = 0; paths.length < count; i++) {
    const platform = PLATFORMS[i % PLATFORMS.length] as string;
    const round = Math.floor(i / PLATFORMS.length);
    const binary = `${BINARIES[round % BINARIES.length]}${round >= BINARIES.length ? `-${round}` : ''}`;
    paths.push(`bin/${platform}/${binary}${platform.startsWith('windows') ? '.exe' : ''}`);
  }
  return paths;
}

/** Writes the tree; returns the relative paths written (sorted). */
export async function makeReleaseTree(
  root: string,
  { binaries = 4, binarySize = 64 * 1024 }: TreeOptions = {},
): Promise<string[]> {
  const files = new Map<string, Buffer>();
  for (const bin of binaryPaths(binaries)) files.set(bin, contentFor(bin, binarySize));
  files.set('kubernetes.tar.gz', contentFor('kubernetes.tar.gz', 4096));
  files.set('kubernetes-client-linux-amd64.tar.gz', contentFor('client', 8192));
  files.set('bin/linux/amd64/kubectl.sig', Buffer.from('MEUCIQDfakeSignatureForTests=\n'));
  files.set('bin/linux/amd64/kubectl.cert', Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n'));
  files.set('kubernetes-release.spdx.json', Buffer.from('{"spdxVersion":"SPDX-2.3","name":"kubernetes"}\n'));
  files.set('provenance.json', Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}\n'));
  for (const [relative, data] of files) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), data);
  }
  return [...files.keys()].sort();
}
