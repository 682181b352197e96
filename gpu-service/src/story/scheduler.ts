/**
 * DDIM sampling math for a v-prediction model with classifier-free guidance.
 *
 * The noise schedule is the cosine one of improved DDPM (betas clipped at `maxBeta`); the
 * bundle's manifest carries its parameters and, for exactness, the `alphasCumprod` table the
 * model was trained with. Timesteps use "trailing" spacing so that sampling starts at t = T-1.
 */

export interface SchedulerSettings {
  kind: 'cosine';
  timesteps: number;
  /** The cosine schedule's offset s. @default 0.008 */
  offset: number;
  maxBeta: number;
  prediction: 'v';
  spacing: 'trailing';
  /** Default number of DDIM steps. */
  steps: number;
  /** Default classifier-free guidance scale. */
  guidance: number;
  /** alpha_bar for t = 0..T-1, as trained; computed from the parameters when absent. */
  alphasCumprod?: number[];
}

/** alpha_bar_t of the cosine schedule for t = 0..T-1, from clipped betas. */
export function cosineAlphasCumprod(timesteps: number, offset = 0.008, maxBeta = 0.999):
number[] {
  const f = (t: number) => Math.cos((((t / timesteps + offset) / (1 + offset)) * Math.PI) / 2) ** 2;
  const out: number[] = [];
  let prod = 1;
  for (let t = 0; t < timesteps; t++) {
    prod *= 1 - Math.min(1 - f(t + 1) / f(t), maxBeta);
    out.push(prod);
  }
  return out;
}

/** The DDIM timesteps, noisiest first: round(T - i·T/steps) - 1 for i = 0..steps-1. */
export function ddimTimesteps(steps: number, timesteps: number): number[] {
  return Array.from({ length: steps },
    (_, i) => Math.round(timesteps - (i * timesteps) / steps) - 1);
}

/** Classifier-free guidance: v = v_uncond + scale · (v_cond − v_uncond), element-wise. */
export function guide(cond: Float32Array, uncond: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return out;
}

/**
 * One deterministic DDIM step (eta = 0) from a v-prediction:
 * x0 = √a·x − √(1−a)·v, eps = √a·v + √(1−a)·x, x_prev = √a_prev·x0 + √(1−a_prev)·eps.
 */
export function ddimStep(
  x: Float32Array, v: Float32Array, alphaT: number, alphaPrev: number,
): { prev: Float32Array; x0: Float32Array } {
  const sa = Math.sqrt(alphaT);
  const sb = Math.sqrt(1 - alphaT);
  const pa = Math.sqrt(alphaPrev);
  const pb = Math.sqrt(1 - alphaPrev);
  const prev = new Float32Array(x.length);
  const x0 = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0i = sa * x[i] - sb * v[i];
    const eps = sa * v[i] + sb * x[i];
    x0[i] = x0i;
    prev[i] = pa * x0i + pb * eps;
  }
  return { prev, x0 };
}

/** A DDIM scheduler bound to a bundle's settings and a number of steps. */
export class DdimScheduler {
  readonly alphasCumprod: number[];
  readonly timesteps: number[];

  constructor(readonly settings: SchedulerSettings, steps = settings.steps) {
    this.alphasCumprod = settings.alphasCumprod
      ?? cosineAlphasCumprod(settings.timesteps, settings.offset, settings.maxBeta);
    this.timesteps = ddimTimesteps(steps, settings.timesteps);
  }

  /** alpha_bar at step i and at the step after it (1 after the last step). */
  alphas(i: number): { alphaT: number; alphaPrev: number } {
    const t = this.timesteps[i];
    const next = this.timesteps[i + 1];
    return {
      alphaT: this.alphasCumprod[t],
      alphaPrev: next === undefined ? 1 : this.alphasCumprod[next],
    };
  }

  /** Applies step i to latents x given the guided v-prediction. */
  step(i: number, x: Float32Array, v: Float32Array): Float32Array {
    const { alphaT, alphaPrev } = this.alphas(i);
    return ddimStep(x, v, alphaT, alphaPrev).prev;
  }
}
