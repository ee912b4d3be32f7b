// Usage text of the `siren-pinn` command.

/** Printed by `siren-pinn help` and `siren-pinn --help`. */
export const HELP = `siren-pinn: physics-informed neural networks with exact derivatives

Usage:
  siren-pinn problems [--json]
  siren-pinn train <problem> [options]
  siren-pinn compare <problem> [options] [--sweep-omega0 1,3,10,30]
  siren-pinn verify <problem> [--activation A] [--omega0 N] [--hidden W,...] [--points N] [--seed N] [--json]
  siren-pinn help

Commands:
  problems   list the shipped problems, their parameters and default ω0
  train      train one network and report its accuracy against the exact solution
  compare    train SIREN, tanh and ReLU networks with the same budget and seed
  verify     check that the HyperDual, generic and fused jets agree on the problem's residual
             at random points of a random network (--points N: how many, default 32)

Options (train and compare; unset values come from the problem's defaults):
  --activation sine|tanh|relu   hidden activation (train only; default sine)
  --omega0 N                    frequency of the first sine layer
  --hidden-omega one|omega0     ω of the later sine layers (default one)
  --hidden 64,64,64             hidden layer widths (at most 64 layers of 4096 neurons)
  --steps N                     Adam updates (at most 10000000)
  --lbfgs N                     L-BFGS iterations after Adam (0 skips the phase; at most 1000000)
  --lr X                        Adam learning rate at the first step
  --lr-decay F                  factor in (0, 1] the learning rate decays by over the Adam phase
  --points N                    interior collocation points (at most 1000000)
  --sampling METHOD             grid, uniform, latin-hypercube or sobol (default grid)
  --seed N                      seed of the weights and points (0 to 4294967295, default 0)
  --path fused|generic          jet implementation (default fused)
  --param NAME=VALUE            a problem parameter, e.g. --param k=12 for oscillator-k
  --sweep-omega0 A,B,...        compare only: one extra SIREN run per distinct ω0
  --jobs N                      compare only: runs trained at once in worker threads
                                (default: one per core, at most 2; results do not depend on it)
  --threads 1|2                 train only: threads of one fused step (default 1); with 2, batches
                                of 256 points or more run on two cores, with the same results
  --out DIR                     write results.json, the models and SVG plots into DIR
  --json                        print the results as JSON on stdout (progress goes to stderr)
  --quiet                       print no progress

Integer options take decimal digits only.

Exit codes: 0 success, 1 a run failed (e.g. its loss became NaN), 2 invalid command line.
`;
