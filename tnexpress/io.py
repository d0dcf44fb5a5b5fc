"""Save and load any quimb tensor network as one ``.npz`` file, never with pickle.

The file holds one array per tensor (``t0``, ``t1``, ...) and ``meta``: UTF-8
JSON stored as a ``uint8`` array, with each tensor's ``inds`` and ``tags``, the
network's class and the class's structural properties (``site_ind_id``,
``site_tag_id``, ``sites``, ``Lx``/``Ly``, ``L``, ``cyclic``...). Nothing in
it is an object array, so ``numpy.load(path, allow_pickle=False)`` reads it and
loading never runs code from the file.

On load the network's class is restored when it is a class of
:mod:`quimb.tensor` (``MatrixProductState``, ``PEPS``,
``TensorNetworkGenVector``...): site positions (``tn.sites``, ``tn.site_ind``)
keep working, so ``A = [0, 3]`` means the same sites after a round trip. Other
classes load as a plain ``TensorNetwork`` with the same tensors.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

__all__ = ("save", "load")

_FORMAT = "tnexpress-network"
_VERSION = 1


def _encode(v):
    """JSON-ready form of a property value: tuples, ranges and sets tagged."""
    if isinstance(v, bool | str) or v is None:
        return v
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    if isinstance(v, range):
        return {"__range__": [v.start, v.stop, v.step]}
    if isinstance(v, tuple):
        return {"__tuple__": [_encode(x) for x in v]}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if isinstance(v, set | frozenset):
        return {"__set__": [_encode(x) for x in sorted(v, key=repr)]}
    raise TypeError(f"cannot store a value of type {type(v).__name__} ({v!r}) without pickle")


def _decode(v):
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if isinstance(v, dict):
        if "__range__" in v:
            return range(*v["__range__"])
        if "__tuple__" in v:
            return tuple(_decode(x) for x in v["__tuple__"])
        if "__set__" in v:
            return {_decode(x) for x in v["__set__"]}
        raise ValueError(f"unknown tagged value {sorted(v)}")
    return v


def _check_label(x, what: str, where: str):
    if not isinstance(x, str):
        raise TypeError(f"{what} {x!r} of {where} is a {type(x).__name__}; only str can be stored")
    return x


def save(tn, path) -> Path:
    """Write ``tn`` to ``path`` as ``.npz`` (arrays + JSON of inds, tags, class).

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork or quimb.tensor.Tensor
        Any network; arrays of any autoray backend (torch, jax) are stored as
        numpy arrays. Not modified.
    path : str or pathlib.Path
        Destination, written exactly as given (no suffix is added).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        An index or tag that is not a str, an object-dtype array, or a class
        property that JSON cannot hold.

    Examples
    --------
    >>> import os, tempfile
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> psi = qtn.MPS_rand_state(6, 3, dtype="complex128", seed=0)
    >>> path = tx.save(psi, os.path.join(tempfile.mkdtemp(), "psi.npz"))
    >>> back = tx.load(path)
    >>> type(back).__name__, back.L, all((a.data == b.data).all() for a, b in zip(psi, back))
    ('MatrixProductState', 6, True)
    """
    import autoray as ar
    import quimb.tensor as qtn

    if isinstance(tn, qtn.Tensor):
        tn = qtn.TensorNetwork([tn])
    if not isinstance(tn, qtn.TensorNetwork):
        raise TypeError(f"tn must be a quimb TensorNetwork, got {type(tn).__name__}")
    arrays, tensors = {}, []
    for k, t in enumerate(tn.tensor_map.values()):
        where = f"tensor {k} (tags {sorted(map(str, t.tags))})"
        a = np.asarray(ar.to_numpy(t.data))
        if a.dtype.hasobject:
            raise TypeError(f"{where} holds an object array; only numeric arrays can be stored")
        arrays[f"t{k}"] = a
        tensors.append(
            {
                "inds": [_check_label(ix, "index", where) for ix in t.inds],
                "tags": [_check_label(tag, "tag", where) for tag in t.tags],
            }
        )
    cls = type(tn)
    props = {p: _encode(getattr(tn, p)) for p in getattr(tn, "_EXTRA_PROPS", ()) if hasattr(tn, p)}
    meta = {
        "format": _FORMAT,
        "version": _VERSION,
        "class": cls.__name__ if getattr(qtn, cls.__name__, None) is cls else "TensorNetwork",
        "props": props,
        "tensors": tensors,
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    path = Path(path)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def load(path):
    """Read a network written by :func:`save` (never unpickles anything).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    quimb.tensor.TensorNetwork
        Of the saved class where it is a :mod:`quimb.tensor` class, with its
        site properties; otherwise a plain ``TensorNetwork``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a network written by :func:`save`: corrupt, truncated,
        an object array that would need pickle, or inconsistent contents.

    Examples
    --------
    >>> import os, tempfile
    >>> import tnexpress as tx
    >>> net = tx.nets.ht2d(4, 4, 2, (2, 2), seed=0)
    >>> back = tx.load(tx.save(net, os.path.join(tempfile.mkdtemp(), "net.npz")))
    >>> tx.min_cut(back, [0, 2, 8, 10]).weight == tx.min_cut(net, [0, 2, 8, 10]).weight
    True
    """
    import quimb.tensor as qtn

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file {str(path)!r}")
    bad = f"{str(path)!r} is not a tnexpress network file"
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise ValueError("it is a single .npy array, not an .npz archive")
        with z:
            if "meta" not in z.files:
                raise ValueError("it has no 'meta' entry")
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
                raise ValueError("its 'meta' entry is not tnexpress JSON")
            specs = meta["tensors"]
            arrays = [z[f"t{k}"] for k in range(len(specs))]
    except ValueError as e:
        msg = str(e)
        if "allow_pickle" in msg:
            msg = "it holds an object array, which only pickle could read"
        raise ValueError(f"{bad}: {msg}") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        raise ValueError(f"{bad}: {type(e).__name__}: {e}") from None
    try:
        tensors = []
        for a, spec in zip(arrays, specs):
            inds, tags = tuple(spec["inds"]), tuple(spec["tags"])
            if len(inds) != a.ndim:
                raise ValueError(f"a tensor has {a.ndim} dimensions but {len(inds)} inds")
            tensors.append(qtn.Tensor(a, inds=inds, tags=tags))
        tn = qtn.TensorNetwork(tensors, virtual=True)
        cls = getattr(qtn, str(meta.get("class", "TensorNetwork")), None)
        props = {k: _decode(v) for k, v in meta.get("props", {}).items()}
        if (
            isinstance(cls, type)
            and issubclass(cls, qtn.TensorNetwork)
            and cls is not qtn.TensorNetwork
        ):
            tn = tn.view_as(cls, inplace=True, **{k.lstrip("_"): v for k, v in props.items()})
            for k, v in props.items():  # exactly the saved values
                setattr(tn, k, v)
    except ValueError as e:
        raise ValueError(f"{bad}: {e}") from None
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{bad}: {type(e).__name__}: {e}") from None
    return tn
