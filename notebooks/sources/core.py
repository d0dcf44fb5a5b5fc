"""Cells of the core notebooks: depth efficiency, min-cut tightness, channel distribution."""

from __future__ import annotations

import textwrap


def md(s):
    return ("md", textwrap.dedent(s).strip())


def code(s):
    return ("code", textwrap.dedent(s).strip())


SETUP = """
import time
from pathlib import Path

import numpy as np
import matplotlib
import matplotlib.pyplot as plt

import tnexpress as tx
from tnexpress import partitions as P

%matplotlib inline
FIG = Path("figures")
FIG.mkdir(exist_ok=True)
T0 = time.perf_counter()
"""

# --------------------------------------------------------------------------------------------
# 1. depth efficiency
# --------------------------------------------------------------------------------------------
DEPTH = [
    md(
        """
        # Depth efficiency of deep ConvACs

        **Claim.** A deep convolutional arithmetic circuit (hierarchical Tucker network, pooling
        windows of 2) realizes, for all weights except a measure-zero set, a function whose
        odd/even matricization has rank `min(r0, M)^(N/2)`, while a shallow ConvAC (CP
        decomposition) with `r` channels has rank at most `r` for every partition, so the shallow
        network needs `r >= min(r0, M)^(N/2)` channels: exponential and complete depth efficiency
        (Cohen, Sharir & Shashua, *On the Expressive Power of Deep Learning: A Tensor Analysis*,
        COLT 2016).
        """
    ),
    code(
        """
        # Parameters
        M = 2                            # representation size (leg dimension)
        R_DEEP = 2                       # channels r_l of every deep layer
        N_MEASURED = [2, 4, 8, 16]       # N where the rank is measured (exact and floating point)
        N_BOUND = [2, 4, 8, 16, 32, 64, 128, 256]   # N where the min-cut bound is computed
        SEEDS = range(25)                # random weight draws per (N, weight kind)
        WEIGHTS = ["normal", "uniform"]  # weight distributions
        SHALLOW_R = range(1, 9)          # shallow channel counts shown as flat lines
        N_NEEDED = [4, 8, 16]            # N where 'how many shallow channels' is checked by measurement
        CERT_SEED = 0                    # seed of the integer certification point
        """
    ),
    code(SETUP),
    md(
        """
        ## Deep network: odd/even rank over many random draws

        `exact` is the rank over GF(p) of the exact matricization, computed through the min-cut
        factors (never more than the true rank); `float` is the numerical rank (numpy's threshold).
        """
    ),
    code(
        """
        def predicted_deep(N):
            return min(R_DEEP, M) ** (N // 2)

        rows = []
        for N in N_MEASURED:
            L = int(np.log2(N))
            A = P.odd_even(N)
            for w in WEIGHTS:
                for s in SEEDS:
                    net = tx.nets.ht(N, M, (R_DEEP,) * L, seed=s, weights=w)
                    rows.append(dict(N=N, weights=w, seed=s, predicted=predicted_deep(N),
                                     min_cut=tx.min_cut(net, A).weight,
                                     exact=tx.schmidt_rank(net, A, exact=True, seed=s),
                                     float=tx.schmidt_rank(net, A)))

        print(f"{'N':>3} {'draws':>5} {'predicted':>9} {'min cut':>7} {'exact = pred.':>13} "
              f"{'float = pred.':>13} {'min float':>9}")
        for N in N_MEASURED:
            rs = [r for r in rows if r["N"] == N]
            print(f"{N:>3} {len(rs):>5} {predicted_deep(N):>9} {rs[0]['min_cut']:>7} "
                  f"{sum(r['exact'] == r['predicted'] for r in rs):>13} "
                  f"{sum(r['float'] == r['predicted'] for r in rs):>13} {min(r['float'] for r in rs):>9}")
        """
    ),
    code(
        """
        # The claim, for every draw: exact rank = min(r0, M)^(N/2) = the min-cut bound.
        assert all(r["exact"] == r["predicted"] == r["min_cut"] for r in rows), "a draw fell short"
        assert all(r["float"] <= r["predicted"] for r in rows)
        n_float_short = sum(r["float"] < r["predicted"] for r in rows)
        print(f"{len(rows)} draws: exact rank met the prediction in all of them; "
              f"the floating-point rank fell short in {n_float_short}")
        """
    ),
    md(
        """
        Why the floating-point rank sometimes falls short at N = 16: the Schmidt spectrum of a
        deep network spans many orders of magnitude (products of random factors), so the smallest
        genuine Schmidt values sit near numpy's rank threshold. The exact rank has no threshold.
        """
    ),
    code(
        """
        net16 = tx.nets.ht(16, M, (R_DEEP,) * 4, seed=0)
        s = tx.schmidt_values(net16, P.odd_even(16))
        print(f"N=16, seed 0: {len(s)} Schmidt values, s_min/s_max = {s[-1] / s[0]:.1e}")
        """
    ),
    md(
        """
        ## Certificate at an integer point

        `tx.certify` computes the exact rank at integer weights (a lower bound for almost all
        weights, Claim 7.2 in the theory notes) and compares it with the min cut (an upper bound
        for all weights): `proven` means the generic rank is known exactly.
        """
    ),
    code(
        """
        certs = {}
        for N in N_MEASURED:
            L = int(np.log2(N))
            certs[N] = tx.certify("ht", "odd-even", N=N, M=M, ranks=(R_DEEP,) * L, seed=CERT_SEED)
            c = certs[N]
            print(f"deep    N={N:>2}: lower={c.lower:>4} upper={c.upper:>4} proven={c.proven}")
        for r in SHALLOW_R:
            c = tx.certify("cp", "odd-even", N=16, M=M, rank=r, seed=CERT_SEED)
            print(f"shallow N=16 r={r}: lower={c.lower} upper={c.upper} proven={c.proven}")
            assert c.proven and c.lower == r
        for N, c in certs.items():
            assert c.proven and c.lower == c.upper == predicted_deep(N)
        """
    ),
    md("## Shallow network: rank = min(r, M^(N/2)) for every N"),
    code(
        """
        shallow = {}
        for N in N_MEASURED:
            A = P.odd_even(N)
            for r in SHALLOW_R:
                net = tx.nets.cp(N, M, r, seed=r)
                shallow[N, r] = tx.schmidt_rank(net, A)
                assert shallow[N, r] == min(r, M ** (N // 2)) == tx.min_cut(net, A).weight
        print("measured shallow ranks (rows N, columns r = 1..8):")
        for N in N_MEASURED:
            print(f"N={N:>2}:", [shallow[N, r] for r in SHALLOW_R])
        """
    ),
    md("## Beyond measurement: the min-cut bound up to N = 256 (exact integers)"),
    code(
        """
        deep_bound, shallow_bound = {}, {}
        for N in N_BOUND:
            L = int(np.log2(N))
            deep_bound[N] = tx.min_cut(tx.nets.ht(N, M, (R_DEEP,) * L, seed=0), P.odd_even(N)).weight
            for r in SHALLOW_R:
                shallow_bound[N, r] = tx.min_cut(tx.nets.cp(N, M, r, seed=0), P.odd_even(N)).weight
            assert deep_bound[N] == predicted_deep(N)
            assert all(shallow_bound[N, r] == min(r, M ** (N // 2)) for r in SHALLOW_R)
            print(f"N={N:>3}: deep bound = 2^{deep_bound[N].bit_length() - 1}, "
                  f"shallow bound (r=8) = {shallow_bound[N, 8]}")
        """
    ),
    code(
        """
        fig, ax = plt.subplots(figsize=(7.5, 5))
        ax.plot(N_BOUND, [deep_bound[N] for N in N_BOUND], "-", color="C3", lw=2,
                label="deep (HT), min-cut bound")
        ax.plot(N_MEASURED, [certs[N].lower for N in N_MEASURED], "o", color="C3", ms=9,
                label="deep, measured (exact rank, all draws)")
        cmap = matplotlib.colormaps["Blues"]
        for r in SHALLOW_R:
            col = cmap(0.35 + 0.08 * r)
            ax.plot(N_BOUND, [shallow_bound[N, r] for N in N_BOUND], "--", color=col, lw=1)
            ax.plot(N_MEASURED, [shallow[N, r] for N in N_MEASURED], "s", color=col, ms=4)
        ax.plot([], [], "s--", color=cmap(0.7), label="shallow (CP), r = 1..8: bound and measured")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_yticks([2.0**k for k in range(0, 129, 16)])
        ax.set_ylim(0.5, 2.0**136)
        ax.set_xlabel("N (inputs)")
        ax.set_ylabel("odd/even Schmidt rank")
        ax.set_title(f"Depth efficiency, M={M}, deep channels r={R_DEEP}")
        ax.legend(loc="upper left")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(FIG / "depth_efficiency.png", dpi=120)
        plt.show()
        """
    ),
    md(
        """
        ## How many shallow channels would be needed

        Since the shallow rank is at most `r`, matching the deep network needs
        `r >= min(r0, M)^(N/2)`. Measured: with exactly that many channels a generic shallow
        network reaches the deep rank; with one channel fewer it cannot.
        """
    ),
    code(
        """
        for N in N_NEEDED:
            A = P.odd_even(N)
            need = predicted_deep(N)
            got = tx.schmidt_rank(tx.nets.cp(N, M, need, seed=1), A)
            short = tx.schmidt_rank(tx.nets.cp(N, M, need - 1, seed=1), A)
            print(f"N={N:>2}: deep rank {need}; shallow r={need}: rank {got}; r={need - 1}: rank {short}")
            assert got == need and short == need - 1

        def n_params(net):
            return sum(t.size for t in net.tensors)

        deep_params = {N: n_params(tx.nets.ht(N, M, (R_DEEP,) * int(np.log2(N)), seed=0)) for N in N_BOUND}
        # a shallow net with r channels has N*M*r + r weights (checked against the built net)
        shallow_params = {N: N * M * predicted_deep(N) + predicted_deep(N) for N in N_BOUND}
        for N in N_NEEDED:
            assert n_params(tx.nets.cp(N, M, predicted_deep(N), seed=0)) == shallow_params[N]
        for N in N_BOUND:
            print(f"N={N:>3}: deep weights {deep_params[N]:>5}, shallow channels needed 2^{N // 2}, "
                  f"shallow weights {float(shallow_params[N]):.2e}")

        fig, axs = plt.subplots(1, 2, figsize=(11, 4.2))
        axs[0].plot(N_BOUND, [predicted_deep(N) for N in N_BOUND], "o-", color="C0",
                    label="shallow channels needed")
        axs[0].plot(N_BOUND, [R_DEEP] * len(N_BOUND), "o-", color="C3", label="deep channels per layer")
        axs[0].set_ylabel("channels")
        axs[1].plot(N_BOUND, [float(shallow_params[N]) for N in N_BOUND], "o-", color="C0",
                    label="shallow, to match the deep rank")
        axs[1].plot(N_BOUND, [deep_params[N] for N in N_BOUND], "o-", color="C3", label="deep")
        axs[1].set_ylabel("weights")
        for ax in axs:
            ax.set_xscale("log", base=2)
            ax.set_yscale("log", base=2)
            ax.set_xlabel("N (inputs)")
            ax.legend()
            ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(FIG / "depth_efficiency_channels.png", dpi=120)
        plt.show()
        assert all(shallow_params[N] > deep_params[N] for N in N_BOUND if N >= 16)
        """
    ),
    code(
        """
        print(f"notebook run time: {time.perf_counter() - T0:.1f} s")
        """
    ),
]

# --------------------------------------------------------------------------------------------
# 2. min-cut tightness
# --------------------------------------------------------------------------------------------
TIGHT = [
    md(
        """
        # The quantum min-cut bound is tight for generic weights

        **Claim.** For a ConvAC / tensor network with generic (random Gaussian) weights, the
        Schmidt rank of a bipartition equals the min-cut bound (the smallest product of bond
        dimensions over edge cuts separating the two sides, a pooling hyperedge counted once): the
        bound is attained in practically every case (Levine, Yakira, Cohen & Shashua, *Deep
        Learning and Quantum Entanglement: Fundamental Connections with Implications to Network
        Design*, ICLR 2018).

        What this run shows: the bound is met in every draw with pooling windows of 2 (ht, ht2d),
        and for tensor trains and CP; the only misses are ht trees with wider pooling windows,
        where the generic rank sits genuinely below the min cut (see the last section).
        """
    ),
    code(
        """
        # Parameters
        N_ARCH = 300                     # random (architecture, partition) draws
        MAX_BOUND = 1024                 # redraw when the min cut exceeds this (run time)
        MASTER_SEED = 2018
        FAMILIES = ["ht", "ht2d", "tt", "cp"]
        M_CHOICES = [2, 3, 4]            # representation sizes
        RANK_CHOICES = [1, 2, 3, 4, 5, 6, 8]   # per-layer ranks (drawn independently per layer)
        DENSE_MAX = 2 ** 14              # independent dense-matrix check when M^N <= this
        MET_FRACTION_MIN = 0.95
        """
    ),
    code(SETUP),
    code(
        """
        rng = np.random.default_rng(MASTER_SEED)

        def draw_arch():
            fam = str(rng.choice(FAMILIES))
            M = int(rng.choice(M_CHOICES))
            seed = int(rng.integers(2**31))
            if fam == "ht":
                pool, N = [(2, 4), (2, 8), (2, 16), (3, 9), (4, 16)][rng.integers(5)]
                L = round(np.log(N) / np.log(pool))
                ranks = tuple(int(r) for r in rng.choice(RANK_CHOICES, size=L))
                net = tx.nets.ht(N, M, ranks, pool=pool, seed=seed)
                desc = f"ht N={N} pool={pool} M={M} ranks={ranks}"
            elif fam == "ht2d":
                H, W = [(2, 2), (2, 4), (4, 2), (4, 4)][rng.integers(4)]
                N = H * W
                L = round(np.log(N) / np.log(4)) if N != 8 else 2
                ranks = tuple(int(r) for r in rng.choice(RANK_CHOICES, size=L))
                net = tx.nets.ht2d(H, W, M, ranks, seed=seed)
                desc = f"ht2d {H}x{W} M={M} ranks={ranks}"
            elif fam == "tt":
                N = int(rng.integers(4, 13))
                rank = int(rng.choice(RANK_CHOICES + [12, 16]))
                eq = bool(rng.integers(2))
                net = tx.nets.tt(N, M, rank, equal_cores=eq, seed=seed)
                desc = f"tt N={N} M={M} rank={rank} equal_cores={eq}"
            else:
                N = int(rng.integers(4, 17))
                rank = int(rng.integers(1, 41))
                net = tx.nets.cp(N, M, rank, seed=seed)
                desc = f"cp N={N} M={M} rank={rank}"
            if rng.integers(2):
                A, pdesc = P.random_balanced(N, seed=int(rng.integers(2**31))), "random balanced"
            else:
                size = int(rng.integers(1, N // 2 + 1))
                A, pdesc = P.blocks(N, size), f"blocks({size})"
            return fam, M, N, net, A, desc, pdesc

        def dense_rank(net, A, N):
            B = [i for i in range(N) if i not in set(A)]
            mat = net.to_dense([f"k{i}" for i in A], [f"k{i}" for i in B])
            return int(np.linalg.matrix_rank(mat))

        results, redrawn = [], 0
        t_start = time.perf_counter()
        while len(results) < N_ARCH:
            fam, M, N, net, A, desc, pdesc = draw_arch()
            bound = tx.min_cut(net, A).weight
            if bound < 2 or bound > MAX_BOUND:       # trivial or too slow to measure
                redrawn += 1
                continue
            r_float = tx.schmidt_rank(net, A)
            # recheck a shortfall with the exact rank (over GF(p), never above the true rank)
            r_exact = tx.schmidt_rank(net, A, exact=True, seed=0) if r_float < bound else None
            r_dense = dense_rank(net, A, N) if M ** N <= DENSE_MAX else None
            results.append(dict(family=fam, desc=desc, partition=pdesc, bound=bound, float=r_float,
                                exact=r_exact, dense=r_dense,
                                rank=r_exact if r_exact is not None else r_float))
        elapsed = time.perf_counter() - t_start
        print(f"{len(results)} architectures measured in {elapsed:.1f} s ({redrawn} draws redrawn: "
              f"bound 1 or > {MAX_BOUND})")
        """
    ),
    code(
        """
        fams = {f: [r for r in results if r["family"] == f] for f in FAMILIES}
        print(f"{'family':>6} {'count':>5} {'float met':>9} {'met':>5} {'max bound':>9}")
        for f, rs in fams.items():
            print(f"{f:>6} {len(rs):>5} {sum(r['float'] == r['bound'] for r in rs):>9} "
                  f"{sum(r['rank'] == r['bound'] for r in rs):>5} {max(r['bound'] for r in rs):>9}")
        met = [r["rank"] == r["bound"] for r in results]
        met_fraction = float(np.mean(met))
        float_met_fraction = float(np.mean([r["float"] == r["bound"] for r in results]))
        n_dense = sum(r["dense"] is not None for r in results)
        print(f"\\nmet fraction: {met_fraction:.3f} (floating-point rank alone: {float_met_fraction:.3f}); "
              f"dense-matrix checks: {n_dense}")
        for r in results:
            if r["rank"] != r["bound"]:
                print("NOT MET:", r["desc"], r["partition"], "bound", r["bound"], "rank", r["rank"])
        for r in results:
            if r["float"] != r["bound"]:
                print("float short: exact rank", r["exact"], "bound", r["bound"], ":", r["desc"], r["partition"])
        binary = [r for r in results if r["family"] in ("ht", "ht2d") and "pool=3" not in r["desc"]
                  and "pool=4" not in r["desc"]]
        wide = [r for r in results if "pool=3" in r["desc"] or "pool=4" in r["desc"]]
        print(f"\\ntrees with pooling windows of 2 (ht pool=2, ht2d): met {sum(r['rank'] == r['bound'] for r in binary)}"
              f"/{len(binary)}; ht with pooling windows of 3 or 4: met {sum(r['rank'] == r['bound'] for r in wide)}/{len(wide)}")
        """
    ),
    code(
        """
        # The claim: rank <= bound always (the dense check is independent of the min-cut code),
        # and the bound is met in (almost) every case.
        assert all(r["float"] <= r["bound"] and r["rank"] <= r["bound"] for r in results)
        assert all(r["dense"] <= r["bound"] for r in results if r["dense"] is not None)
        assert all(r["dense"] == r["float"] for r in results if r["dense"] is not None)
        assert met_fraction >= MET_FRACTION_MIN, met_fraction
        assert set(fams) == set(FAMILIES) and all(len(rs) > 0 for rs in fams.values())
        assert all(r["rank"] == r["bound"] for r in binary)   # windows of 2: always tight here
        """
    ),
    md(
        """
        ## Where the bound is not tight

        The misses above are not numerical: they are generic gaps of pooling windows wider than 2
        (a product-pooling hyperedge joining 3 or 4 branches). Two small cases, checked three
        independent ways (floating-point rank through the min cut, exact rank over GF(p) at the
        Gaussian point and at an integer point, and the rank of the dense matricization), and
        over several weight draws:
        """
    ),
    code(
        """
        GAPS = [  # (N, pool, M, ranks, A, min cut, generic rank found)
            (9, 3, 3, (5, 2), (2, 4, 5, 7), 45, 44),
            (16, 4, 2, (3, 2), (1, 2, 3, 5, 6, 7, 11, 15), 32, 26),
        ]
        for N, pool, M, ranks, A, cut, rank in GAPS:
            for s in range(3):
                net = tx.nets.ht(N, M, ranks, pool=pool, seed=s)
                got = (tx.min_cut(net, A).weight, tx.schmidt_rank(net, A),
                       tx.schmidt_rank(net, A, exact=True, seed=s), dense_rank(net, A, N))
                assert got == (cut, rank, rank, rank), got
            c = tx.certify("ht", A, N=N, M=M, ranks=ranks, pool=pool, seed=0)
            assert (c.lower, c.upper, c.proven) == (rank, cut, False)
            print(f"ht N={N} pool={pool} M={M} ranks={ranks} A={A}: min cut {cut}, "
                  f"rank {rank} (float = exact = dense, 3 draws; integer point {c.lower})")
        """
    ),
    code(
        """
        fig, ax = plt.subplots(figsize=(6.5, 6))
        jit = np.random.default_rng(0)
        markers = {"ht": "o", "ht2d": "s", "tt": "^", "cp": "D"}
        for i, f in enumerate(FAMILIES):
            rs = fams[f]
            x = np.log2([r["bound"] for r in rs]) + jit.uniform(-0.12, 0.12, len(rs))
            y = np.log2([r["rank"] for r in rs]) + jit.uniform(-0.12, 0.12, len(rs))
            ax.scatter(x, y, s=18, alpha=0.6, marker=markers[f], color=f"C{i}", label=f"{f} ({len(rs)})")
        miss = [r for r in results if r["rank"] != r["bound"]]
        ax.scatter(np.log2([r["bound"] for r in miss]), np.log2([r["rank"] for r in miss]), s=120,
                   facecolors="none", edgecolors="k", label=f"not met ({len(miss)})")
        lim = np.log2(MAX_BOUND) + 0.5
        ax.plot([0, lim], [0, lim], "k--", lw=1, label="rank = min cut")
        ax.set_xlabel("log2 min-cut bound")
        ax.set_ylabel("log2 measured Schmidt rank")
        ax.set_title(f"{len(results)} random architectures: met in {100 * met_fraction:.1f}%")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(FIG / "min_cut_tightness.png", dpi=120)
        plt.show()
        """
    ),
    code(
        """
        print(f"notebook run time: {time.perf_counter() - T0:.1f} s")
        """
    ),
]

# --------------------------------------------------------------------------------------------
# 3. channel distribution
# --------------------------------------------------------------------------------------------
CHANNELS = [
    md(
        """
        # Channel distribution: wide-base favours short-range, wide-tip long-range correlations

        **Claim.** Of two deep ConvACs with comparable parameter budgets, the wide-base one (many
        channels in early layers, few late) supports higher Schmidt rank (more correlation) for
        short-range partitions (interleaved, small blocks), and the wide-tip one (few channels
        early, many late) for long-range partitions (left/right, large blocks) (Levine, Yakira,
        Cohen & Shashua, *Deep Learning and Quantum Entanglement: Fundamental Connections with
        Implications to Network Design*, ICLR 2018).

        Setup: wide-tip = the wide-base channel list reversed. The budgets are comparable as
        shared-convolution weight counts (the count of the paper's experiment, where reversing
        keeps it); without sharing, the wide-base net has 2-2.5x more weights, since its wide
        layers sit where there are more positions. Rank per partition scale: 1D
        `tx.partitions.blocks(N, size)` for size = 1 (odd/even) ... N/2 (left/right); 2D
        checkerboard / interleaved columns (short) vs top/bottom / left/right (long).
        "Measured" = exact rank over GF(p) for every seed, and a certificate at an integer point.
        """
    ),
    code(
        """
        # Parameters
        CONFIGS_1D = {               # label: (N, M, wide-base ranks); wide-tip = the reverse
            "1D, N=16, M=2": (16, 2, (8, 8, 4, 2)),
            "1D, N=8, M=4": (8, 4, (8, 4, 2)),
        }
        CONFIG_2D = (4, 4, 2, (4, 2))   # H, W, M, wide-base ranks (2x2 windows); wide-tip reversed
        SEEDS = range(5)                # random Gaussian draws per (network, partition)
        CERT_SEED = 0
        """
    ),
    code(SETUP),
    code(
        """
        def shared_params(M, ranks, Y=1):
            # weights of a CNN with shared 1x1 convs M -> r_0 -> ... -> r_{L-1} -> Y (as in the
            # paper's experiment, where wide-base and wide-tip have the same count)
            ch = [M, *ranks, Y]
            return sum(a * b for a, b in zip(ch, ch[1:]))

        def tn_params(net):
            return sum(t.size for t in net.tensors)

        def measure(build, parts, **arch):
            # min cut, exact rank over the seeds, float rank over the seeds, certificate
            out = {}
            for name, A in parts.items():
                cut = tx.min_cut(build(seed=0), A).weight
                exact = [tx.schmidt_rank(build(seed=s), A, exact=True, seed=s) for s in SEEDS]
                flt = [tx.schmidt_rank(build(seed=s), A) for s in SEEDS]
                cert = tx.certify(arch["family"], A, seed=CERT_SEED,
                                  **{k: v for k, v in arch.items() if k != "family"})
                out[name] = dict(cut=cut, exact=exact, float=flt, cert=cert)
            return out

        res1d = {}
        for label, (N, M, base) in CONFIGS_1D.items():
            sizes = [2**k for k in range(int(np.log2(N)))]
            parts = {s: P.blocks(N, s) for s in sizes}
            res1d[label] = {}
            for kind, ranks in [("wide-base", base), ("wide-tip", base[::-1])]:
                build = lambda seed, N=N, M=M, ranks=ranks: tx.nets.ht(N, M, ranks, seed=seed)
                res1d[label][kind] = dict(
                    ranks=ranks, shared=shared_params(M, ranks), tn=tn_params(build(0)),
                    m=measure(build, parts, family="ht", N=N, M=M, ranks=ranks))
            print(label)
            for kind, d in res1d[label].items():
                print(f"  {kind:>9} ranks={d['ranks']} shared-conv weights={d['shared']} "
                      f"TN weights={d['tn']}")
                for s, m in d["m"].items():
                    print(f"     block size {s:>2}: min cut {m['cut']:>4}, exact ranks {set(m['exact'])}, "
                          f"float ranks {set(m['float'])}, certified {m['cert'].lower} "
                          f"(proven={m['cert'].proven})")
        """
    ),
    code(
        """
        # every measurement meets its min cut (exact rank, all seeds, and the certificate)
        for label in res1d:
            for d in res1d[label].values():
                for m in d["m"].values():
                    assert set(m["exact"]) == {m["cut"]} and m["cert"].proven and m["cert"].lower == m["cut"]

        def ranks_of(label, kind):
            return [m["cut"] for m in res1d[label][kind]["m"].values()]

        # comparable budgets in the paper's sense (shared convolutions): within 35%
        for label in res1d:
            nb_, nt_ = res1d[label]["wide-base"]["shared"], res1d[label]["wide-tip"]["shared"]
            assert max(nb_, nt_) / min(nb_, nt_) <= 1.35

        # The pattern the run shows (sizes 1, 2, 4, 8 for N=16; 1, 2, 4 for N=8):
        b, t = ranks_of("1D, N=16, M=2", "wide-base"), ranks_of("1D, N=16, M=2", "wide-tip")
        print("N=16, M=2: wide-base", b, " wide-tip", t)
        assert b == [256, 256, 16, 2] and t == [256, 16, 16, 8]
        # size 1 tied (both capped by M^(N/2)), wide-base ahead at size 2, tied at 4,
        # wide-tip ahead at the left/right split (size 8): the curves cross
        assert b[0] == t[0] and b[1] > t[1] and b[2] == t[2] and b[3] < t[3]
        b, t = ranks_of("1D, N=8, M=4", "wide-base"), ranks_of("1D, N=8, M=4", "wide-tip")
        print("N=8,  M=4: wide-base", b, " wide-tip", t)
        assert b == [256, 16, 2] and t == [16, 4, 4]
        assert b[0] > t[0] and b[1] > t[1] and b[2] < t[2]
        """
    ),
    md(
        """
        ## 2D: 4x4 grid, 2x2 pooling windows

        Short range: checkerboard and interleaved columns (both split every 2x2 window);
        long range: top/bottom and left/right halves.
        """
    ),
    code(
        """
        H, W, M2, base2 = CONFIG_2D
        parts2 = {"checkerboard": P.checkerboard(H, W), "interleaved cols": P.interleaved_columns(H, W),
                  "top/bottom": P.top_bottom(H, W), "left/right": P.left_right_2d(H, W)}
        res2d = {}
        for kind, ranks in [("wide-base", base2), ("wide-tip", base2[::-1])]:
            build = lambda seed, ranks=ranks: tx.nets.ht2d(H, W, M2, ranks, seed=seed)
            res2d[kind] = dict(ranks=ranks, shared=shared_params(M2, ranks), tn=tn_params(build(0)),
                               m=measure(build, parts2, family="ht2d", H=H, W=W, M=M2, ranks=ranks))
            d = res2d[kind]
            print(f"{kind:>9} ranks={ranks} shared-conv weights={d['shared']} TN weights={d['tn']}")
            for name, m in d["m"].items():
                print(f"   {name:>16}: min cut {m['cut']:>4}, exact ranks {set(m['exact'])}, "
                      f"certified {m['cert'].lower} (proven={m['cert'].proven})")
        for d in res2d.values():
            for m in d["m"].values():
                assert set(m["exact"]) == {m["cut"]} and m["cert"].proven and m["cert"].lower == m["cut"]
        b2 = {k: m["cut"] for k, m in res2d["wide-base"]["m"].items()}
        t2 = {k: m["cut"] for k, m in res2d["wide-tip"]["m"].items()}
        assert b2 == {"checkerboard": 256, "interleaved cols": 256, "top/bottom": 2, "left/right": 2}
        assert t2 == {"checkerboard": 16, "interleaved cols": 16, "top/bottom": 4, "left/right": 4}
        """
    ),
    code(
        """
        fig, axs = plt.subplots(1, 3, figsize=(15, 4.3))
        styles = {"wide-base": ("C0", "o-"), "wide-tip": ("C3", "s-")}
        for ax, label in zip(axs[:2], res1d):
            for kind, d in res1d[label].items():
                sizes = list(d["m"])
                col, st = styles[kind]
                ax.plot(sizes, [np.log2(m["cut"]) for m in d["m"].values()], st, color=col, lw=1.5,
                        label=f"{kind} {d['ranks']} (min cut)")
                ax.plot(sizes, [np.log2(np.mean(m["exact"])) for m in d["m"].values()], "x", color="k",
                        ms=9)
            ax.plot([], [], "kx", label="measured (exact rank, all seeds)")
            ax.set_xscale("log", base=2)
            ax.set_xticks(sizes, [str(s) for s in sizes])
            ax.set_xlabel("block size (1 = odd/even ... N/2 = left/right)")
            ax.set_ylabel("log2 Schmidt rank")
            ax.set_title(label)
        names = list(parts2)
        for kind, d in res2d.items():
            col, st = styles[kind]
            axs[2].plot(range(4), [np.log2(d["m"][n]["cut"]) for n in names], st, color=col,
                        label=f"{kind} {d['ranks']}")
            axs[2].plot(range(4), [np.log2(np.mean(d["m"][n]["exact"])) for n in names], "kx", ms=9)
        axs[2].set_xticks(range(4), names)
        axs[2].set_ylabel("log2 Schmidt rank")
        axs[2].set_title(f"2D, {H}x{W}, M={M2}")
        for ax in axs:
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(FIG / "channel_distribution.png", dpi=120)
        plt.show()
        """
    ),
    code(
        """
        print(f"notebook run time: {time.perf_counter() - T0:.1f} s")
        """
    ),
]

NOTEBOOKS = {
    "depth_efficiency": DEPTH,
    "min_cut_tightness": TIGHT,
    "channel_distribution": CHANNELS,
}
