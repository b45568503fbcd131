/**
 * node:module in the Web Workers: only the modules a worker hands over itself. The engine reaches createRequire
 * only for mathjs (simplification): the island workers never simplify (simplifyDuringSearch is off on the page),
 * so they leave mathjs out, which halves what each parses before its first island; the energy-fit worker, whose
 * discovery simplifies the candidates of its fronts, bundles mathjs and provides it here.
 */
const provided = new Map<string, unknown>();

/** Makes `name` loadable through createRequire in this worker. */
export function provideModule(name: string, value: unknown): void {
  provided.set(name, value);
}

export function createRequire(_url: string | URL): (name: string) => unknown {
  return (name: string) => {
    if (provided.has(name)) return provided.get(name);
    throw new Error(`energylens: ${name} is not bundled in this Web Worker (the island workers leave mathjs out: simplifyDuringSearch is not available there)`);
  };
}
