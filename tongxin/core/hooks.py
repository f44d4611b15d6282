"""How domain apps add to shared pages without editing them.

An app may define `tongxin/<app>/hooks.py` with any of:

- `nav_items(user) -> list[dict]`: sidebar entries, each {"label", "url"} or
  {"heading"}; return [] for users who may not use the app.
- `person_panels(request, person) -> list[dict]`: boxes on a person's page,
  each {"template": "...html", "context": {...}, "column": "main"|"side"}.
  The person was already checked with `person_for_user`.
- `person_presence(request) -> list[(name, Exists)]`: whether the person has
  any row of what the app's panels read (`OuterRef("pk")` is the person); the
  person page asks them all in its one query for the person, and a panel
  whose check is false (`present(person, name)`) skips its query. Most
  persons have no row of most kinds, and each empty panel's query cost the
  page a round trip. A check may be wider than its panel (any row of the
  kind, whoever may read it: one table, no join, as PostgreSQL plans a
  join in every check at each request): true only means the panel reads its
  rows, through the region rule, as before; nothing of a check is shown.
- `home_cards(user) -> list[dict]`: boxes on the home page, each
  {"template": "...html", "context": {...}, "order": int, "width": 1-12};
  the template sees the context as `panel`; only data of the user's regions.
- `region_list_annotations() -> list[(name, expression)]`: columns counted per
  region on the region list (people adds `person_count`).
- `warm_figures(user) -> list`: count the cached figures the app's pages show
  this user by default (core/versioned_cache.py runs it in the background
  after changes); return [].
- `person_entry_matches(user, data) -> list[dict]`: persons a record being
  registered (form values) may duplicate, each {"person", "reason"}; a
  person outside the user's scope comes as {"person": None, "reason":
  "可能已在其他区域登记"} and is never named (tongxin/dedupe).
- `import_row_matches(user, rows) -> list[(position, message)]`: the same for
  the rows (values dicts) an import would create, in one batch; the import
  preview shows each message as the row's warning.
- `inbox_items(user) -> list[core.inbox.InboxItem]`: what awaits the user's
  decision (`awaiting_me=True`) and what they asked that is still open; the
  inbox page (flows) lists them and the navigation counts the awaiting ones.
  Only items the user may read, named only inside their scope; [] for users
  with nothing to do there.
- `kept_tables() -> list[callable]`: the functions that read the app's kept
  tables (core/kept_tables.py); a web process calls each once before its
  first request (core/warmup.py), so that no first page reads them.
- `demo_records(seed) -> list[str]`: `tongxin demo` calls it once persons
  exist; the app fills its own pages with a few records in every region of the
  demo tree, once (nothing if it has records already), and returns one line
  each saying what it made.
"""

from functools import cache
from importlib import import_module

from django.apps import apps


@cache
def _hook_modules() -> list:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tongxin."):
            continue
        try:
            modules.append(import_module(f"{config.name}.hooks"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.hooks":
                raise
    return modules


def collect(hook: str, *args) -> list:
    """Concatenate the results of `hook(*args)` over every app that defines it."""
    results = []
    for module in _hook_modules():
        function = getattr(module, hook, None)
        if function is not None:
            results.extend(function(*args))
    return results


def present(obj, name: str) -> bool:
    """What `person_presence`'s check `name` found for `obj`; True when it was
    not asked (the panel is drawn some other way), so the caller reads."""
    return getattr(obj, "_present", {}).get(name, True)
