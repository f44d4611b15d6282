import time

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.utils.decorators import method_decorator

from .middleware import LAST_ACTIVITY, LOGIN_AT


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用。",
        "demo_password": "生产环境不能使用公开的演示密码登录，请联系系统管理员重设密码。",
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "demo_password_refused", False):
                raise forms.ValidationError(
                    self.error_messages["demo_password"], code="demo_password"
                ) from None
            raise


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The session's absolute lifetime and idle clock start at this login
        # (SessionLimitsMiddleware), not at an earlier one in the same browser.
        now = int(time.time())
        self.request.session[LOGIN_AT] = now
        self.request.session[LAST_ACTIVITY] = now
        return response
