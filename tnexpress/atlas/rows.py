"""The atlas's numbers: one function per section, each returning JSON-ready data.

- :func:`atlas_rows`: every registered family, its atlas architectures and
  canonical partitions: min cut, closed form, float rank, entropy, exact
  certificate (where ``W <= 4096``);
- :func:`geometric_rows`: the geometric measure, once per architecture;
- :func:`depth_efficiency`, :func:`scale_section`, :func:`grid_section`;
- :func:`renyi2_section`: ``S_2`` of ``ht`` odd/even and left/right cuts vs ``N``
  (replica method where :func:`tnexpress.entropy` offers it, else the cut method
  while ``W`` is small);
- :func:`profile_section`: :func:`tnexpress.entanglement_profile` of ``ht`` and
  ``tt`` where that function exists (guarded: skipped with a note otherwise).
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..measures.certify import certify
from ..measures.mincut import min_cut
from ..measures.schmidt import schmidt_spectrum
from ..nets import families, get_family

__all__ = (
    "atlas_rows",
    "geometric_rows",
    "depth_efficiency",
    "scale_section",
    "grid_section",
    "renyi2_section",
    "profile_section",
    "progress_bar",
)


_CERTIFY_MAX_W = 4096
_GEOMETRIC_MAX_SITES = 12


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _arch_str(arch: dict) -> str:
    parts = []
    for k, v in arch.items():
        if isinstance(v, (tuple, list)):
            v = ",".join(str(x) for x in v)
        parts.append(f"{k}={v}")
    return " ".join(parts)


def progress_bar(total: int, desc: str, progress: bool):
    """A tqdm bar on a terminal (``progress`` and stderr a TTY), else a no-op stand-in."""
    if progress and sys.stderr.isatty():
        try:
            from tqdm.auto import tqdm

            return tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)
        except ImportError:  # pragma: no cover - tqdm is a core dependency
            pass
    return _NoBar()


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix_str(self, s):
        pass

    def close(self):
        pass


def _jsonable_arch(arch: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in arch.items()}


def _work(quick: bool):
    for name in families():
        fam = get_family(name)
        for arch in fam.atlas[:1] if quick else fam.atlas:
            yield name, fam, arch


def atlas_rows(quick: bool = False, *, log=print, progress: bool = True) -> list[dict]:
    """One row per (family, architecture, partition): bound, rank, entropy, certificate.

    ``certified`` holds the exact rank at integer weights (``lower``, a lower
    bound on the rank for almost every weight) and the min cut (``upper``);
    ``rank_best`` is the best proven lower bound (the certificate's where there
    is one, else the float rank).
    """
    work = [(n, f, a, f.partitions(**a)) for n, f, a in _work(quick)]
    bar = progress_bar(sum(len(p) for *_, p in work), "atlas rows", progress)
    rows = []
    for name, fam, arch, parts in work:
        net = fam.build(**arch, seed=0)
        for pname, A in parts.items():
            bar.set_postfix_str(f"{name} {pname}")
            t0 = time.perf_counter()
            cut = min_cut(net, A)
            sp = schmidt_spectrum(net, A, method="cut")
            rank = sp.rank()
            ent = sp.entropy()
            cert = None
            if cut.weight <= _CERTIFY_MAX_W:
                c = certify(fam, A, seed=0, **arch)
                cert = {"lower": c.lower, "upper": c.upper, "proven": c.proven}
            bound = fam.bound(pname, **arch) if fam.bound else None
            rows.append(
                {
                    "family": name,
                    "arch": _jsonable_arch(arch),
                    "N": net.nsites,
                    "partition": pname,
                    "min_cut": cut.weight,
                    "closed_form": bound,
                    "schmidt_rank": rank,
                    "rank_best": max(rank, cert["lower"]) if cert else rank,
                    "entropy_bits": ent,
                    "certified": cert,
                    "seconds": time.perf_counter() - t0,
                }
            )
            bar.update()
            log(
                f"  {name:8s} {_arch_str(arch):32s} {pname:12s} cut={cut.weight:<6} "
                f"rank={rank:<6} S={ent:.3f} bits"
            )
    bar.close()
    return rows


def geometric_rows(quick: bool = False, *, log=print) -> list[dict]:
    """Geometric measure (bits) of each atlas architecture with at most 12 sites."""
    from ..measures.geometric import geometric_measure

    out = []
    for name, fam, arch in _work(quick):
        net = fam.build(**arch, seed=0)
        if net.nsites > _GEOMETRIC_MAX_SITES:
            continue
        t0 = time.perf_counter()
        e_g = float(geometric_measure(net, restarts=4, seed=0))
        secs = time.perf_counter() - t0
        out.append(
            {
                "family": name,
                "arch": _jsonable_arch(arch),
                "N": net.nsites,
                "bits": e_g,
                "seconds": secs,
            }
        )
        log(f"  {name} {_arch_str(arch)}: geometric measure {e_g:.4f} bits ({secs:.2f} s)")
    return out


def depth_efficiency(quick: bool, log=print) -> dict:
    """Deep (HT) vs shallow (CP) odd/even ranks as N grows (M=2, r=2 deep, r=4 shallow)."""
    from ..nets import cp, ht
    from ..partitions import odd_even

    Ns = [4, 8, 16] if quick else [4, 8, 16, 32, 64, 128, 256]
    out = {
        "N": [],
        "deep_bound": [],
        "deep_measured": [],
        "deep_certified": [],
        "shallow_bound": [],
        "shallow_measured": [],
    }
    for N in Ns:
        L = int(math.log2(N))
        deep = ht(N, 2, (2,) * L, seed=0)
        shallow = cp(N, 2, 4, seed=0)
        A = odd_even(N)
        wd = min_cut(deep, A).weight
        ws = min_cut(shallow, A).weight
        md = cd = None
        if wd <= 256:
            md = schmidt_spectrum(deep, A, method="cut").rank()
            cd = certify("ht", A, N=N, M=2, ranks=(2,) * L, seed=0).lower
        ms = schmidt_spectrum(shallow, A, method="cut").rank()
        for k, v in zip(out, (N, wd, md, cd, ws, ms)):
            out[k].append(v)
        log(
            f"  depth efficiency N={N}: deep bound {wd}, measured {md}, certified {cd}; "
            f"shallow bound {ws}, measured {ms}"
        )
    return out


def scale_section(quick: bool, log=print) -> list[dict]:
    """Left/right spectra of ht and tt at N = 4096 and 16384 (quick: 1024), far beyond dense."""
    from ..nets import ht, tt
    from ..partitions import left_right

    sizes = (1024,) if quick else (4096, 16384)
    rows = []
    for N in sizes:
        for fam, build in (("ht", ht), ("tt", tt)):
            label = f"{fam} N={N} M=2 r=4"
            net = build(N, 2, 4, seed=0)
            A = left_right(N)
            t0 = time.perf_counter()
            sp = schmidt_spectrum(net, A, method="cut")
            secs = time.perf_counter() - t0
            s = sp.values
            rows.append(
                {
                    "network": label,
                    "partition": "left-right",
                    "amplitudes_log2": float(N),
                    "min_cut": sp.cut_weight,
                    "schmidt_values": [float(x) for x in s],
                    "entropy_bits": sp.entropy(),
                    "log2_norm": sp.log2_norm,
                    "seconds": secs,
                }
            )
            log(
                f"  scale: {label} left-right: W={sp.cut_weight}, "
                f"S={rows[-1]['entropy_bits']:.4f} bits, log2|A|={sp.log2_norm:.1f}, {secs:.2f} s"
            )
    return rows


def _template(K: int, d: int, seed: int = 0):
    # points off the unit sphere: |x|^2 = 1 on the template would lower attention ranks
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((K, d))
    return t / np.linalg.norm(t, axis=1, keepdims=True) * rng.uniform(0.7, 1.3, (K, 1))


def grid_section(quick: bool, log=print) -> dict:
    """Non-multilinear results through grid tensors (Claim 7.1: rank lower-bounds sep. rank)."""
    from ..grid import generalized as G
    from ..grid.attention import attention_separation_ranks, linear_attention
    from ..grid.tensor import grid_rank

    out: dict = {"relu_max": [], "attention": []}
    feats = np.abs(np.random.default_rng(0).standard_normal((4, 4)))  # K = M = 4 template
    for N in (2, 4, 8):
        odd = tuple(range(0, N, 2))
        deep = max(
            grid_rank(G.deep(N, 4, 8, g="relu_max", seed=s).grid_tensor_from_features(feats), odd)
            for s in range(3)
        )
        shallow = grid_rank(
            G.shallow(N, 4, 8, g="relu_max", seed=0).grid_tensor_from_features(feats), odd
        )
        out["relu_max"].append(
            {"N": N, "deep": deep, "shallow_8_channels": shallow, "full": 4 ** (N // 2)}
        )
        log(f"  ReLU/max pooling N={N}: deep grid rank {deep}, shallow (8 channels) {shallow}")
    for L in (1, 2):
        ranks = attention_separation_ranks(
            linear_attention(L, 2, seed=1), 6, _template(5, 2, 2), rtol=1e-10
        )
        vals = sorted(set(ranks.values()))
        out["attention"].append(
            {"L": L, "d_x": 2, "N": 6, "partitions": len(ranks), "ranks": vals}
        )
        log(
            f"  linear self-attention L={L} d_x=2 N=6: ranks over {len(ranks)} balanced "
            f"partitions {vals}"
        )
    return out


def _supports_replica() -> bool:
    from .. import entropy
    from ..nets import tt

    try:
        entropy(tt(4, 2, 2, seed=0), [0, 1], alpha=2, method="replica")
    except (ValueError, TypeError, NotImplementedError):
        return False
    return True


def renyi2_section(quick: bool, *, log=print, progress: bool = True, max_seconds: float = 20.0):
    """``S_2`` (bits) of ``ht`` (M=2, r=2) odd/even and left/right cuts as ``N`` grows.

    With the replica method (``tx.entropy(..., alpha=2, method="replica")``,
    cost independent of the cut weight) ``N`` runs to 4096 (quick: 64); without
    it the cut method runs while ``W <= 2**12``. A size whose call takes more
    than ``max_seconds`` ends the sweep of that cut.
    """
    from .. import entropy
    from ..nets import ht
    from ..partitions import left_right, odd_even

    replica = _supports_replica()
    method = "replica" if replica else "cut"
    Ns = [4, 8, 16, 32, 64] if quick else [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    out = {"method": method, "N": [], "odd_even": [], "left_right": [], "seconds": []}
    bar = progress_bar(len(Ns), "S_2 vs N", progress)
    stop = set()
    for N in Ns:
        net = ht(N, 2, (2,) * int(math.log2(N)), seed=0)
        vals, t0 = {}, time.perf_counter()
        for key, A in (("odd_even", odd_even(N)), ("left_right", left_right(N))):
            v = None
            if key not in stop and (replica or min_cut(net, A).weight <= 2**12):
                t1 = time.perf_counter()
                v = float(entropy(net, A, alpha=2, method=method))
                if time.perf_counter() - t1 > max_seconds:
                    stop.add(key)
            vals[key] = v
        if all(v is None for v in vals.values()):
            break
        out["N"].append(N)
        for key, v in vals.items():
            out[key].append(v)
        out["seconds"].append(time.perf_counter() - t0)
        bar.update()
        log(
            f"  S_2 ({method}) ht N={N}: odd/even {vals['odd_even']}, left/right "
            f"{vals['left_right']}"
        )
    bar.close()
    return out


def profile_section(quick: bool, *, log=print, progress: bool = True, max_seconds: float = 30.0):
    """Entanglement profiles (``S_1`` across ``(sites[:k], sites[k:])``) of ``ht`` and ``tt``.

    Computed with :func:`tnexpress.entanglement_profile` (one sweep for all cuts). A family
    whose profile takes more than ``max_seconds`` is not run at larger ``N``.
    """
    import tnexpress as tx

    fn = tx.entanglement_profile
    from ..nets import ht, tt

    Ns = [16, 64] if quick else [64, 256, 1024]
    out = {"available": True, "profiles": []}
    bar = progress_bar(2 * len(Ns), "profiles", progress)
    slow: set = set()
    for N in Ns:
        for fam, build in (
            ("ht", lambda N: ht(N, 2, (2,) * int(math.log2(N)), seed=0)),
            ("tt", lambda N: tt(N, 2, 4, seed=0)),
        ):
            bar.update()
            if fam in slow:
                continue
            net = build(N)
            t0 = time.perf_counter()
            prof = [float(x) for x in np.asarray(fn(net, alpha=1))]
            secs = time.perf_counter() - t0
            out["profiles"].append({"family": fam, "N": N, "entropy_bits": prof, "seconds": secs})
            if secs > max_seconds:
                slow.add(fam)
            log(f"  profile {fam} N={N}: max S_1 {max(prof):.3f} bits ({secs:.2f} s)")
    bar.close()
    return out
