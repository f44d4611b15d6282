"""What people adds to other apps' pages (core/hooks.py)."""

from functools import partial

from django.db.models import Count, Q

from .models import Person


def region_list_annotations() -> list[tuple[str, object]]:
    """The active persons of each region on the region list (regions/views.py),
    counted in the same query as the regions."""
    return [
        ("person_count", Count("persons", filter=Q(persons__status=Person.Status.ACTIVE))),
    ]


def kept_tables() -> list:
    """The small tables every person page reads (people/kept.py), read before
    the first request (core/warmup.py)."""
    from .kept import DICTIONARIES, dictionary_entries, person_groups, subcategories

    return [
        person_groups,
        subcategories,
        *(partial(dictionary_entries, relation) for relation in DICTIONARIES),
    ]


def warm_up() -> list:
    """What the person pages load on first use, loaded once in the web
    server's master before it forks (core/warmup.py): the phone-number
    metadata behind every masked mobile (0.14 s on the first list page of a
    process) and the pinyin tables behind every name search."""
    from .search import name_pinyin_fields
    from .validators import mask_mobile

    mask_mobile("13800138000")
    name_pinyin_fields("张伟")
    return []
