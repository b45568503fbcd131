/**
 * Browser stand-ins for the node: modules the package imports on paths the web workbench never takes (files,
 * checkpoints, worker threads). Calling one is a bug in the page, and says so.
 */
const unavailable = (name: string) => (): never => {
  throw new Error(`energylens: ${name} is not available in the browser`);
};

export const readFileSync = unavailable('fs.readFileSync');
export const existsSync = (): boolean => false;
export const statSync = unavailable('fs.statSync');
export const realpathSync = unavailable('fs.realpathSync');
export const createReadStream = unavailable('fs.createReadStream');
export const createWriteStream = unavailable('fs.createWriteStream');
export const renameSync = unavailable('fs.renameSync');
export const rmSync = unavailable('fs.rmSync');
export const readdirSync = unavailable('fs.readdirSync');
export const openSync = unavailable('fs.openSync');
export const closeSync = unavailable('fs.closeSync');
export const fsyncSync = unavailable('fs.fsyncSync');
export const writeSync = unavailable('fs.writeSync');
export const mkdirSync = unavailable('fs.mkdirSync');
export const writeFileSync = unavailable('fs.writeFileSync');
export const fileURLToPath = (url: string | URL): string => String(url);
export const pathToFileURL = (path: string): URL => new URL(path, 'file:///');
export const randomBytes = unavailable('crypto.randomBytes');
export const createHash = unavailable('crypto.createHash');
export const basename = (p: string): string => p.split('/').pop() ?? p;
export const dirname = (p: string): string => p.split('/').slice(0, -1).join('/') || '.';
export const join = (...parts: string[]): string => parts.join('/');
export const resolve = (...parts: string[]): string => parts.join('/');
export const once = unavailable('events.once');
export const cpus = (): unknown[] => Array.from({ length: navigator.hardwareConcurrency || 1 });
export const availableParallelism = (): number => navigator.hardwareConcurrency || 1;
export default { cpus, availableParallelism };
