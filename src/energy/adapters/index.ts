export { importMlEnergy, modalityOfTask, architectureOf } from './mlenergy.js';
export { importCsv, parseColumnMap, type CsvImportOptions } from './csv-map.js';
