"""What a web process does once, before its first request.

A fresh process pays on its first requests for everything Django does
lazily: importing every view module when the URL configuration is first
resolved, and compiling each template on its first use (the cached loader
then keeps it). Measured at 1M persons, the first home page of a fresh
process took 0.9–1.1 s of CPU against 35–50 ms warm; after this, 0.13–0.16
s. `tongxin serve` runs it once in gunicorn's master (`--preload`), before
the socket is bound, and forks the workers from it.

The one read of the database: the kept small tables every page uses (the
region tree, person groups, dictionaries …, core/kept_tables.py), so that a
worker's first page does not read them too. The workers are forked with the
rows and their tokens, and check the tokens in the shared cache as on any
request: a table changed since the start is read again.
"""

import gc
import logging
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.forms.renderers import get_default_renderer
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_resolver, reverse

from . import hooks

logger = logging.getLogger(__name__)


def _template_names(directory: Path) -> list[str]:
    return sorted(
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.suffix in {".html", ".txt"} and path.is_file()
    )


def project_templates() -> list[str]:
    """The names of the project's own templates (its template directory and each tongxin app's)."""
    directories = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    directories += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if config.name.startswith("tongxin.")
    ]
    names: list[str] = []
    for directory in directories:
        if directory.is_dir():
            names += _template_names(directory)
    return list(dict.fromkeys(names))


def form_templates() -> list[str]:
    """Django's form and widget templates, which every form on a page renders."""
    import django.forms

    root = Path(django.forms.__file__).parent / "templates"
    return [name for name in _template_names(root) if name.startswith("django/forms/")]


def _namespaces(resolver, within: tuple[str, ...] = ()):
    for name, (_prefix, included) in resolver.namespace_dict.items():
        path = (*within, name)
        yield ":".join(path)
        yield from _namespaces(included, path)


def _populate(resolver) -> None:
    """Fill the URL resolvers' reverse lookups. `reverse("app:name")` goes
    through a resolver made for the namespace (django.urls.get_ns_resolver,
    kept per process) whose lookups are filled on its first use: 0.2 s of
    the first page's navigation. One lookup per namespace fills it; the name
    need not exist. Imports every view module."""
    resolver.reverse_dict  # noqa: B018
    for namespace in _namespaces(resolver):
        try:
            reverse(f"{namespace}:-")
        except NoReverseMatch:
            pass


def load_kept_tables() -> int:
    """Read every app's kept tables (its `kept_tables` hook) into this process;
    returns how many were read. A database or cache server that cannot answer
    yet (not migrated, not reachable) is logged and left alone: each table is
    then read on its first use, as it would have been."""
    loaders = hooks.collect("kept_tables")
    for loaded, load in enumerate(loaders):
        try:
            load()
        # Whatever the database's or the cache's client raises: reading ahead
        # must not be why the server does not start (it did not read either
        # before), and the first request meets the same error in its place.
        except Exception as error:
            logger.warning("kept tables not read at start: %r", error)
            return loaded
    return len(loaders)


def warm_process() -> int:
    """Resolve the URL configuration, read the kept tables and compile every
    template; returns how many templates were compiled. A template that does not compile is logged
    and left to fail on its own page, as it would have."""
    _populate(get_resolver())
    # Every app's hooks module, and what each loads lazily on first use
    # (its `warm_up` hook: lookup tables of the libraries it uses).
    hooks.collect("warm_up")
    load_kept_tables()
    compiled = 0
    renderer = get_default_renderer()
    for names, load in (
        (project_templates(), get_template),
        (form_templates(), renderer.get_template),
    ):
        for name in names:
            try:
                load(name)
            except (TemplateDoesNotExist, TemplateSyntaxError) as error:
                logger.warning("template %s not compiled at start: %s", name, error)
                continue
            compiled += 1
    # Under `gunicorn --preload` this runs in the master before it forks: no
    # connection (to the database, or to a cache server) may be left open
    # for the workers to share.
    connections.close_all()
    caches.close_all()
    # What was built so far lives as long as the process: out of the
    # collector's sight (gc.freeze), a full collection no longer walks the
    # hundreds of thousands of objects of the compiled templates and imported
    # modules, and forked workers do not touch (and so copy) their pages.
    gc.collect()
    gc.freeze()
    return compiled
