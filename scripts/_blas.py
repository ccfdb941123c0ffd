"""Which BLAS kernel this numpy runs: the baselines print it beside their times, so that a
pinned or reference BLAS (three times slower) is seen, not silently compared against."""
import ctypes
import glob
import os

import numpy as np


def blas_core():
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*.so*")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                     "openblas_get_corename64_", "openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return "OpenBLAS " + fn().decode()
    # Debian's numpy: whichever libblas.so.3 the alternatives point at.
    try:
        lib = ctypes.CDLL("libblas.so.3")
        fn = getattr(lib, "openblas_get_corename", None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            return "OpenBLAS " + fn().decode()
        return "reference BLAS (libblas.so.3)"
    except OSError:
        return "unknown"
