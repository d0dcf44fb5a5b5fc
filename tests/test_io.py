"""tx.save / tx.load: exact round trips, class and sites kept, never pickle."""

import json

import numpy as np
import pytest
import quimb.tensor as qtn

import tnexpress as tx


def _same_tensors(a, b):
    assert a.num_tensors == b.num_tensors
    for ta, tb in zip(a, b):
        assert ta.inds == tb.inds
        assert set(ta.tags) == set(tb.tags)
        assert ta.data.dtype == tb.data.dtype
        np.testing.assert_array_equal(ta.data, tb.data)


NETS = {
    "mps_complex": lambda: qtn.MPS_rand_state(7, 3, dtype="complex128", seed=0),
    "mps_float32": lambda: qtn.MPS_rand_state(5, 2, dtype="float32", seed=1),
    "peps": lambda: qtn.PEPS.rand(2, 3, bond_dim=2, seed=2),
    "ht_hyper": lambda: tx.nets.ht(8, 2, 2, seed=0),
    "ht2d": lambda: tx.nets.ht2d(4, 4, 2, (2, 2), seed=0),
    "overlap_open_hyper": lambda: tx.nets.overlap(8, 2, (2, 2, 2), seed=0),
    "plain": lambda: qtn.TensorNetwork(
        [qtn.rand_tensor((2, 3), "ab", tags="X"), qtn.rand_tensor((3, 4), "bc", tags="Y")]
    ),
}


@pytest.mark.parametrize("name", list(NETS))
def test_round_trip_exact(tmp_path, name):
    tn = NETS[name]()
    path = tx.save(tn, tmp_path / f"{name}.npz")
    back = tx.load(path)
    assert type(back) is type(tn)
    _same_tensors(tn, back)
    for p in getattr(tn, "_EXTRA_PROPS", ()):
        assert getattr(back, p) == getattr(tn, p), p
    # never pickle: numpy reads it with pickle off, meta is bytes of JSON
    with np.load(path, allow_pickle=False) as z:
        assert z["meta"].dtype == np.uint8
        assert all(z[k].dtype != object for k in z.files)
        meta = json.loads(z["meta"].tobytes())
    assert len(meta["tensors"]) == tn.num_tensors
    if hasattr(tn, "sites"):
        assert list(back.sites) == list(tn.sites)
        A = [0, 2]  # positions still mean the same sites
        assert tx.min_cut(back, A).weight == tx.min_cut(tn, A).weight
        np.testing.assert_allclose(tx.schmidt_values(back, A), tx.schmidt_values(tn, A))


def test_save_does_not_modify_and_keeps_exact_path(tmp_path):
    tn = tx.nets.tt(6, 2, 2, seed=0)
    before = [t.data.copy() for t in tn]
    path = tx.save(tn, tmp_path / "no_suffix")
    assert path.exists() and path.name == "no_suffix"
    for a, t in zip(before, tn):
        np.testing.assert_array_equal(a, t.data)
    _same_tensors(tn, tx.load(path))


def test_torch_arrays_saved_as_numpy(tmp_path):
    torch = pytest.importorskip("torch")
    tn = qtn.MPS_rand_state(4, 2, seed=0)
    tt = tn.copy()
    tt.apply_to_arrays(torch.from_numpy)
    back = tx.load(tx.save(tt, tmp_path / "t.npz"))
    _same_tensors(tn, back)


def test_refuses_what_json_cannot_hold(tmp_path):
    tn = qtn.TensorNetwork([qtn.Tensor(np.ones(2), inds=[("a", 1)])])
    with pytest.raises(TypeError, match="only str can be stored"):
        tx.save(tn, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="must be a quimb TensorNetwork"):
        tx.save(np.ones(2), tmp_path / "x.npz")


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file"):
        tx.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="only pickle could read"):
        tx.load(tmp_path / "pickled.npz")
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="not a tnexpress network file"):
        tx.load(tmp_path / "corrupt.npz")
    np.save(tmp_path / "arr.npy", np.ones(3))
    with pytest.raises(ValueError, match="single .npy array"):
        tx.load(tmp_path / "arr.npy")
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    with pytest.raises(ValueError, match="no 'meta'"):
        tx.load(tmp_path / "other.npz")
    # a truncated archive written by save
    good = tx.save(qtn.MPS_rand_state(4, 2, seed=0), tmp_path / "good.npz")
    data = good.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a tnexpress network file"):
        tx.load(tmp_path / "cut.npz")
    # inconsistent meta: more inds than dimensions
    meta = json.loads(np.load(good)["meta"].tobytes())
    meta["tensors"][0]["inds"].append("extra")
    arrays = dict(np.load(good))
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "bad_meta.npz", **arrays)
    with pytest.raises(ValueError, match="dimensions but"):
        tx.load(tmp_path / "bad_meta.npz")
