/**
 * The logger every domain module receives (never @actions/core directly), so
 * tests can pass a recording logger and the CLI can print plainly.
 */
import * as core from '@actions/core';
import { formatBytes } from './summary.js';
/** The runner's logger: workflow commands through @actions/core. */
export const actionsLogger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
  group: (title, fn) => core.group(title, fn),
};
/** Collects messages; for tests. */
export class RecordingLogger {
  lines = [];
  info(m) {
    this.lines.push(m);
  }
  warning(m) {
    this.lines.push(`warning: ${m}`);
  }
  debug(m) {
    this.lines.push(`debug: ${m}`);
  }
  async group(title, fn) {
    this.lines.push(`group: ${title}`);
    return fn();
  }
}
/** Progress "n/total" with bytes, one line per finished item. */
export class Progress {
  #logger;
  #total;
  #totalBytes;
  #done = 0;
  #bytes = 0;
  constructor(logger, total, totalBytes) {
    this.#logger = logger;
    this.#total = total;
    this.#totalBytes = totalBytes;
  }
  tick(label, bytes = 0) {
    this.#done++;
    this.#bytes += bytes;
    const width = String(this.#total).length;
    const of =
      this.#totalBytes === undefined ? formatBytes(this.#bytes) : `${formatBytes(this.#bytes)}/${formatBytes(this.#totalBytes)}`;
    this.#logger.info(`[${String(this.#done).padStart(width)}/${this.#total}] ${label} (${of})`);
  }
}
