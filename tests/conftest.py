import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def restore_registries():
    """Put back the family and measure registries a test changes."""
    from tnexpress.measures import registry as measures_registry
    from tnexpress.nets import _registry as nets_registry

    fams = dict(nets_registry._FAMILIES)
    meas = dict(measures_registry._MEASURES)
    yield
    nets_registry._FAMILIES.clear()
    nets_registry._FAMILIES.update(fams)
    measures_registry._MEASURES.clear()
    measures_registry._MEASURES.update(meas)
