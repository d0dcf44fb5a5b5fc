"""Cells of the notebooks overlapping, dilation_mixing and pooling_geometry."""


COMMON = """\
import numpy as np
import matplotlib
import matplotlib.pyplot as plt
from pathlib import Path
import tnexpress as tx
from tnexpress import partitions as P

FIG = Path("figures")
FIG.mkdir(exist_ok=True)


def dense_rank(net, A):
    \"\"\"Reference: numpy rank of the dense matricization [[A]]_{A, rest}.\"\"\"
    N = len(net.sites)
    B = [i for i in range(N) if i not in set(A)]
    return int(np.linalg.matrix_rank(net.to_dense([f"k{i}" for i in A], [f"k{i}" for i in B])))
"""

NOTEBOOKS = {}

NOTEBOOKS["overlapping"] = [
    (
        "md",
        """\
# Overlapping operations raise the rank

**Claim.** A ConvAC whose generalized convolutions overlap (stride < kernel) reaches
separation ranks that a non-overlapping ConvAC with as many or more parameters cannot
reach; for the left/right partition the non-overlapping rank is capped by the top
width, while one wide stride-1 layer already gives the maximal rank `M^(N/2)`
(Sharir & Shashua, *On the Expressive Power of Overlapping Architectures of Deep
Learning*, ICLR 2018).

Networks: `tx.nets.overlap(N, M, ranks, kernel, stride)`; `kernel = stride = 2` is the
baseline (the HT network). Ranks are dense numpy ranks (N = 8, M = 2), checked against
the min-cut certificate `tx.min_cut`.""",
    ),
    (
        "code",
        COMMON
        + """
from tnexpress.nets.overlap import overlap, num_params

N, M = 8, 2
parts = {"left-right": P.left_right(N), "blocks-2": P.blocks(N, 2), "odd-even": P.odd_even(N)}
rows = []
# non-overlapping baselines of growing width
for r in (2, 3, 4, 6, 8):
    net = overlap(N, M, (r, r, r), 2, 2, seed=0)
    rows.append(("no overlap", f"K=S=2, r={r}", num_params(net),
                 {k: dense_rank(net, A) for k, A in parts.items()}, net))
# overlapping: first layer K at stride 1, then 2x2 pooling GC layers, width 2
for K in (3, 5, 7):
    net = overlap(N, M, (2, 2, 2, 2), (K, 2, 2, 2), (1, 2, 2, 2), seed=0)
    rows.append(("overlap", f"K={K},S=1 then 2/2, r=2", num_params(net),
                 {k: dense_rank(net, A) for k, A in parts.items()}, net))
print(f"{'kind':11s} {'layers':24s} {'params':>6s} " + " ".join(f"{k:>10s}" for k in parts))
for kind, desc, n, rk, _ in rows:
    print(f"{kind:11s} {desc:24s} {n:6d} " + " ".join(f"{rk[k]:10d}" for k in parts))
for kind, desc, n, rk, net in rows:
    for k, A in parts.items():
        assert rk[k] <= tx.min_cut(net, A).weight   # certificate: rank <= min cut
""",
    ),
    (
        "code",
        """\
fig, ax = plt.subplots(figsize=(6, 4))
for kind, marker in (("no overlap", "o-"), ("overlap", "s-")):
    pts = [(n, rk["left-right"]) for k, _, n, rk, _ in rows if k == kind]
    ax.plot(*zip(*pts), marker, label=kind)
ax.set_xscale("log"); ax.set_yscale("log", base=2)
ax.set_xlabel("number of weights"); ax.set_ylabel("left/right rank")
ax.axhline(M ** (N // 2), ls=":", c="gray", label="max M^(N/2)")
ax.set_title("N=8, M=2: rank vs size, left/right partition"); ax.legend()
fig.tight_layout(); fig.savefig(FIG / "overlapping_rank_vs_params.png", dpi=120); plt.show()
""",
    ),
    (
        "code",
        """\
fig, ax = plt.subplots(figsize=(7, 3.5))
sel = [rows[2], rows[-3], rows[-1]]  # baseline r=4 (164 w), overlap K=3 (146 w), K=7 (234 w)
w = 0.25
for i, (kind, desc, n, rk, _) in enumerate(sel):
    ax.bar(np.arange(len(parts)) + i * w, [np.log2(rk[k]) for k in parts], w,
           label=f"{desc} ({n} weights)")
ax.set_xticks(np.arange(len(parts)) + w); ax.set_xticklabels(list(parts))
ax.set_ylabel("log2 rank"); ax.legend(fontsize=8); fig.tight_layout()
fig.savefig(FIG / "overlapping_per_partition.png", dpi=120); plt.show()
""",
    ),
    ("md", "The claims, asserted:"),
    (
        "code",
        """\
by = {desc: (n, rk) for _, desc, n, rk, _ in rows}
n_over, r_over = by["K=3,S=1 then 2/2, r=2"]
n_base, r_base = by["K=S=2, r=4"]
# fewer weights, higher left/right rank, no partition lower
assert n_over < n_base and r_over["left-right"] == 8 > r_base["left-right"] == 4
assert all(r_over[k] >= r_base[k] for k in parts)
# the non-overlapping left/right rank never exceeds the top width r
for kind, desc, n, rk, net in rows:
    if kind == "no overlap":
        assert rk["left-right"] <= int(desc.split("r=")[1])
# a wide stride-1 first layer (234 weights) reaches M^(N/2) = 16 for left/right;
# the baseline needs r >= 16, i.e. 8*2*16 + 6*16**2 + 16 = 1808 weights
n7, r7 = by["K=7,S=1 then 2/2, r=2"]
assert r7["left-right"] == M ** (N // 2) and n7 < 1808 / 7
print("overlap K=7:", n7, "weights, left/right rank", r7["left-right"])
""",
    ),
]

NOTEBOOKS["dilation_mixing"] = [
    (
        "md",
        """\
# Mixing dilated networks: interconnection raises the rank

**Claim.** Interconnecting two dilated ConvACs with different dilation schedules (a mixed
tensor decomposition of their mode trees) realizes ranks that each network alone reaches
only with polynomially larger width: on the example partition each branch has rank
`r^(N/4+N/8)`, the mixture at least `r^(N/2)` (Cohen, Tamari & Shashua, *Boosting Dilated
Convolutional Networks with Mixed Tensor Decompositions*, ICLR 2018, Theorem 7).

Mixing (as built by `tx.nets.dilated.mixed`): at a mixing layer the hidden units of the
two branches at common nodes are summed and the sum feeds both branches; the outputs are
summed. Ranks: dense numpy where the tensor is small, else `tx.schmidt_rank(exact=True)`
(cross-checked against dense).""",
    ),
    (
        "code",
        COMMON
        + """
from tnexpress.nets.dilated import (dilated, mixed, mode_tree, swapped_dilations, theta,
                                    sibling_pairs, theta_bounds, example_partition)

N = 16
T, Tb = mode_tree(N), mode_tree(N, swapped_dilations(N))
print("baseline (1,2,4,8):", T)
print("swapped  (2,1,8,4):", Tb)
I = example_partition(N)
Ic = [i for i in range(N) if i not in I]
print("I (1-based) =", [i + 1 for i in I])
for name, tree in (("T", T), ("Tbar", Tb)):
    print(name, "Theta(I) =", theta(I, tree), " |Theta(I)|, |Theta(Ic)|, pairs =",
          len(theta(I, tree)), len(theta(Ic, tree)), sibling_pairs(I, tree))
    assert theta_bounds(I, tree, 2) == (2 ** 6, 2 ** 6)   # Theorem 7: tight, r^(N/4+N/8)
""",
    ),
    (
        "code",
        """\
M = r = 2
nets = {
    "T (1,2,4,8)": dilated(N, M, r, seed=0),
    "Tbar (2,1,8,4)": dilated(N, M, r, swapped_dilations(N), seed=0),
    "mixed at layer 2": mixed(N, M, r, (T, Tb), mix_layers=(2,), seed=0),
    "outputs summed only": mixed(N, M, r, (T, Tb), mix_layers=(), seed=0),
}
ranks16 = {k: dense_rank(net, I) for k, net in nets.items()}
for k, v in ranks16.items():
    print(f"{k:22s} rank {v:4d} = 2^{np.log2(v):.2f}")
assert ranks16["T (1,2,4,8)"] == ranks16["Tbar (2,1,8,4)"] == r ** (N // 4 + N // 8)  # 64
assert ranks16["mixed at layer 2"] == r ** (N // 2)                                   # 256
assert ranks16["outputs summed only"] <= 2 * r ** (N // 4 + N // 8) < r ** (N // 2)
""",
    ),
    (
        "md",
        """\
## Rank vs width (N = 8, M = 6, example partition)
Each branch: rank `r^3` (Theorem 7, `N/4+N/8 = 3`). The mixture at width `r` measures
`(r^2 + r)^2 >= r^4`: per 4-block the sum adds the branch that splits the block (`r^2`) and
the one that keeps `I` inside a node (`r`). A branch needs width `r' >= (r^2+r)^(2/3)`, i.e.
`~ r^(4/3)`; deeper mixing pushes the exponent towards 2 (next section).""",
    ),
    (
        "code",
        """\
N8, M8 = 8, 6
I8 = example_partition(N8)
T8, Tb8 = mode_tree(N8), mode_tree(N8, swapped_dilations(N8))
widths_b, widths_m = range(1, 7), range(1, 5)
rank_T = [tx.schmidt_rank(dilated(N8, M8, w, seed=1), I8, exact=True, seed=0) for w in widths_b]
rank_Tb = [tx.schmidt_rank(dilated(N8, M8, w, swapped_dilations(N8), seed=1), I8, exact=True, seed=0)
           for w in widths_b]
rank_mix = [tx.schmidt_rank(mixed(N8, M8, w, (T8, Tb8), (2,), seed=1), I8, exact=True, seed=0)
            for w in widths_m]
# cross-check the engine against dense numpy at one point (M = 3 keeps the tensor small)
assert tx.schmidt_rank(mixed(N8, 3, 2, (T8, Tb8), (2,), seed=1), I8, exact=True, seed=0) == \\
    dense_rank(mixed(N8, 3, 2, (T8, Tb8), (2,), seed=1), I8) == 36
print("branch T   :", dict(zip(widths_b, rank_T)))
print("branch Tbar:", dict(zip(widths_b, rank_Tb)))
print("mixed      :", dict(zip(widths_m, rank_mix)))
assert rank_T == rank_Tb == [w ** 3 for w in widths_b]
assert rank_mix == [(w * w + w) ** 2 for w in widths_m]
assert all(m >= w ** 4 for m, w in zip(rank_mix, widths_m))
need = [min(w2 for w2 in range(1, 40) if w2 ** 3 >= m) for m in rank_mix]
print("branch width needed to match the mixture at width 1..4:", need)
assert all(n > w for n, w in zip(need[1:], list(widths_m)[1:]))
""",
    ),
    (
        "code",
        """\
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(list(widths_b), rank_T, "o-", label="branch T (1,2,4)")
ax.plot(list(widths_b), rank_Tb, "x--", label="branch Tbar (2,1,4)")
ax.plot(list(widths_m), rank_mix, "s-", label="mixed at layer 2")
ax.plot(list(widths_m), [w ** 4 for w in widths_m], ":", c="gray", label="r^(N/2)")
ax.set_yscale("log", base=2); ax.set_xlabel("width r"); ax.set_ylabel("rank, example partition")
ax.set_title("N=8, M=6"); ax.legend(); fig.tight_layout()
fig.savefig(FIG / "dilation_mixing_rank_vs_width.png", dpi=120); plt.show()
""",
    ),
    (
        "md",
        """\
## Deeper mixing: the gap exponent grows
Mix at layer 3 (blocks of 8) the schedules `(1,2,4,8)` and `(4,2,1,8)`, with `I` = odd
positions of the first block (a node of `Tbar`, split everywhere by `T`) and the first half
of the second block (a node of `T`, split everywhere by `Tbar`). Each branch: `r^5`; the
mixture: `r^8` (M = r = 2, dense). Exponent ratio 8/5, tending to 2 as the mixed blocks grow.""",
    ),
    (
        "code",
        """\
T1, T2 = mode_tree(16, (1, 2, 4, 8)), mode_tree(16, (4, 2, 1, 8))
J = (0, 2, 4, 6, 8, 9, 10, 11)
for tree in (T1, T2):
    assert theta_bounds(J, tree, 2) == (2 ** 5, 2 ** 5)
deep = {
    "T (1,2,4,8)": dense_rank(dilated(16, 2, 2, (1, 2, 4, 8), seed=2), J),
    "Tbar (4,2,1,8)": dense_rank(dilated(16, 2, 2, (4, 2, 1, 8), seed=2), J),
    "mixed at layer 3": dense_rank(mixed(16, 2, 2, (T1, T2), (3,), seed=2), J),
}
print(deep)
assert deep["T (1,2,4,8)"] == deep["Tbar (4,2,1,8)"] == 2 ** 5 and deep["mixed at layer 3"] == 2 ** 8
""",
    ),
]

NOTEBOOKS["pooling_geometry"] = [
    (
        "md",
        """\
# Pooling geometry decides which partitions get exponential rank

**Claim.** The pooling tree of a deep ConvAC sets its inductive bias: contiguous pooling
gives exponential rank to interleaved partitions and the minimal rank to left/right,
mirror pooling (pairs `i` with `N-1-i`) the reverse (Cohen & Shashua, *Inductive Bias of
Deep Convolutional Networks through Pooling Geometry*, ICLR 2017).

Networks: `tx.nets.ht(N, M, ranks, geometry=...)`, trees `tx.nets.pooling_tree`. N = 8:
all 35 balanced partitions (dense numpy ranks); N = 16: 60 random balanced partitions
(`tx.schmidt_rank`, exact).""",
    ),
    (
        "code",
        COMMON
        + """
import itertools

N, M, ranks = 8, 2, (2, 2, 2)
print("contiguous:", tx.nets.pooling_tree(N, "contiguous"))
print("mirror    :", tx.nets.pooling_tree(N, "mirror"))
nets = {g: tx.nets.ht(N, M, ranks, geometry=g, seed=0) for g in ("contiguous", "mirror")}
balanced = [(0,) + c for c in itertools.combinations(range(1, N), N // 2 - 1)]  # 35
R = np.array([[np.log2(dense_rank(nets[g], A)) for A in balanced] for g in nets])
order = np.argsort(R[0] - R[1], kind="stable")
fig, ax = plt.subplots(figsize=(11, 2.6))
im = ax.imshow(R[:, order], cmap="viridis", aspect="auto")
ax.set_yticks([0, 1]); ax.set_yticklabels(list(nets))
ax.set_xticks(range(len(balanced)))
ax.set_xticklabels(["".join("A" if i in balanced[j] else "." for i in range(N)) for j in order],
                   rotation=90, fontsize=7, family="monospace")
fig.colorbar(im, label="log2 rank"); ax.set_title("N=8, M=2, r=2: all balanced partitions")
fig.tight_layout(); fig.savefig(FIG / "pooling_geometry_heatmap_N8.png", dpi=120); plt.show()
""",
    ),
    (
        "code",
        """\
rank = {g: {A: dense_rank(nets[g], A) for A in balanced} for g in nets}
lr, oe, mir = P.left_right(N), P.odd_even(N), (0, 2, 5, 7)
for g in nets:
    print(f"{g:10s} left-right {rank[g][lr]:3d}  odd-even {rank[g][oe]:3d}  (0,2,5,7) {rank[g][mir]:3d}")
full = min(ranks[0], M) ** (N // 2)  # 16
assert rank["contiguous"][oe] == full and rank["contiguous"][lr] == 2      # interleaved favoured
assert rank["mirror"][lr] == full                                          # left/right favoured
assert rank["contiguous"][mir] == full and rank["mirror"][mir] == 4        # r^2: 2 sibling pairs
# each geometry gives the full rank exactly where every one of its pooling pairs is split
for g in nets:
    pairs = [p for p in tx.nets.pooling_tree(N, g) for p in p]
    for A in balanced:
        split = all((a in A) != (b in A) for a, b in pairs)
        assert (rank[g][A] == full) == split, (g, A)
""",
    ),
    (
        "code",
        """\
N16 = 16
rng = np.random.default_rng(0)
parts16 = [P.random_balanced(N16, rng) for _ in range(60)] + [P.left_right(N16), P.odd_even(N16)]
nets16 = {g: tx.nets.ht(N16, 2, (2, 2, 2, 2), geometry=g, seed=0) for g in ("contiguous", "mirror")}
L16 = {g: np.array([np.log2(tx.schmidt_rank(nets16[g], A, exact=True, seed=0)) for A in parts16])
       for g in nets16}
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.scatter(L16["contiguous"][:-2], L16["mirror"][:-2], alpha=0.5, label="random balanced")
ax.scatter(*[[L16[g][-2]] for g in nets16], c="r", marker="s", label="left/right")
ax.scatter(*[[L16[g][-1]] for g in nets16], c="g", marker="^", label="odd/even")
ax.set_xlabel("log2 rank, contiguous"); ax.set_ylabel("log2 rank, mirror"); ax.legend()
ax.set_title("N=16, M=2, r=2"); fig.tight_layout()
fig.savefig(FIG / "pooling_geometry_scatter_N16.png", dpi=120); plt.show()
assert L16["contiguous"][-1] == 8 and L16["contiguous"][-2] == 1   # odd/even 2^8, left/right 2
assert L16["mirror"][-2] == 8                                     # left/right 2^8 under mirror
# spot check of the engine against dense numpy
assert 2 ** L16["mirror"][0] == dense_rank(nets16["mirror"], parts16[0])
""",
    ),
]
