/** The symbolic-regression engine's public face. The energy application imports only from here. */
export * from './expression/operators.js';
export * from './expression/node.js';
export * from './expression/compile.js';
export * from './eval/types.js';
