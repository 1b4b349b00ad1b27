"""tillsammans: the C-Tillsammans workforce study's shared library.

Data flow, one way: ``data`` → ``population`` → ``workforce`` → ``cooperation`` → ``plots`` → ``reports``.
Modules are imported on demand (``from tillsammans import population``) to keep notebook start-up fast.
"""

__version__ = "0.1.0"
