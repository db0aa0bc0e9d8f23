/**
 * A problem that stops an import before anything is written (the transaction rolls back). The message
 * names the file and, when known, the line and column, e.g. `orders.csv:12: column customer_id: …`.
 */
export class ImportError extends Error {
  constructor(
    readonly detail: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(
      `${file ? `${file}${line ? `:${line}` : ''}: ` : ''}${column ? `column ${JSON.stringify(column)}: ` : ''}${detail}`,
    );
    this.name = 'ImportError';
  }
}
