/**
 * `npm run bench`: each bundle's size and median cold start (node dist/<name>/index.js
 * until it exits — here on an empty input set, which every action rejects after
 * loading and parsing its inputs), then the throughput benchmarks of the domains.
 * Goals: ≤ 2 MiB and ≤ 150 ms per bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function dirSize(dir: string): number {
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((f) => statSync(path.join(dir, f)))
    .filter((s) => s.isFile())
    .reduce((sum, s) => sum + s.size, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const workspace = mkdtempSync(path.join(tmpdir(), 'bench-'));
const rows: string[][] = [];
for (const name of readdirSync(path.join(root, 'dist')).sort()) {
  const entry = path.join(root, 'dist', name, 'index.js');
  if (!existsSync(entry) || name === 'cli') continue;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, [entry], {
      cwd: workspace,
      env: { PATH: process.env.PATH, GITHUB_WORKSPACE: workspace },
      stdio: 'ignore',
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const size = dirSize(path.join(root, 'dist', name));
  const indexSize = statSync(entry).size;
  const ms = median(times);
  rows.push([
    name,
    `${(size / 1024 / 1024).toFixed(2)} MiB`,
    `${(indexSize / 1024 / 1024).toFixed(2)} MiB`,
    `${ms.toFixed(0)} ms`,
    size <= 2 * 1024 * 1024 && ms <= 150 ? 'ok' : 'over goal',
  ]);
}
rmSync(workspace, { recursive: true, force: true });

const header = ['bundle', 'dist size', 'index.js', `cold start (median of ${RUNS})`, 'goal ≤2 MiB, ≤150 ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
console.log(`node ${process.version}\n`);
console.log(line(header));
for (const row of rows) console.log(line(row));

// Domain benchmarks live beside their code as *.bench.ts modules exporting a run function.
const benches = (readdirSync(path.join(root, 'shared/src'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
for (const file of benches) {
  const module = (await import(path.join(root, 'shared/src', file))) as Record<string, () => Promise<Record<string, unknown>>>;
  for (const [name, fn] of Object.entries(module)) {
    if (typeof fn !== 'function' || !name.startsWith('bench')) continue;
    console.log(`\n${file} ${name}:`);
    console.log(JSON.stringify(await fn(), null, 2));
  }
}
