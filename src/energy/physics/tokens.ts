/**
 * Tokens per request: the vision tokens a modality adds, and the prompt length assumed when a record has none
 * (ML.ENERGY records carry no prompt length; the per-workload assumption is documented in docs/simulator.md).
 */
import type { ModelSpec } from '../catalog/model-spec.js';
import type { Modality } from '../records/schema.js';

/** Vision tokens per request a model produces for a modality (0 for text or a model without vision). */
export function visionTokensFor(m: ModelSpec, modality: Modality): number {
  if (modality === 'text' || !m.vision) return 0;
  return modality === 'image' ? m.vision.tokensPerImage : m.vision.tokensPerVideo;
}

/** Assumed mean text prompt tokens per request of each ML.ENERGY v3 task (vision tokens are added). */
export const TASK_INPUT_TOKENS: Readonly<Record<string, number>> = {
  gpqa: 300, // a graduate-level question, four options and the answer-format instruction
  'lm-arena-chat': 300, // chat prompts: mostly short, with a long tail
  'sourcegraph-fim': 1500, // fill-in-the-middle code context
  'image-chat': 100, // a short question about one image
  'video-chat': 100, // a short question about one clip
};
export const DEFAULT_INPUT_TOKENS = 300;

/**
 * Prompt tokens of a request: the record's input_tokens when it has them, else the workload's assumed text prompt
 * (DEFAULT_INPUT_TOKENS for an unknown workload) plus the vision tokens its modality adds.
 */
export function promptTokens(
  r: { input_tokens?: number; workload?: string; modality?: Modality },
  m: ModelSpec,
  assumed: Readonly<Record<string, number>> = TASK_INPUT_TOKENS,
): number {
  if (r.input_tokens !== undefined) return r.input_tokens;
  return (assumed[r.workload ?? ''] ?? DEFAULT_INPUT_TOKENS) + visionTokensFor(m, r.modality ?? 'text');
}
