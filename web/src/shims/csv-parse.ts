/**
 * csv-parse in the browser: its browser build, whose stream (a polyfill) is not async iterable as Node's is;
 * csvItems (src/energy/records/csv-rows.ts) reads it with `for await`, so the parser gets an iterator over its
 * 'data', 'end' and 'error' events.
 */
import { parse as browserParse, CsvError } from 'csv-parse/browser/esm';

export { CsvError };

type Listener = (arg?: unknown) => void;
interface EventStream { on(event: string, listener: Listener): unknown }

async function* iterate(stream: EventStream): AsyncGenerator<unknown> {
  const queue: unknown[] = [];
  let done = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  stream.on('data', (r) => { queue.push(r); wake?.(); });
  stream.on('end', () => { done = true; wake?.(); });
  stream.on('error', (e) => { error = e; done = true; wake?.(); });
  for (;;) {
    if (queue.length > 0) { yield queue.shift(); continue; }
    if (error) throw error;
    if (done) return;
    await new Promise<void>((resolve) => { wake = resolve; });
    wake = undefined;
  }
}

export function parse(...args: Parameters<typeof browserParse>): ReturnType<typeof browserParse> {
  const parser = browserParse(...args) as ReturnType<typeof browserParse> & { [Symbol.asyncIterator]?: () => AsyncGenerator<unknown> };
  parser[Symbol.asyncIterator] ??= () => iterate(parser as unknown as EventStream);
  return parser;
}
