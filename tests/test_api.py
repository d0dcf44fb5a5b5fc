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
