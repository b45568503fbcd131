export * from './schema.js';
export * from './problems.js';
export { layoutHeader, parseRow, type HeaderLayout } from './row.js';
export * from './read.js';
export * from './write.js';
export * from './bounds.js';
export { RecordTable } from './columns.js';
