"""Which accounts and regions a system administrator may manage. Whether they
may use the administration pages at all: core/access.py."""

from collections.abc import Callable
from functools import wraps

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from tongxin.core.access import require_system_admin
from tongxin.regions.models import Region
from tongxin.regions.scope import placement_scope

from .models import User


def require_deployment_admin(user) -> None:
    """Raise 404 unless `user` administers the whole deployment.

    Dictionaries, qualification conditions and the privacy notice serve every
    region: an administrator placed at one city manages that city's accounts
    and regions, not these (docs/access.md).
    """
    require_system_admin(user)
    if not placement_scope(user).everything:
        raise Http404


def deployment_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require_deployment_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def users_managed_by(actor) -> QuerySet[User]:
    """Accounts a system administrator may manage: those placed inside the
    administrator's subtrees (a city's administrator manages the city's
    accounts). Administrators placed at every root — and superusers — manage
    all, evaluators (placed nowhere) included."""
    if not (actor.is_authenticated and actor.is_active and actor.is_system_admin):
        return User.objects.none()
    reach = placement_scope(actor)
    if reach.everything:
        return User.objects.all()
    inside = reach.regions()
    return (
        User.objects.filter(regions__in=inside)
        .exclude(regions__in=Region.objects.exclude(pk__in=inside.values("pk")))
        .exclude(is_superuser=True)
        .distinct()
    )


def managed_accounts_entries(actor) -> Q:
    """Audit entries written by the accounts `actor` manages: an administrator
    placed at a node reads them besides those of its subtree (audit/readers.py)."""
    return Q(user__in=users_managed_by(actor))


def user_for_admin(actor, pk) -> User:
    """The account `pk` if `actor` may manage it; 404 otherwise."""
    require_system_admin(actor)
    try:
        return users_managed_by(actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def regions_placeable_by(actor) -> QuerySet[Region]:
    """Nodes at which `actor` may place accounts: their own subtrees."""
    return placement_scope(actor).regions()
