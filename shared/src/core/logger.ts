/**
 * The logger every domain module receives (never @actions/core directly), so
 * tests can pass a recording logger and the CLI can print plainly.
 */

import { formatBytes } from './summary.ts';
import * as commands from './workflow-commands.ts';

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** The runner's logger: workflow commands on stdout. */
export const actionsLogger: Logger = {
  info: (m) => commands.info(m),
  warning: (m) => commands.warning(m),
  debug: (m) => commands.debug(m),
  group: (title, fn) => commands.group(title, fn),
};

/** Collects messages; for tests. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(m);
  }
  warning(m: string): void {
    this.lines.push(`warning: ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${title}`);
    return fn();
  }
}

/** Progress "n/total", one line per finished item; with the bytes so far once an item carries a size. */
export class Progress {
  readonly #logger: Logger;
  readonly #total: number;
  readonly #totalBytes: number | undefined;
  #done = 0;
  #bytes: number | undefined;
  constructor(logger: Logger, total: number, totalBytes?: number) {
    this.#logger = logger;
    this.#total = total;
    this.#totalBytes = totalBytes;
  }
  tick(label: string, bytes?: number): void {
    this.#done++;
    if (bytes !== undefined || this.#totalBytes !== undefined) this.#bytes = (this.#bytes ?? 0) + (bytes ?? 0);
    const width = String(this.#total).length;
    const sofar = this.#bytes === undefined ? '' : formatBytes(this.#bytes);
    const of = this.#totalBytes === undefined ? sofar : `${sofar}/${formatBytes(this.#totalBytes)}`;
    this.#logger.info(`[${String(this.#done).padStart(width)}/${this.#total}] ${label}${of ? ` (${of})` : ''}`);
  }
}
