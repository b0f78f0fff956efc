/**
 * Test fixture: a Go binary built with Debian's golang-go, offline, from a module
 * that requires a second module replaced by a local folder (what `go version -m`
 * prints as a `dep` line followed by a `=>` line).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface GoFixture {
  binary: string;
  /** `go version -m <binary>` */
  goVersionM: string;
}

function goEnv(): NodeJS.ProcessEnv {
  // One build cache for every test run: the first build compiles the standard library.
  const cache = path.join(tmpdir(), 'release-actions-go-cache');
  return {
    ...process.env,
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOSUMDB: 'off',
    GOCACHE: cache,
    GOPATH: path.join(cache, 'gopath'),
    GOTOOLCHAIN: 'local',
  };
}

/** Builds `<dir>/<name>` for GOOS/GOARCH (default linux/amd64, CGO off). */
export async function buildGoBinary(
  dir: string,
  { name = 'hello', goos = 'linux', goarch = 'amd64' }: { name?: string; goos?: string; goarch?: string } = {},
): Promise<GoFixture> {
  const src = path.join(dir, `src-${name}`);
  await mkdir(path.join(src, 'hello'), { recursive: true });
  await mkdir(path.join(src, 'greet'), { recursive: true });
  await writeFile(path.join(src, 'greet', 'go.mod'), 'module example.com/greet\n\ngo 1.19\n');
  await writeFile(path.join(src, 'greet', 'greet.go'), 'package greet\n\nfunc Hello() string { return "hello" }\n');
  await writeFile(
    path.join(src, 'hello', 'go.mod'),
    'module example.com/hello\n\ngo 1.19\n\nrequire example.com/greet v1.2.3\n\nreplace example.com/greet => ../greet\n',
  );
  await writeFile(
    path.join(src, 'hello', 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greet"\n)\n\nvar version = "dev"\n\nfunc main() { fmt.Println(greet.Hello(), version) }\n',
  );
  const binary = path.join(dir, name);
  execFileSync('go', ['build', '-buildvcs=false', '-trimpath', '-ldflags', '-s -X main.version=v1.0.0', '-o', binary, '.'], {
    cwd: path.join(src, 'hello'),
    env: { ...goEnv(), GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0' },
    stdio: 'pipe',
  });
  const goVersionM = execFileSync('go', ['version', '-m', binary], { env: goEnv(), encoding: 'utf8' });
  return { binary, goVersionM };
}

/** `go version -m`'s lines after the first, as [kind, ...fields]. */
export function goVersionLines(text: string): string[][] {
  return text
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.replace(/^\t/, '').split('\t'));
}
