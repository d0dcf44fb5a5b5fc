"""The atlas's figures (matplotlib, Agg): one function per PNG, each returns its file name."""

from __future__ import annotations

import math
from pathlib import Path

__all__ = ("make_figures",)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _depth(out: Path, depth) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    N = depth["N"]
    ax.plot(
        N, [math.log2(w) for w in depth["deep_bound"]], "o-", label="deep (r=2): min-cut bound"
    )
    md = [(n, math.log2(m)) for n, m in zip(N, depth["deep_measured"]) if m is not None]
    if md:
        ax.plot(*zip(*md), "s", ms=11, mfc="none", label="deep: measured rank")
    cd = [(n, math.log2(c)) for n, c in zip(N, depth["deep_certified"]) if c is not None]
    if cd:
        ax.plot(*zip(*cd), "x", ms=9, color="k", label="deep: certified (exact)")
    ax.plot(
        N, [math.log2(m) for m in depth["shallow_measured"]], "^-", label="shallow (r=4): measured"
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("N (inputs)")
    ax.set_ylabel("log2 of the odd/even Schmidt rank (log axis)")
    ax.set_title("Depth efficiency: deep rank 2^(N/2) (slope 1), shallow stays at r")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "depth_efficiency.png", dpi=110)
    plt.close(fig)
    return "depth_efficiency.png"


def _bound_vs_rank(out: Path, rows) -> str:
    """Small multiples: per family, proven rank against the min-cut bound."""
    plt = _plt()
    fams = sorted({r["family"] for r in rows})
    ncol = 4
    nrow = math.ceil(len(fams) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.1 * ncol, 3.0 * nrow), squeeze=False)
    lim = max(math.log2(r["min_cut"]) for r in rows) + 1
    for ax, fam in zip(axes.flat, fams):
        fr = [r for r in rows if r["family"] == fam]
        points: dict = {}
        for r in fr:
            x = math.log2(r["min_cut"])
            proven = bool(r["certified"] and r["certified"]["proven"])
            y = math.log2(max(r["rank_best"], 1))
            points.setdefault((x, y, proven), []).append(r)
            if r["schmidt_rank"] < r["rank_best"]:  # float64 undercounts: show it
                ax.plot(x, math.log2(r["schmidt_rank"]), "x", color="0.55", ms=6)
        for (x, y, proven), rs in points.items():
            ax.plot(
                x,
                y,
                "o",
                ms=5 + 2 * len(rs),
                color="#2a9d4b" if proven else "#4c72b0",
                mfc="#2a9d4b" if proven else "none",
                alpha=0.85,
            )
        ax.plot([0, lim], [0, lim], "k--", lw=0.7)
        ax.set_xlim(-0.5, lim)
        ax.set_ylim(-0.5, lim)
        ax.set_title(f"{fam} ({len(fr)} rows)", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(fams) :]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("log2 min-cut bound W")
    for ax in axes[:, 0]:
        ax.set_ylabel("log2 rank")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ls="", color="#2a9d4b", label="certified: exact rank = bound"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="none",
            color="#4c72b0",
            label="float64 rank (no certificate)",
        ),
        Line2D([], [], marker="x", ls="", color="0.55", label="float64 rank where it undercounts"),
        Line2D([], [], ls="--", color="k", label="rank = bound"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle("Min-cut bound vs proven Schmidt rank, per family (marker size: rows)")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(out / "bound_vs_measured.png", dpi=110)
    plt.close(fig)
    return "bound_vs_measured.png"


def _partitions(out: Path, rows) -> str:
    """Per partition of each family's first architecture: bound and proven rank."""
    plt = _plt()
    import numpy as np

    fams = sorted({r["family"] for r in rows})
    labels, bounds, ranks = [], [], []
    for fam in fams:
        first = [r for r in rows if r["family"] == fam]
        arch0 = first[0]["arch"]
        for r in first:
            if r["arch"] == arch0:
                labels.append(f"{fam}: {r['partition']}")
                bounds.append(math.log2(r["min_cut"]))
                ranks.append(math.log2(max(r["rank_best"], 1)))
    y = np.arange(len(labels))[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(labels) + 1.4))
    ax.barh(y + 0.2, bounds, 0.4, label="min-cut bound", color="#c7d6ec")
    ax.barh(y - 0.2, ranks, 0.4, label="proven rank (certificate, else float)", color="#2a6fb0")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("log2 of the Schmidt rank across the partition")
    ax.set_title("Which partitions get high rank (first architecture of each family)", pad=28)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(out / "partitions.png", dpi=110)
    plt.close(fig)
    return "partitions.png"


def _renyi2(out: Path, s2) -> str | None:
    if not s2 or not s2["N"]:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key, lab, mk in (
        ("odd_even", "odd/even cut", "o-"),
        ("left_right", "left/right cut", "s-"),
    ):
        pts = [(n, v) for n, v in zip(s2["N"], s2[key]) if v is not None and v > 0]
        if pts:
            ax.plot(*zip(*pts), mk, label=lab)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("N (inputs)")
    ax.set_ylabel("Renyi-2 entropy S_2 (bits, log axis)")
    ax.set_title(
        f"Deep ConvAC (ht, M=2, r=2, one Gaussian draw per N): S_2, {s2['method']} method",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "renyi2_vs_N.png", dpi=110)
    plt.close(fig)
    return "renyi2_vs_N.png"


def _profiles(out: Path, prof) -> str | None:
    if not prof or not prof.get("available"):
        return None
    plt = _plt()
    fams = sorted({p["family"] for p in prof["profiles"]})
    fig, axes = plt.subplots(1, len(fams), figsize=(5.2 * len(fams), 3.8), squeeze=False)
    for ax, fam in zip(axes[0], fams):
        for p in (p for p in prof["profiles"] if p["family"] == fam):
            N, S = p["N"], p["entropy_bits"]
            ax.plot([(k + 1) / N for k in range(len(S))], S, lw=1, label=f"N={N}")
        ax.set_xlabel("cut position k / N  (A = sites[:k])")
        ax.set_ylabel("S_1 (bits)")
        ax.set_title(f"{fam}: entanglement profile")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "entanglement_profile.png", dpi=110)
    plt.close(fig)
    return "entanglement_profile.png"


def _drawings(out: Path, log) -> list[str]:
    from ..draw import draw
    from ..nets import ht, ht2d
    from ..partitions import checkerboard, odd_even

    files = []
    for fname, net, A, kw, title in (
        (
            "network_ht8.png",
            ht(8, 2, (2, 2, 2), seed=0),
            odd_even(8),
            {},
            "Deep ConvAC, N=8: odd/even min cut (W = 16)",
        ),
        (
            "network_ht2d.png",
            ht2d(4, 4, 2, (2, 2), seed=0),
            checkerboard(4, 4),
            {"grid": (4, 4)},
            "2D deep ConvAC 4x4, 2x2 pooling: checkerboard cut",
        ),
    ):
        try:
            plt = _plt()
            fig = draw(net, A=A, title=title, **kw)
            fig.savefig(out / fname, dpi=100, bbox_inches="tight")
            plt.close(fig)
            files.append(fname)
        except Exception as e:  # drawing is a nicety; never fail the atlas on it
            log(f"  (could not draw {fname}: {e})")
    return files


def make_figures(out: Path, data: dict, log=print) -> list[str]:
    """Write every figure of ``data`` (the atlas sections) into ``out``; return the names."""
    files = [_depth(out, data["depth_efficiency"]), _bound_vs_rank(out, data["rows"])]
    files.append(_partitions(out, data["rows"]))
    for f in (_renyi2(out, data.get("renyi2")), _profiles(out, data.get("profile"))):
        if f:
            files.append(f)
    return files + _drawings(out, log)
