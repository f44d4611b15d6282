"""Shared test fixtures: a small Nanning deployment, one user per role and a
person factory. Tests go through the HTTP client and check the database."""

import datetime
import itertools

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from stdnum.cn.ric import calc_check_digit

from tongxin.accounts.models import User
from tongxin.core import options
from tongxin.people.models import Education, Ethnicity, Person, PersonGroup, PoliticalStatus
from tongxin.people.search import derived_fields
from tongxin.regions.models import Region

# Property tests check what holds, not how fast: speed lives in bench/
# (docs/benchmarks.md). Hypothesis's default 200 ms deadline per example and
# its "too slow" health check failed on a loaded 2-core CI machine
# (service/tests/test_validators.py, engagement/tests/test_stage_rules.py).
hypothesis_settings.register_profile(
    "tongxin", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("tongxin")

PASSWORD = "correct-horse-battery-staple"
_sequence = itertools.count(1)


def make_id_number(address_code: str = "450102", born=datetime.date(1985, 6, 1), sex="M") -> str:
    """A valid resident ID: unique per call within a test run."""
    seq = next(_sequence) % 500
    sex_digit = (2 * (seq % 5) + (1 if sex == "M" else 0)) % 10
    first17 = f"{address_code}{born:%Y%m%d}{seq // 5:02d}{sex_digit}"
    return first17 + calc_check_digit(first17 + "0")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Tests render templates without running collectstatic first, and hash
    passwords cheaply (Argon2 is deliberately slow)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PII_KEY, settings.PII_KEY_FILE = "", str(tmp_path / "pii_keys.json")  # core/pii.py
    settings.MFA_REQUIRED = "none"  # tongxin/mfa tests set their own policy
    # Figures are cached under the newest history id (core.versioned_cache);
    # a rolled-back test hands the same ids out again on SQLite. Each test
    # process keeps its own cache (the product's file cache is shared).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # Every test starts with no 系统参数 stored, and with that fact already in
    # the cache, as a running server has it: pinned query counts stay those
    # of the page itself (core/tests/test_options.py reads it cold).
    options.forget()
    options.assume_none_stored()


@pytest.fixture
def regions(db):
    city = Region.objects.create(code="450100", name="南宁市", kind=Region.Kind.CITY)
    xingning = Region.objects.create(
        code="450102", name="兴宁区", kind=Region.Kind.DISTRICT, parent=city, sort_order=1
    )
    qingxiu = Region.objects.create(
        code="450103", name="青秀区", kind=Region.Kind.DISTRICT, parent=city, sort_order=2
    )
    return {"city": city, "xingning": xingning, "qingxiu": qingxiu}


def _user(username: str, role: str, regions=()) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role)
    if regions:
        user.regions.set(regions)
    return user


@pytest.fixture
def admin_user(regions):
    return _user("admin", User.Role.ADMIN, [regions["city"]])


@pytest.fixture
def city_user(regions):
    return _user("city", User.Role.CITY, [regions["city"]])


@pytest.fixture
def xingning_user(regions):
    return _user("xingning", User.Role.COUNTY, [regions["xingning"]])


@pytest.fixture
def qingxiu_user(regions):
    return _user("qingxiu", User.Role.COUNTY, [regions["qingxiu"]])


@pytest.fixture
def leader_user(regions):
    return _user("leader", User.Role.LEADER, [regions["city"]])


@pytest.fixture
def make_person(regions):
    """make_person(name="张三", region=regions["qingxiu"], **fields) → a saved Person.

    Saved through the real service so history, search columns and audit rows
    are exactly what the product writes.
    """
    from tongxin.people.services import person_create

    def make(name: str = "张三", *, region=None, actor=None, **fields) -> Person:
        region = region or regions["xingning"]
        sex = fields.pop("sex", "M")
        born = fields.pop("birth_date", datetime.date(1985, 6, 1))
        data = {
            "name": name,
            "sex": sex,
            "birth_date": born,
            "id_number": fields.pop("id_number", None) or make_id_number(region.code, born, sex),
            "ethnicity": Ethnicity.objects.get(name="汉族"),
            "political_status": PoliticalStatus.objects.get(name="无党派人士"),
            "education": Education.objects.get(name="大学本科"),
            "group": PersonGroup.objects.get(sort_order=1),
            "region": region,
            "level": Person.Level.COUNTY,
            "mobile": "13800138000",
            **fields,
        }
        return person_create(actor=actor, data=data)

    return make


@pytest.fixture
def client_for(client):
    """client_for(user) → the test client logged in as `user`."""

    def login(user):
        client.force_login(user, backend="tongxin.accounts.backends.TongxinBackend")
        return client

    return login


__all__ = ["PASSWORD", "derived_fields", "make_id_number"]
