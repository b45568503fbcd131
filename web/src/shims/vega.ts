/**
 * vega and vega-lite in the browser: the report's charts (src/energy/report/render.ts) are rendered on the server
 * only; the page imports the report for its discovered-terms section, which draws no chart. Leaving vega out keeps
 * about 200 kB (gzipped) off the page. Calling one of these is a bug in the page, and says so.
 */
const unavailable = (name: string) => (): never => {
  throw new Error(`energylens: ${name} (the report's charts) is not bundled in the web workbench`);
};

export const parse = unavailable('vega.parse');
export const compile = unavailable('vega-lite.compile');
export class View {
  constructor() {
    unavailable('vega.View')();
  }
}
