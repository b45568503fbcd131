/**
 * The floors' stairs: outside src/sr, code reaches the engine only through its entries (sr/index.ts; sr/runtime.ts
 * for src/distributed only; sr/errors.ts, the engine's dependency-free error module, for src/errors.ts and
 * src/util). The energy application never imports src/distributed or src/cli, and the engine never imports
 * anything outside src/sr except src/util.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every relative import or re-export specifier of a file, resolved to a path under src (with .ts). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    out.push(relative(src, resolve(dirname(file), m[1])).replace(/\.js$/, '.ts'));
  }
  for (const m of text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    out.push(relative(src, resolve(dirname(file), m[1])).replace(/\.js$/, '.ts'));
  }
  return out;
}

const files = tsFiles(src).map((f) => ({ file: relative(src, f), imports: relativeImports(f) }));
const under = (p: string, dir: string) => p.startsWith(`${dir}/`);

describe('imports between the floors', () => {
  it('finds the files and their imports (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.find((f) => f.file === 'cli/commands/sr.ts')?.imports).toContain('sr/index.ts');
  });

  it('outside src/sr, nothing imports an engine internal path', () => {
    const allowed = (file: string, target: string): boolean => target === 'sr/index.ts'
      || (target === 'sr/runtime.ts' && under(file, 'distributed'))
      || (target === 'sr/errors.ts' && (file === 'errors.ts' || under(file, 'util')));
    const leaks = files.filter((f) => !under(f.file, 'sr'))
      .flatMap((f) => f.imports.filter((t) => under(t, 'sr') && !allowed(f.file, t)).map((t) => `${f.file} -> ${t}`));
    expect(leaks).toEqual([]);
  });

  it('the engine imports nothing of the application, the distributed layer or the CLI', () => {
    const leaks = files.filter((f) => under(f.file, 'sr'))
      .flatMap((f) => f.imports.filter((t) => !under(t, 'sr') && !under(t, 'util')).map((t) => `${f.file} -> ${t}`));
    expect(leaks).toEqual([]);
  });

  it('src/energy/physics is shared by the simulator and the model and imports neither', () => {
    const physics = files.filter((f) => under(f.file, 'energy/physics'));
    expect(physics.length).toBeGreaterThan(0);
    const leaks = physics.flatMap((f) => f.imports.filter((t) => under(t, 'energy/simulator') || under(t, 'energy/model')).map((t) => `${f.file} -> ${t}`));
    expect(leaks).toEqual([]);
    for (const user of ['energy/simulator/physics.ts', 'energy/model/features.ts']) {
      expect(files.find((f) => f.file === user)?.imports).toContain('energy/physics/index.ts');
    }
    expect(files.find((f) => f.file === 'energy/model/features.ts')?.imports.filter((t) => under(t, 'energy/simulator'))).toEqual([]);
  });

  it('no import cycle among the files of src/energy (type-only imports included)', () => {
    const graph = new Map(files.filter((f) => under(f.file, 'energy'))
      .map((f) => [f.file, f.imports.filter((t) => under(t, 'energy'))]));
    expect(findCycle(graph)).toEqual([]);
    expect(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  });

  it('the energy application imports neither the distributed layer nor the CLI', () => {
    const leaks = files.filter((f) => under(f.file, 'energy'))
      .flatMap((f) => f.imports.filter((t) => under(t, 'distributed') || under(t, 'cli')).map((t) => `${f.file} -> ${t}`));
    expect(leaks).toEqual([]);
  });
});

/** One cycle in a directed graph (file -> imported files), as a path that returns to its start; [] if none. */
function findCycle(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] => {
    if (state.get(node) === 'done') return [];
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return [];
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle.length > 0) return cycle;
  }
  return [];
}
