"""Every way in (the login page, the Django admin's login, a test's
force_login) sends user_logged_in, so this is the one place that can note, once
per login, whether the user owes a second factor. The middleware then needs no
query for users without an authenticator."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import ENROLLED_SESSION_KEY, is_enrolled


@receiver(user_logged_in)
def _note_enrolment(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = is_enrolled(user)
