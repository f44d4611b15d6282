"""What the service pages share: the reader and writer guards, the person picker."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongxin.people.access import persons_visible_to
from tongxin.people.search import search_persons

from ..access import (
    can_read_service,
    can_write_records,
)


def require_reader(user) -> None:
    if not can_read_service(user):
        raise Http404


def require_writer(user) -> None:
    if not can_write_records(user):
        raise Http404


# --- person picker -----------------------------------------------------------


@require_GET
def person_pick(request):
    """Up to 20 persons matching `q`, as radio buttons or checkboxes named `field`."""
    require_writer(request.user)
    field = request.GET.get("field", "person")
    if field not in {"person", "submitters"}:
        raise Http404
    q = request.GET.get("q", "")
    result = search_persons(persons_visible_to(request.user), q) if q.strip() else None
    persons = (
        list(result.queryset.select_related("region").order_by("name_pinyin", "id")[:20])
        if result
        else []
    )
    return render(
        request,
        "service/_person_choices.html",
        {
            "persons": persons,
            "field": field,
            "multiple": field == "submitters",
            "hint": result.hint if result else "",
            "searched": bool(result),
        },
    )
