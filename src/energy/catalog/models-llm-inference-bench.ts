/**
 * The 6-13B dense models of Argonne's LLM-Inference-Bench power runs (../shared/data/llm-inference-bench) that the
 * other tables lack, from their public Hugging Face configurations as remembered (not downloaded). Meta-Llama-3-8B
 * and Mistral-7B-v0.3 are aliases of the instruct entries in models-open.ts (same architecture). Parameter counts
 * include the embeddings (and an untied output layer); figures marked in `approximate` are estimates.
 */
import { defineModel, variant, type ModelSpec } from './model-spec.js';

const fp16 = 'fp16' as const;

const llama2_7b = defineModel({
  name: 'meta-llama/Llama-2-7b-hf', aliases: ['Llama-2-7B', 'Llama-2-7b'], architecture: 'dense', paramsB: 6.74, activeParamsB: 6.74,
  layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128, intermediateSize: 11008, defaultPrecision: fp16,
});
const llama2_13b = defineModel({
  name: 'meta-llama/Llama-2-13b-hf', aliases: ['Llama-2-13B', 'Llama-2-13b'], architecture: 'dense', paramsB: 13.0, activeParamsB: 13.0,
  layers: 40, hiddenSize: 5120, attentionHeads: 40, kvHeads: 40, headDim: 128, intermediateSize: 13824, defaultPrecision: fp16,
});
const opt6_7b = defineModel({
  name: 'facebook/opt-6.7b', aliases: ['OPT-6.7B'], architecture: 'dense', paramsB: 6.66, activeParamsB: 6.66,
  layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128, intermediateSize: 16384, defaultPrecision: fp16,
});
const gemma7b = defineModel({
  name: 'google/gemma-7b', aliases: ['Gemma-7B'], architecture: 'dense', paramsB: 8.54, activeParamsB: 8.54,
  layers: 28, hiddenSize: 3072, attentionHeads: 16, kvHeads: 16, headDim: 256, intermediateSize: 24576, defaultPrecision: fp16,
  approximate: 'paramsB counts the 256k-token embedding (about 0.8B of the 8.5B)',
});

export const LLM_INFERENCE_BENCH_MODELS: readonly ModelSpec[] = [
  llama2_7b,
  llama2_13b,
  variant(llama2_7b, 'huggyllama/llama-7b', { aliases: ['LLaMA-7B'] }),
  variant(llama2_13b, 'huggyllama/llama-13b', { aliases: ['LLaMA-13B'] }),
  defineModel({
    name: 'mistralai/Mistral-7B-v0.1', aliases: ['Mistral-7B-v0.1'], architecture: 'dense', paramsB: 7.24, activeParamsB: 7.24,
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, intermediateSize: 14336,
    slidingWindowLayers: 32, slidingWindowTokens: 4096, defaultPrecision: fp16,
  }),
  defineModel({
    name: 'Qwen/Qwen2-7B', aliases: ['Qwen2-7B'], architecture: 'dense', paramsB: 7.62, activeParamsB: 7.62,
    layers: 28, hiddenSize: 3584, attentionHeads: 28, kvHeads: 4, headDim: 128, intermediateSize: 18944, defaultPrecision: fp16,
  }),
  defineModel({
    name: 'Qwen/Qwen1.5-7B', aliases: ['Qwen1.5-7B'], architecture: 'dense', paramsB: 7.72, activeParamsB: 7.72,
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128, intermediateSize: 11008, defaultPrecision: fp16,
  }),
  defineModel({
    name: 'Deci/DeciLM-7B', aliases: ['DeciLM-7B'], architecture: 'dense', paramsB: 7.04, activeParamsB: 7.04,
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 4, headDim: 128, intermediateSize: 14336,
    kvElementsPerTokenPerLayer: 2 * 2.5 * 128, defaultPrecision: fp16,
    approximate: 'variable grouped-query attention (1 to 4 KV heads per layer) modelled as 2.5 KV heads on average',
  }),
  defineModel({
    name: 'EleutherAI/gpt-j-6b', aliases: ['GPT-J-6B'], architecture: 'dense', paramsB: 6.05, activeParamsB: 6.05,
    layers: 28, hiddenSize: 4096, attentionHeads: 16, kvHeads: 16, headDim: 256, intermediateSize: 16384, defaultPrecision: fp16,
  }),
  opt6_7b,
  defineModel({
    name: 'facebook/opt-13b', aliases: ['OPT-13B'], architecture: 'dense', paramsB: 12.9, activeParamsB: 12.9,
    layers: 40, hiddenSize: 5120, attentionHeads: 40, kvHeads: 40, headDim: 128, intermediateSize: 20480, defaultPrecision: fp16,
  }),
  gemma7b,
  variant(gemma7b, 'google/gemma-1.1-7b-it', { aliases: ['Gemma-1.1-7B-it'] }),
  defineModel({
    name: 'BAAI/Aquila-7B', aliases: ['Aquila-7B'], architecture: 'dense', paramsB: 7.3, activeParamsB: 7.3,
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128, intermediateSize: 11008, defaultPrecision: fp16,
    approximate: 'paramsB estimated from the LLaMA-7B shape with a 100k-token vocabulary',
  }),
  defineModel({
    name: 'bigscience/bloom-7b1', aliases: ['BLOOM-7B1'], architecture: 'dense', paramsB: 7.07, activeParamsB: 7.07,
    layers: 30, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128, intermediateSize: 16384, defaultPrecision: fp16,
  }),
];
