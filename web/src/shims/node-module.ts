/**
 * node:module in the browser: the engine loads mathjs lazily with createRequire (simplification of the front);
 * here it is bundled and handed out by name.
 */
import * as mathjs from 'mathjs';

export function createRequire(_url: string | URL): (name: string) => unknown {
  return (name: string) => {
    if (name === 'mathjs') return mathjs;
    throw new Error(`energylens: ${name} cannot be loaded in the browser`);
  };
}
