"""Holds back a logged-in user who owes a second factor: to the enrolment page
when the setting requires one and they have no authenticator yet, to the
verification page when they have one and this session has not proven it."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .services import ENROLLED_SESSION_KEY, is_enrolled, second_factor_required


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("login"),
        reverse("logout"),
        reverse("mfa:setup"),
        reverse("mfa:verify"),
    )


def second_factor_destination(request) -> str | None:
    """The page this request must go to first, or None when it may proceed."""
    user = request.user
    if not user.is_authenticated:
        return None
    if getattr(user, "is_verified", None) and user.is_verified():
        return None
    required = second_factor_required(user)
    if not (required or request.session.get(ENROLLED_SESSION_KEY)):
        return None
    if is_enrolled(user):
        return reverse("mfa:verify")
    if required:
        return reverse("mfa:setup")
    # An administrator removed the authenticator since this login.
    request.session[ENROLLED_SESSION_KEY] = False
    return None


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(settings.STATIC_URL) or path in _exempt_paths():
            return self.get_response(request)
        destination = second_factor_destination(request)
        if destination is None:
            return self.get_response(request)
        back_to = _page_to_return_to(request)
        if back_to:
            destination += "?" + urlencode({"next": back_to})
        if request.htmx:
            return HttpResponseClientRedirect(destination)
        return redirect(destination)


def _page_to_return_to(request) -> str | None:
    """For htmx the page, not the fragment; a form's POST target cannot be re-sent."""
    if request.htmx:
        return request.htmx.current_url_abs_path
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return None
