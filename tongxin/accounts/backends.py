from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError


def demo_passwords_allowed() -> bool:
    """The published demo password works only in the demo or in development."""
    return bool(settings.DEBUG or settings.DEMO)


class TongxinBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if password == settings.DEMO_PASSWORD and not demo_passwords_allowed():
            # The demo accounts' password is public; a production server must
            # never accept it, even if an account was left with it.
            if request is not None:
                request.demo_password_refused = True
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class DemoPasswordValidator:
    def validate(self, password, user=None):
        if password == settings.DEMO_PASSWORD and not demo_passwords_allowed():
            raise ValidationError("不能使用公开的演示密码。", code="demo_password")

    def get_help_text(self):
        return "不能使用公开的演示密码。"
