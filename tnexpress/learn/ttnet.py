r"""Tensor-train (recurrent) classifier of Khrulkov, Novikov & Oseledets (2018).

.. math::

    h_y(x_1, \dots, x_N) = \sum_{d_1 \dots d_N} G^{(1)}_{d_1} G^{(2)}_{d_2} \cdots
        G^{(N)}_{d_N, y} \prod_i f_{d_i}(x_i)

with cores ``G^(1)``: ``M x r``, ``G^(i)``: ``r x M x r`` and ``G^(N)``: ``r x M x Y``.
``equal_cores=True`` shares one array between ``G^(2) .. G^(N-1)``: a recurrent cell applied
``N - 2`` times (the equal-core TT nets of seeds/004). The product of ``N`` transfer
matrices is taken as a balanced tree with every intermediate scaled to max-abs 1 and the
logs of the scales summed, so nothing underflows; :meth:`TTNet.calibrate` folds the typical
scale of each core into the core itself, so ``h_y`` starts ``O(1)``.

Examples
--------
>>> import numpy as np, quimb.tensor as qtn
>>> model = TTNet(6, rank=3, n_classes=2, seed=0)
>>> X = np.linspace(0, 1, 12).reshape(2, 6)
>>> tn = model.to_tn(1)
>>> F = model.features(X).detach().numpy()
>>> v = tn.copy()
>>> for i in range(6):
...     v &= qtn.Tensor(F[0, i], inds=(f"k{i}",))
>>> bool(np.isclose(v.contract(output_inds=()), model.scores(X)[0, 1].item()))
True

Read a 4x4 image as four 2x2 patches (``M = 2**4`` Kronecker features per position):

>>> pm = TTNet(4, rank=2, n_classes=3, input_shape=(4, 4), patch=(2, 2), seed=0)
>>> pm.features(np.zeros((1, 4, 4))).shape, sorted(pm.to_tn(0).outer_inds())
(torch.Size([1, 4, 16]), ['k0', 'k1', 'k2', 'k3'])
"""

from __future__ import annotations

import quimb.tensor as qtn
import torch

from ..nets._common import SITE_TAG, as_gen_vector
from ._base import TNClassifier, make_generator, normalize_
from .features import as_tensor, check_int, feature_map

__all__ = ("TTNet",)


class TTNet(TNClassifier):
    """Tensor-train / RNN classifier with ``n_inputs`` positions and TT rank ``rank``.

    Parameters
    ----------
    n_inputs : int
        Number of positions ``N`` (>= 2); inputs may be given as ``(batch, N)`` or
        ``(batch, *input_shape)`` with ``prod(input_shape) == N`` (row-major order).
    rank : int
        TT rank ``r`` (hidden state size).
    n_classes : int
        Number of classes ``Y`` (>= 2).
    equal_cores : bool
        Share one array between all inner cores.
    M : int
        Feature size.
    feature : {"trig", "poly"}
        Feature map, see :mod:`tnexpress.learn.features`.
    seed : int or None
        Seed of the initialization.
    input_shape : tuple of int, optional
        Per-sample shape accepted besides ``(N,)``, e.g. ``(8, 8)``.
    noise : float
        Initial inner cores are ``identity (x) 1 + noise * Gaussian / sqrt(r)``.
    patch : (int, int), optional
        Read a 2D ``input_shape`` ``(H, W)`` as non-overlapping ``ph x pw`` patches in
        row-major order (Khrulkov et al.'s patch scheme): position ``i`` is patch ``i`` and
        its feature vector is the Kronecker product of its pixels' feature vectors, of size
        ``M ** (ph * pw)`` (``self.M``). ``n_inputs`` must equal ``(H / ph) * (W / pw)``.
        The network is the pixel-level TT with each patch's cores merged, so an equal-core
        net is a recurrence over ``n_inputs`` steps instead of ``H * W``.
    """

    def __init__(
        self,
        n_inputs: int,
        rank: int,
        n_classes: int,
        *,
        equal_cores: bool = False,
        M: int = 2,
        feature: str = "trig",
        seed=None,
        input_shape=None,
        noise: float = 0.5,
        patch=None,
    ):
        super().__init__()
        self.n_inputs = N = check_int("n_inputs", n_inputs, minimum=2)
        self.rank = r = check_int("rank", rank)
        self.n_classes = Y = check_int("n_classes", n_classes, minimum=2)
        M = check_int("M", M, minimum=1)
        if not isinstance(equal_cores, bool):
            raise TypeError(f"equal_cores must be a bool, got {equal_cores!r}")
        self.equal_cores = equal_cores
        self.feature = feature
        self.feature_fn = feature_map(feature, M)
        if input_shape is None:
            input_shape = (N,)
        input_shape = tuple(int(s) for s in input_shape)
        self.patch = None
        if patch is not None:
            if len(input_shape) != 2 or len(tuple(patch)) != 2:
                raise ValueError(
                    f"patch needs a 2D input_shape (H, W) and a pair (ph, pw), got "
                    f"input_shape={input_shape}, patch={patch!r}"
                )
            ph, pw = (check_int(f"patch[{i}]", v) for i, v in enumerate(patch))
            H, W = input_shape
            if H % ph or W % pw or (H // ph) * (W // pw) != N:
                raise ValueError(
                    f"n_inputs={N} must equal the number of {ph}x{pw} patches of "
                    f"input_shape {input_shape} (both sides divisible)"
                )
            self.patch = (ph, pw)
            M = M ** (ph * pw)
        elif int(torch.tensor(input_shape).prod()) != N:
            raise ValueError(f"input_shape {input_shape} does not hold n_inputs={N} positions")
        self.M = M
        self.input_shape = input_shape
        g = make_generator(seed)
        dt = torch.float64

        def randn(*shape):
            return torch.randn(*shape, generator=g, dtype=dt)

        self.first = torch.nn.Parameter(randn(M, r) / M**0.5)
        n_inner = N - 2
        eye = torch.eye(r, dtype=dt)[:, None, :].expand(r, M, r)
        if equal_cores:
            self.inner = torch.nn.Parameter(eye + noise * randn(r, M, r) / r**0.5)
        else:
            self.inner = torch.nn.Parameter(eye + noise * randn(n_inner, r, M, r) / r**0.5)
        self.last = torch.nn.Parameter(randn(r, M, Y) / r**0.5)

    # ------------------------------------------------------------------ forward
    def features(self, X) -> torch.Tensor:
        """Feature vectors of every position (patch): shape ``(batch, N, M)``."""
        if self.patch is None:
            return super().features(X)
        t = as_tensor(X, name="X")
        H, W = self.input_shape
        if tuple(t.shape[1:]) not in ((H, W), (H * W,)):
            raise ValueError(
                f"X has per-sample shape {tuple(t.shape[1:])}; this model (patch={self.patch}) "
                f"expects {(H, W)} or ({H * W},)"
            )
        ph, pw = self.patch
        b = t.shape[0]
        t = t.reshape(b, H // ph, ph, W // pw, pw).permute(0, 1, 3, 2, 4)
        F = self.feature_fn(t.reshape(b, self.n_inputs, ph * pw))  # (b, N, ph*pw, m)
        out = F[:, :, 0]
        for j in range(1, ph * pw):
            out = (out[..., :, None] * F[:, :, j, None, :]).reshape(b, self.n_inputs, -1)
        return out

    def _transfer(self, F):
        """Transfer matrices ``A_i = sum_d f_d(x_i) G^(i)_d``: ``(batch, N-2, r, r)``."""
        inner = F[:, 1:-1]
        b, n, M = inner.shape
        r = self.rank
        if self.equal_cores:
            core = self.inner.permute(1, 0, 2).reshape(M, r * r)
            return (inner.reshape(b * n, M) @ core).reshape(b, n, r, r)
        cores = self.inner.permute(0, 2, 1, 3).reshape(n, M, r * r)
        return torch.bmm(inner.transpose(0, 1), cores).transpose(0, 1).reshape(b, n, r, r)

    def _log_scores(self, F):
        v, log_scale = normalize_(F[:, 0] @ self.first, (1,))
        if self.n_inputs > 2:
            mats, logs = normalize_(self._transfer(F), (2, 3))
            log_scale = log_scale + logs
            while mats.shape[1] > 1:
                if mats.shape[1] % 2:
                    eye = torch.eye(self.rank, dtype=mats.dtype).expand(mats.shape[0], 1, -1, -1)
                    mats = torch.cat([mats, eye], dim=1)
                mats, logs = normalize_(mats[:, 0::2] @ mats[:, 1::2], (2, 3))
                log_scale = log_scale + logs
            v, logs = normalize_(torch.einsum("br,brs->bs", v, mats[:, 0]), (1,))
            log_scale = log_scale + logs
        out = torch.einsum("br,bd,rdy->by", v, F[:, -1], self.last)
        return out, log_scale

    @torch.no_grad()
    def calibrate(self, X) -> TTNet:
        """Fold the typical scale of each core into it, so that ``h_y(X)`` is ``O(1)``.

        Each inner core is divided by the geometric mean (over ``X``) of the max-abs entry
        of its transfer matrix (one factor for equal cores), ``G^(1)`` likewise, and
        ``G^(N)`` so that the geometric mean of ``max_y |h_y|`` is 1.
        """
        F = self.features(X)
        _, lf = normalize_(F[:, 0] @ self.first, (1,))
        self._rescale(self.first, -float(lf.mean()))
        if self.n_inputs > 2:
            mats = self._transfer(F)
            logm = torch.log(mats.abs().amax(dim=(2, 3)).clamp_min(1e-300)).mean(0)  # (N-2,)
            if self.equal_cores:
                self._rescale(self.inner, -float(logm.mean()))
            else:
                self.inner.mul_(torch.exp(-logm)[:, None, None, None])
        mant, ls = self._log_scores(F)
        top = torch.log(mant.abs().amax(1).clamp_min(1e-300)) + ls
        self._rescale(self.last, -float(top.mean()))
        return self

    # ------------------------------------------------------------------ export
    def to_tn(self, label=None, *, like: str = "numpy") -> qtn.TensorNetworkGenVector:
        """The tensor train of class ``label``: legs ``k{i}``, bonds ``b{i}``, tags as ``nets.tt``.

        Parameters
        ----------
        label : int or None
            Class whose coefficient tensor ``A^label`` is returned; ``None`` keeps the
            class leg open as index ``y`` on the last core.
        like : {"numpy", "torch"}
            ``"numpy"``: detached copies; ``"torch"``: the live parameters (gradients flow
            into the model; with ``equal_cores`` the inner cores share one tensor).
        """
        label = self._check_label(label)
        N = self.n_inputs
        ex = self._export
        ts = [
            qtn.Tensor(ex(self.first, like), inds=("k0", "b0"), tags=("CORE", SITE_TAG.format(0)))
        ]
        shared = ex(self.inner, like) if self.equal_cores else None
        for i in range(1, N - 1):
            data = shared if self.equal_cores else ex(self.inner[i - 1], like)
            ts.append(
                qtn.Tensor(
                    data, inds=(f"b{i - 1}", f"k{i}", f"b{i}"), tags=("CORE", SITE_TAG.format(i))
                )
            )
        last = self.last if label is None else self.last[:, :, label]
        inds = (f"b{N - 2}", f"k{N - 1}") + (("y",) if label is None else ())
        ts.append(qtn.Tensor(ex(last, like), inds=inds, tags=("CORE", SITE_TAG.format(N - 1))))
        return as_gen_vector(ts, N)

    def extra_repr(self) -> str:  # noqa: D102
        return (
            f"n_inputs={self.n_inputs}, rank={self.rank}, n_classes={self.n_classes}, "
            f"equal_cores={self.equal_cores}, M={self.M}, feature={self.feature!r}"
            + (f", patch={self.patch}" if self.patch else "")
        )
