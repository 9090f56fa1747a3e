import type { ServerKind } from '../causes.js';
import { litellm } from './litellm.js';
import { llamaCpp } from './llama-cpp.js';
import { lmStudio } from './lm-studio.js';
import { localai } from './localai.js';
import { ollama } from './ollama.js';
import { openaiCompatible } from './openai.js';
import type { LogSignature, ModelsResponse, ServerProfile } from './profile.js';
import { sglang } from './sglang.js';
import { SHARED_NON_FATAL_SIGNATURES, SHARED_SIGNATURES } from './shared.js';
import { tgi } from './tgi.js';
import { vllm } from './vllm.js';

export type { LogSignature, ServerProfile } from './profile.js';

export const PROFILES: Record<ServerKind, ServerProfile> = {
  vllm,
  sglang,
  litellm,
  ollama,
  llamacpp: llamaCpp,
  tgi,
  localai,
  lmstudio: lmStudio,
  openai: openaiCompatible,
};

/** Most distinctive fingerprints first: a llama.cpp Server header beats a generic owned_by shape. */
const DETECTION_ORDER: ServerKind[] = [
  'llamacpp',
  'vllm',
  'sglang',
  'lmstudio',
  'tgi',
  'litellm',
  'ollama',
  'localai',
];

export function detectServer(res: ModelsResponse): ServerKind | undefined {
  return DETECTION_ORDER.find((kind) => PROFILES[kind].fingerprint(res));
}

/** Signatures to match for a kind (or all kinds when unknown), server-specific before shared. */
export function signaturesFor(kind: ServerKind | undefined): LogSignature[] {
  const specific =
    kind && kind !== 'openai'
      ? [PROFILES[kind], ...(PROFILES[kind].embeds ?? []).map((inner) => PROFILES[inner])].flatMap(
          (p) => p.logSignatures,
        )
      : Object.values(PROFILES).flatMap((p) => p.logSignatures);
  return [
    ...SHARED_SIGNATURES.filter((s) => s.cause === 'gated-model'),
    ...specific,
    ...SHARED_SIGNATURES,
    ...SHARED_NON_FATAL_SIGNATURES,
  ];
}

export function matchLogLine(line: string, kind: ServerKind | undefined): LogSignature | undefined {
  return signaturesFor(kind).find((sig) => sig.pattern.test(line));
}

export function readyLogMatches(line: string, kind: ServerKind | undefined): boolean {
  const profiles = kind ? [PROFILES[kind]] : Object.values(PROFILES);
  return profiles.some((p) => p.readyLog.some((re) => re.test(line)));
}
