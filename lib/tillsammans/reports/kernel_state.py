"""Inside a warm kernel: remember the state after the imports, and return to it before each notebook.

This module is imported *in the kernel* (by :data:`tillsammans.reports.kernels.WARM_UP`), not by the
runner. :func:`snapshot` records the process state a fresh kernel would have once the scientific stack and
the library are imported; :func:`restore` brings the kernel back to it, so a notebook run in a warm kernel
gives the same output, byte for byte, as in a fresh one (``tests/test_runner.py`` checks this).

What is reset: the user namespace and the execution counter (IPython's own ``reset``), matplotlib (open
figures, rcParams, unit converters), pandas options, numpy print options, warning filters and the
"shown once" registries, the logging root, ``sys.path``, the environment and the working directory.
What is kept on purpose: imported modules and the library's in-memory caches of read-only inputs
(``municipalities.registry``, ``population.load_inputs``), which is what makes the kernel warm.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import warnings

_STATE: dict = {}


def snapshot() -> None:
    """Record the state to return to (call once, right after the warm-up imports)."""
    import matplotlib
    import matplotlib.units
    import numpy as np

    _STATE.update(
        rc=dict(matplotlib.rcParams),
        units=dict(matplotlib.units.registry),
        numpy=np.get_printoptions(),
        filters=list(warnings.filters),
        log_handlers=list(logging.root.handlers),
        log_level=logging.root.level,
        path=list(sys.path),
        environ=dict(os.environ),
    )


def restore(cwd: str) -> None:
    """Return to the snapshot and enter ``cwd``; the next cell runs as the first cell of a fresh kernel."""
    import matplotlib
    import matplotlib.pyplot as plt
    import matplotlib.units
    import numpy as np
    import pandas as pd
    from IPython import get_ipython

    if not _STATE:
        raise RuntimeError("kernel_state.snapshot() was never called in this kernel")
    shell = get_ipython()
    # new_session=True also sets the execution counter back to 1, as in a fresh kernel. IPython's reset
    # ends with a full garbage collection (0.1 s with the scientific stack loaded, on every notebook);
    # the collector's own generational runs free the same memory soon after.
    collect = gc.collect
    gc.collect = _no_collection
    try:
        shell.reset(new_session=True)
    finally:
        gc.collect = collect
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated rc keys warn when set, even to their own value
        matplotlib.rcParams.update(_STATE["rc"])
        pd.reset_option("all")
    matplotlib.units.registry.clear()
    matplotlib.units.registry.update(_STATE["units"])
    np.set_printoptions(**_STATE["numpy"])
    # In place, in one step (the list object stays the one the rest of the kernel holds).
    warnings.filters[:] = _STATE["filters"]  # type: ignore[index]  # typeshed says Sequence; it is a list
    # Invalidates every module's "already shown" registry, so a warning shown by an earlier notebook is
    # shown again, as a fresh kernel would. CPython's private hook: the public ways to reach it
    # (resetwarnings, filterwarnings) change the filters.
    warnings._filters_mutated()  # type: ignore[attr-defined]
    logging.root.handlers[:] = _STATE["log_handlers"]
    logging.root.setLevel(_STATE["log_level"])
    sys.path[:] = _STATE["path"]
    os.environ.clear()
    os.environ.update(_STATE["environ"])
    os.chdir(cwd)


def _no_collection(generation: int = 2) -> int:
    return 0
