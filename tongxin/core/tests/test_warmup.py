"""A web process compiles its templates and imports its views at start (core/warmup.py)."""

import gc
import importlib
import logging
import sys

from django.template import engines

from tongxin.core import warmup


def _cached_names() -> set[str]:
    loader = engines["django"].engine.template_loaders[0]
    return {key.split("-")[0] for key in loader.get_template_cache}


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


def test_the_apps_load_their_lazy_tables_at_the_warm_up(monkeypatch):
    called = []
    monkeypatch.setattr("tongxin.people.hooks.warm_up", lambda: called.append("people") or [])
    warmup.warm_process()
    assert called == ["people"]
