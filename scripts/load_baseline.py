"""The Python baseline of `deno task bench`'s load table: what the seed notebooks do to read an
archive (gzip or pickle from the standard library, numpy arrays), to float32 like netsweep.

    python3 scripts/load_baseline.py FILE

Prints one JSON object: seconds from opening the file to float32 images in memory (the time
to import numpy excluded), and the seconds to the uint8 array alone for IDX and npz files.
"""
import gzip
import json
import pickle
import sys
import time

import numpy as np

path = sys.argv[1]
start = time.perf_counter()
as_uint8 = None
with open(path, "rb") as f:
    head = f.read(4)
if head[:2] == b"PK":
    with np.load(path) as z:
        x = z["x_train"]
    as_uint8 = time.perf_counter() - start
    x = x.astype(np.float32) / np.float32(255)
elif path.endswith(".pkl.gz"):
    with gzip.open(path, "rb") as f:
        (x, _), _, _ = pickle.load(f, encoding="latin1")  # float32 already, as Nielsen's
else:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    x = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    as_uint8 = time.perf_counter() - start
    x = x.astype(np.float32) / np.float32(255)
print(json.dumps({"seconds": time.perf_counter() - start, "uint8Seconds": as_uint8}))
