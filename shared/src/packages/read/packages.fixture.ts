/** Test fixtures: a .deb built by dpkg-deb and an .rpm built by rpmbuild, each declaring dependencies. */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Builds `<dir>/hello_1.2.3-1_amd64.deb` (control.tar compressed with `compression`). */
export async function buildDeb(dir: string, compression: 'gzip' | 'zstd' | 'none' = 'gzip'): Promise<string> {
  const root = path.join(dir, `deb-root-${compression}`);
  await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(path.join(root, 'usr/bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  await writeFile(
    path.join(root, 'DEBIAN/control'),
    [
      'Package: hello',
      'Version: 1.2.3-1',
      'Architecture: amd64',
      'Maintainer: Release Team <release@example.com>',
      'Pre-Depends: dpkg (>= 1.17)',
      'Depends: libc6 (>= 2.34), iptables | nftables,',
      ' conntrack',
      'Description: says hello',
      ' A test package.',
      '',
    ].join('\n'),
  );
  const out = path.join(dir, `hello_1.2.3-1_amd64-${compression}.deb`);
  execFileSync('dpkg-deb', [`-Z${compression}`, '--root-owner-group', '--build', root, out], { stdio: 'pipe' });
  return out;
}

/** Builds an .rpm (hello-1.2.3-1.x86_64.rpm) with versioned and unversioned requirements. */
export async function buildRpm(dir: string): Promise<string> {
  const top = path.join(dir, 'rpmbuild');
  await mkdir(path.join(top, 'SPECS'), { recursive: true });
  const spec = path.join(top, 'SPECS/hello.spec');
  await writeFile(
    spec,
    [
      'Name: hello',
      'Version: 1.2.3',
      'Release: 1',
      'Epoch: 2',
      'Summary: says hello',
      'License: Apache-2.0',
      'Vendor: Example',
      'BuildArch: x86_64',
      'Requires: iptables >= 1.8',
      'Requires: conntrack-tools',
      'Requires: ebtables < 3',
      '%description',
      'A test package.',
      '%install',
      'mkdir -p %{buildroot}/usr/bin',
      'printf "#!/bin/sh\\necho hello\\n" > %{buildroot}/usr/bin/hello',
      'chmod 755 %{buildroot}/usr/bin/hello',
      '%files',
      '/usr/bin/hello',
      '',
    ].join('\n'),
  );
  execFileSync(
    'rpmbuild',
    ['-bb', '--define', `_topdir ${top}`, '--define', '_build_id_links none', '--define', '__os_install_post %{nil}', spec],
    { stdio: 'pipe', env: { ...process.env, HOME: dir } },
  );
  const rpms = path.join(top, 'RPMS/x86_64');
  const [name] = await readdir(rpms);
  return path.join(rpms, name as string);
}
