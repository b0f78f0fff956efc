/** A job-summary builder: headings, paragraphs and markdown tables, rendered as one string. */
export type Cell = string | number | boolean | null | undefined;

function escapeCell(value: Cell): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '<br>');
}

export class Summary {
  readonly #parts: string[] = [];

  heading(text: string, level = 2): this {
    this.#parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  paragraph(text: string): this {
    this.#parts.push(text);
    return this;
  }

  table(headers: readonly string[], rows: readonly (readonly Cell[])[]): this {
    const lines = [
      `| ${headers.map(escapeCell).join(' | ')} |`,
      `| ${headers.map(() => '---').join(' | ')} |`,
      ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
    ];
    this.#parts.push(lines.join('\n'));
    return this;
  }

  /** A key/value table, for totals. */
  facts(facts: Record<string, Cell>): this {
    return this.table(
      ['', ''],
      Object.entries(facts).map(([k, v]) => [k, v]),
    );
  }

  list(items: readonly string[]): this {
    this.#parts.push(items.map((item) => `- ${item}`).join('\n'));
    return this;
  }

  render(): string {
    return `${this.#parts.join('\n\n')}\n`;
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
