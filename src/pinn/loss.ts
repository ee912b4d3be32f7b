// The PINN loss on a tape: mean squared residual plus weighted mean squared condition terms.

import type { Mlp } from "../siren/index.js";
import { add, concat, mean, scale, slice, square, type Tape, Tensor } from "../tape/index.js";
import type { ConditionBatch } from "./conditions.js";
import { buildFields, type JetFields } from "./fields.js";
import { applyHardConstraint } from "./hard-constraint.js";
import type { Problem } from "./problem.js";

/** Implementation of the network jet: one fused tape op per layer, or primitive tape ops. */
export type JetPath = "fused" | "generic";

/** Name of the residual term in loss reports. */
export const RESIDUAL_TERM = "residual";

/** Collocation points and condition points, fixed for a training run. */
export interface TrainingBatch {
  /** Row-major interior points (N × dim). */
  collocation: Float64Array;
  conditions: ConditionBatch;
}

/** One named term: its weight and its unweighted mean square as a scalar tensor. */
export interface LossTerm {
  name: string;
  weight: number;
  tensor: Tensor;
}

/** The loss of one step and its terms, all on the same tape. */
export interface LossEvaluation {
  loss: Tensor;
  terms: LossTerm[];
}

/**
 * Evaluates the network jet of the problem (with its hard constraint, if any) at `points`
 * and returns the jet the residual and the conditions read.
 */
export function solutionJet(
  tape: Tape,
  model: Mlp,
  problem: Problem,
  points: Float64Array,
  spec: Problem["spec"],
  path: JetPath,
): JetFields {
  const jet = model.jet(tape, points, spec, path);
  if (problem.hardConstraint === undefined) return jet;
  return applyHardConstraint(tape, jet, spec, points, problem.hardConstraint);
}

/** Per-point residual [N, 1] of the problem at `points`. */
export function residualAt(
  tape: Tape,
  model: Mlp,
  problem: Problem,
  points: Float64Array,
  path: JetPath,
): Tensor {
  const jet = solutionJet(tape, model, problem, points, problem.spec, path);
  const fields = buildFields(tape, jet, problem.spec, problem.coordinates, points);
  const residual: unknown = problem.residual(fields);
  const count = points.length / problem.dim;
  if (!(residual instanceof Tensor)) {
    throw new TypeError(
      `${problem.name}: residual must return a tape Tensor of shape [${count}, 1], received ${residual === null ? "null" : typeof residual}; build it from the fields with tape ops, e.g. sub(u_xx, f), not from plain numbers`,
    );
  }
  if (residual.shape.length !== 2 || residual.shape[0] !== count || residual.shape[1] !== 1) {
    throw new RangeError(
      `${problem.name}: residual must return a tensor of shape [${count}, 1], received [${residual.shape.join(", ")}]; build it from the [N, 1] fields with tape ops`,
    );
  }
  return residual;
}

/**
 * Builds loss = mean(r²) + Σ_c w_c · mean(c²) on `tape`, where r is the residual at the
 * collocation points and c the per-point residual of condition c.
 */
export function buildLoss(
  tape: Tape,
  model: Mlp,
  problem: Problem,
  batch: TrainingBatch,
  path: JetPath,
): LossEvaluation {
  const residual = residualAt(tape, model, problem, batch.collocation, path);
  const terms: LossTerm[] = [{ name: RESIDUAL_TERM, weight: 1, tensor: mean(square(residual)) }];

  const conditions = batch.conditions;
  if (conditions.rows > 0) {
    const jet = solutionJet(tape, model, problem, conditions.points, conditions.spec, path);
    for (const term of conditions.terms) {
      const parts = term.blocks.map((block) => {
        const end = block.start + block.rows;
        const u = slice(jet.value, block.start, end);
        const first = (direction: number): Tensor =>
          slice(jet.first.get(direction) as Tensor, block.start, end);
        return block.residual(tape, u, first);
      });
      const residualOfTerm = parts.length === 1 ? parts[0] : concat(parts, 0);
      terms.push({ name: term.name, weight: term.weight, tensor: mean(square(residualOfTerm)) });
    }
  }

  let loss = terms[0].tensor;
  for (const term of terms.slice(1)) {
    if (term.weight === 0) continue;
    loss = add(loss, term.weight === 1 ? term.tensor : scale(term.tensor, term.weight));
  }
  return { loss, terms };
}
