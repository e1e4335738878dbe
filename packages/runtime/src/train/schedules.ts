/**
 * Learning-rate schedules, computed on the host and fed to training steps as the `lr` input, so changing
 * the schedule never rebuilds a graph. Each returns the rate for a 0-based step.
 *
 * @example
 * ```ts
 * const lr = warmupCosine({ peak: 3e-4, warmupSteps: 100, totalSteps: 2000, minLr: 3e-5 });
 * await step.run(batch, { lr: lr(i) }); // a TrainStep; Trainer.create(g, { lr }) applies it for you
 * ```
 */
export type Schedule = (step: number) => number;

/**
 * The same rate at every step.
 * @example constantLr(1e-3)(500) // 0.001
 */
export function constantLr(lr: number): Schedule {
  checkRate('constantLr', lr);
  return () => lr;
}

/**
 * Linear warm-up from 0 to `peak` over `warmupSteps`, then constant.
 * @example linearWarmup({ peak: 1e-3, warmupSteps: 10 })(4) // 0.0005 (step 4 is the 5th of 10)
 */
export function linearWarmup(options: { peak: number; warmupSteps: number }): Schedule {
  checkRate('linearWarmup', options.peak);
  const w = Math.max(0, options.warmupSteps);
  return (step) => (w > 0 && step < w ? (options.peak * (step + 1)) / w : options.peak);
}

/**
 * Linear warm-up to `peak`, then cosine decay to `minLr` at `totalSteps` (held there afterwards).
 * @example warmupCosine({ peak: 3e-4, warmupSteps: 100, totalSteps: 1000, minLr: 3e-5 })(550) // 1.65e-4, halfway down
 */
export function warmupCosine(options: {
  peak: number;
  warmupSteps?: number;
  totalSteps: number;
  minLr?: number;
}): Schedule {
  checkRate('warmupCosine', options.peak);
  const w = Math.max(0, options.warmupSteps ?? 0);
  const total = options.totalSteps;
  const min = options.minLr ?? 0;
  if (!(total > w))
    throw new RangeError(`warmupCosine: totalSteps (${total}) must exceed warmupSteps (${w}).`);
  return (step) => {
    if (w > 0 && step < w) return (options.peak * (step + 1)) / w;
    const t = Math.min(1, (step - w) / (total - w));
    return min + 0.5 * (options.peak - min) * (1 + Math.cos(Math.PI * t));
  };
}

function checkRate(name: string, lr: number): void {
  if (!Number.isFinite(lr) || lr < 0)
    throw new RangeError(`${name}: learning rate must be a finite number >= 0, got ${lr}.`);
}
