export { simulate, resolveSimulateOptions, DEFAULT_SIMULATE_OPTIONS, type SimulateOptions, type SimulateResult, type InfeasibleConfig } from './simulate.js';
export { estimateServing, gpuPowerW, type ServingEstimate } from './physics.js';
export { compareWithMeasurements, summariseRatios, type CalibrationRow, type CalibrationResult, type RatioSummary } from './calibration.js';
