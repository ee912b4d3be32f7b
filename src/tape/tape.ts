// The tape: records tensor ops on parameters and runs one reverse pass from a scalar loss.

import { sizeOf } from "./broadcast.js";
import { formatShape, NonFiniteError, ShapeError, TapeError } from "./errors.js";
import { type CustomAttrs, type OpAttrs, type OpName, type Rule, rules } from "./rules.js";
import { Tensor } from "./tensor.js";

/** Options of `new Tape`. */
export interface TapeOptions {
  /**
   * Scan every value while recording, and every cotangent during backward, and throw a
   * NonFiniteError at the first op that produced NaN or ±Infinity. Off by default
   * because the scan costs one pass over each output.
   */
  checkFinite?: boolean;
}

/** Options of `tape.backward`. */
export interface BackwardOptions {
  /**
   * Buffers to accumulate the gradients into, by parameter name. Gradients are ADDED to
   * their contents; a parameter without a buffer here gets a new zeroed one, which is
   * also added to this map.
   */
  into?: Map<string, Float64Array>;
}

/** Options of `tape.custom`. */
export interface CustomOptions {
  /** A buffer of the output's size to write the value into instead of a new one. */
  out?: Float64Array;
}

/** Gradients of the loss by parameter name, each as long as the parameter's data. */
export type Gradients = Map<string, Float64Array>;

/** A differentiable node: a parameter leaf, or an op with a parameter among its inputs. */
interface Node {
  readonly op: OpName | "param";
  readonly inputs: readonly Tensor[];
  readonly out: Tensor;
  readonly attrs: OpAttrs[OpName] | null;
  /** Position among all recorded ops and leaves, the index checkFinite reports. */
  readonly opIndex: number;
}

/**
 * Records the ops applied to tensors and computes gradients of a scalar loss with respect
 * to the named parameters in one reverse pass. A tape serves one evaluation: `backward`
 * releases it, and a new step starts a new tape. Only ops that a parameter reaches are
 * kept, so constant work (input points, masks) costs no memory after it is computed.
 */
export class Tape {
  readonly checkFinite: boolean;
  private nodes: Node[] = [];
  private params = new Map<string, Tensor>();
  private opCount = 0;
  private releasedBy: "backward" | "release" | null = null;

  constructor(options: TapeOptions = {}) {
    this.checkFinite = options.checkFinite ?? false;
  }

  /** Number of differentiable nodes held now (0 after release). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Whether `backward` or `release` has run, after which the tape accepts no more ops. */
  get released(): boolean {
    return this.releasedBy !== null;
  }

  /**
   * Records a constant: a tensor no gradient flows into. A Float64Array is used as is, not
   * copied, so it must not change while the tape is alive. Without `shape`, a number
   * becomes a scalar and an array a vector.
   */
  constant(data: Float64Array | readonly number[] | number, shape?: readonly number[]): Tensor {
    this.assertRecording("constant");

    const values =
      typeof data === "number"
        ? Float64Array.of(data)
        : data instanceof Float64Array
          ? data
          : Float64Array.from(data);
    const resolved = shape ?? (typeof data === "number" ? [] : [values.length]);
    checkShape("Tape.constant", resolved, values.length);

    this.checkValues("constant", values);
    this.opCount++;
    return new Tensor(this, [...resolved], values, -1);
  }

  /**
   * Registers a parameter leaf. `data` is a view into the caller's parameter buffer and is
   * not copied. Registering the same name again with the same buffer and shape returns
   * the first tensor. A different buffer or shape under that name is an error.
   */
  param(name: string, data: Float64Array, shape: readonly number[]): Tensor {
    this.assertRecording("param");
    checkShape(`Tape.param("${name}")`, shape, data.length);

    const known = this.params.get(name);
    if (known !== undefined) {
      if (known.data === data && sameAxes(known.shape, shape)) return known;
      throw new TapeError(
        `Tape.param: a parameter named "${name}" is already registered with shape ` +
          `${formatShape(known.shape)} and another buffer, received shape ${formatShape(shape)}; ` +
          "give each parameter its own name",
      );
    }

    this.checkValues(`param "${name}"`, data);
    const opIndex = this.opCount++;
    const tensor = new Tensor(this, [...shape], data, this.nodes.length);
    this.nodes.push({ op: "param", inputs: [], out: tensor, attrs: null, opIndex });
    this.params.set(name, tensor);
    return tensor;
  }

  /**
   * Records a user-defined op (such as a fused layer). `forward` writes the value into its
   * argument; `vjp` ADDS each input's cotangent into `inputCts[i]` (null for inputs that
   * need no gradient). Both closures read their inputs' `data` directly.
   */
  custom(
    name: string,
    inputs: readonly Tensor[],
    outShape: readonly number[],
    forward: (out: Float64Array) => void,
    vjp: (ct: Float64Array, inputCts: (Float64Array | null)[]) => void,
    options: CustomOptions = {},
  ): Tensor {
    const attrs: CustomAttrs = { name, forward, vjp };
    return this.record("custom", inputs, outShape, attrs, options.out);
  }

  /**
   * Runs an op from the op table on `inputs` and records it when a parameter reaches an
   * input. Used by the functions in ops.ts, which check shapes and build `attrs`. When
   * `out` is given the value is written there (or, for a view, `out` already contains it).
   */
  record<K extends OpName>(
    op: K,
    inputs: readonly Tensor[],
    shape: readonly number[],
    attrs: OpAttrs[K],
    out?: Float64Array,
  ): Tensor {
    const label = op === "custom" ? `custom "${(attrs as CustomAttrs).name}"` : op;
    this.assertRecording(label);
    const size = sizeOf(shape);
    const data = out ?? new Float64Array(size);
    if (data.length !== size) {
      throw new ShapeError(
        `${label}: the out buffer has length ${data.length}, expected ${size} for shape ` +
          `${formatShape(shape)}; pass a buffer of the output's size`,
      );
    }

    let differentiable = false;
    const inputData = new Array<Float64Array>(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (input.tape !== this) throw this.foreignInput(label, i, input);
      inputData[i] = input.data;
      if (input.index >= 0) differentiable = true;
    }

    (rules[op] as Rule<K>).forward(inputData, data, attrs);
    this.checkValues(label, data);
    const opIndex = this.opCount++;

    if (!differentiable) return new Tensor(this, [...shape], data, -1);
    const tensor = new Tensor(this, [...shape], data, this.nodes.length);
    this.nodes.push({ op, inputs, out: tensor, attrs, opIndex });
    return tensor;
  }

  /**
   * Computes the gradient of the scalar `loss` with respect to every parameter on this
   * tape, then releases the tape. Parameters the loss does not depend on get zeros.
   */
  backward(loss: Tensor, options: BackwardOptions = {}): Gradients {
    this.assertRecording("backward");
    if (loss.tape !== this) throw this.foreignInput("backward", 0, loss);
    if (loss.size !== 1) {
      throw new ShapeError(
        `Tape.backward: the loss must have size 1, received shape ${formatShape(loss.shape)}; ` +
          "reduce it with sum() or mean() first",
      );
    }

    const gradients = options.into ?? new Map<string, Float64Array>();
    const cts = new Array<Float64Array | null>(this.nodes.length).fill(null);
    for (const [name, tensor] of this.params) {
      const buffer = gradientBuffer(gradients, name, tensor.size);
      cts[tensor.index] = buffer;
    }

    if (loss.index >= 0) {
      cts[loss.index] ??= new Float64Array(1);
      (cts[loss.index] as Float64Array)[0] += 1;
      this.propagate(loss.index, cts);
    }

    this.releaseAs("backward");
    return gradients;
  }

  /** Drops every recorded node so their buffers can be collected; the tape accepts no more ops. */
  release(): void {
    if (this.releasedBy === null) this.releaseAs("release");
  }

  /** Walks the nodes from the loss back to the leaves, calling each op's vjp. */
  private propagate(lossIndex: number, cts: (Float64Array | null)[]): void {
    for (let n = lossIndex; n >= 0; n--) {
      const node = this.nodes[n];
      const ct = cts[n];
      if (ct === null || node.op === "param") continue;

      const inputData = new Array<Float64Array>(node.inputs.length);
      const inputCts = new Array<Float64Array | null>(node.inputs.length);
      for (let i = 0; i < node.inputs.length; i++) {
        const input = node.inputs[i];
        inputData[i] = input.data;
        inputCts[i] = input.index < 0 ? null : (cts[input.index] ??= new Float64Array(input.size));
      }

      const rule = rules[node.op] as Rule<OpName>;
      rule.vjp(ct, inputData, node.out.data, inputCts, node.attrs as OpAttrs[OpName]);
      cts[n] = null;
      if (this.checkFinite) this.checkCotangents(node, inputCts);
    }
  }

  private releaseAs(reason: "backward" | "release"): void {
    this.nodes = [];
    this.params = new Map();
    this.releasedBy = reason;
  }

  private assertRecording(what: string): void {
    if (this.releasedBy === null) return;
    const cause =
      this.releasedBy === "backward"
        ? "backward() already ran on it (a tape runs one backward pass)"
        : "release() was called on it";
    throw new TapeError(
      `${what}: this tape is released because ${cause}; record the computation on a new Tape`,
    );
  }

  private foreignInput(label: string, position: number, input: Tensor): TapeError {
    return new TapeError(
      `${label}: input ${position} (shape ${formatShape(input.shape)}) belongs to another tape; ` +
        "tensors from two tapes cannot be mixed, so record the whole computation on one Tape",
    );
  }

  private checkValues(label: string, values: Float64Array): void {
    if (!this.checkFinite) return;
    const at = firstNonFinite(values);
    if (at < 0) return;
    throw new NonFiniteError(
      `Tape (checkFinite): op ${label} (op #${this.opCount} on the tape) produced ${values[at]} ` +
        `at element ${at}; this is the first non-finite value recorded`,
      label,
      this.opCount,
      "forward",
    );
  }

  private checkCotangents(node: Node, inputCts: (Float64Array | null)[]): void {
    for (let i = 0; i < inputCts.length; i++) {
      const ct = inputCts[i];
      if (ct === null) continue;
      const at = firstNonFinite(ct);
      if (at < 0) continue;
      const label = node.op === "custom" ? `custom "${(node.attrs as CustomAttrs).name}"` : node.op;
      throw new NonFiniteError(
        `Tape.backward (checkFinite): the vjp of op ${label} (op #${node.opIndex} on the tape) ` +
          `gave input ${i} the cotangent ${ct[at]} at element ${at}`,
        label,
        node.opIndex,
        "backward",
      );
    }
  }
}

function gradientBuffer(gradients: Gradients, name: string, size: number): Float64Array {
  const given = gradients.get(name);
  if (given === undefined) {
    const buffer = new Float64Array(size);
    gradients.set(name, buffer);
    return buffer;
  }
  if (given.length !== size) {
    throw new RangeError(
      `Tape.backward: options.into has a buffer of length ${given.length} for parameter ` +
        `"${name}", expected ${size}; pass a buffer as long as the parameter`,
    );
  }
  return given;
}

function checkShape(label: string, shape: readonly number[], length: number): void {
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 0) {
      throw new ShapeError(
        `${label}: shape ${formatShape(shape)} must contain non-negative integers`,
      );
    }
  }
  if (sizeOf(shape) !== length) {
    throw new ShapeError(
      `${label}: shape ${formatShape(shape)} needs ${sizeOf(shape)} values, received ${length}; ` +
        "make the shape match the data",
    );
  }
}

function sameAxes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function firstNonFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return i;
  }
  return -1;
}
