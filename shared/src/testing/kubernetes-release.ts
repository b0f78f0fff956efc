/**
 * A Kubernetes-shaped release tree for benchmarks (≈300 files: bin/<os>/<arch>/<binary>, image tarballs, the
 * server/node/client tarballs, addons), sizes like a real release scaled by `scale` (1 ≈ 7.5 GB), random bytes;
 * and the timer both benchmarks measure the tools with.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

const MB = 1 << 20;

/** Relative path → size in bytes at scale 1, shaped like dl.k8s.io/release/vX.Y.Z. */
export function kubernetesRelease(): Map<string, number> {
  const files = new Map<string, number>();
  const linux = ['amd64', 'arm64', 'ppc64le', 's390x'];
  for (const arch of linux) {
    for (const [bin, size] of Object.entries({
      kubectl: 55,
      kubeadm: 50,
      kubelet: 75,
      'kube-apiserver': 90,
      'kube-controller-manager': 85,
      'kube-scheduler': 60,
      'kube-proxy': 55,
      'kubectl-convert': 50,
      'kube-log-runner': 2,
      mounter: 1,
    }))
      files.set(`bin/linux/${arch}/${bin}`, size * MB);
    for (const image of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'])
      files.set(`bin/linux/${arch}/${image}.tar`, 90 * MB);
    files.set(`kubernetes-server-linux-${arch}.tar.gz`, 350 * MB);
    files.set(`kubernetes-node-linux-${arch}.tar.gz`, 120 * MB);
    files.set(`kubernetes-test-linux-${arch}.tar.gz`, 200 * MB);
  }
  for (const [os, arches] of Object.entries({ darwin: ['amd64', 'arm64'], windows: ['amd64', '386', 'arm64'] })) {
    for (const arch of arches) {
      const ext = os === 'windows' ? '.exe' : '';
      for (const bin of ['kubectl', 'kubectl-convert', ...(os === 'windows' ? ['kubeadm', 'kubelet', 'kube-proxy'] : [])])
        files.set(`bin/${os}/${arch}/${bin}${ext}`, 55 * MB);
      files.set(`kubernetes-client-${os}-${arch}.tar.gz`, 30 * MB);
    }
  }
  files.set('kubernetes.tar.gz', 1 * MB);
  files.set('kubernetes-src.tar.gz', 40 * MB);
  for (let i = 0; files.size < 300; i++) files.set(`addons/manifest-${String(i).padStart(3, '0')}.yaml`, 6 * 1024);
  return files;
}

export async function writeKubernetesRelease(root: string, scale: number): Promise<{ files: string[]; bytes: number }> {
  const block = randomBytes(MB);
  let bytes = 0;
  const files: string[] = [];
  for (const [name, size] of kubernetesRelease()) {
    const target = Math.max(1, Math.round(size * scale));
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    const handle = await open(path.join(root, name), 'w');
    for (let written = 0; written < target; written += MB) {
      block[0] = (block[0] as number) + 1;
      await handle.write(block, 0, Math.min(MB, target - written));
    }
    await handle.close();
    files.push(name);
    bytes += target;
  }
  return { files, bytes };
}

/** Wall seconds a synchronous run takes (the coreutils side of the benchmarks). */
export function seconds(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
