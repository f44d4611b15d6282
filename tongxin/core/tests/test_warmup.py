"""A web process compiles its templates and imports its views at start (core/warmup.py)."""

import gc
import importlib
import logging
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext

from tongxin.core import kept_tables, warmup
from tongxin.levels.models import ReviewCycle, Tier
from tongxin.people.models import Education, Ethnicity, PersonGroup, SubCategory
from tongxin.qualification.models import Condition
from tongxin.regions.models import Region

# warm_process reads the kept tables and then closes every connection, as it
# must before gunicorn forks: outside a test transaction, or PostgreSQL's
# test connection would be closed inside it.
warms = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _cached_names() -> set[str]:
    loader = engines["django"].engine.template_loaders[0]
    return {key.split("-")[0] for key in loader.get_template_cache}


@warms
def test_every_project_template_compiles_at_start(caplog):
    engines["django"].engine.template_loaders[0].reset()
    with caplog.at_level(logging.WARNING, logger="tongxin.core.warmup"):
        compiled = warmup.warm_process()
    names = warmup.project_templates()
    assert len(names) > 150 and "dashboard/home.html" in names
    assert "django/forms/widgets/input.html" in warmup.form_templates()
    # every one compiled (a template that does not would be logged), and kept
    assert compiled == len(names) + len(warmup.form_templates())
    assert not caplog.records
    assert set(names) <= _cached_names()
    # and kept out of the cyclic collector's full passes (a 100 ms pause each
    # in a warmed process, the home page's slowest views)
    assert gc.get_freeze_count() > 100_000


def test_the_wsgi_module_warms_the_process(monkeypatch):
    called = []
    monkeypatch.setattr(warmup, "warm_process", lambda: called.append(1) or 0)
    monkeypatch.delitem(sys.modules, "tongxin.wsgi", raising=False)
    importlib.import_module("tongxin.wsgi")
    assert called == [1]


def test_serve_loads_and_warms_the_application_before_binding():
    """gunicorn's --preload loads the WSGI module (and so warms it) in the
    master, before the socket is bound and the workers are forked."""
    from tongxin.core.management.commands.serve import gunicorn_command

    command = gunicorn_command("127.0.0.1", 8000, 4, 1)
    assert "--preload" in command and "tongxin.wsgi:application" in command


@warms
def test_namespaced_reverse_needs_no_filling_after_the_warm_up(monkeypatch):
    """`reverse("app:name")` goes through a per-namespace resolver that Django
    fills on its first use (0.2 s of the first page's navigation)."""
    from django.urls import clear_url_caches, reverse
    from django.urls.resolvers import URLResolver

    clear_url_caches()
    warmup.warm_process()
    filled = []
    original = URLResolver._populate
    monkeypatch.setattr(
        URLResolver, "_populate", lambda self: filled.append(self) or original(self)
    )
    for name in ("people:list", "imports:list", "flows:inbox", "engagement:activities_list"):
        reverse(name)
    assert filled == []


@warms
def test_the_apps_load_their_lazy_tables_at_the_warm_up(monkeypatch):
    called = []
    monkeypatch.setattr("tongxin.people.hooks.warm_up", lambda: called.append("people") or [])
    warmup.warm_process()
    assert called == ["people"]


KEPT_MODELS = (Region, PersonGroup, SubCategory, Ethnicity, Education, Tier, ReviewCycle, Condition)


def _reads_of_kept_tables(queries) -> list[str]:
    """The queries that read a kept table whole (a scoped read of regions,
    e.g. the user's placements, is not one)."""
    tables = {model._meta.db_table for model in KEPT_MODELS}
    return [
        query["sql"]
        for query in queries
        if " WHERE " not in query["sql"]
        and any(f'FROM "{table}"' in query["sql"] for table in tables)
    ]


@warms
def test_a_warmed_process_reads_no_kept_table_on_its_first_pages(
    client_for, city_user, make_person
):
    """The worker forked after the warm-up has the kept tables and their
    tokens: its first list and person pages read none of them."""
    person = make_person("王芳")
    kept_tables._kept.clear()
    warmup.warm_process()
    assert {
        "regions",
        "people.groups",
        "people.subcategories",
        "people.ethnicities",
        "levels.tiers",
        "levels.review_cycles",
        "qualification.conditions",
    } <= set(kept_tables._kept)

    client = client_for(city_user)
    with CaptureQueriesContext(connection) as queries:
        listed = client.get("/persons/", {"q": "芳"})
        shown = client.get(f"/persons/{person.pk}/")
    assert listed.status_code == 200 and "王芳" in listed.content.decode()
    assert shown.status_code == 200 and "王芳" in shown.content.decode()
    assert _reads_of_kept_tables(queries.captured_queries) == []


@warms
def test_a_kept_table_changed_after_the_warm_up_is_read_again(client_for, city_user):
    warmup.warm_process()
    PersonGroup.objects.create(name="新的界别", sort_order=99)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(city_user).get("/persons/")
    assert response.status_code == 200 and "新的界别" in response.content.decode()
    assert any("people_persongroup" in sql for sql in _reads_of_kept_tables(queries))


@pytest.mark.parametrize(
    "cache", [{}, {"TONGXIN_CACHE_URL": "redis://127.0.0.1:9/0"}], ids=["file", "unreachable"]
)
def test_the_web_application_loads_on_a_database_not_migrated_yet(tmp_path, cache):
    """gunicorn loads the WSGI module (and so the warm-up) before anything
    could migrate: an empty database, or a cache server not up yet, is
    logged, not a failed start."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TONGXIN_", "DJANGO_"))
    }
    env |= {"TONGXIN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tongxin.settings"}
    env |= cache
    loaded = subprocess.run(
        [sys.executable, "-c", "import tongxin.wsgi; print('loaded')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip() == "loaded"
    assert "kept tables not read at start" in loaded.stderr
