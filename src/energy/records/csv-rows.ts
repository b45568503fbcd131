/**
 * The rows of a CSV file, streamed, in file order, with malformed rows reported where they are instead of ending
 * the read. csv-parse skips a malformed record (a stray quote, an unclosed quote) and tells us through `on_skip`;
 * the records it had already parsed are still delivered, so row counts stay right after an error and every
 * later row is still read. Whatever csv-parse calls its error (`CSV_*`, `INVALID_OPENING_QUOTE`, ...), it
 * arrives here as a `CsvSyntaxProblem` with its line and field.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';

/** A malformed record, as csv-parse saw it. */
export interface CsvSyntaxProblem {
  /** csv-parse's code, e.g. INVALID_OPENING_QUOTE, CSV_QUOTE_NOT_CLOSED */
  code: string;
  /** line of the file where the record is malformed (1-based) */
  line: number;
  /** 0-based index of the field in which the problem was found, when csv-parse says */
  field?: number;
  /** csv-parse's message */
  message: string;
  /** what a well-formed record would have had there */
  expected: string;
  /** true when this problem belongs to the same record as the previous one (a record with two bad quotes) */
  sameRecord: boolean;
}

/** What csvItems reads from: a file stream, or text already in memory (textInput). */
export interface CsvInput {
  pipe<T extends NodeJS.WritableStream>(destination: T): T;
  on(event: 'error', listener: (err: Error) => void): unknown;
  destroy(): unknown;
  /** bytes handed to the parser so far (progress) */
  readonly bytesRead: number;
}

/** A CSV held in memory (a file dropped on a web page) as csvItems' input. */
export function textInput(text: string): CsvInput {
  let bytesRead = 0;
  return {
    pipe<T extends NodeJS.WritableStream>(destination: T): T {
      bytesRead = text.length;
      destination.end(text);
      return destination;
    },
    on: () => undefined,
    destroy: () => undefined,
    get bytesRead() { return bytesRead; },
  };
}

export type CsvItem = { kind: 'record'; cells: string[]; line: number } | { kind: 'malformed'; problem: CsvSyntaxProblem };

/** A csv-parse error (malformed CSV), as opposed to an error of the caller's callback or of the file system. */
export function isCsvError(err: unknown): boolean {
  if (err instanceof CsvError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CSV_') || code === 'INVALID_OPENING_QUOTE');
}

const EXPECTED: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote only at the start of a field (inside a field, quote the whole field and double the quote)',
  CSV_INVALID_CLOSING_QUOTE: 'a delimiter or the end of the line right after a closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a delimiter or the end of the line right after a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a closing quote (a quoted field starting here never closes; the rest of the file was read into it)',
};

interface RawCsvError { code?: string; lines?: number; column?: unknown; records?: number; message?: string }

/**
 * Streams `path` (or `input`, already opened on it) through csv-parse. Yields every record with the line it ends
 * on and every malformed record as a problem, in file order. Throws only for errors that are not about the CSV
 * (file system, a consumer that throws).
 */
export async function* csvItems(path: string, input: CsvInput | ReadStream = createReadStream(path)): AsyncGenerator<CsvItem> {
  const pending: RawCsvError[] = [];
  const parser = parse({
    bom: true, skip_empty_lines: true, relax_column_count: true, info: true, skip_records_with_error: true,
    on_skip: (err) => { if (err) pending.push(err as RawCsvError); return undefined; },
  });
  input.on('error', (err: Error) => parser.destroy(err));
  input.pipe(parser);
  let emitted = 0;
  let lastLine = 0;
  let lastKey = '';
  const toProblem = (e: RawCsvError): CsvSyntaxProblem => {
    const code = e.code ?? 'CSV_ERROR';
    // an unclosed quote is only noticed at the end of the file: name the line where its record starts
    const line = code === 'CSV_QUOTE_NOT_CLOSED' ? lastLine + 1 : (e.lines ?? lastLine + 1);
    const key = `${e.records ?? emitted}:${e.lines ?? 0}`;
    const sameRecord = key === lastKey;
    lastKey = key;
    lastLine = Math.max(lastLine, e.lines ?? line);
    return {
      code, line, message: e.message ?? code, expected: EXPECTED[code] ?? 'well-formed CSV', sameRecord,
      ...(typeof e.column === 'number' ? { field: e.column } : {}),
    };
  };
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // csv-parse counts the records it delivered before each error: those errors come before this record
      while (pending.length > 0 && (pending[0].records ?? 0) <= emitted) yield { kind: 'malformed', problem: toProblem(pending.shift()!) };
      emitted += 1;
      lastLine = item.info.lines;
      yield { kind: 'record', cells: item.record, line: item.info.lines };
    }
  } catch (err) {
    if (!isCsvError(err)) throw err;
    pending.push(err as RawCsvError);
  } finally {
    input.destroy();
  }
  while (pending.length > 0) yield { kind: 'malformed', problem: toProblem(pending.shift()!) };
}
