/**
 * A story request, its defaults and its checks. Errors a caller can fix are PixloomErrors with
 * code BAD_REQUEST and a sentence saying what to send instead.
 */
import { PixloomError } from '../../../shared/src/errors.js';
import { ALWAYS_ON_GATE, type ConsistentGate, PAPER_GATE } from './consistent-attention.js';

export interface StoryRequest {
  /** Who the story is about, e.g. "a girl in a red shirt with a cap". */
  character: string;
  /** Action and setting per panel, e.g. "waving in the park"; the caption goes on the page. */
  panels: { text: string; caption?: string }[];
  /** Seed of the initial noise and of the sampling masks. @default a random seed */
  seed?: number;
  /** DDIM steps. @default the bundle's (25) */
  steps?: number;
  /** Classifier-free guidance scale. @default the bundle's */
  guidance?: number;
  /** Consistent Self-Attention. @default { enabled: true, rate: bundle default (0.5) } */
  consistentAttention?: { enabled: boolean; rate: number };
  /** Panels generated together as the identity batch. @default min(3, panels) */
  identityPanels?: number;
  /** Motion-predictor frames between consecutive keyframes. @default 0 */
  framesBetween?: number;
  /**
   * Whether every panel starts from the same initial noise ('shared', as in StoryDiffusion's
   * demo) or from its own ('independent'). @default 'shared'
   */
  noise?: 'shared' | 'independent';
  /** When the up-block layers switch to consistent attention. @default 'paper' */
  gate?: 'paper' | 'always' | ConsistentGate;
}

export interface ResolvedStoryRequest {
  character: string;
  panels: { text: string; caption?: string }[];
  seed: number;
  steps: number;
  guidance: number;
  consistent: boolean;
  rate: number;
  identityPanels: number;
  framesBetween: number;
  noise: 'shared' | 'independent';
  gate: ConsistentGate;
}

export const STORY_LIMITS = { panels: 16, textChars: 300, steps: 100, guidance: 20, frames: 24 };

function bad(message: string): never {
  throw new PixloomError('BAD_REQUEST', message);
}

function intIn(value: number, lo: number, hi: number, name: string): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    bad(`${name} is ${value}; send a whole number from ${lo} to ${hi}.`);
  }
  return value;
}

/** Fills in defaults and checks a request; throws PixloomError BAD_REQUEST. */
export function resolveStoryRequest(
  req: StoryRequest, defaults: { steps: number; guidance: number; rate: number },
): ResolvedStoryRequest {
  if (typeof req.character !== 'string' || req.character.trim() === '') {
    bad('character is empty; describe who the story is about, e.g. "a girl in a red shirt".');
  }
  if (req.character.length > STORY_LIMITS.textChars) {
    bad(`character has ${req.character.length} characters; send at most `
      + `${STORY_LIMITS.textChars}.`);
  }
  if (!Array.isArray(req.panels) || req.panels.length === 0) {
    bad('panels is empty; send at least one panel such as { text: "waving in the park" }.');
  }
  if (req.panels.length > STORY_LIMITS.panels) {
    bad(`${req.panels.length} panels; send at most ${STORY_LIMITS.panels} per story.`);
  }
  req.panels.forEach((p, i) => {
    if (typeof p?.text !== 'string' || p.text.length > STORY_LIMITS.textChars) {
      bad(`panels[${i}].text must be a string of at most ${STORY_LIMITS.textChars} characters.`);
    }
  });
  const csa = req.consistentAttention ?? { enabled: true, rate: defaults.rate };
  if (!(csa.rate >= 0 && csa.rate <= 1)) {
    bad(`consistentAttention.rate is ${csa.rate}; send a number from 0 to 1 (0.5 is usual).`);
  }
  const guidance = req.guidance ?? defaults.guidance;
  if (!(guidance >= 0 && guidance <= STORY_LIMITS.guidance)) {
    bad(`guidance is ${guidance}; send a number from 0 to ${STORY_LIMITS.guidance}.`);
  }
  const n = req.panels.length;
  const gate = req.gate === 'always' ? ALWAYS_ON_GATE
    : req.gate === undefined || req.gate === 'paper' ? PAPER_GATE : req.gate;
  return {
    character: req.character.trim(),
    panels: req.panels,
    seed: req.seed === undefined ? Math.floor(Math.random() * 2 ** 31)
      : intIn(req.seed, 0, 2 ** 32 - 1, 'seed'),
    steps: intIn(req.steps ?? defaults.steps, 1, STORY_LIMITS.steps, 'steps'),
    guidance,
    consistent: csa.enabled,
    rate: csa.rate,
    identityPanels: intIn(req.identityPanels ?? Math.min(3, n), 1, n, 'identityPanels'),
    framesBetween: intIn(req.framesBetween ?? 0, 0, STORY_LIMITS.frames, 'framesBetween'),
    noise: req.noise ?? 'shared',
    gate,
  };
}

/** The prompt of one panel, as the model was trained: "character, panel text". */
export function panelPrompt(character: string, text: string): string {
  return `${character}, ${text}`;
}
