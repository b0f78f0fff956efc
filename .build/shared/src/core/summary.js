function escapeCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
export class Summary {
  #parts = [];
  heading(text, level = 2) {
    this.#parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }
  paragraph(text) {
    this.#parts.push(text);
    return this;
  }
  table(headers, rows) {
    const lines = [
      `| ${headers.map(escapeCell).join(' | ')} |`,
      `| ${headers.map(() => '---').join(' | ')} |`,
      ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
    ];
    this.#parts.push(lines.join('\n'));
    return this;
  }
  /** A key/value table, for totals. */
  facts(facts) {
    return this.table(
      ['', ''],
      Object.entries(facts).map(([k, v]) => [k, v]),
    );
  }
  list(items) {
    this.#parts.push(items.map((item) => `- ${item}`).join('\n'));
    return this;
  }
  render() {
    return `${this.#parts.join('\n\n')}\n`;
  }
}
export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
