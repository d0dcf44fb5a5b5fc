import pytest

import tnexpress as tx
import tnexpress.nets as nets


def test_every_public_name_resolves():
    for name in tx.__all__:
        assert getattr(tx, name) is not None, name
    for name in nets.__all__:
        assert getattr(nets, name) is not None, name


def test_version_is_package_metadata():
    from importlib.metadata import version

    assert tx.__version__ == version("tnexpress")


def test_registry_lists_core_families():
    assert {"cp", "ht", "ht2d", "tt"} <= set(nets.families())
    fam = nets.get_family("ht")
    net = fam.build(N=8, M=2, ranks=(2, 2, 2), seed=0)
    assert net.nsites == 8
    parts = fam.partitions(N=8)
    assert parts["odd-even"] == (0, 2, 4, 6)


def test_submodules_not_shadowed():
    import types

    for mod in ("engine", "measures", "grid", "nets", "partitions"):
        assert isinstance(getattr(tx, mod), types.ModuleType), mod
    assert callable(tx.engine.paths.contraction_tree)
    assert tx.contract_network is tx.engine.slicing.contract_network


def test_registry_changes_are_undone_between_tests_part1():
    tx.register_measure("scratch_measure", lambda bp: 1)
    tx.nets.register_family(
        "scratch_family", lambda **k: tx.nets.tt(4, 2, 2, **k), partitions=lambda **k: {}
    )
    assert "scratch_measure" in tx.measure_names()
    assert "scratch_family" in tx.nets.families()


def test_registry_changes_are_undone_between_tests_part2():
    assert "scratch_measure" not in tx.measure_names()
    assert "scratch_family" not in tx.nets.families()


def test_measure_registry_drives_values():
    net = tx.nets.ht(8, 2, 2, seed=0)
    bp = tx.bipartition(net, tx.partitions.odd_even(8))
    assert tx.get_measure("min_cut")(bp) == tx.min_cut(net, tx.partitions.odd_even(8)).weight
    assert tx.get_measure("entropy_bits")(bp, alpha=2) == pytest.approx(
        tx.entropy(net, tx.partitions.odd_even(8), alpha=2)
    )
    with pytest.raises(ValueError, match="unknown measure"):
        tx.get_measure("nope")
    with pytest.raises(ValueError, match="already registered"):
        tx.register_measure("min_cut", lambda bp: 0)
