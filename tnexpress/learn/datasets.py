r"""Offline data sets: every one is bundled with a package or generated in code.

``load(name, seed=None, **options)`` returns a :class:`Dataset` with numpy ``X_train``,
``y_train``, ``X_test``, ``y_test`` (inputs in ``[0, 1]``).

- ``"digits"``: scikit-learn's 8x8 digits (all 1797, pixel / 16), a fixed stratified split
  with 25% test (``random_state=0``; ``seed`` is ignored).
- ``"mnist1d"``: the MNIST-1D generator of the ``mnist1d`` package with its default
  arguments (``make_dataset(get_dataset_args())``: 4000 train / 1000 test sequences of
  length 40; ``seed`` replaces the default 42), min-max scaled by the training set. The
  package's download path is never used.
- ``"local"`` / ``"global"`` (Levine et al. 2018): a digit of the digits set (train digits in
  the train split, test digits in the test split) on a ``canvas x canvas`` black image at a
  uniformly random position, at its own 8x8 size (local) or upscaled to half the canvas
  (global). ``stride=s`` draws the corner among the multiples of ``s`` only (``s = 8``: the
  8x8 blocks of a 2x2 pooling grid; ``s = canvas``: always the top-left corner).
- ``"closedness"`` / ``"symmetry"`` (Cohen & Shashua 2017): ``size x size`` binary images.
  Closedness: a random star-shaped curve ``r(t) = r_0 (1 + sum_k a_k cos(k t + p_k))``
  drawn closed (label 1) or with a random arc of 60-120 degrees missing (label 0).
  Symmetry: a random blob field (thresholded sum of Gaussian bumps), made left-right mirror
  symmetric (label 1) or left as drawn (label 0).

Examples
--------
>>> d = load("symmetry", seed=0, n_train=20, n_test=10, size=8)
>>> d.X_train.shape, d.y_train[:6].tolist(), d.n_classes
((20, 8, 8), [0, 1, 0, 1, 0, 1], 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .features import check_int

__all__ = ("Dataset", "load", "LOADERS")


@dataclass(frozen=True)
class Dataset:
    """A train/test split; ``shape`` is the per-sample input shape."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    info: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        """Per-sample input shape."""
        return tuple(self.X_train.shape[1:])

    def subset(self, n_train=None, n_test=None) -> Dataset:
        """The first ``n_train`` / ``n_test`` samples (the data are already shuffled)."""
        return Dataset(
            self.name,
            self.X_train[:n_train],
            self.y_train[:n_train],
            self.X_test[:n_test],
            self.y_test[:n_test],
            self.n_classes,
            dict(self.info),
        )


def _digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    X = d.images.astype(np.float64) / 16.0
    return train_test_split(
        X, d.target.astype(np.int64), test_size=0.25, stratify=d.target, random_state=0
    )


def _digits(seed=None):
    Xtr, Xte, ytr, yte = _digits_split()
    return Xtr, ytr, Xte, yte, {"source": "sklearn.datasets.load_digits"}


def _mnist1d(seed=None):
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    if seed is not None:
        args.seed = int(seed)
    state = np.random.get_state()  # make_dataset seeds numpy's global generator
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(state)
    Xtr, Xte = np.asarray(data["x"], np.float64), np.asarray(data["x_test"], np.float64)
    lo, hi = Xtr.min(), Xtr.max()
    Xtr, Xte = (Xtr - lo) / (hi - lo), np.clip((Xte - lo) / (hi - lo), 0, 1)
    return (
        Xtr,
        np.asarray(data["y"], np.int64),
        Xte,
        np.asarray(data["y_test"], np.int64),
        {"source": "mnist1d.data.make_dataset(get_dataset_args())", "seed": args.seed},
    )


def _place(digits, labels, n, canvas, scale, rng, stride=1):
    idx = rng.integers(0, len(digits), n)
    side = 8 * scale
    X = np.zeros((n, canvas, canvas))
    pos = rng.integers(0, (canvas - side) // stride + 1, (n, 2)) * stride
    for j, (i, (py, px)) in enumerate(zip(idx, pos)):
        img = np.kron(digits[i], np.ones((scale, scale))) if scale > 1 else digits[i]
        X[j, py : py + side, px : px + side] = img
    return X, labels[idx]


def _canvas_task(kind):
    def loader(seed=None, *, canvas=32, n_train=2000, n_test=500, stride=1):
        canvas = check_int("canvas", canvas, minimum=16)
        if canvas % 16:
            raise ValueError(f"canvas must be a multiple of 16, got {canvas}")
        n_train, n_test = check_int("n_train", n_train), check_int("n_test", n_test)
        stride = check_int("stride", stride)
        if stride > canvas:
            raise ValueError(f"stride must be in [1, canvas={canvas}], got {stride}")
        rng = np.random.default_rng(0 if seed is None else seed)
        Xtr, Xte, ytr, yte = _digits_split()
        scale = 1 if kind == "local" else canvas // 16
        A, a = _place(Xtr, ytr, n_train, canvas, scale, rng, stride)
        B, b = _place(Xte, yte, n_test, canvas, scale, rng, stride)
        return A, a, B, b, {"canvas": canvas, "digit_side": 8 * scale, "stride": stride}

    return loader


def _curve(rng, size, closed):
    c = size / 2 + rng.uniform(-0.1, 0.1, 2) * size
    r0 = rng.uniform(0.22, 0.32) * size
    K = 3
    a = rng.uniform(0, 0.25, K) / np.arange(1, K + 1)
    p = rng.uniform(0, 2 * np.pi, K)
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    if not closed:
        gap = rng.uniform(np.pi / 3, 2 * np.pi / 3)
        t0 = rng.uniform(0, 2 * np.pi)
        t = t[((t - t0) % (2 * np.pi)) > gap]
    r = r0 * (1 + (a[:, None] * np.cos(np.arange(1, K + 1)[:, None] * t + p[:, None])).sum(0))
    img = np.zeros((size, size))
    ys = np.clip(np.round(c[0] + r * np.sin(t)).astype(int), 0, size - 1)
    xs = np.clip(np.round(c[1] + r * np.cos(t)).astype(int), 0, size - 1)
    img[ys, xs] = 1.0
    return img


def _blob(rng, size):
    yy, xx = np.mgrid[0:size, 0:size]
    f = np.zeros((size, size))
    for _ in range(rng.integers(3, 7)):
        cy, cx = rng.uniform(0, size, 2)
        s = rng.uniform(0.08, 0.2) * size
        f += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return (f > 0.5 * f.max()).astype(np.float64)


def _blob_task(kind):
    def loader(seed=None, *, size=16, n_train=2000, n_test=500):
        size = check_int("size", size, minimum=4)
        if size % 2:
            raise ValueError(f"size must be even, got {size}")
        n_train, n_test = check_int("n_train", n_train), check_int("n_test", n_test)
        rng = np.random.default_rng(0 if seed is None else seed)

        def make(n):
            X, y = np.zeros((n, size, size)), np.arange(n) % 2
            for j in range(n):
                if kind == "closedness":
                    X[j] = _curve(rng, size, closed=bool(y[j]))
                else:
                    img = _blob(rng, size)
                    if y[j]:
                        img[:, size // 2 :] = img[:, : size // 2][:, ::-1]
                    X[j] = img
            return X, y.astype(np.int64)

        A, a = make(n_train)
        B, b = make(n_test)
        return A, a, B, b, {"size": size}

    return loader


LOADERS = {
    "digits": _digits,
    "mnist1d": _mnist1d,
    "local": _canvas_task("local"),
    "global": _canvas_task("global"),
    "closedness": _blob_task("closedness"),
    "symmetry": _blob_task("symmetry"),
}


def load(name: str, seed=None, **options) -> Dataset:
    """Load or generate the data set ``name`` (see the module docstring for the options).

    Parameters
    ----------
    name : {"digits", "mnist1d", "local", "global", "closedness", "symmetry"}
        Data set.
    seed : int or None
        Seed of the generated sets (``None``: the set's canonical seed).
    **options
        ``canvas``, ``n_train``, ``n_test`` (local/global); ``size``, ``n_train``,
        ``n_test`` (closedness/symmetry).
    """
    if name not in LOADERS:
        raise ValueError(f"dataset must be one of {tuple(LOADERS)}, got {name!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    try:
        Xtr, ytr, Xte, yte, info = LOADERS[name](seed, **options)
    except TypeError as e:
        if "unexpected keyword" in str(e):
            raise TypeError(f"dataset {name!r}: {e}") from None
        raise
    n_classes = int(max(ytr.max(), yte.max())) + 1
    return Dataset(name, Xtr, ytr, Xte, yte, n_classes, info)
