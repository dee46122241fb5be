"""Small classification datasets as float tensors, read from local files only.

A :class:`Dataset` is four tensors: ``X_train (n, d)``, ``y_train (n,)``, ``X_test (n', d)``,
``y_test (n',)``; inputs are flattened, labels are ``int64`` in ``0..K-1``.

Scalings (``scaling=``):

* ``"standardize"``: x -> (x/x_max - mu) / s with one global (mu, s) for all pixels. MNIST and
  grayscale CIFAR-10 use the constants of Hajjar et al.'s code, (0.1307, 0.3081) and (0.4809, 0.2392)
  (github.com/karl-hajjar/wide-networks); digits use the mean and std of its training split.
* ``"unit"``: x -> x/x_max in [0, 1] (x_max = 16 for digits, 255 for images).
* ``"none"``: the raw values as floats.

Sources: ``"digits"`` (sklearn's bundled 8x8 digits, d = 64), ``"mnist"`` (idx files, d = 784),
``"fashion_mnist"`` (Zalando's Fashion-MNIST, the same idx format and sizes, read by default from Debian's
``dataset-fashion-mnist`` package in ``/usr/share/datasets/fashion-mnist``; standardised with the pixel mean
and std of its own training split, never MNIST's constants),
``"cifar10_gray"`` (python-pickle batches, grayscale 0.299 R + 0.587 G + 0.114 B, d = 1024),
``"teacher"`` (Gaussian inputs labelled by a random tanh network). Nothing is ever downloaded.
"""
from __future__ import annotations

import gzip
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

__all__ = ["Dataset", "DATASETS", "SCALINGS", "load_dataset", "load_digits_dataset", "load_mnist",
           "load_fashion_mnist", "FASHION_MNIST_DIR", "load_cifar10_gray", "make_teacher_dataset", "read_idx",
           "minibatches", "MNIST_FILES", "CIFAR10_FILES", "FILE_DATASETS", "chapter_dataset"]

SCALINGS = ("standardize", "unit", "none")
MNIST_FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
               "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
#: Where Debian's ``dataset-fashion-mnist`` package puts the four gzipped idx files.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
_MNIST_STATS = (0.1307, 0.3081)
_CIFAR10_GRAY_STATS = (0.4809, 0.2392)
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Dataset:
    """A train/test split: ``X_* (n, d)`` float, ``y_* (n,)`` int64."""

    name: str
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def dim(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def _check_scaling(scaling: str) -> None:
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")


def _scale(x: np.ndarray, x_max: float, scaling: str, stats: tuple[float, float]) -> np.ndarray:
    """Apply ``scaling`` to raw values ``x``; ``stats`` = (mu, s) of x / x_max."""
    x = x.astype(np.float64)
    if scaling == "none":
        return x
    x = x / x_max
    return x if scaling == "unit" else (x - stats[0]) / stats[1]


def _as_dataset(name, Xtr, ytr, Xte, yte, dtype) -> Dataset:
    t = lambda a, dt: torch.as_tensor(np.array(a), dtype=dt)  # noqa: E731  (copy: idx buffers are read-only)
    return Dataset(name, t(Xtr, dtype), t(ytr, torch.int64), t(Xte, dtype), t(yte, torch.int64))


def load_digits_dataset(test_fraction: float = 0.25, seed: int = 0, scaling: str = "standardize",
                        dtype: torch.dtype = torch.float32) -> Dataset:
    """sklearn's bundled 8x8 digits (1797 images, d = 64, K = 10), split by a seeded permutation.

    ``"standardize"`` uses the global pixel mean/std of the training split (after /16).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    _check_scaling(scaling)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    perm = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = perm[:n_test], perm[n_test:]
    stats = (float((X[train] / 16).mean()), float((X[train] / 16).std()))
    X = _scale(X, 16.0, scaling, stats)
    return _as_dataset("digits", X[train], y[train], X[test], y[test], dtype)


def read_idx(path: str | Path) -> np.ndarray:
    """Read one idx file (the MNIST format, gzipped or not) into an array of its stored shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an idx file (bad magic number {raw[:4]!r})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=_IDX_DTYPES[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} but holds {data.size} values")
    return data.reshape(shape)


def _find(data_dir: Path, names: dict[str, str] | tuple, what: str, subdirs=("",)) -> dict[str, Path]:
    """Locate every file of ``names`` (also as ``.gz``) in ``data_dir`` or a subdir, else a clear error."""
    names = dict(names) if isinstance(names, dict) else {n: n for n in names}
    for sub in subdirs:
        root = data_dir / sub
        found = {k: next((root / (n + s) for s in ("", ".gz") if (root / (n + s)).is_file()), None)
                 for k, n in names.items()}
        if all(found.values()):
            return found
    raise FileNotFoundError(
        f"{what} files not found in {data_dir.resolve()} (searched subfolders {list(subdirs)}); expected "
        f"{sorted(names.values())} (optionally gzipped). Put them there; varlib never downloads data.")


def _data_dir(data_dir, name: str) -> Path:
    if data_dir is None:
        raise ValueError(f"dataset {name!r} is read from local files: pass data_dir=<folder holding them>")
    return Path(data_dir)


def load_mnist(data_dir: str | Path, scaling: str = "standardize",
               dtype: torch.dtype = torch.float32) -> Dataset:
    """MNIST from the four standard idx files in ``data_dir`` (60k/10k, d = 784, K = 10)."""
    _check_scaling(scaling)
    files = _find(_data_dir(data_dir, "mnist"), MNIST_FILES, "MNIST", ("", "raw", "MNIST/raw"))
    arr = {k: read_idx(p) for k, p in files.items()}
    X = {k: _scale(arr[f"{k}_images"].reshape(len(arr[f"{k}_images"]), -1), 255.0, scaling, _MNIST_STATS)
         for k in ("train", "test")}
    return _as_dataset("mnist", X["train"], arr["train_labels"], X["test"], arr["test_labels"], dtype)


def load_fashion_mnist(data_dir: str | Path | None = None, scaling: str = "standardize",
                       dtype: torch.dtype = torch.float32) -> Dataset:
    """Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from its four idx files: 60k/10k 28x28 images of clothing,
    d = 784, K = 10. ``data_dir`` defaults to :data:`FASHION_MNIST_DIR` (``apt-get install dataset-fashion-mnist``).

    ``"standardize"`` uses the global pixel mean/std of its own training split (after /255).
    """
    _check_scaling(scaling)
    root = FASHION_MNIST_DIR if data_dir is None else Path(data_dir)
    try:
        files = _find(root, MNIST_FILES, "Fashion-MNIST", ("", "fashion-mnist", "FashionMNIST/raw"))
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{err} On Debian/Ubuntu: `apt-get install dataset-fashion-mnist` (what `make book` "
                                f"does), or pass data_dir=, or use dataset='digits'.") from None
    arr = {k: read_idx(p) for k, p in files.items()}
    flat = {k: arr[f"{k}_images"].reshape(len(arr[f"{k}_images"]), -1) for k in ("train", "test")}
    stats = (float((flat["train"] / 255.0).mean()), float((flat["train"] / 255.0).std()))
    X = {k: _scale(v, 255.0, scaling, stats) for k, v in flat.items()}
    return _as_dataset("fashion_mnist", X["train"], arr["train_labels"], X["test"], arr["test_labels"], dtype)


class _ArraysOnly(pickle.Unpickler):
    """An unpickler for data files that builds numpy arrays and builtins and nothing else: a reader-supplied
    batch file cannot run code (a pickle naming ``os.system``, say, is refused)."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar")}

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file: a CIFAR-10 batch holds "
                                     "only arrays, lists and bytes (is this the python version of CIFAR-10?)")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One python-pickle CIFAR-10 batch -> grayscale ``(n, 1024)`` float64 in [0, 255] and labels."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        batch = _ArraysOnly(fh, encoding="bytes").load()
    rgb = np.asarray(batch[b"data"], dtype=np.float64).reshape(-1, 3, 1024)  # (n, RGB, 32*32)
    gray = 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]
    return gray, np.asarray(batch[b"labels"], dtype=np.int64)


def load_cifar10_gray(data_dir: str | Path, scaling: str = "standardize",
                      dtype: torch.dtype = torch.float32) -> Dataset:
    """Grayscale CIFAR-10 from the python batches (``data_batch_1..5``, ``test_batch``), d = 1024."""
    _check_scaling(scaling)
    files = _find(_data_dir(data_dir, "cifar10_gray"), CIFAR10_FILES, "CIFAR-10 (python version)",
                  ("", "cifar-10-batches-py"))
    parts = [_read_cifar_batch(files[n]) for n in CIFAR10_FILES]
    Xtr = np.concatenate([p[0] for p in parts[:5]])
    ytr = np.concatenate([p[1] for p in parts[:5]])
    s = lambda x: _scale(x, 255.0, scaling, _CIFAR10_GRAY_STATS)  # noqa: E731
    return _as_dataset("cifar10_gray", s(Xtr), ytr, s(parts[5][0]), parts[5][1], dtype)


def make_teacher_dataset(n_train: int = 2000, n_test: int = 1000, d: int = 100, K: int = 10,
                         seed: int = 0, dtype: torch.dtype = torch.float32) -> Dataset:
    """Synthetic task: x ~ N(0, I_d), y = argmax_k (V tanh(W x))_k with a random teacher (W, V).

    The teacher has d hidden units and N(0, 1/fan_in) weights.
    """
    if min(n_train, n_test, d, K) < 1:
        raise ValueError("n_train, n_test, d and K must all be >= 1")
    g = torch.Generator().manual_seed(int(seed))
    X = torch.randn(n_train + n_test, d, generator=g, dtype=torch.float64)
    W = torch.randn(d, d, generator=g, dtype=torch.float64) / d ** 0.5
    V = torch.randn(K, d, generator=g, dtype=torch.float64) / d ** 0.5
    y = (torch.tanh(X @ W.T) @ V.T).argmax(dim=1)
    return Dataset("teacher", X[:n_train].to(dtype), y[:n_train], X[n_train:].to(dtype), y[n_train:])


DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": lambda data_dir=None, **kw: load_digits_dataset(**kw),
    "mnist": lambda data_dir=None, **kw: load_mnist(data_dir, **kw),
    "fashion_mnist": lambda data_dir=None, **kw: load_fashion_mnist(data_dir, **kw),
    "cifar10_gray": lambda data_dir=None, **kw: load_cifar10_gray(data_dir, **kw),
    "teacher": lambda data_dir=None, **kw: make_teacher_dataset(**kw),
}


def load_dataset(name: str, data_dir: str | Path | None = None, **kwargs) -> Dataset:
    """Load a dataset by name (see :data:`DATASETS`); ``kwargs`` go to its loader."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; allowed: {', '.join(DATASETS)}")
    return DATASETS[name](data_dir=data_dir, **kwargs)


def minibatches(X: torch.Tensor, y: torch.Tensor, batch_size: int, steps: int,
                seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``steps`` minibatches ``(x (B, d), y (B,))``, reshuffled every epoch by a seeded generator."""
    if batch_size < 1 or batch_size > len(y):
        raise ValueError(f"batch_size must be in [1, {len(y)}], got {batch_size!r}")
    g = torch.Generator().manual_seed(int(seed))
    per_epoch, out = len(y) // batch_size, []
    while len(out) < steps:
        perm = torch.randperm(len(y), generator=g)
        out += [perm[i * batch_size:(i + 1) * batch_size] for i in range(per_epoch)]
    return [(X[i], y[i]) for i in out[:steps]]


#: Datasets read from files that may be absent: the chapter then falls back to digits and says why.
FILE_DATASETS = ("mnist", "cifar10_gray", "fashion_mnist")


def chapter_dataset(name: str, *, data_dir=None) -> tuple[Dataset, str]:
    """Load ``name`` for a chapter; a dataset read from files (:data:`FILE_DATASETS`) that are absent falls back
    to digits, so every chapter runs offline. Returns (data, note); the note says where the data came from and
    its sizes."""
    if name in FILE_DATASETS:
        where = data_dir if data_dir is not None or name != "fashion_mnist" else FASHION_MNIST_DIR
        try:
            data, note = load_dataset(name, data_dir), f"{name} read from {where}"
        except (ValueError, FileNotFoundError) as err:
            data, note = load_dataset("digits"), f"{name} unavailable ({err}); fell back to digits"
    else:
        bundled = ", bundled with scikit-learn" if name == "digits" else ""
        data, note = load_dataset(name, data_dir), f"{name} (offline{bundled})"
    sizes = (f"{len(data.y_train)} training and {len(data.y_test)} test inputs, d = {data.dim}, "
             f"K = {data.n_classes}")
    return data, f"{note}: {sizes}"
