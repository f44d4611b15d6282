import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tongxin.core import options
from tongxin.core.access import system_admin_required

from .access import user_for_admin, users_managed_by
from .forms import OwnPasswordChangeForm, UserCreateForm, UserEditForm, UserPasswordForm
from .locks import KINDS, login_locks_current
from .middleware import password_change_reason
from .services import (
    login_lock_release,
    user_change_own_password,
    user_create,
    user_logout_everywhere,
    user_set_password,
    user_update,
)


@system_admin_required
def user_list(request):
    users = (
        users_managed_by(request.user)
        .prefetch_related("regions")
        .order_by("-is_active", "role", "username")
    )
    return render(request, "accounts/user_list.html", {"users": users})


@system_admin_required
def user_new(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(
                actor=request.user,
                data=form.cleaned_data,
                password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已创建用户“{user.username}”。")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@system_admin_required
def user_edit(request, pk: int):
    account = user_for_admin(request.user, pk)
    # Validating writes the input into the form's instance: keep `account` as stored.
    form = UserEditForm(request.POST or None, instance=copy.copy(account), actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=request.user, user=account, data=form.cleaned_data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已保存用户“{account.username}”。")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@system_admin_required
def user_password(request, pk: int):
    account = user_for_admin(request.user, pk)
    form = UserPasswordForm(request.POST or None, user=account)
    if request.method == "POST" and form.is_valid():
        account = user_set_password(
            actor=request.user,
            user=account,
            password=form.cleaned_data["password1"],
            request=request,
        )
        if account.pk == request.user.pk:
            # Keep the administrator who reset their own password signed in.
            update_session_auth_hash(request, account)
        messages.success(request, f"已重设用户“{account.username}”的密码。")
        return redirect("accounts:user_list")
    return render(request, "accounts/user_password.html", {"form": form, "account": account})


# --- one's own account (every signed-in user) ---------------------------------

REASON_TEXT = {
    "must_change": "您的账号由管理员创建或密码由管理员重设，为了账号安全，请先设置只有您自己知道的新密码，再继续使用系统。",
    "expired": "您的密码已超过 {days} 天未修改，已经过期。请设置新密码后继续使用系统。",
}
AUDIT_REASON = {"must_change": "首次登录或管理员重设后须修改", "expired": "密码已过期"}


def _reason_text(reason: str | None) -> str:
    if reason is None:
        return ""
    return REASON_TEXT[reason].format(days=settings.PASSWORD_MAX_AGE_DAYS)


def password_change(request):
    """修改密码: also where PasswordChangeRequiredMiddleware sends a user who must."""
    reason = password_change_reason(request.user)
    form = OwnPasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = user_change_own_password(
            user=request.user,
            password=form.cleaned_data["password1"],
            reason=AUDIT_REASON.get(reason, ""),
            request=request,
        )
        # This session stays signed in; the others end with the old password.
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改。您在其他设备上的登录已失效。")
        next_page = request.POST.get("next") or request.GET.get("next")
        if next_page and url_has_allowed_host_and_scheme(
            next_page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_page)
        return redirect("account:security")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "reason_text": _reason_text(reason), "next": request.GET.get("next", "")},
    )


def account_security(request):
    """账号安全: password, sessions, logout everywhere."""
    return render(
        request,
        "accounts/account_security.html",
        {
            "idle_minutes": options.value("session_idle_minutes"),
            "max_hours": options.value("session_max_hours"),
            "password_max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        },
    )


@require_POST
def logout_everywhere(request):
    """退出所有设备: every other session ends; this one stays signed in."""
    user = user_logout_everywhere(user=request.user, request=request)
    update_session_auth_hash(request, user)
    messages.success(request, "已退出所有其他设备上的登录，本设备仍保持登录。")
    return redirect("account:security")


# --- login locks (system administrators) --------------------------------------


@system_admin_required
def login_locks(request):
    return render(
        request,
        "accounts/login_locks.html",
        {
            "locks": login_locks_current(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
    )


@system_admin_required
@require_POST
def login_lock_lift(request):
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "").strip()
    if kind not in KINDS or not value:
        raise Http404
    if login_lock_release(actor=request.user, kind=kind, value=value, request=request):
        messages.success(request, f"已解除{KINDS[kind]}“{value}”的登录锁定。")
    else:
        messages.info(request, f"{KINDS[kind]}“{value}”已没有登录锁定（可能已到期自动解除）。")
    return redirect("accounts:login_locks")
