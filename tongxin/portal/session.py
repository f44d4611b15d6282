"""The person's session: a signed cookie of its own, apart from the staff
login (no Django session, no user). It names the link and the key the link
got at its latest confirmation, so a revoked, expired or locked link, or a
newer confirmation, ends it; it lapses after PORTAL_SESSION_MINUTES without
a request."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

from .models import PersonalLink

COOKIE = "tongxin_portal"
SALT = "tongxin.portal.session"
PATH = "/p/"


def _max_age() -> int:
    return settings.PORTAL_SESSION_MINUTES * 60


def set_session(response, link: PersonalLink, session_key: str) -> None:
    value = signing.dumps({"l": link.pk, "k": session_key}, salt=SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=_max_age(),
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def end_session(response) -> None:
    response.delete_cookie(COOKIE, path=PATH, samesite="Strict")


def session_link(request) -> PersonalLink | None:
    """The link of a valid person session on this request, or None."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=SALT, max_age=_max_age())
        link_id, key = int(data["l"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    link = (
        PersonalLink.objects.select_related("person", "person__region").filter(pk=link_id).first()
    )
    if link is None or not link.is_usable or not link.session_key:
        return None
    if not constant_time_compare(link.session_key, key):
        return None
    return link
