export { importMlEnergy, modalityOfTask, architectureOf } from './mlenergy.js';
export { importCsv, parseColumnMap, type CsvImportOptions } from './csv-map.js';
export {
  importLlmInferenceBench, readBenchFile, mergeMeasurements, IDLE_GPU_POWER_W, MILLIWATT_THRESHOLD, LLM_INFERENCE_BENCH_FILES,
  LLM_INFERENCE_BENCH_HARDWARE, type BenchMeasurement, type LlmInferenceBenchImport, type LlmInferenceBenchFile,
} from './llm-inference-bench.js';
