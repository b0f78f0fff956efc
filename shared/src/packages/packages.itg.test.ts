/**
 * build-packages judged by the real tools: dpkg-deb, lintian, dpkg, rpm, apt-get, dnf and createrepo_c, over the
 * Kubernetes example config built from small stand-in binaries.
 */
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { RecordingLogger } from '../core/logger.ts';
import { type BuildOptions, type BuildResult, buildPackages } from './build.ts';
import { aptRoot, dnf, dpkgInstall, run, tempDir, testKey } from './tools.fixture.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/kubernetes-packages.yaml');
const ARCHES = ['amd64', 'arm64', 'ppc64le', 's390x'];
const EPOCH = new Date(1_700_000_000_000);

/** Stands in for the distribution's own packages, which an empty root lacks. */
const STAND_INS = {
  name: 'system-stand-ins',
  version: '$KUBE_VERSION',
  description: 'Stands in for system packages\nProvides what kubelet needs from the distribution, for tests.',
  overrides: {
    deb: { provides: ['iptables', 'iproute2', 'socat', 'ethtool', 'conntrack'] },
    rpm: { provides: ['iptables', 'iproute', 'socat', 'util-linux', 'ethtool', 'conntrack', '/bin/sh'] },
  },
  contents: [{ src: 'packaging/kubelet.env', dst: '/usr/share/system-stand-ins/README' }],
};

async function sourceTree(dir: string): Promise<void> {
  const bin = async (rel: string, text: string) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), `#!/bin/sh\necho ${text}\n`, { mode: 0o755 });
  };
  for (const arch of ARCHES) {
    for (const name of ['kubelet', 'kubeadm', 'kubectl']) await bin(`_output/linux/${arch}/${name}`, `${name}-${arch}`);
    for (const name of ['bridge', 'loopback']) await bin(`_output/cni/linux/${arch}/${name}`, `${name}-${arch}`);
    await bin(`_output/cri-tools/linux/${arch}/crictl`, `crictl-${arch}`);
  }
  await mkdir(path.join(dir, 'packaging'), { recursive: true });
  await writeFile(path.join(dir, 'packaging/kubelet.env'), 'KUBELET_EXTRA_ARGS=\n');
  await writeFile(path.join(dir, 'packaging/kubernetes-cni.lintian-overrides'), 'kubernetes-cni: dir-or-file-in-opt\n');
  await writeFile(
    path.join(dir, 'packaging/kubelet.service'),
    '[Unit]\nDescription=kubelet\n\n[Service]\nExecStart=/usr/bin/kubelet\n\n[Install]\nWantedBy=multi-user.target\n',
  );
  await writeFile(
    path.join(dir, 'packaging/10-kubeadm.conf'),
    '[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf"\n',
  );
  await writeFile(
    path.join(dir, 'packaging/kubelet.postinst'),
    '#!/bin/sh\nset -e\nmkdir -p "$DPKG_ROOT/var/lib/kubelet"\necho ran > "$DPKG_ROOT/var/lib/kubelet/postinst-ran"\n',
  );
  const example = parse(await readFile(EXAMPLE, 'utf8'), { version: '1.1' });
  example.packages.push(STAND_INS);
  await writeFile(path.join(dir, 'packages.yaml'), stringify(example, { version: '1.1' }));
}

async function tree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(dir, file), await readFile(file));
    }
  return files;
}

let work: string;
let source: string;
let key: Awaited<ReturnType<typeof testKey>>;
let first: BuildResult;
let keyFile: string;

function options(out: string, version: string, extra: Partial<BuildOptions> = {}): BuildOptions {
  return {
    config: path.join(source, 'packages.yaml'),
    configName: 'packages.yaml',
    formats: ['deb', 'rpm'],
    repository: true,
    privateKey: key.privateKey,
    passphrase: key.passphrase,
    outputDir: out,
    repositoryDir: path.join(out, 'repository'),
    dryRun: false,
    sourceDir: source,
    layout: 'flat',
    sourceDate: EPOCH,
    env: { KUBE_VERSION: version },
    ...extra,
  };
}

const debRepo = () => path.join(work, 'out', 'repository/stable/v1.31/deb');
const rpmRepo = () => path.join(work, 'out', 'repository/stable/v1.31/rpm');
const built = (name: string, format: string, arch: string) =>
  first.packages.find((p) => p.name === name && p.format === format && p.arch === arch)?.path as string;

beforeAll(async () => {
  work = await tempDir('packages-test');
  source = path.join(work, 'src');
  await sourceTree(source);
  key = await testKey();
  keyFile = path.join(work, 'key.asc');
  await writeFile(keyFile, key.publicKey);
  first = await buildPackages(options(path.join(work, 'out'), 'v1.31.0'), new RecordingLogger());
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the Kubernetes package set', () => {
  it('builds 6 packages × 4 architectures × 2 formats (all with their format names)', () => {
    expect(first.packages).toHaveLength(48);
    expect(new Set(first.packages.filter((p) => p.format === 'rpm').map((p) => p.arch))).toEqual(
      new Set(['x86_64', 'aarch64', 'ppc64le', 's390x']),
    );
    expect(new Set(first.packages.filter((p) => p.format === 'deb').map((p) => p.arch))).toEqual(
      new Set(['amd64', 'arm64', 'ppc64el', 's390x']),
    );
  });

  it('is reproducible: a second run gives the same bytes, signatures included', async () => {
    const again = path.join(work, 'again');
    await buildPackages(options(again, 'v1.31.0'), new RecordingLogger());
    const a = await tree(path.join(work, 'out'));
    const b = await tree(again);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [file, bytes] of a) expect(b.get(file)?.equals(bytes), file).toBe(true);
    expect([...a.keys()].some((f) => f.endsWith('InRelease'))).toBe(true);
    expect([...a.keys()].some((f) => f.endsWith('repomd.xml.asc'))).toBe(true);
    const rerun = await buildPackages(options(again, 'v1.31.0'), new RecordingLogger());
    expect(rerun.changed).toEqual([]);
  }, 120_000);

  it('dpkg-deb shows the fields, files and modes; dpkg installs it and its postinst ran', async () => {
    const deb = built('kubelet', 'deb', 'amd64');
    const info = await run('dpkg-deb', ['--info', deb]);
    expect(info.code).toBe(0);
    for (const field of [
      'Package: kubelet',
      'Version: 1.31.0-1.1',
      'Architecture: amd64',
      'Maintainer: Kubernetes Authors <dev@kubernetes.io>',
      'Installed-Size:',
      'Depends: kubernetes-cni (>= 1.2.0), iptables, iproute2',
      'Homepage: https://kubernetes.io',
      'Description: Node agent for Kubernetes clusters',
    ])
      expect(info.out).toContain(field);
    expect(info.out).toMatch(/\bpostinst\b/);
    expect(info.out).toMatch(/\bconffiles\b/);
    const contents = await run('dpkg-deb', ['--contents', deb]);
    expect(contents.out).toMatch(/-rwxr-xr-x root\/root .* \.\/usr\/bin\/kubelet/);
    expect(contents.out).toMatch(/drwxr-xr-x root\/root .* \.\/etc\/kubernetes\/manifests\//);
    expect(contents.out).toMatch(/-rw-r--r-- root\/root .* \.\/etc\/default\/kubelet/);
    expect(contents.out).toContain('./usr/lib/systemd/system/kubelet.service');
    const install = await dpkgInstall(deb);
    const { root } = install;
    expect(install.code, install.out).toBe(0);
    expect(await readFile(path.join(root, 'var/lib/kubelet/postinst-ran'), 'utf8')).toBe('ran\n');
    expect((await stat(path.join(root, 'etc/kubernetes/manifests'))).isDirectory()).toBe(true);
    await rm(root, { recursive: true, force: true });
  });

  it('lintian finds no errors', async () => {
    const debs = ['kubelet', 'kubeadm', 'kubectl', 'kubernetes-cni', 'cri-tools'].map((n) => built(n, 'deb', 'amd64'));
    const lint = await run('lintian', ['--no-cfg', ...debs]);
    expect(lint.out.split('\n').filter((l) => l.startsWith('E:'))).toEqual([]);
    // The warnings left are the config's to fix (manual pages, a copyright notice), listed in docs/packages.md.
    expect(lint.code, lint.out).toBe(0);
  }, 120_000);

  it('rpm shows what the config declares, and rpm -K says digests and signatures OK', async () => {
    const file = built('kubelet', 'rpm', 'x86_64');
    const info = await run('rpm', ['-qip', file]);
    for (const field of [
      /Name\s+: kubelet/,
      /Version\s+: 1\.31\.0/,
      /Release\s+: 1\.1/,
      /Architecture: x86_64/,
      /License\s+: Apache-2\.0/,
      /URL\s+: https:\/\/kubernetes\.io/,
      /Summary\s+: Node agent/,
    ])
      expect(info.out).toMatch(field);
    const list = await run('rpm', ['-qlvp', file]);
    expect(list.out).toMatch(/-rwxr-xr-x .* root +root .* \/usr\/bin\/kubelet/);
    expect(list.out).toMatch(/drwxr-xr-x .* \/etc\/kubernetes\/manifests/);
    expect(list.out).toContain('/etc/sysconfig/kubelet');
    expect((await run('rpm', ['-qcp', file])).out.split('\n').filter((l) => l.startsWith('/'))).toEqual([
      '/etc/sysconfig/kubelet',
    ]);
    const deps = await run('rpm', ['-qp', '--requires', '--scripts', file]);
    expect(deps.out).toContain('kubernetes-cni >= 1.2.0');
    expect(deps.out).toContain('iproute');
    expect(deps.out).toContain('postinstall scriptlet (using /bin/sh)');
    const kubeadm = await run('rpm', ['-qp', '--requires', built('kubeadm', 'rpm', 'x86_64')]);
    expect(kubeadm.out).toContain('cri-tools >= 1.30.0');
    const db = await tempDir('rpmdb');
    expect((await run('rpmkeys', ['--dbpath', db, '--import', keyFile])).code).toBe(0);
    const check = await run('rpm', ['--dbpath', db, '-K', file]);
    expect(check.out).toContain('digests signatures OK');
    const root = await tempDir('rpm-root');
    const install = await run('rpm', ['--root', root, '--nodeps', '--noscripts', '-i', file]);
    expect(install.code, install.out).toBe(0);
    expect((await stat(path.join(root, 'usr/bin/kubelet'))).mode & 0o777).toBe(0o755);
    await rm(db, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it('apt-get installs kubeadm with its dependencies, the signature checked; a changed InRelease is refused', async () => {
    const keyring = path.join(work, 'key.gpg');
    await run('sh', ['-c', `gpg --dearmor < ${keyFile} > ${keyring}`]);
    const { root, apt } = await aptRoot(`deb [signed-by=${keyring}] file:${debRepo()}/ /`);
    const update = await apt('apt-get', ['update']);
    expect(update.code, update.out).toBe(0);
    expect(update.out).not.toMatch(/^(W|E):/m);
    const install = await apt('apt-get', ['-y', 'install', 'kubeadm']);
    expect(install.code, install.out).toBe(0);
    for (const name of ['kubeadm', 'kubelet', 'kubectl', 'cri-tools', 'kubernetes-cni'])
      expect(install.out).toContain(`Setting up ${name}`);
    expect(await readFile(path.join(root, 'etc/default/kubelet'), 'utf8')).toContain('KUBELET_EXTRA_ARGS');
    expect((await stat(path.join(root, 'opt/cni/bin/bridge'))).isFile()).toBe(true);
    expect((await stat(path.join(root, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf'))).isFile()).toBe(true);

    const tampered = path.join(work, 'tampered-deb');
    await cp(debRepo(), tampered, { recursive: true });
    const inRelease = path.join(tampered, 'InRelease');
    const text = await readFile(inRelease, 'utf8');
    await writeFile(inRelease, text.replace('Label: release-actions', 'Label: release-actionz'));
    await rm(path.join(tampered, 'Release.gpg'));
    const bad = await aptRoot(`deb [signed-by=${keyring}] file:${tampered}/ /`);
    const refused = await bad.apt('apt-get', ['update']);
    expect(refused.out).toMatch(/BADSIG|not signed|NO_PUBKEY|invalid/i);
    expect((await bad.apt('apt-cache', ['policy', 'kubeadm'])).out).not.toContain('1.31.0');
  }, 120_000);

  it('the dists layout: apt-get installs from dists/<channel> with component v1.31 and a pool', async () => {
    const out = path.join(work, 'dists');
    await buildPackages({ ...options(out, 'v1.31.0'), formats: ['deb'], layout: 'dists' }, new RecordingLogger());
    const base = path.join(out, 'repository/deb');
    expect((await stat(path.join(base, 'dists/stable/v1.31/binary-amd64/Packages.gz'))).isFile()).toBe(true);
    expect((await stat(path.join(base, 'pool/v1.31/k/kubeadm/kubeadm_1.31.0-1.1_amd64.deb'))).isFile()).toBe(true);
    const release = await readFile(path.join(base, 'dists/stable/Release'), 'utf8');
    expect(release).toContain('Components: v1.31');
    expect(release).toContain('Architectures: amd64 arm64 ppc64el s390x');
    const keyring = path.join(work, 'key.gpg');
    await run('sh', ['-c', `gpg --dearmor < ${keyFile} > ${keyring}`]);
    const { apt } = await aptRoot(`deb [signed-by=${keyring}] file:${base} stable v1.31`);
    const update = await apt('apt-get', ['update']);
    expect(update.code, update.out).toBe(0);
    expect(update.out).not.toMatch(/^(W|E):/m);
    const install = await apt('apt-get', ['-y', 'install', 'kubeadm']);
    expect(install.code, install.out).toBe(0);
    expect(install.out).toContain('Setting up kubeadm');
  }, 120_000);

  it('dnf installs kubeadm with its dependencies, gpgcheck and repo_gpgcheck on; a changed repomd.xml is refused', async () => {
    const install = await dnf(rpmRepo(), keyFile, ['install', 'kubeadm']);
    expect(install.code, install.out).toBe(0);
    for (const name of ['kubeadm', 'kubelet', 'kubectl', 'cri-tools', 'kubernetes-cni'])
      expect(install.out).toContain(`${name}-`);
    expect((await stat(path.join(install.root, 'etc/sysconfig/kubelet'))).isFile()).toBe(true);

    const tampered = path.join(work, 'tampered-rpm');
    await cp(rpmRepo(), tampered, { recursive: true });
    const repomd = path.join(tampered, 'repodata/repomd.xml');
    await writeFile(repomd, (await readFile(repomd, 'utf8')).replace('<revision>', '<revision>1'));
    const refused = await dnf(tampered, keyFile, ['install', 'kubeadm']);
    expect(refused.code).not.toBe(0);
    await rm(install.root, { recursive: true, force: true });
    await rm(refused.root, { recursive: true, force: true });
  }, 300_000);

  it('createrepo_c over the same rpms gives the same package entries', async () => {
    const copy = path.join(work, 'createrepo');
    await cp(rpmRepo(), copy, { recursive: true });
    await rm(path.join(copy, 'repodata'), { recursive: true });
    expect((await run('createrepo_c', ['--quiet', copy])).code).toBe(0);
    const entries = async (dir: string) => {
      const repomd = await readFile(path.join(dir, 'repodata/repomd.xml'), 'utf8');
      const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1] as string;
      const xml = (await run('sh', ['-c', `gzip -dc ${path.join(dir, href)}`])).out;
      return [...xml.matchAll(/<package type="rpm">[\s\S]*?<\/package>/g)]
        .map(([p]) => {
          const name = /<name>([^<]+)/.exec(p)?.[1];
          const arch = /<arch>([^<]+)/.exec(p)?.[1];
          const version = /<version ([^/]+)\/>/.exec(p)?.[1];
          const checksum = /<checksum type="sha256" pkgid="YES">([0-9a-f]+)/.exec(p)?.[1];
          const location = /<location href="([^"]+)"/.exec(p)?.[1];
          return `${name} ${arch} ${version} ${checksum} ${location}`;
        })
        .sort();
    };
    const theirs = await entries(copy);
    expect(theirs).toHaveLength(24);
    expect(await entries(rpmRepo())).toEqual(theirs);
  }, 120_000);

  it('a second version added to the repository keeps the first (apt-cache policy, dnf --showduplicates)', async () => {
    const second = await buildPackages(options(path.join(work, 'out'), 'v1.31.1'), new RecordingLogger());
    // kubelet, kubeadm, kubectl and the stand-ins of 1.31.0 are kept; cri-tools and kubernetes-cni are the same files.
    expect(second.repositories.map((r) => [r.kept, r.packages])).toEqual([
      [16, 40],
      [16, 40],
    ]);
    const keyring = path.join(work, 'key.gpg');
    await run('sh', ['-c', `gpg --dearmor < ${keyFile} > ${keyring}`]);
    const { apt } = await aptRoot(`deb [signed-by=${keyring}] file:${debRepo()}/ /`);
    expect((await apt('apt-get', ['update'])).code).toBe(0);
    const policy = await apt('apt-cache', ['policy', 'kubeadm']);
    expect(policy.out).toContain('1.31.1-1.1');
    expect(policy.out).toContain('1.31.0-1.1');
    const list = await dnf(rpmRepo(), keyFile, ['list', '--showduplicates', 'kubeadm']);
    expect(list.out).toContain('1.31.1-1.1');
    expect(list.out).toContain('1.31.0-1.1');
    await rm(list.root, { recursive: true, force: true });
  }, 300_000);
});
