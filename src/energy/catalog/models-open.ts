/** Common open models beyond the ML.ENERGY set, from their public configs as remembered. */
import { defineModel, type ModelSpec } from './model-spec.js';

export const OPEN_MODELS: readonly ModelSpec[] = [
  defineModel({ name: 'meta-llama/Meta-Llama-3-8B-Instruct', aliases: ['Llama-3-8B', 'Llama-3-8B-Instruct', 'meta-llama/Meta-Llama-3-8B'], architecture: 'dense', paramsB: 8.03, activeParamsB: 8.03, layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, intermediateSize: 14336 }),
  defineModel({ name: 'meta-llama/Meta-Llama-3-70B-Instruct', aliases: ['Llama-3-70B', 'Llama-3-70B-Instruct'], architecture: 'dense', paramsB: 70.6, activeParamsB: 70.6, layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128, intermediateSize: 28672 }),
  defineModel({ name: 'mistralai/Mistral-7B-Instruct-v0.3', aliases: ['Mistral-7B', 'Mistral-7B-Instruct', 'mistralai/Mistral-7B-v0.3'], architecture: 'dense', paramsB: 7.25, activeParamsB: 7.25, layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, intermediateSize: 14336 }),
  defineModel({ name: 'mistralai/Mixtral-8x7B-Instruct-v0.1', aliases: ['Mixtral-8x7B', 'Mixtral-8x7B-Instruct'], architecture: 'moe', paramsB: 46.7, activeParamsB: 12.9, layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, intermediateSize: 14336, experts: 8, activeExperts: 2 }),
  defineModel({ name: 'Qwen/Qwen2.5-7B-Instruct', aliases: ['Qwen2.5-7B', 'Qwen2.5-7B-Instruct'], architecture: 'dense', paramsB: 7.6, activeParamsB: 7.6, layers: 28, hiddenSize: 3584, attentionHeads: 28, kvHeads: 4, headDim: 128, intermediateSize: 18944 }),
  defineModel({ name: 'Qwen/Qwen2.5-72B-Instruct', aliases: ['Qwen2.5-72B', 'Qwen2.5-72B-Instruct'], architecture: 'dense', paramsB: 72.7, activeParamsB: 72.7, layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128, intermediateSize: 29568 }),
  defineModel({
    name: 'deepseek-ai/DeepSeek-V3', aliases: ['DeepSeek-V3'], architecture: 'moe', paramsB: 671, activeParamsB: 37, layers: 61, hiddenSize: 7168,
    attentionHeads: 128, kvHeads: 128, headDim: 128, intermediateSize: 18432, experts: 256, activeExperts: 8, kvElementsPerTokenPerLayer: 576, defaultPrecision: 'fp8',
    approximate: 'MLA cache of 576 elements per token and layer',
  }),
];
