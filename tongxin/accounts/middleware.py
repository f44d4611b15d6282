"""Session limits and the forced password change, applied to every request."""

import datetime
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from tongxin.core import options

from .backends import demo_passwords_allowed

# Session keys: when this login began and when the user last did something
# (seconds since the epoch).
LOGIN_AT = "tongxin_login_at"
LAST_ACTIVITY = "tongxin_last_activity"
# The last-activity time is written at most this often, so an active user's
# session row is saved once a minute, not on every request.
ACTIVITY_WRITE_INTERVAL = 60

IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录。"
MAX_AGE_MESSAGE = "本次登录已超过 {hours} 小时，已自动退出，请重新登录。"


def _timestamp(moment: datetime.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _is_htmx(request) -> bool:
    # django_htmx's middleware runs after this one, so request.htmx isn't set yet.
    return request.headers.get("HX-Request") == "true"


def _safe_local(request, url: str) -> str | None:
    """`url` as a path on this site, or None if it points elsewhere."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _page_to_return_to(request) -> str:
    """The page the user was on: for htmx the page, not the fragment; for a POST the form."""
    if _is_htmx(request):
        page = _safe_local(request, request.headers.get("HX-Current-URL", ""))
        if page:
            return page
    if request.method in {"GET", "HEAD"}:
        return request.get_full_path()
    return _safe_local(request, request.headers.get("Referer", "")) or request.path


def _redirect(request, url: str):
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionLimitsMiddleware:
    """Logs out a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS.

    The user lands on the login page with ?next= the page they asked for and
    a message saying why. Goes right after AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = int(time.time())
        # Set by our LoginView. A session signed in another way (the Django
        # admin's login, tests' force_login, or from before this middleware)
        # counts from the user's last login, which is read already: no write
        # on the first request, so query counts stay as they were.
        login_at = session.get(LOGIN_AT) or _timestamp(request.user.last_login) or now
        last_activity = session.get(LAST_ACTIVITY) or login_at
        # Set on the 系统参数 page (core/options.py), else from the environment.
        max_hours = options.value("session_max_hours")
        age_limit = max_hours * 3600
        idle_limit = options.value("session_idle_minutes") * 60
        if age_limit and now - login_at > age_limit:
            return self._end(request, MAX_AGE_MESSAGE.format(hours=max_hours))
        if idle_limit and now - last_activity > idle_limit:
            return self._end(request, IDLE_MESSAGE)
        if now - last_activity >= ACTIVITY_WRITE_INTERVAL:
            session[LAST_ACTIVITY] = now
            session.setdefault(LOGIN_AT, login_at)
        return None

    def _end(self, request, message: str):
        next_page = _page_to_return_to(request)
        logout(request)  # flushes the session; the audit log records the logout
        url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_page})}"
        response = _redirect(request, url)
        # MessageMiddleware comes later and is skipped by this early answer,
        # so the message is stored here, for the login page to show.
        storage = default_storage(request)
        storage.add(messages.WARNING, message)
        storage.update(response)
        return response


def password_change_reason(user) -> str | None:
    """Why `user` must change their password before going on, or None.

    "must_change": an administrator created the account or reset the
    password; "expired": older than PASSWORD_MAX_AGE_DAYS.
    """
    if user.must_change_password:
        return "must_change"
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if max_age and not (user.is_demo_account and demo_passwords_allowed()):
        changed = user.password_changed_at or user.date_joined
        if timezone.now() - changed > datetime.timedelta(days=max_age):
            return "expired"
    return None


def _exempt_prefixes() -> tuple[str, ...]:
    # The change page itself, logout, static files, and the two-factor pages:
    # signing in with the second factor comes before changing the password.
    return (
        reverse("account:password_change"),
        reverse("logout"),
        settings.STATIC_URL,
        "/mfa/",
    )


class PasswordChangeRequiredMiddleware:
    """Sends a user who must change their password to the 修改密码 page.

    Goes last, after the login and two-factor checks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_exempt_prefixes())
            and password_change_reason(user)
        ):
            url = reverse("account:password_change")
            if request.method in {"GET", "HEAD"} and not _is_htmx(request):
                url += "?" + urlencode({"next": request.get_full_path()})
            return _redirect(request, url)
        return self.get_response(request)
