"""Who may use the system-administration pages. Every such view goes through
`require_system_admin`, so the rule lives in one tested place."""

from collections.abc import Callable
from functools import wraps

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from tongxin.regions.models import Region
from tongxin.regions.scope import placement_scope

from .models import User


def require_system_admin(user) -> None:
    """Raise 404 unless `user` is an active system administrator.

    404 rather than 403: the pages are not even confirmed to exist for others.
    """
    if not (user.is_authenticated and user.is_active and user.is_system_admin):
        raise Http404


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


def system_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require_system_admin(request.user)
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
