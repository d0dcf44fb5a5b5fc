"""tnexpress.learn: models are tensor networks, fits learn, data are offline, input is checked."""

import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402
from tnexpress import learn  # noqa: E402
from tnexpress import partitions as P  # noqa: E402


def contract_with_features(tn, F):
    """<A^y, f(x_1) x ... x f(x_N)> for one sample, by quimb (hyper-indices kept)."""
    v = tn.copy()
    for i in range(F.shape[0]):
        v &= qtn.Tensor(F[i], inds=(f"k{i}",))
    return float(v.contract(output_inds=()))


MODELS = {
    "tt-distinct": lambda: learn.TTNet(12, 3, 4, seed=1),
    "tt-equal": lambda: learn.TTNet(12, 3, 4, equal_cores=True, seed=1),
    "tt-poly-M3": lambda: learn.TTNet(5, 2, 3, M=3, feature="poly", seed=2),
    "convac-1d": lambda: learn.ConvAC(16, (3, 2, 2, 2), 3, seed=1),
    "convac-1d-mirror": lambda: learn.ConvAC(16, 2, 3, pooling="mirror", shared=True, seed=1),
    "convac-2d": lambda: learn.ConvAC((4, 4), (3, 2), 3, seed=1),
    "convac-2d-mirror": lambda: learn.ConvAC((4, 8), (2, 3, 2), 3, pooling="mirror", seed=1),
    "convac-tree": lambda: learn.ConvAC(
        9, 2, 2, pooling=((0, 4, 8), (1, 3, 5), (2, 6, 7)), seed=0
    ),
    "convac-patch": lambda: learn.ConvAC(
        (4, 4), (3, 2), 3, shared=True, feature="patch", init="balanced", noise=1.0, seed=1
    ),
    "convac-window": lambda: learn.ConvAC((4, 8), (3, 2, 2), 3, shared="window", seed=2),
    "convac-window-neutral": lambda: learn.ConvAC(
        (4, 4), (3, 2), 3, shared="window", feature="patch", neutral=True, noise=1.0, seed=1
    ),
    "convac-1d-neutral": lambda: learn.ConvAC(8, 2, 2, neutral=True, seed=3),
    "tt-patch": lambda: learn.TTNet(
        4, 2, 3, equal_cores=True, input_shape=(4, 4), patch=(2, 2), seed=1
    ),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("calibrated", [False, True])
def test_to_tn_reproduces_scores(name, calibrated):
    model = MODELS[name]()
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(3, *model.input_shape))
    if calibrated:
        model.calibrate(rng.uniform(size=(20, *model.input_shape)))
    S = model.scores(X).detach().numpy()
    F = model.features(X).detach().numpy()
    assert F.shape == (3, model.n_inputs, model.M)
    for y in range(model.n_classes):
        tn = model.to_tn(y)
        assert set(tn.outer_inds()) == {f"k{i}" for i in range(model.n_inputs)}
        for b in range(3):
            assert contract_with_features(tn, F[b]) == pytest.approx(S[b, y], rel=1e-9)


@pytest.mark.parametrize("shared", [False, True, "window"])
@pytest.mark.parametrize("feature", ["trig", "poly", "patch"])
def test_neutral_background_multiplies_by_one(shared, feature):
    # neutral=True: a blank canvas region contributes the all-ones vector at every level,
    # before and after parameter updates, so a digit on a blank canvas scores as if the
    # blank part were absent: embedding a 4x4 pattern in the top-left 4x4 block of an 8x8
    # canvas gives the same scores as a 4x4 model whose convs are the restriction
    g = torch.Generator().manual_seed(0)
    model = learn.ConvAC((8, 8), (3, 2, 2), 3, shared=shared, feature=feature, neutral=True,
                         noise=1.0, seed=4)  # fmt: skip
    with torch.no_grad():  # arbitrary trained-looking parameters
        for w in model.convs:
            w.add_(torch.randn(w.shape, generator=g, dtype=w.dtype))
    W = model.conv_weights()
    blank = model.features(np.zeros((1, 8, 8)))[0, 0]
    assert torch.equal(blank, torch.eye(model.M, dtype=blank.dtype)[0])
    assert torch.allclose(blank @ W[0].reshape(-1, model.M, W[0].shape[-1]),
                          torch.ones(1, dtype=blank.dtype))  # fmt: skip
    for w in W[1:]:
        assert torch.allclose(w.sum(-2), torch.ones((), dtype=w.dtype))
    # all-blank input: the root vector is all-ones, so the scores are the output's column sums
    assert torch.allclose(model.scores(np.zeros((1, 8, 8)))[0], model.out.sum(0))


def test_window_sharing_breaks_child_symmetry():
    # shared=True: a level is a symmetric function of its window's children, so swapping
    # the two halves of a 1D input never changes the scores; shared="window" tells them apart
    X = np.random.default_rng(0).uniform(size=(4, 8))
    Xs = np.concatenate([X[:, 4:], X[:, :4]], 1)
    same = learn.ConvAC(8, 2, 3, shared=True, seed=0)
    assert torch.allclose(same.scores(X), same.scores(Xs))
    win = learn.ConvAC(8, 2, 3, shared="window", seed=0)
    assert not torch.allclose(win.scores(X), win.scores(Xs), rtol=1e-3)
    assert win.n_params == 2 * (2 * 2 + 2 * 2 + 2 * 2) + 2 * 3


def test_deep_2d_convac_scales_inside_network():
    # uncalibrated, an 8x8 product of 64 factors is tiny; calibration moves the scale into
    # the weights, and to_tn still reproduces the scores (now O(1)) to 1e-6
    model = learn.ConvAC((8, 8), 4, 10, seed=0)
    X = np.random.default_rng(1).uniform(size=(64, 8, 8))
    before = model.scores(X).abs().max().item()
    model.calibrate(X)
    after = model.scores(X).detach().numpy()
    assert before < 1e-4 < 0.01 < np.abs(after).max() < 100
    F = model.features(X[:2]).detach().numpy()
    assert contract_with_features(model.to_tn(7), F[1]) == pytest.approx(after[1, 7], rel=1e-6)


def test_to_tn_tags_match_builders():
    ac = learn.ConvAC((4, 4), (2, 2), 2, seed=0).to_tn(0)
    ref = tx.nets.ht2d(4, 4, 2, (2, 2), seed=0)
    assert ac.tags == ref.tags
    assert {t.shape for t in ac} == {t.shape for t in ref}
    assert (
        tx.min_cut(ac, P.left_right_2d(4, 4)).weight
        == tx.min_cut(ref, P.left_right_2d(4, 4)).weight
    )
    tt = learn.TTNet(6, 3, 2, equal_cores=True, seed=0).to_tn(1)
    ref = tx.nets.tt(6, 2, 3, equal_cores=True, seed=0)
    assert tt.tags == ref.tags and [t.inds for t in tt] == [t.inds for t in ref]
    # equal cores: one array shared by the inner cores, as in nets.tt
    assert tt.tensors[1].data is tt.tensors[2].data
    # label=None keeps the class leg open
    assert "y" in learn.TTNet(6, 3, 2, seed=0).to_tn().outer_inds()


def test_to_tn_dense_matches_scores_on_grid():
    # the dense coefficient tensor contracted with features = scores (numpy einsum reference)
    model = learn.ConvAC(4, (2, 2), 2, seed=3)
    X = np.random.default_rng(4).uniform(size=(5, 4))
    F = model.features(X).detach().numpy()
    dense = model.to_tn(1).to_dense([f"k{i}" for i in range(4)]).reshape(2, 2, 2, 2)
    ref = np.einsum("abcd,na,nb,nc,nd->n", dense, F[:, 0], F[:, 1], F[:, 2], F[:, 3])
    np.testing.assert_allclose(model.scores(X)[:, 1].detach().numpy(), ref, rtol=1e-10)


@pytest.mark.parametrize(
    "name",
    [
        "tt-distinct",
        "tt-equal",
        "tt-patch",
        "convac-2d-mirror",
        "convac-patch",
        "convac-window-neutral",
    ],
)
def test_score_gradients_match_finite_differences(name):
    model = MODELS[name]()
    X = torch.tensor(np.random.default_rng(0).uniform(size=(2, *model.input_shape)))
    params = list(model.parameters())

    def f(*ps):
        for p, q in zip(params, ps):
            p.data = q.detach()
        saved = [p for p in params]
        out = torch.func.functional_call(
            model, {n: q for (n, _), q in zip(model.named_parameters(), ps)}, (X,)
        )
        del saved
        return out

    inputs = tuple(p.detach().clone().requires_grad_(True) for p in params)
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-5)


def test_short_fit_beats_chance_and_is_deterministic():
    data = learn.datasets.load("digits")
    keep = data.y_train < 3  # three classes: chance is 1/3
    X, y = data.X_train[keep][:200], data.y_train[keep][:200]
    Xt, yt = data.X_test[data.y_test < 3], data.y_test[data.y_test < 3]
    runs = []
    for _ in range(2):
        model = learn.ConvAC((8, 8), 4, 3, seed=0)
        hist = learn.fit(
            model,
            X,
            y,
            epochs=4,
            lr=3e-2,
            logit_scale=20.0,
            batch_size=16,
            seed=0,
            progress=False,
        )
        runs.append((hist["loss"], learn.accuracy(model, Xt, yt)))
    assert runs[0] == runs[1]
    assert runs[0][1] > 0.8
    assert len(runs[0][0]) == 4 and runs[0][0][-1] < runs[0][0][0]


def test_measures_apply_to_trained_weights():
    data = learn.datasets.load("symmetry", seed=0, size=8, n_train=200, n_test=50)
    model = learn.ConvAC((8, 8), 2, 2, pooling="mirror", seed=0)
    learn.fit(model, data.X_train, data.y_train, epochs=2, seed=0, progress=False)
    tn = model.to_tn(1)
    A = P.top_bottom(8, 8)
    cut = tx.min_cut(tn, A)
    rank = tx.schmidt_rank(tn, A)
    assert 1 <= rank <= cut.weight
    assert tx.schmidt_rank(tn, A, exact=True, seed=0) == rank
    s = tx.schmidt_values(tn, A)
    assert tx.entropy(tn, A) == pytest.approx(float(-(s**2 * np.log2(s**2 + 1e-300)).sum()))


# --------------------------------------------------------------------------- bad input
def test_bad_input_names_the_argument():
    model = learn.TTNet(8, 2, 3, seed=0)
    X = np.random.default_rng(0).uniform(size=(10, 8))
    y = np.arange(10) % 3
    with pytest.raises(ValueError, match=r"y holds labels in \[0, 3\].*n_classes=3"):
        learn.fit(model, X, np.arange(10) % 4, epochs=1, progress=False)
    with pytest.raises(ValueError, match="y must have shape"):
        learn.fit(model, X, y[:5], epochs=1, progress=False)
    with pytest.raises(ValueError, match="n_inputs=8"):
        learn.fit(model, X[:, :6], y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="n_inputs=8"):
        learn.accuracy(model, np.zeros((10, 9)), y)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        learn.fit(model, Xn, y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="X must have a batch axis"):
        model.scores(np.zeros(8))
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        learn.fit(model, X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="label must be in"):
        model.to_tn(3)
    with pytest.raises(ValueError, match="feature must be one of"):
        learn.TTNet(8, 2, 3, feature="rbf")
    with pytest.raises(ValueError, match="ranks must be an int or 2 ints"):
        learn.ConvAC((4, 4), (2, 2, 2), 2)
    with pytest.raises(ValueError, match="pooling must be one of"):
        learn.ConvAC(8, 2, 2, pooling="spiral")
    with pytest.raises(ValueError, match="n_inputs must be >= 2"):
        learn.TTNet(1, 2, 2)
    with pytest.raises(ValueError, match="dataset must be one of"):
        learn.datasets.load("cifar")
    with pytest.raises(ValueError, match="channels has 2 entries"):
        learn.ConvNet((8, 8), (2, 2), 10)
    # inputs are not modified
    X0 = X.copy()
    learn.fit(model, X, y, epochs=1, progress=False, seed=0)
    np.testing.assert_array_equal(X, X0)


def test_convnet_init_alive_and_learns_digits():
    # regression: PyTorch's default init left every unit of a narrow ReLU / max-pool stack
    # dead on a black canvas (pre-head activations exactly 0), so training stayed at chance
    d = learn.datasets.load("local", seed=0, canvas=32, n_train=64, n_test=8)
    for kind in learn.convnet.SCHEDULES:
        net = learn.ConvNet((32, 32), learn.channel_schedule(kind, 4, 5), 10, seed=0)
        x = torch.as_tensor(d.X_train, dtype=net.dtype).reshape(64, 1, 32, 32)
        with torch.no_grad():
            z = net.hidden(net.rep(x)).flatten(1)
        # every sample reaches the head with a nonzero activation
        assert (z.abs().amax(1) > 0).all()
        # He init: each 1x1 conv's weights have std sqrt(2 / fan_in) (up to sampling)
        conv = net.hidden[0]
        assert (
            abs(float(conv.weight.detach().std()) / np.sqrt(2 / conv.weight[0].numel()) - 1) < 0.3
        )
    # a plain 8x8 digits run (chance: 0.1) learns within a few epochs
    dg = learn.datasets.load("digits")
    net = learn.ConvNet((8, 8), learn.channel_schedule("wide-tip", 8, 3), 10, seed=0)
    learn.fit(
        net, dg.X_train, dg.y_train, epochs=6, lr=3e-3, batch_size=32, seed=0, progress=False
    )
    assert learn.accuracy(net, dg.X_test, dg.y_test) > 0.5


def test_patch_features_are_the_pixel_network():
    # TTNet with 2x2 patches: each position's feature is the Kronecker product of its
    # pixels' features, so the score equals that of the pixel-level chain whose cores of one
    # patch are contracted together; checked against an explicit product per sample
    model = MODELS["tt-patch"]()
    X = np.random.default_rng(1).uniform(size=(2, 4, 4))
    F = model.features(X).detach().numpy()
    f = learn.feature_map("trig", 2)
    px = f(torch.tensor(X)).numpy()  # (2, 4, 4, 2)
    for b in range(2):
        for i, (py, pxx) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
            a, c = px[b, py, pxx], px[b, py, pxx + 1]
            d, e = px[b, py + 1, pxx], px[b, py + 1, pxx + 1]
            ref = np.einsum("i,j,k,l->ijkl", a, c, d, e).ravel()
            np.testing.assert_allclose(F[b, i], ref, rtol=1e-12)
    # ConvAC patch features: the constant and the zero-padded 3x3 neighbourhood
    ac = MODELS["convac-patch"]()
    G = ac.features(X).detach().numpy()
    pad = np.pad(X, ((0, 0), (1, 1), (1, 1)))
    for y in range(4):
        for x in range(4):
            ref = np.concatenate([[1.0], pad[0, y : y + 3, x : x + 3].ravel()])
            np.testing.assert_allclose(G[0, y * 4 + x], ref)
    with pytest.raises(ValueError, match="n_inputs"):
        learn.TTNet(5, 2, 3, input_shape=(4, 4), patch=(2, 2))
    with pytest.raises(ValueError, match="2D shape"):
        learn.ConvAC(8, 2, 2, feature="patch")
    with pytest.raises(ValueError, match="init"):
        learn.ConvAC(8, 2, 2, init="zeros")


def test_channel_order_convac_learns():
    # regression: the channel-order ConvAC (shared 1x1 convs, product pooling) stayed at
    # chance. Shared per-pixel convs make each level symmetric in its window's children and
    # the uniform start let one channel dominate; with the experiment's model (3x3 patch
    # features, balanced start, per-level learning rates) it learns the 8x8 digits
    from tnexpress.learn.experiments.channel_order import AC_FIT, AC_MODEL

    ac = learn.ConvAC((8, 8), learn.channel_schedule("wide-tip", 8, 3), 10, seed=0, **AC_MODEL)
    # balanced start: a blank image is the neutral element, every level's vector is all ones
    with torch.no_grad():
        for x, logs in ac._levels(ac.features(np.zeros((1, 8, 8)))):
            np.testing.assert_allclose(x.numpy(), 1.0, rtol=1e-12)
            assert abs(float(logs[0])) < 1e-12
    dg = learn.datasets.load("digits")
    learn.fit(ac, dg.X_train, dg.y_train, epochs=4, seed=0, progress=False, **AC_FIT)
    assert learn.accuracy(ac, dg.X_test, dg.y_test) > 0.4  # chance: 0.1
    # the shared convs got their own learning rates (lr / sqrt(nodes of the level))
    groups = ac.param_groups(1.0)
    assert [g["lr"] for g in groups] == pytest.approx([1 / 4, 1 / 2, 1.0, 1.0])


def test_canvas_stride_places_corners_on_the_grid():
    for stride in (16, 8, 2):
        d = learn.datasets.load("local", seed=1, canvas=16, n_train=80, n_test=10, stride=stride)
        assert d.info["stride"] == stride
        for img in d.X_train:
            ys, xs = np.nonzero(img)
            # the 8x8 digit's box [p, p + 8) with p a multiple of the stride holds every pixel
            ok = [p for p in range(0, 9, stride) if p <= ys.min() and ys.max() < p + 8]
            assert ok, (stride, ys.min(), ys.max())
            ok = [p for p in range(0, 9, stride) if p <= xs.min() and xs.max() < p + 8]
            assert ok
    # the default stride 1 keeps the earlier random stream
    a = learn.datasets.load("local", seed=3, canvas=16, n_train=30, n_test=5)
    b = learn.datasets.load("local", seed=3, canvas=16, n_train=30, n_test=5, stride=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    with pytest.raises(ValueError, match="stride"):
        learn.datasets.load("local", canvas=16, stride=17)
    with pytest.raises(TypeError, match="stride"):
        learn.datasets.load("local", canvas=16, stride=2.0)


def test_grid_alignment_convac_learns_on_grid():
    # the background-neutral, window-shared ConvAC learns digits on the 8x8 blocks of a
    # 16x16 canvas (chance 0.1); the grid-alignment experiment's reference point
    from tnexpress.learn.experiments.grid_alignment import AC_FIT, AC_MODEL

    d = learn.datasets.load("local", seed=0, canvas=16, n_train=1200, n_test=300, stride=8)
    ac = learn.ConvAC((16, 16), 8, 10, seed=0, **AC_MODEL)
    learn.fit(ac, d.X_train, d.y_train, epochs=5, seed=0, progress=False, **AC_FIT)
    assert learn.accuracy(ac, d.X_test, d.y_test) > 0.2
    # trained weights keep the blank canvas neutral: every level's vector stays all ones
    with torch.no_grad():
        for x, _ in ac._levels(ac.features(np.zeros((1, 16, 16)))):
            np.testing.assert_allclose(x.numpy(), 1.0, rtol=1e-12)


def test_import_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import tnexpress\n"
        "try:\n"
        "    import tnexpress.learn\n"
        "except ImportError as e:\n"
        "    print('ERR', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ERR" in out.stdout and 'pip install "tnexpress[learn]"' in out.stdout


# --------------------------------------------------------------------------- data
def test_datasets_offline(monkeypatch):
    import requests

    def no_net(*a, **k):
        raise AssertionError("network access")

    monkeypatch.setattr(requests, "get", no_net)
    d = learn.datasets.load("digits")
    assert len(d.X_train) + len(d.X_test) == 1797 and d.shape == (8, 8)
    assert 0.24 < len(d.X_test) / 1797 < 0.26
    assert np.bincount(d.y_test).min() >= 0.9 * len(d.y_test) / 10
    state = np.random.get_state()[1].copy()
    m = learn.datasets.load("mnist1d")
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG restored
    assert m.X_train.shape == (4000, 40) and m.X_test.shape == (1000, 40)
    assert m.X_train.min() == 0 and m.X_train.max() == 1
    for task, side in (("local", 8), ("global", 16)):
        t = learn.datasets.load(task, seed=1, canvas=32, n_train=30, n_test=10)
        assert t.shape == (32, 32)
        for img in t.X_train:
            ys, xs = np.nonzero(img)
            assert np.ptp(ys) < side and np.ptp(xs) < side
    s = learn.datasets.load("symmetry", seed=0, size=8, n_train=40, n_test=10)
    sym = np.array([np.array_equal(x, x[:, ::-1]) for x in s.X_train])
    assert sym[s.y_train == 1].all() and not sym[s.y_train == 0].all()
    c = learn.datasets.load("closedness", seed=0, size=16, n_train=40, n_test=10)
    assert set(np.unique(c.X_train)) <= {0.0, 1.0} and np.bincount(c.y_train).tolist() == [20, 20]
    again = learn.datasets.load("closedness", seed=0, size=16, n_train=40, n_test=10)
    np.testing.assert_array_equal(c.X_train, again.X_train)


# --------------------------------------------------------------------------- experiments
@pytest.mark.parametrize("name", sorted(learn.experiments.EXPERIMENTS))
def test_experiment_smoke_json(name, capsys):
    from tnexpress.cli import main

    assert main(["experiment", name, "--smoke", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["experiment"] == name and out["quick"] is True
    keys = {
        "variant",
        "model",
        "task",
        "seed",
        "params",
        "train_accuracy",
        "test_accuracy",
        "entanglement",
    }
    assert out["results"] and all(keys <= set(r) for r in out["results"])
    for r in out["results"]:
        assert r["variant"] in ("convac", "convnet", "tt")
        assert 0 <= r["test_accuracy"] <= 1 and r["params"] > 0
        if r["variant"] != "convnet":
            assert r["entanglement"]  # measured on every TN-exact model
            for p, bits in r["entanglement"].items():
                assert -1e-9 <= bits <= r["min_cut_bits"][p] + 1e-9
    assert all(isinstance(c["holds"], bool) for c in out["claims"])


def test_experiment_cli_errors(capsys):
    from tnexpress.cli import main

    assert main(["experiment", "nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# --------------------------------------------------------------------------- gradients of measures
@pytest.mark.parametrize("method", ["cut", "dense"])
@pytest.mark.parametrize("kind", ["tt", "convac"])
def test_measures_carry_gradients(kind, method):
    if kind == "tt":
        model, A = learn.TTNet(8, 3, 2, seed=0), [0, 1, 2]
    else:
        model, A = learn.ConvAC((4, 4), (2, 2), 2, seed=0), P.left_right_2d(4, 4)
    params = list(model.parameters())

    def measure():
        tn = model.to_tn(1, like="torch")
        return tx.entropy(tn, A, 1, method=method) + tx.entropy(tn, A, 2, method=method)

    val = measure()
    s = tx.schmidt_values(model.to_tn(1, like="torch"), A, method=method)
    assert isinstance(val, torch.Tensor) and val.requires_grad and s.requires_grad
    ref_s = tx.schmidt_values(model.to_tn(1), A, method=method)
    np.testing.assert_allclose(s.detach().numpy(), ref_s, atol=1e-12)
    ref = tx.entropy(model.to_tn(1), A, 1) + tx.entropy(model.to_tn(1), A, 2)
    assert val.item() == pytest.approx(ref, abs=1e-10)
    grads = torch.autograd.grad(val, params)
    rng = np.random.default_rng(0)
    for p, g in zip(params, grads):
        idx = tuple(int(rng.integers(n)) for n in p.shape)
        h = 1e-6
        with torch.no_grad():
            p[idx] += h
            up = float(measure())  # no grad recorded here: the numpy path
            p[idx] -= 2 * h
            down = float(measure())
            p[idx] += h
        assert (up - down) / (2 * h) == pytest.approx(float(g[idx]), abs=1e-5)


def test_entanglement_regularized_fit_lowers_entropy():
    data = learn.datasets.load("digits").subset(150, 50)
    A = P.left_right(64)
    ents = {}
    for weight in (0.0, 1.0):
        model = learn.TTNet(64, 4, 10, seed=0, input_shape=(8, 8))
        learn.fit(
            model,
            data.X_train,
            data.y_train,
            epochs=2,
            lr=5e-3,
            seed=0,
            progress=False,
            regularizer=learn.entanglement_penalty(A, labels=[0, 1]),
            reg_weight=weight,
        )
        ents[weight] = np.mean([tx.entropy(model.to_tn(y), A) for y in (0, 1)])
    assert ents[1.0] < ents[0.0]


@pytest.mark.parametrize("kind", ["tt", "convac"])
def test_geometric_measure_carries_gradient(kind):
    model = learn.TTNet(6, 2, 2, seed=0) if kind == "tt" else learn.ConvAC(8, 2, 2, seed=1)
    p = list(model.parameters())[1]
    val = tx.geometric_measure(model.to_tn(1, like="torch"), seed=0)
    assert isinstance(val, torch.Tensor) and val.requires_grad
    assert val.item() == pytest.approx(tx.geometric_measure(model.to_tn(1), seed=0), abs=1e-9)
    (g,) = torch.autograd.grad(val, p)
    rng = np.random.default_rng(1)
    for _ in range(2):
        idx = tuple(int(rng.integers(n)) for n in p.shape)
        h = 1e-6
        with torch.no_grad():
            p[idx] += h
            up = tx.geometric_measure(model.to_tn(1), seed=0)
            p[idx] -= 2 * h
            down = tx.geometric_measure(model.to_tn(1), seed=0)
            p[idx] += h
        assert (up - down) / (2 * h) == pytest.approx(float(g[idx]), abs=1e-5)


def test_claims_at_chance_are_untested():
    """Two models at chance never confirm a direction; learned ones are compared by means."""
    from tnexpress.learn.experiments._common import claim_better

    def rec(model, acc):
        return {"variant": "convac", "model": model, "task": "t", "test_accuracy": acc}

    noise = [rec("a", 0.12), rec("a", 0.11), rec("b", 0.10), rec("b", 0.09)]
    c = claim_better(noise, "convac", "t", "a", "b", chance=0.1)
    assert c["margin"] > 0 and not c["tested"] and not c["holds"]
    learned = [rec("a", 0.7), rec("a", 0.8), rec("b", 0.6), rec("b", 0.65)]
    c = claim_better(learned, "convac", "t", "a", "b", chance=0.1)
    assert c["tested"] and c["holds"] and c["values"] == {"a": 0.75, "b": 0.625}
    c = claim_better(learned, "convac", "t", "b", "a", chance=0.1)
    assert c["tested"] and not c["holds"]
