/**
 * Architecture facts of every model in the ML.ENERGY v3 data (34 models), from their public configs as
 * remembered; parameter counts are those the data reports. Figures marked in `approximate` are estimates.
 * Vision token counts depend on image resolution and the processor settings: they are typical values.
 */
import { defineModel, variant, type ModelSpec } from './model-spec.js';

const SIGLIP_NOTE = 'vision tokens per image/video are typical values at default processor settings';

const qwen3_8b = defineModel({ name: 'Qwen/Qwen3-8B', aliases: ['Qwen3-8B'], architecture: 'dense', paramsB: 8, activeParamsB: 8, layers: 36, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, intermediateSize: 12288 });
const qwen3_14b = defineModel({ name: 'Qwen/Qwen3-14B', aliases: ['Qwen3-14B'], architecture: 'dense', paramsB: 14, activeParamsB: 14, layers: 40, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8, headDim: 128, intermediateSize: 17408 });
const qwen3_32b = defineModel({ name: 'Qwen/Qwen3-32B', aliases: ['Qwen3-32B'], architecture: 'dense', paramsB: 32, activeParamsB: 32, layers: 64, hiddenSize: 5120, attentionHeads: 64, kvHeads: 8, headDim: 128, intermediateSize: 25600 });
const qwen3_30b_a3b = defineModel({ name: 'Qwen/Qwen3-30B-A3B-Instruct-2507', aliases: ['Qwen3-30B-A3B', 'Qwen3-30B-A3B-Instruct'], architecture: 'moe', paramsB: 30, activeParamsB: 3, layers: 48, hiddenSize: 2048, attentionHeads: 32, kvHeads: 4, headDim: 128, intermediateSize: 6144, experts: 128, activeExperts: 8 });
const qwen3_235b = defineModel({ name: 'Qwen/Qwen3-235B-A22B-Instruct-2507', aliases: ['Qwen3-235B-A22B', 'Qwen3-235B-A22B-Instruct'], architecture: 'moe', paramsB: 235, activeParamsB: 22, layers: 94, hiddenSize: 4096, attentionHeads: 64, kvHeads: 4, headDim: 128, intermediateSize: 12288, experts: 128, activeExperts: 8 });
const qwen3_coder_480b = defineModel({ name: 'Qwen/Qwen3-Coder-480B-A35B-Instruct', aliases: ['Qwen3-Coder-480B-A35B'], architecture: 'moe', paramsB: 480, activeParamsB: 35, layers: 62, hiddenSize: 6144, attentionHeads: 96, kvHeads: 8, headDim: 128, intermediateSize: 8192, experts: 160, activeExperts: 8 });
const qwenVision = (tokensPerImage: number, encoderParamsB: number) => ({ encoderParamsB, tokensPerImage, tokensPerVideo: 2 * tokensPerImage });

const deepseekV3 = defineModel({
  name: 'deepseek-ai/DeepSeek-V3.1', aliases: ['DeepSeek-V3.1'], architecture: 'moe', paramsB: 671, activeParamsB: 37, layers: 61,
  hiddenSize: 7168, attentionHeads: 128, kvHeads: 128, headDim: 128, intermediateSize: 18432, experts: 256, activeExperts: 8,
  kvElementsPerTokenPerLayer: 576, defaultPrecision: 'fp8',
  approximate: 'MLA cache of 512 latent + 64 rope elements per token and layer; 3 dense layers and 1 shared expert folded into the params split',
});

const llama31_70b = defineModel({ name: 'meta-llama/Llama-3.1-70B-Instruct', aliases: ['Llama-3.1-70B', 'Llama-3.1-70B-Instruct', 'Llama-70B'], architecture: 'dense', paramsB: 70, activeParamsB: 70, layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128, intermediateSize: 28672 });
const llama31_405b = defineModel({ name: 'meta-llama/Llama-3.1-405B-Instruct', aliases: ['Llama-3.1-405B', 'Llama-3.1-405B-Instruct', 'Llama-405B'], architecture: 'dense', paramsB: 405, activeParamsB: 405, layers: 126, hiddenSize: 16384, attentionHeads: 128, kvHeads: 8, headDim: 128, intermediateSize: 53248 });
const llama4Vision = { encoderParamsB: 0.7, tokensPerImage: 576, tokensPerVideo: 0 };
const llama4Scout = defineModel({
  name: 'meta-llama/Llama-4-Scout-17B-16E-Instruct', aliases: ['Llama-4-Scout', 'Llama-4-Scout-17B-16E'], architecture: 'moe', paramsB: 109, activeParamsB: 17,
  layers: 48, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8, headDim: 128, intermediateSize: 16384, experts: 16, activeExperts: 1,
  slidingWindowLayers: 36, slidingWindowTokens: 8192, vision: llama4Vision,
  approximate: 'chunked attention (8192) on 3 of 4 layers modelled as a sliding window; vision encoder size and tokens per image (up to 5 tiles of 144) approximate',
});

const nemotronNano12b = defineModel({
  name: 'nvidia/NVIDIA-Nemotron-Nano-12B-v2', aliases: ['Nemotron-Nano-12B-v2'], architecture: 'hybrid', paramsB: 12, activeParamsB: 12,
  layers: 62, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8, headDim: 128, intermediateSize: 20480,
  attentionLayers: 6, ssmLayers: 28, ssmStateElementsPerLayer: 10240 * 128 + 4 * (10240 + 2 * 8 * 128),
  approximate: '62 blocks: 6 attention, 28 Mamba-2 (d_inner 10240, d_state 128), 28 MLP; state size approximate',
});
const nemotronNano9b = defineModel({
  name: 'nvidia/NVIDIA-Nemotron-Nano-9B-v2', aliases: ['Nemotron-Nano-9B-v2'], architecture: 'hybrid', paramsB: 9, activeParamsB: 9,
  layers: 56, hiddenSize: 4480, attentionHeads: 40, kvHeads: 8, headDim: 128, intermediateSize: 15680,
  attentionLayers: 4, ssmLayers: 27, ssmStateElementsPerLayer: 8960 * 128 + 4 * (8960 + 2 * 8 * 128),
  approximate: 'pruned from the 12B: 56 blocks, 4 attention, 27 Mamba-2; widths and state size approximate',
});

const gptOss120b = defineModel({
  name: 'openai/gpt-oss-120b', aliases: ['gpt-oss-120b'], architecture: 'moe', paramsB: 117, activeParamsB: 5, layers: 36, hiddenSize: 2880,
  attentionHeads: 64, kvHeads: 8, headDim: 64, intermediateSize: 2880, experts: 128, activeExperts: 4,
  slidingWindowLayers: 18, slidingWindowTokens: 128, defaultPrecision: 'mxfp4',
  approximate: 'the data lists 5B active (the config gives about 5.1B)',
});
const gptOss20b = defineModel({
  name: 'openai/gpt-oss-20b', aliases: ['gpt-oss-20b'], architecture: 'moe', paramsB: 21, activeParamsB: 4, layers: 24, hiddenSize: 2880,
  attentionHeads: 64, kvHeads: 8, headDim: 64, intermediateSize: 2880, experts: 32, activeExperts: 4,
  slidingWindowLayers: 12, slidingWindowTokens: 128, defaultPrecision: 'mxfp4',
  approximate: 'the data lists 4B active (the config gives about 3.6B)',
});

export const MLENERGY_MODELS: readonly ModelSpec[] = [
  qwen3_8b, qwen3_14b, qwen3_32b,
  qwen3_30b_a3b,
  variant(qwen3_30b_a3b, 'Qwen/Qwen3-30B-A3B-Thinking-2507', { aliases: ['Qwen3-30B-A3B-Thinking'] }),
  variant(qwen3_30b_a3b, 'Qwen/Qwen3-Coder-30B-A3B-Instruct', { aliases: ['Qwen3-Coder-30B-A3B'] }),
  variant(qwen3_30b_a3b, 'Qwen/Qwen3-Omni-30B-A3B-Instruct', {
    aliases: ['Qwen3-Omni-30B-A3B'], vision: qwenVision(1024, 0.6),
    approximate: `thinker only (the audio encoder and talker are not modelled); ${SIGLIP_NOTE}`,
  }),
  variant(qwen3_30b_a3b, 'Qwen/Qwen3-VL-30B-A3B-Instruct', { aliases: ['Qwen3-VL-30B-A3B'], vision: qwenVision(1024, 0.6), approximate: SIGLIP_NOTE }),
  qwen3_235b,
  variant(qwen3_235b, 'Qwen/Qwen3-235B-A22B-Instruct-2507-FP8', { defaultPrecision: 'fp8' }),
  variant(qwen3_235b, 'Qwen/Qwen3-235B-A22B-Thinking-2507', { aliases: ['Qwen3-235B-A22B-Thinking'] }),
  variant(qwen3_235b, 'Qwen/Qwen3-235B-A22B-Thinking-2507-FP8', { defaultPrecision: 'fp8' }),
  variant(qwen3_235b, 'Qwen/Qwen3-VL-235B-A22B-Instruct', { aliases: ['Qwen3-VL-235B-A22B'], vision: qwenVision(1024, 0.6), approximate: SIGLIP_NOTE }),
  variant(qwen3_235b, 'Qwen/Qwen3-VL-235B-A22B-Instruct-FP8', { defaultPrecision: 'fp8', vision: qwenVision(1024, 0.6), approximate: SIGLIP_NOTE }),
  qwen3_coder_480b,
  variant(qwen3_coder_480b, 'Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8', { defaultPrecision: 'fp8' }),
  variant(qwen3_8b, 'Qwen/Qwen3-VL-8B-Instruct', { aliases: ['Qwen3-VL-8B'], vision: qwenVision(1024, 0.6), approximate: SIGLIP_NOTE }),
  variant(qwen3_32b, 'Qwen/Qwen3-VL-32B-Instruct', { aliases: ['Qwen3-VL-32B'], vision: qwenVision(1024, 0.6), approximate: SIGLIP_NOTE }),
  variant(deepseekV3, 'deepseek-ai/DeepSeek-R1-0528', { aliases: ['DeepSeek-R1-0528', 'DeepSeek-R1'] }),
  deepseekV3,
  defineModel({
    name: 'google/gemma-3-12b-it', aliases: ['gemma-3-12b', 'Gemma-3-12B'], architecture: 'dense', paramsB: 12, activeParamsB: 12, layers: 48, hiddenSize: 3840,
    attentionHeads: 16, kvHeads: 8, headDim: 256, intermediateSize: 15360, slidingWindowLayers: 40, slidingWindowTokens: 1024,
    vision: { encoderParamsB: 0.4, tokensPerImage: 256, tokensPerVideo: 0 }, approximate: '5 of 6 layers local (window 1024)',
  }),
  defineModel({
    name: 'google/gemma-3-27b-it', aliases: ['gemma-3-27b', 'Gemma-3-27B'], architecture: 'dense', paramsB: 27, activeParamsB: 27, layers: 62, hiddenSize: 5376,
    attentionHeads: 32, kvHeads: 16, headDim: 128, intermediateSize: 21504, slidingWindowLayers: 52, slidingWindowTokens: 1024,
    vision: { encoderParamsB: 0.4, tokensPerImage: 256, tokensPerVideo: 0 }, approximate: '5 of 6 layers local (window 1024)',
  }),
  llama31_405b,
  variant(llama31_405b, 'meta-llama/Llama-3.1-405B-Instruct-FP8', { aliases: ['Llama-3.1-405B-FP8'], defaultPrecision: 'fp8' }),
  llama31_70b,
  defineModel({ name: 'meta-llama/Llama-3.1-8B-Instruct', aliases: ['Llama-3.1-8B', 'Llama-3.1-8B-Instruct', 'Llama-8B'], architecture: 'dense', paramsB: 8, activeParamsB: 8, layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, intermediateSize: 14336 }),
  variant(llama31_70b, 'meta-llama/Llama-3.3-70B-Instruct', { aliases: ['Llama-3.3-70B', 'Llama-3.3-70B-Instruct'] }),
  variant(llama4Scout, 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', {
    aliases: ['Llama-4-Maverick', 'Llama-4-Maverick-17B-128E'], paramsB: 400, activeParamsB: 17, experts: 128, activeExperts: 1, intermediateSize: 16384, defaultPrecision: 'fp8',
    approximate: 'MoE on every other layer (modelled through the params split); chunked attention and vision figures approximate',
  }),
  llama4Scout,
  nemotronNano12b,
  variant(nemotronNano12b, 'nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16', {
    aliases: ['Nemotron-Nano-12B-v2-VL'], vision: { encoderParamsB: 0.7, tokensPerImage: 768, tokensPerVideo: 2048 },
    approximate: 'RADIO vision encoder size and tokens per image (tiles of 256) approximate',
  }),
  nemotronNano9b,
  gptOss120b, gptOss20b,
];
