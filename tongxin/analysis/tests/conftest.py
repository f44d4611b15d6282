import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counts are cached per data version; rolled-back tests may reuse ids."""
    cache.clear()
    yield
    cache.clear()
