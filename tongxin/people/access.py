"""Who may see and change which person. Every view, export, search and report
goes through these two functions, so the rule lives in one tested place."""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.regions import scope

from .kept import attach_related
from .models import Person


def persons_visible_to(user: User) -> QuerySet[Person]:
    """All persons `user` may see (active and archived): the region rule."""
    # Evaluators see persons only through the sheets assigned to them.
    return Person.objects.visible_to(user)


def person_for_user(
    user: User, pk: int, *, write: bool = False, checks: dict | None = None
) -> Person:
    """The person `pk` if `user` may see it (and change it, with write=True).

    Anything else answers 404, so another region's records are not even
    confirmed to exist. `checks` ({name: Exists}) are asked in the same query;
    their answers are kept for `core.hooks.present`.
    """
    people = Person.objects.writable_by(user) if write else persons_visible_to(user)
    aliases = {f"present_{index}": check for index, check in enumerate((checks or {}).values())}
    try:
        person = people.annotate(**aliases).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if checks:
        person._present = {
            name: bool(getattr(person, alias)) for name, alias in zip(checks, aliases, strict=True)
        }
    # What select_related of seven tables gave, from the kept rows (kept.py).
    attach_related([person])
    return person


def regions_writable_by(user: User):
    """Regions in which `user` may register or move persons."""
    return scope.regions_writable_by(user)
