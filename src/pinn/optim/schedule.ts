// Learning-rate schedules: the step size an optimiser uses at update k (k = 0, 1, 2, ...).

/**
 * A learning-rate schedule. With base rate η and update index k (0 for the first update):
 * - `constant`: η.
 * - `exponential`: η · decayRate^(k / decaySteps), decaying smoothly (no staircase).
 * - `cosine`: η_min + (η − η_min) · (1 + cos(π · min(k, totalSteps) / totalSteps)) / 2, then
 *   η_min after `totalSteps` updates (η_min defaults to 0).
 * - `step`: η · factor^floor(k / stepSize), so the rate drops by `factor` every `stepSize` updates.
 */
export type LearningRateSchedule =
  | { kind: "constant" }
  | { kind: "exponential"; decayRate: number; decaySteps: number }
  | { kind: "cosine"; totalSteps: number; minLearningRate?: number }
  | { kind: "step"; stepSize: number; factor: number };

/** Returns the learning rate for update `k` of `schedule` with base rate `baseRate`. */
export function scheduledLearningRate(
  baseRate: number,
  schedule: LearningRateSchedule,
  k: number,
): number {
  switch (schedule.kind) {
    case "constant":
      return baseRate;
    case "exponential":
      return baseRate * schedule.decayRate ** (k / schedule.decaySteps);
    case "cosine": {
      const minRate = schedule.minLearningRate ?? 0;
      const progress = Math.min(k, schedule.totalSteps) / schedule.totalSteps;
      return minRate + ((baseRate - minRate) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
    case "step":
      return baseRate * schedule.factor ** Math.floor(k / schedule.stepSize);
  }
}

/** Checks the fields of `schedule` and throws a RangeError that names the invalid one. */
export function validateSchedule(schedule: LearningRateSchedule, caller: string): void {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new RangeError(
      `${caller}: schedule.${field} must be ${expected}, received ${String(value)}. Fix the ${schedule.kind} schedule`,
    );
  };

  switch (schedule.kind) {
    case "constant":
      return;
    case "exponential":
      if (!(schedule.decayRate > 0 && Number.isFinite(schedule.decayRate))) {
        fail("decayRate", schedule.decayRate, "a finite number > 0");
      }
      if (!(schedule.decaySteps > 0 && Number.isFinite(schedule.decaySteps))) {
        fail("decaySteps", schedule.decaySteps, "a finite number > 0");
      }
      return;
    case "cosine":
      if (!(Number.isInteger(schedule.totalSteps) && schedule.totalSteps > 0)) {
        fail("totalSteps", schedule.totalSteps, "an integer > 0");
      }
      if (
        schedule.minLearningRate !== undefined &&
        !(schedule.minLearningRate >= 0 && Number.isFinite(schedule.minLearningRate))
      ) {
        fail("minLearningRate", schedule.minLearningRate, "a finite number >= 0");
      }
      return;
    case "step":
      if (!(Number.isInteger(schedule.stepSize) && schedule.stepSize > 0)) {
        fail("stepSize", schedule.stepSize, "an integer > 0");
      }
      if (!(schedule.factor > 0 && Number.isFinite(schedule.factor))) {
        fail("factor", schedule.factor, "a finite number > 0");
      }
      return;
    default:
      throw new RangeError(
        `${caller}: schedule.kind must be "constant", "exponential", "cosine" or "step", received ${String((schedule as { kind: unknown }).kind)}`,
      );
  }
}
