"""CIFAR-10 from the standard "python version" pickle batches, read by our own restricted reader.

The archive ``cifar-10-python.tar.gz`` holds ``cifar-10-batches-py/`` with
``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and ``batches.meta``:
pickled dicts (bytes keys) where ``b"data"`` is uint8 (n, 3072) — 1024 red,
then 1024 green, then 1024 blue values of a 32 x 32 image, row by row — and
``b"labels"`` a list of n ints in 0..9. Only numpy arrays, lists, dicts and
scalars are accepted from the pickles: anything else is refused.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from grader.data.loaders.types import ImageSet, bad, check_array, check_split

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCHES = ("test_batch",)
FOLDER = "cifar-10-batches-py"
COUNTS = {"train": 50_000, "test": 10_000}  # what the real archive holds (the tests shrink these for fixtures)


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        numpy_core = np._core if hasattr(np, "_core") else np.core
        allowed = {
            ("numpy.core.multiarray", "_reconstruct"): numpy_core.multiarray._reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): numpy_core.multiarray._reconstruct,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
            ("numpy.core.multiarray", "scalar"): numpy_core.multiarray.scalar,
            ("numpy._core.multiarray", "scalar"): numpy_core.multiarray.scalar,
            ("copy_reg", "_reconstructor"): __import__("copyreg")._reconstructor,
            ("__builtin__", "object"): object,
            ("_codecs", "encode"): __import__("codecs").encode,  # how Python 3 writes bytes in a protocol-2 pickle
        }
        try:
            return allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}") from None


def unpickle(raw: bytes, where: str) -> dict:
    try:
        obj = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise bad(where, f"not a CIFAR pickle batch ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict):
        raise bad(where, f"holds a {type(obj).__name__}, expected a dict")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    d = unpickle(raw, where)
    if "data" not in d or "labels" not in d:
        raise bad(where, f"has keys {sorted(d)}, expected 'data' and 'labels'")
    data, labels = np.asarray(d["data"]), np.asarray(d["labels"], dtype=np.int64)
    check_array(where, "data", data, shape=(None, 3072), dtype=np.uint8)
    check_array(where, "labels", labels, shape=(len(data),), lo=0, hi=9)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _members(path: Path, names: tuple[str, ...]) -> dict[str, tuple[bytes, str]]:
    """The raw bytes of the wanted batch files (and batches.meta), from the archive or a folder."""
    wanted = set(names) | {"batches.meta"}
    found: dict[str, tuple[bytes, str]] = {}
    if path.is_dir():
        base = path / FOLDER if (path / FOLDER).is_dir() else path
        for n in wanted:
            f = base / n
            if f.is_file():
                found[n] = (f.read_bytes(), str(f))
        return found
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                leaf = m.name.rsplit("/", 1)[-1]
                if m.isfile() and leaf in wanted and m.name.startswith(FOLDER + "/"):
                    fh = tar.extractfile(m)
                    if fh is not None:
                        found[leaf] = (fh.read(), f"{path}!{m.name}")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise bad(path, f"not a readable CIFAR-10 archive ({type(exc).__name__}: {exc})") from None
    return found


def read_cifar10(path: str | Path, split: str = "train", *, expected: int | None = None) -> ImageSet:
    """Read a split from ``cifar-10-python.tar.gz`` (or a folder of the batch files)."""
    check_split(split, ("train", "test"))
    path = Path(path)
    names = TRAIN_BATCHES if split == "train" else TEST_BATCHES
    members = _members(path, names)
    missing = [n for n in (*names, "batches.meta") if n not in members]
    if missing:
        raise bad(path, f"has no {', '.join(missing)} in {FOLDER}/")
    meta = unpickle(*members["batches.meta"])
    label_names = tuple(x.decode() if isinstance(x, bytes) else str(x) for x in meta.get("label_names", ()))
    if len(label_names) != 10:
        raise bad(members["batches.meta"][1], f"{len(label_names)} label names, expected 10")
    parts = [_batch(*members[n]) for n in names]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if expected is not None and len(labels) != expected:
        raise bad(path, f"the {split} split has {len(labels)} images, expected {expected}")
    return ImageSet(images, labels, label_names)


def load_cifar10(src, split: str = "train") -> ImageSet:
    """CIFAR-10: split 'train' (50,000) or 'test' (10,000), uint8 (n, 32, 32, 3), labels 0..9."""
    path = src.file("cifar-10-python.tar.gz")
    return read_cifar10(path, split, expected=COUNTS.get(split))
