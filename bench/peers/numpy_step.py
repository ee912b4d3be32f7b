"""NumPy peer of the harmonic benchmark: a hand-written float64 jet forward and backward.

The harness runs it as `python3 numpy_step.py --serve`: one JSON request per stdin line, and
each reply on a stdout line that starts with "@@bench ". By hand,
`python3 numpy_step.py WEIGHTS.json [--steps 200] [--time-steps 50]` prints the initial and
final loss, the time per step and the peak RSS as one JSON object.
"""

import argparse
import json
import resource
import sys
import time

REPLY_PREFIX = "@@bench "

try:
    import numpy as np
except ImportError as error:  # reported to the harness as "unavailable"
    np = None
    NUMPY_ERROR = f"{type(error).__name__}: {error}"
else:
    NUMPY_ERROR = ""


def blas_info():
    """Return the BLAS library, kernel and thread count numpy runs on (threadpoolctl or ctypes)."""
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            pool = pools[0]
            return {
                "library": f"{pool.get('internal_api')} {pool.get('version')}",
                "kernel": str(pool.get("architecture")),
                "threads": str(pool.get("num_threads")),
                "source": "threadpoolctl",
            }
    except ImportError:
        pass
    return openblas_info_from_ctypes()


def openblas_info_from_ctypes():
    """Ask the OpenBLAS that numpy loaded for its core name, as threadpoolctl would."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        paths = set()
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        # numpy's wheels name the symbols scipy_openblas_*64_; a system OpenBLAS has the plain names.
        for prefix, suffix in (("scipy_", "64_"), ("", "")):
            corename = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
            config = getattr(lib, f"{prefix}openblas_get_config{suffix}", None)
            threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            if corename is None or config is None:
                continue
            corename.restype = ctypes.c_char_p
            config.restype = ctypes.c_char_p
            return {
                "library": config().decode(),
                "kernel": corename().decode(),
                "threads": str(threads()) if threads is not None else "unknown",
                "source": "ctypes (threadpoolctl is not installed)",
            }
    return {"library": "unknown", "kernel": "unknown", "threads": "unknown", "source": "none"}


def activation_jet(activation, omega, z, z1, z2):
    """Map the pre-activation jet (z, z', z'') to the activation's jet; return it and a cache."""
    if activation == "sine":
        # y = sin(ωz), y' = ω cos(ωz) z', y'' = ω cos(ωz) z'' − ω² sin(ωz) z'²
        s = np.sin(omega * z)
        c = np.cos(omega * z)
        wc = omega * c
        return (s, wc * z1, wc * z2 - (omega * omega) * s * z1 * z1), (s, c)
    if activation == "tanh":
        # y = t, y' = (1 − t²) z', y'' = (1 − t²) z'' − 2t(1 − t²) z'²
        t = np.tanh(z)
        d = 1 - t * t
        return (t, d * z1, d * z2 - 2 * t * d * z1 * z1), (t, d)
    if activation == "relu":
        h = (z > 0).astype(np.float64)
        return (h * z, h * z1, h * z2), (h,)
    return (z, z1, z2), ()


def activation_jet_vjp(activation, omega, z1, z2, cache, g0, g1, g2):
    """Pull the output jet's cotangents back to the pre-activation jet (the transposed rules)."""
    if activation == "sine":
        s, c = cache
        wc = omega * c
        w2s = (omega * omega) * s
        gz = wc * g0 - w2s * z1 * g1 - (w2s * z2 + (omega**3) * c * z1 * z1) * g2
        return gz, wc * g1 - 2 * w2s * z1 * g2, wc * g2
    if activation == "tanh":
        t, d = cache
        gz = d * g0 - 2 * t * d * z1 * g1 - (2 * t * d * z2 + 2 * d * (1 - 3 * t * t) * z1 * z1) * g2
        return gz, d * g1 - 4 * t * d * z1 * g2, d * g2
    if activation == "relu":
        (h,) = cache
        return h * g0, h * g1, h * g2
    return g0, g1, g2


class HarmonicStep:
    """Loss, gradient and Adam update of the harmonic problem on stacked [3R, m] jet streams."""

    def __init__(self, weights):
        self.weights = weights
        workload = weights["workload"]
        self.n = workload["points"]
        self.rows = len(weights["x"])
        self.lr = workload["learningRate"]
        self.beta1 = workload["beta1"]
        self.beta2 = workload["beta2"]
        self.eps = workload["epsilon"]
        x = np.asarray(weights["x"], dtype=np.float64)
        self.seed = np.zeros((3 * self.rows, 1))
        self.seed[: self.rows, 0] = weights["scale"] * x + weights["shift"]
        self.seed[self.rows : 2 * self.rows, 0] = weights["scale"]
        self.reset()

    def reset(self):
        self.params = []
        for layer in self.weights["layers"]:
            W = np.asarray(layer["W"], dtype=np.float64).reshape(layer["out"], layer["in"])
            self.params += [W, np.asarray(layer["b"], dtype=np.float64)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self):
        loss, grads = self.loss_and_grad()
        self.adam(grads)
        return loss

    def loss_and_grad(self):
        R, n = self.rows, self.n
        layers = self.weights["layers"]
        streams = self.seed
        caches = []
        for index, layer in enumerate(layers):
            W, b = self.params[2 * index], self.params[2 * index + 1]
            Z = streams @ W.T
            Z[:R] += b
            z, z1, z2 = Z[:R], Z[R : 2 * R], Z[2 * R :]
            out, cache = activation_jet(layer["activation"], layer["omega"], z, z1, z2)
            caches.append((streams, z1, z2, cache))
            streams = np.concatenate(out, axis=0)

        u, du, d2u = streams[:R, 0], streams[R : 2 * R, 0], streams[2 * R :, 0]
        residual = d2u[:n] + u[:n]
        slope = du[n] - 1
        loss = float(np.mean(residual * residual) + u[n] * u[n] + slope * slope)

        # ∂L/∂u = ∂L/∂u'' = 2r/N on the collocation rows; the boundary row carries 2u(0) and 2(u'(0) − 1).
        g_out = np.zeros((3 * R, 1))
        g_out[:n, 0] = 2 * residual / n
        g_out[2 * R : 2 * R + n, 0] = 2 * residual / n
        g_out[n, 0] = 2 * u[n]
        g_out[R + n, 0] = 2 * slope

        grads = [None] * len(self.params)
        for index in range(len(layers) - 1, -1, -1):
            layer = layers[index]
            inputs, z1, z2, cache = caches[index]
            g0, g1, g2 = g_out[:R], g_out[R : 2 * R], g_out[2 * R :]
            gZ = np.concatenate(
                activation_jet_vjp(layer["activation"], layer["omega"], z1, z2, cache, g0, g1, g2), axis=0
            )
            grads[2 * index] = gZ.T @ inputs
            grads[2 * index + 1] = gZ[:R].sum(axis=0)
            if index > 0:
                g_out = gZ @ self.params[2 * index]
        return loss, grads

    def adam(self, grads):
        # Adam with bias correction: θ ← θ − lr·m̂/(√v̂ + ε), m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t).
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        for i, g in enumerate(grads):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
            self.params[i] = self.params[i] - (self.lr * (self.m[i] / c1)) / (np.sqrt(self.v[i] / c2) + self.eps)


def max_rss_kib():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def check(peer, steps):
    """Return the loss before the first update and after each of `steps` updates."""
    peer.reset()
    return [peer.step() for _ in range(steps + 1)]


def timed(peer, steps):
    start = time.perf_counter()
    for _ in range(steps):
        peer.step()
    return (time.perf_counter() - start) * 1000


def reply(message):
    sys.stdout.write(REPLY_PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


def handle(peer, request):
    op = request.get("op")
    if op == "setup":
        if np is None:
            return None, {"ok": False, "unavailable": True, "error": f"numpy is not importable: {NUMPY_ERROR}"}
        if request.get("mode") != "train":
            return None, {"ok": False, "unavailable": True, "error": "numpy peer: only the training step is benchmarked"}
        with open(request["weightsPath"], encoding="utf8") as file:
            peer = HarmonicStep(json.load(file))
        blas = blas_info()
        backend = f"numpy {np.__version__}, Python {sys.version.split()[0]}, BLAS kernel {blas['kernel']}, {blas['threads']} thread(s)"
        info = {"backend": backend, "derivatives": "hand-written jet"}
        info.update({f"blas {key}": value for key, value in blas.items()})
        return peer, {"ok": True, "precision": "float64", "info": info}
    if op == "rss":
        return peer, {"ok": True, "maxRssKiB": max_rss_kib()}
    if peer is None:
        return peer, {"ok": False, "error": f'numpy peer: "{op}" before a successful setup'}
    if op == "check":
        losses = check(peer, request["steps"])
        return peer, {"ok": True, "initial": losses[0], "final": losses[-1], "losses": losses}
    if op == "time":
        return peer, {"ok": True, "ms": timed(peer, request["steps"])}
    return peer, {"ok": False, "error": f'numpy peer: unknown op "{op}"'}


def serve():
    peer = None
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("op") == "exit":
            break
        try:
            peer, message = handle(peer, request)
        except Exception as error:  # the harness reports it beside the peer's name
            message = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        reply(message)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", nargs="?", help="weights JSON written by the benchmark (bench/.cache)")
    parser.add_argument("--serve", action="store_true", help="answer the harness's requests on stdin")
    parser.add_argument("--steps", type=int, default=200, help="Adam steps before the final loss (default 200)")
    parser.add_argument("--time-steps", type=int, default=50, help="further steps to time (default 50)")
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.weights is None:
        parser.error("a weights file is required unless --serve is given")
    if np is None:
        print(json.dumps({"ok": False, "unavailable": True, "error": NUMPY_ERROR}))
        sys.exit(1)
    with open(args.weights, encoding="utf8") as file:
        peer = HarmonicStep(json.load(file))
    losses = check(peer, args.steps)
    ms = timed(peer, args.time_steps)
    result = {"initial": losses[0], "final": losses[-1], "steps": args.steps, "msPerStep": ms / args.time_steps}
    result.update({"maxRssKiB": max_rss_kib(), **blas_info()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
