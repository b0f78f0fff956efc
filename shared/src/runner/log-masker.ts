/**
 * What the runner does to a step's log, for the places that show it without a runner (the CLI): `::add-mask::`
 * lines are taken out, and every value they named is replaced with `***` in everything printed after them.
 */
import { redact } from '../core/redact.ts';
import { escapeData } from '../core/workflow-commands.ts';

const ADD_MASK = '::add-mask::';

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export class LogMasker {
  readonly #secrets = new Set<string>();

  /** Registers a value, with the forms a log can carry it in (as the runner's encoders do): escaped and as JSON. */
  add(value: string): void {
    for (const form of [value, escapeData(value), JSON.stringify(value).slice(1, -1)]) {
      if (form.trim() !== '') this.#secrets.add(form);
    }
  }

  /** Every registered value replaced with `***`. */
  redact(text: string): string {
    return redact(text, this.#secrets);
  }

  /** One line of a step's output: undefined for a masking command (it is remembered), else the line redacted. */
  line(line: string): string | undefined {
    if (line.startsWith(ADD_MASK)) {
      this.add(unescapeData(line.slice(ADD_MASK.length)));
      return undefined;
    }
    return this.redact(line);
  }
}
