import pytest
from django.core.cache import cache

from tongxin.core import options


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counts are cached per data version; rolled-back tests may reuse ids."""
    cache.clear()
    options.assume_none_stored()  # as the root conftest leaves it: no 系统参数 set
    yield
    cache.clear()
