"""pyvizzy: an interactive visualization of confident learning.

The algorithm lives in :mod:`pyvizzy.confident` (plain array functions), the
out-of-sample predicted probabilities in :mod:`pyvizzy.crossval` and the dataset
file in :mod:`pyvizzy.dataset`. The same code runs in CPython and in Pyodide.
"""

__version__ = "0.1.0"
