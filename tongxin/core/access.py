"""Who may use the system-administration pages. Every such view goes through
`require_system_admin`, so the rule lives in one tested place. It reads the
user model's `is_system_admin` (accounts/models.py), as Django's admin reads
`is_staff`, so the pages of every app can use it without importing accounts."""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse


def require_system_admin(user) -> None:
    """Raise 404 unless `user` is an active system administrator.

    404 rather than 403: the pages are not even confirmed to exist for others.
    """
    if not (user.is_authenticated and user.is_active and user.is_system_admin):
        raise Http404


def system_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require_system_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper
