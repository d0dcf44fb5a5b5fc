"""Cells of the grid-tensor notebooks (ReLU/max, self-attention, equal-core TT)."""

SETUP = """import time, numpy as np, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import Image, display
import os; os.makedirs("figures", exist_ok=True)
t0 = time.time()"""

nbs = {}
nbs["relu_vs_product"] = [
    (
        "md",
        "**Claim** (Cohen & Shashua, *Convolutional Rectifier Networks as Generalized Tensor Decompositions*, ICML 2016; seeds/000): with ReLU + max pooling, depth efficiency is exponential but *incomplete* (a positive-measure set of deep nets is realized by a one-channel shallow net), and shallow ReLU + average pooling is not universal, whereas product pooling (ConvACs) spans every grid tensor.\n\nGrid tensors are computed layer by layer by the generalized tensor decomposition (`tnexpress.grid.generalized`) and checked against brute-force evaluation of the network; ranks are matricization ranks (Claim 7.1: lower bounds on separation rank).",
    ),
    (
        "code",
        SETUP
        + """
from tnexpress.grid import generalized as G
from tnexpress.grid import grid_tensor, grid_rank
M = K = 4
F = np.abs(np.random.default_rng(0).standard_normal((K, M)))   # nonnegative representation matrix on the template
# the decomposition equals the network evaluated on the grid
net = G.deep(8, M, 8, g="relu_max", seed=10); tmpl = np.random.default_rng(1).standard_normal((K, 2))
assert np.allclose(net.grid_tensor(tmpl), grid_tensor(net, 8, tmpl), atol=1e-12)""",
    ),
    (
        "md",
        "**Depth efficiency.** Odd/even grid rank of deep ReLU/max nets (8 channels per layer; maximum over 6 random draws and median) vs the bound r (|A| K + 1) on any shallow ReLU/max net with r = 8 channels, and measured shallow ranks.",
    ),
    (
        "code",
        """Ns = [2, 4, 8]
deep_max, deep_med, sh_meas, sh_bound, full = [], [], [], [], []
for N in Ns:
    odd = list(range(0, N, 2))
    rs = [grid_rank(G.deep(N, M, 8, g="relu_max", seed=s).grid_tensor_from_features(F), odd) for s in [10] + list(range(5))]
    deep_max.append(max(rs)); deep_med.append(int(np.median(rs)))
    sh_meas.append(max(grid_rank(G.shallow(N, M, 8, g="relu_max", seed=s).grid_tensor_from_features(F), odd) for s in range(3)))
    sh_bound.append(G.shallow_relu_max_rank_bound(8, N // 2, K)); full.append(K ** (N // 2))
print("N", Ns, "\\ndeep max", deep_max, "\\ndeep median", deep_med, "\\nshallow measured", sh_meas, "\\nshallow bound", sh_bound)
plt.figure(figsize=(5, 3.5))
plt.semilogy(Ns, deep_max, "o-", label="deep ReLU/max, best of 6")
plt.semilogy(Ns, deep_med, "s--", label="deep ReLU/max, median")
plt.semilogy(Ns, full, "k:", label="$K^{N/2}$")
plt.semilogy(Ns, sh_bound, "^-", label="shallow bound $r(|A|K+1)$, r=8")
plt.semilogy(Ns, sh_meas, "v--", label="shallow measured, r=8")
plt.xlabel("N"); plt.ylabel("odd/even grid rank"); plt.legend(fontsize=7); plt.tight_layout()
plt.savefig("figures/relu_depth_efficiency.png", dpi=100); plt.close()
display(Image("figures/relu_depth_efficiency.png"))
assert deep_max == full                                   # exponential: K^(N/2) reached
assert deep_max[-1] > sh_bound[-1] and all(m <= b for m, b in zip(sh_meas, sh_bound))""",
    ),
    (
        "md",
        "**Incompleteness.** Deep ReLU/max weights in an open set (channels >= 2 of layer 0 nonpositive, first-channel path weights positive, everything else free) realize exactly a shallow ReLU/max net with one channel. We draw such nets, perturb their free weights, and compare with the one-channel net built by `shallow_equivalent`.",
    ),
    (
        "code",
        """tm = np.random.default_rng(7).standard_normal((K, 2)); errs, ranks = [], []
for s in range(10):
    net = G.collapsible_deep(8, M, [4, 3, 3], seed=s)
    T = grid_tensor(net, 8, tm)
    errs.append(np.abs(T - G.shallow_equivalent(net).grid_tensor(tm)).max() / np.abs(T).max())
    ranks.append(grid_rank(T, [0, 2, 4, 6]))
print("max relative difference deep vs 1-channel shallow:", max(errs)); print("odd/even ranks:", ranks, "bound for 1 channel:", G.shallow_relu_max_rank_bound(1, 4, K))
assert max(errs) < 1e-12 and max(ranks) <= G.shallow_relu_max_rank_bound(1, 4, K)""",
    ),
    (
        "md",
        "**Shallow ReLU + average (sum) pooling is not universal.** The span of its grid tensors over 150 random nets has dimension N(K-1)+1; product pooling spans all K^N = 81 (max pooling, universal in the paper's sense with enough channels, already leaves the subspace with these small nets).",
    ),
    (
        "code",
        """N, K3 = 4, 3; tm = np.random.default_rng(8).standard_normal((K3, 2)); dims = {}
for g in ["relu_sum", "relu_max", "product"]:
    V = np.array([G.shallow(N, 3, 3, g=g, seed=s).grid_tensor(tm).ravel() for s in range(150)])
    dims[g] = np.linalg.matrix_rank(V)
print(dims, "additive subspace:", G.additive_subspace_dim(N, K3), "all:", K3 ** N)
plt.figure(figsize=(4, 3)); plt.bar(list(dims), list(dims.values())); plt.axhline(K3 ** N, color="k", ls=":")
plt.ylabel("dim span of grid tensors"); plt.tight_layout(); plt.savefig("figures/relu_sum_span.png", dpi=100); plt.close()
display(Image("figures/relu_sum_span.png"))
assert dims["relu_sum"] == G.additive_subspace_dim(N, K3) == 9 and dims["product"] == 81
assert dims["relu_max"] > dims["relu_sum"]   # max pooling is not confined to the additive subspace
print(f"total {time.time() - t0:.1f} s")""",
    ),
]

nbs["self_attention"] = [
    (
        "md",
        "**Claim** (Levine et al., *Limits to Depth Efficiencies of Self-Attention*, NeurIPS 2020; seeds/003, Proposition 7.1, Theorems 7.1-7.3): the separation rank of a self-attention network is the same for every balanced partition, grows with depth, and an input embedding of rank r < d_x caps it.\n\nLinear (softmax-free) attention, grid ranks with rtol = 1e-10 (every counted singular value is nonzero in exact arithmetic, so counts are lower bounds on the separation rank by Claim 7.1). Template points are generic (random directions, radii in [0.7, 1.3]); points on the unit sphere would satisfy |x|^2 = 1 and lower the rank.",
    ),
    (
        "code",
        SETUP
        + """
from tnexpress.grid.attention import linear_attention, attention_separation_ranks
from tnexpress.grid import grid_rank, balanced_partitions
from tnexpress.grid import generalized as G
def template(K, d, seed=0):
    rng = np.random.default_rng(seed); t = rng.standard_normal((K, d))
    return t / np.linalg.norm(t, axis=1, keepdims=True) * rng.uniform(0.7, 1.3, (K, 1))
RTOL = 1e-10""",
    ),
    (
        "md",
        "**Partition invariance** over all 10 balanced partitions of N = 6 positions, vs a deep convolutional arithmetic circuit (N = 4), which favors the interleaved partition.",
    ),
    (
        "code",
        """att = attention_separation_ranks(linear_attention(2, 2, seed=1), 6, template(5, 2, 2), rtol=RTOL)
conv = G.deep(4, 3, 3, g="product", seed=0).grid_tensor_from_features(np.random.default_rng(0).standard_normal((3, 3)))
conv_r = {A: grid_rank(conv, A) for A in balanced_partitions(4)}
print("attention:", att); print("deep ConvAC:", conv_r)
fig, ax = plt.subplots(1, 2, figsize=(8, 3))
ax[0].bar([str(A) for A in att], list(att.values())); ax[0].set_title("self-attention, N=6, L=2"); ax[0].tick_params(axis="x", rotation=90, labelsize=6)
ax[1].bar([str(A) for A in conv_r], list(conv_r.values()), color="C1"); ax[1].set_title("deep ConvAC, N=4")
for a in ax: a.set_ylabel("grid rank")
plt.tight_layout(); plt.savefig("figures/attention_partitions.png", dpi=100); plt.close(); display(Image("figures/attention_partitions.png"))
assert len(att) == 10 and len(set(att.values())) == 1
assert len(set(conv_r.values())) > 1""",
    ),
    (
        "md",
        "**Depth and embedding rank.** Rank (N = 4, K = 16 template points, partition {0,1}|{2,3}) vs depth L for width d_x = 2, and vs embedding rank r at L = 2 for widths d_x = 2, 3, 4.",
    ),
    (
        "code",
        """Ls = [1, 2, 3]
by_L = [grid_rank(linear_attention(L, 2, seed=0).grid_tensor(4, template(12, 2, 4)), (0, 1), RTOL) for L in Ls]
by_r = {}
for d_x in (2, 3, 4):
    for r in range(1, d_x + 1):
        T = linear_attention(2, d_x, embed_rank=r, seed=10 * d_x + r).grid_tensor(4, template(16, d_x, 5))
        by_r[(d_x, r)] = grid_rank(T, (0, 1), RTOL)
print("by depth (d_x=2):", dict(zip(Ls, by_L))); print("by (d_x, r) at L=2:", by_r)
fig, ax = plt.subplots(1, 2, figsize=(8, 3))
ax[0].semilogy(Ls, by_L, "o-"); ax[0].set_xlabel("depth L"); ax[0].set_ylabel("grid rank (lower bound)")
for d_x in (2, 3, 4):
    ax[1].semilogy(range(1, d_x + 1), [by_r[(d_x, r)] for r in range(1, d_x + 1)], "o-", label=f"d_x={d_x}")
ax[1].set_xlabel("embedding rank r"); ax[1].legend()
plt.tight_layout(); plt.savefig("figures/attention_depth_rank.png", dpi=100); plt.close(); display(Image("figures/attention_depth_rank.png"))
assert by_L[0] == 3 and by_L[1] == 18 and by_L[2] > by_L[1]                       # grows with depth
assert by_r[(2, 2)] == by_r[(3, 2)] == by_r[(4, 2)] == 18 and by_r[(4, 1)] == 5   # r caps, whatever d_x
assert by_r[(4, 1)] < by_r[(4, 2)] < by_r[(4, 3)] < by_r[(4, 4)]
print(f"total {time.time() - t0:.1f} s")""",
    ),
]

nbs["equal_core_tt_cp_rank"] = [
    (
        "md",
        "**Claim** (Alkin & Oseledets 2024, seeds/004, proving Hypothesis 1 of Khrulkov, Novikov & Oseledets, *Expressive power of recurrent neural networks*, ICLR 2018): tensor trains with equal inner cores G_2 = ... = G_{d-1} have CP rank at least q^{d/2}, q = min(n, r-1), for almost all cores.\n\nWe build random equal-core TTs (n = 2, r = 3) in numpy, compute the odd/even matricization rank (a valid lower bound on CP rank) and estimate the CP rank by ALS (`tnexpress.grid.cp_als.estimate_cp_rank`: smallest rank whose best fit over restarts has relative error < 1e-6), as in the seed's Tensorlab experiment.",
    ),
    (
        "code",
        SETUP
        + """
from tnexpress.grid import cp_als as C
from tnexpress.grid import matricize
n, r = 2, 3; q = min(n, r - 1)
# the witness point of the proof: odd/even matricization = identity of size q^(d/2)
for d in (2, 4, 6):
    X = C.tt_to_dense(C.alkin_witness_cores(d, n, r))
    assert np.array_equal(matricize(X[(slice(0, q),) * d], list(range(0, d, 2))), np.eye(q ** (d // 2)))""",
    ),
    (
        "code",
        """ds = [2, 3, 4, 5, 6]; mat, est, bound, secs = [], [], [], []
for d in ds:
    X = C.tt_to_dense(C.random_tt_cores(d, n, r, equal_cores=True, seed=d))
    mr = int(np.linalg.matrix_rank(matricize(X, list(range(0, d, 2)))))
    t = time.time(); e = C.estimate_cp_rank(X, restarts=4, start=mr, max_iter=3000); secs.append(time.time() - t)
    mat.append(mr); est.append(e); bound.append(q ** (d // 2))
print("d", ds, "\\nq^(d/2)", bound, "\\nodd/even rank", mat, "\\nALS CP-rank estimate", est, "\\nseconds", np.round(secs, 2))
plt.figure(figsize=(5, 3.5))
plt.plot(ds, est, "o-", label="CP-rank estimate (ALS)"); plt.plot(ds, mat, "s--", label="odd/even matricization rank")
plt.plot(ds, bound, "k:", label="$q^{\\\\lfloor d/2 \\\\rfloor}$, q=min(n, r-1)")
plt.xlabel("d"); plt.ylabel("rank"); plt.title("equal-core TT, n=2, r=3"); plt.legend(fontsize=8); plt.tight_layout()
plt.savefig("figures/equal_core_tt_cp_rank.png", dpi=100); plt.close(); display(Image("figures/equal_core_tt_cp_rank.png"))
for d, m, e, b in zip(ds, mat, est, bound):
    assert e is not None and e >= m                      # matricization rank lower-bounds CP rank
    if d % 2 == 0:
        assert m >= b and e >= b                         # the theorem's q^(d/2)
print(f"total {time.time() - t0:.1f} s")""",
    ),
]

NOTEBOOKS = nbs
