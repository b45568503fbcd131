export * from './errors.js';
export * from './sr/index.js';
