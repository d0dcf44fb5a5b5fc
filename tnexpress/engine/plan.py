"""Sizes of a row-compressed contraction, computed from shapes alone (no arrays).

Mirrors :func:`tnexpress._executor.contract_path`: the same keep rule per
pairwise step and the same QR compression of row labels, so the largest
intermediate is known exactly before anything is allocated.
"""

from __future__ import annotations

import math

__all__ = ("peak_entries",)


def peak_entries(inputs, output, path, size, *, rows=()) -> int:
    """Largest number of entries any intermediate of ``contract_path`` will hold.

    Parameters are those of :func:`tnexpress._executor.contract_path`.
    """
    rows = set(rows)
    out_set = set(output)
    size = dict(size)
    terms = [tuple(t) for t in inputs]
    count: dict = {}
    for ix in terms:
        for i in set(ix):
            count[i] = count.get(i, 0) + 1
    fresh = 0
    peak = max((math.prod(size[i] for i in t) for t in terms), default=1)

    def compress(ix):
        nonlocal fresh
        r_ix = [i for i in ix if i in rows]
        o_ix = [i for i in ix if i not in rows]
        d_r = math.prod(size[i] for i in r_ix)
        d_o = math.prod(size[i] for i in o_ix)
        if r_ix and (d_r > d_o or (len(r_ix) > 1 and d_r == d_o)):
            new = ("plan-row", fresh)
            fresh += 1
            size[new] = min(d_r, d_o)
            rows.add(new)
            return (new, *o_ix)
        return ix

    for i, j in path:
        i, j = sorted((i, j))
        bi, ai = terms.pop(j), terms.pop(i)
        for lab in set(ai) | set(bi):
            count[lab] -= (lab in ai) + (lab in bi)
        keep = tuple(
            lab
            for lab in dict.fromkeys(ai + bi)
            if lab in out_set or lab in rows or count.get(lab, 0) > 0
        )
        peak = max(peak, math.prod(size[x] for x in keep))
        keep = compress(keep)
        for lab in set(keep):
            count[lab] = count.get(lab, 0) + 1
        terms.append(keep)
    while len(terms) > 1:
        bi, ai = terms.pop(), terms.pop()
        keep = tuple(dict.fromkeys(ai + bi))
        peak = max(peak, math.prod(size[x] for x in keep))
        terms.append(compress(keep))
    return peak
