import copy

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from .access import system_admin_required
from .forms import UserCreateForm, UserEditForm, UserPasswordForm
from .models import User
from .services import user_create, user_set_password, user_update


@system_admin_required
def user_list(request):
    users = User.objects.prefetch_related("regions").order_by("-is_active", "role", "username")
    return render(request, "accounts/user_list.html", {"users": users})


@system_admin_required
def user_new(request):
    form = UserCreateForm(request.POST or None)
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
    account = get_object_or_404(User, pk=pk)
    # Validating writes the input into the form's instance: keep `account` as stored.
    form = UserEditForm(request.POST or None, instance=copy.copy(account))
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
    account = get_object_or_404(User, pk=pk)
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
