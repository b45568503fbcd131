/**
 * ML.ENERGY Leaderboard v3 task files (`tasks/<task>.json`) as profiling records. One record per configuration:
 * workload = task, max_batch = max_num_seqs, batch = avg_batch_size (the measured running batch),
 * output_tokens = avg_output_len, energy_j = energy_per_request_joules (all GPUs), tpot_s = median ITL,
 * pp = 1 (the data has no pipeline parallelism), input_tokens empty (the prompt length is not recorded).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EnergyLensError } from '../../errors.js';
import type { Architecture, Modality, Precision, ProfilingRecord } from '../records/schema.js';

interface MlEnergyConfig {
  model_id: string; architecture: string; total_params_billions: number; activated_params_billions: number;
  weight_precision: string; gpu_model: string; num_gpus: number; tensor_parallel: number; expert_parallel: number;
  data_parallel: number; max_num_seqs: number; avg_batch_size: number; avg_output_len: number; avg_power_watts: number;
  energy_per_request_joules: number; output_throughput_tokens_per_sec: number; median_itl_ms: number;
}

const PRECISION: Record<string, Precision> = { bfloat16: 'bf16', bf16: 'bf16', float16: 'fp16', fp16: 'fp16', fp8: 'fp8', mxfp4: 'mxfp4', int8: 'int8', int4: 'int4' };

export function modalityOfTask(task: string): Modality {
  if (task === 'image-chat') return 'image';
  if (task === 'video-chat') return 'video';
  return 'text';
}

/** Dense Transformer -> dense (vlm on an image or video task), MoE -> moe, Mamba-Transformer Hybrid -> hybrid. */
export function architectureOf(label: string, modality: Modality): Architecture {
  const l = label.toLowerCase();
  if (l.includes('hybrid') || l.includes('mamba')) return 'hybrid';
  if (l.includes('moe') || l.includes('mixture')) return 'moe';
  return modality === 'text' ? 'dense' : 'vlm';
}

function need(c: Record<string, unknown>, key: string, where: string): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new EnergyLensError('INVALID_DATA', `${where}: "${key}" should be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function recordOf(c: MlEnergyConfig, task: string, where: string): ProfilingRecord {
  const raw = c as unknown as Record<string, unknown>;
  const precision = PRECISION[String(c.weight_precision).toLowerCase()];
  if (!precision) throw new EnergyLensError('INVALID_DATA', `${where}: unknown weight_precision "${c.weight_precision}"`);
  const modality = modalityOfTask(task);
  const tpotMs = need(raw, 'median_itl_ms', where);
  return {
    model: c.model_id, hardware: c.gpu_model, tp: need(raw, 'tensor_parallel', where), pp: 1,
    batch: need(raw, 'avg_batch_size', where), output_tokens: need(raw, 'avg_output_len', where),
    energy_j: need(raw, 'energy_per_request_joules', where),
    ep: need(raw, 'expert_parallel', where), dp: need(raw, 'data_parallel', where), num_gpus: need(raw, 'num_gpus', where),
    max_batch: need(raw, 'max_num_seqs', where), precision,
    params_b: need(raw, 'total_params_billions', where), active_params_b: need(raw, 'activated_params_billions', where),
    architecture: architectureOf(String(c.architecture), modality), modality, workload: task,
    tpot_s: tpotMs / 1000, throughput_tok_s: need(raw, 'output_throughput_tokens_per_sec', where),
    avg_power_w: need(raw, 'avg_power_watts', where), source: 'mlenergy-v3',
  };
}

/** Reads every `tasks/*.json` under `dir` (the mlenergy-v3 folder, or its tasks folder itself). */
export function importMlEnergy(dir: string): ProfilingRecord[] {
  let tasksDir = join(dir, 'tasks');
  try {
    if (!statSync(tasksDir).isDirectory()) tasksDir = dir;
  } catch {
    tasksDir = dir;
  }
  let files: string[];
  try {
    files = readdirSync(tasksDir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    throw new EnergyLensError('FILE_NOT_FOUND', `${dir}: cannot read the ML.ENERGY folder (${(err as Error).message})`);
  }
  if (files.length === 0) throw new EnergyLensError('FILE_NOT_FOUND', `${tasksDir}: no task files (*.json)`);
  const out: ProfilingRecord[] = [];
  for (const f of files) {
    const path = join(tasksDir, f);
    let json: { task?: unknown; configurations?: unknown };
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as typeof json;
    } catch (err) {
      throw new EnergyLensError('INVALID_DATA', `${path}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ').trim()})`);
    }
    if (typeof json.task !== 'string' || !Array.isArray(json.configurations)) {
      throw new EnergyLensError('INVALID_DATA', `${path}: expected {task, configurations: [...]}`);
    }
    const task = json.task;
    json.configurations.forEach((c, i) => out.push(recordOf(c as MlEnergyConfig, task, `${path} configurations[${i}]`)));
  }
  return out;
}
