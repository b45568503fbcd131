/**
 * The profiling record: one CSV row per measured (or simulated) serving configuration.
 * Energy is GPU energy per request in joules, summed over every GPU of the configuration.
 */

export const PRECISIONS = ['bf16', 'fp16', 'fp8', 'int8', 'int4', 'mxfp4'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const ARCHITECTURES = ['dense', 'moe', 'hybrid', 'ssm', 'vlm'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const MODALITIES = ['text', 'image', 'video'] as const;
export type Modality = (typeof MODALITIES)[number];

/** How a column's text is checked and converted. */
export type ColumnKind =
  | 'string'
  | 'positiveInteger'
  | 'positiveNumber'
  | 'nonNegativeNumber'
  | 'precision'
  | 'architecture'
  | 'modality';

export interface ColumnSpec {
  name: keyof RecordFields;
  kind: ColumnKind;
  required: boolean;
  description: string;
}

/** The typed fields of a record; optional ones are undefined when the cell is empty. */
export interface RecordFields {
  model: string;
  hardware: string;
  tp: number;
  pp: number;
  batch: number;
  output_tokens: number;
  energy_j: number;
  input_tokens?: number;
  ep?: number;
  dp?: number;
  num_gpus?: number;
  max_batch?: number;
  precision?: Precision;
  params_b?: number;
  active_params_b?: number;
  architecture?: Architecture;
  modality?: Modality;
  workload?: string;
  framework?: string;
  prefill_energy_j?: number;
  decode_energy_j?: number;
  ttft_s?: number;
  tpot_s?: number;
  throughput_tok_s?: number;
  avg_power_w?: number;
  source?: string;
}

/** A record: the typed fields plus every column the schema does not know, passed through as text. */
export interface ProfilingRecord extends RecordFields {
  extra?: Record<string, string>;
}

export const COLUMNS: readonly ColumnSpec[] = [
  { name: 'model', kind: 'string', required: true, description: 'model name (catalog name, alias or any name when params_b is given)' },
  { name: 'hardware', kind: 'string', required: true, description: 'accelerator name or alias (H100, B200, ...)' },
  { name: 'tp', kind: 'positiveInteger', required: true, description: 'tensor-parallel degree' },
  { name: 'pp', kind: 'positiveInteger', required: true, description: 'pipeline-parallel degree' },
  { name: 'batch', kind: 'positiveNumber', required: true, description: 'mean number of sequences decoded concurrently (the cap where only the cap is known)' },
  { name: 'output_tokens', kind: 'positiveNumber', required: true, description: 'mean generated tokens per request' },
  { name: 'energy_j', kind: 'positiveNumber', required: true, description: 'mean GPU energy per request in joules, summed over all GPUs' },
  { name: 'input_tokens', kind: 'nonNegativeNumber', required: false, description: 'mean prompt tokens per request, image and video tokens included; empty means unknown' },
  { name: 'ep', kind: 'positiveInteger', required: false, description: 'expert-parallel degree' },
  { name: 'dp', kind: 'positiveInteger', required: false, description: 'data-parallel degree (default 1)' },
  { name: 'num_gpus', kind: 'positiveInteger', required: false, description: 'GPUs in the configuration (default tp*pp*dp)' },
  { name: 'max_batch', kind: 'positiveInteger', required: false, description: 'batch cap (max_num_seqs)' },
  { name: 'precision', kind: 'precision', required: false, description: `weight precision: ${PRECISIONS.join(', ')}` },
  { name: 'params_b', kind: 'positiveNumber', required: false, description: 'total parameters in billions' },
  { name: 'active_params_b', kind: 'positiveNumber', required: false, description: 'parameters active per token in billions' },
  { name: 'architecture', kind: 'architecture', required: false, description: `architecture: ${ARCHITECTURES.join(', ')}` },
  { name: 'modality', kind: 'modality', required: false, description: `input modality: ${MODALITIES.join(', ')}` },
  { name: 'workload', kind: 'string', required: false, description: 'workload or task name' },
  { name: 'framework', kind: 'string', required: false, description: 'serving framework (vLLM, TensorRT-LLM, DeepSpeed-MII, ...); records of different frameworks are different series' },
  { name: 'prefill_energy_j', kind: 'nonNegativeNumber', required: false, description: 'prefill energy per request (J)' },
  { name: 'decode_energy_j', kind: 'nonNegativeNumber', required: false, description: 'decode energy per request (J)' },
  { name: 'ttft_s', kind: 'nonNegativeNumber', required: false, description: 'time to first token (s)' },
  { name: 'tpot_s', kind: 'nonNegativeNumber', required: false, description: 'time per output token (s)' },
  { name: 'throughput_tok_s', kind: 'nonNegativeNumber', required: false, description: 'output tokens per second, whole configuration' },
  { name: 'avg_power_w', kind: 'nonNegativeNumber', required: false, description: 'mean power of all GPUs together (W)' },
  { name: 'source', kind: 'string', required: false, description: 'where the row comes from (mlenergy-v3, simulator, ...)' },
];

export const COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);
export const REQUIRED_COLUMNS: readonly string[] = COLUMNS.filter((c) => c.required).map((c) => c.name);
const BY_NAME = new Map<string, ColumnSpec>(COLUMNS.map((c) => [c.name, c]));

export function columnSpec(name: string): ColumnSpec | undefined {
  return BY_NAME.get(name);
}

/** What a column expects, in words, for error messages. */
export function expectation(kind: ColumnKind): string {
  switch (kind) {
    case 'string': return 'a non-empty text';
    case 'positiveInteger': return 'a positive integer';
    case 'positiveNumber': return 'a finite number > 0';
    case 'nonNegativeNumber': return 'a finite number >= 0';
    case 'precision': return `one of ${PRECISIONS.join(', ')}`;
    case 'architecture': return `one of ${ARCHITECTURES.join(', ')}`;
    case 'modality': return `one of ${MODALITIES.join(', ')}`;
  }
}

/** GPUs a record uses: num_gpus, else tp*pp*dp. */
export function gpuCount(r: Pick<RecordFields, 'tp' | 'pp' | 'dp' | 'num_gpus'>): number {
  return r.num_gpus ?? r.tp * r.pp * (r.dp ?? 1);
}
