/**
 * Global setup of the unit tier: its tests run with a PATH that holds every program of this machine except those in
 * `.ci/tools`, so a unit test that starts one of them fails here, as it would on a machine without Debian's tools,
 * rather than passing only where they happen to be installed.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { readTools } from './tools.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    unitPath: string;
  }
}

/** Builds the folder once per run; unit-env.ts puts it on each unit test file's PATH (the itg tier keeps its own). */
export default function setup(project: TestProject): () => void {
  const tools = new Set(readTools().map((t) => t.command));
  const dir = mkdtempSync(path.join(tmpdir(), 'unit-path-'));
  const linked = new Set<string>();
  for (const entry of (process.env.PATH ?? '').split(path.delimiter)) {
    let names: string[];
    try {
      names = entry ? readdirSync(entry) : [];
    } catch {
      continue;
    }
    // The first entry that has a name wins, as in a PATH lookup.
    for (const name of names) {
      if (tools.has(name) || linked.has(name)) continue;
      linked.add(name);
      symlinkSync(path.join(entry, name), path.join(dir, name));
    }
  }
  project.provide('unitPath', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
