"""The course engine: manifest, workspace, progress, unlocking, grading.

Importing this package is cheap on purpose: nothing here imports numpy, torch,
scikit-learn or transformers. Heavy libraries are imported inside the functions
that need them, so `course --help` and `course list` start instantly.
"""

__version__ = "0.1.0"
