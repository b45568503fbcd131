/** Validation problems: where (file, line, column) and what was expected. Collected with a bound. */

export interface RecordProblem {
  file: string;
  /** line in the file, 1-based, the header being line 1; 0 for problems of the whole file */
  line: number;
  /** data row, 1-based (the first row after the header is 1); 0 for header and file problems */
  row: number;
  /** column name, or '' when the problem is not about one column */
  column: string;
  /** what the cell should have been */
  expected: string;
  /** the offending text, when there is one */
  got?: string;
  /** set for malformed CSV (a stray or unclosed quote): the file cannot be read as CSV there */
  code?: 'INVALID_CSV';
}

export function formatProblem(p: RecordProblem): string {
  const where = p.line <= 0 ? p.file : p.row > 0 ? `${p.file}:${p.line} (row ${p.row})` : `${p.file}:${p.line} (header)`;
  const col = p.column ? ` column "${p.column}":` : '';
  const got = p.got === undefined ? '' : `, got ${JSON.stringify(p.got.length > 60 ? `${p.got.slice(0, 57)}...` : p.got)}`;
  return `${p.code ? `[${p.code}] ` : ''}${where}:${col} expected ${p.expected}${got}`;
}

/** Keeps the first `limit` problems and counts all of them, so validating a huge file stays bounded in memory. */
export class ProblemCollector {
  readonly problems: RecordProblem[] = [];
  count = 0;

  constructor(readonly limit = 1000) {}

  add(p: RecordProblem): void {
    this.count += 1;
    if (this.problems.length < this.limit) this.problems.push(p);
  }

  get truncated(): boolean {
    return this.count > this.problems.length;
  }
}

/** Text for an error message: the first problems, then how many more. */
export function summariseProblems(problems: readonly RecordProblem[], count: number, show = 20): string {
  const lines = problems.slice(0, show).map((p) => `  ${formatProblem(p)}`);
  if (count > lines.length) lines.push(`  ... and ${count - lines.length} more`);
  return lines.join('\n');
}
