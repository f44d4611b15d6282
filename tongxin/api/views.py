"""系统管理 → 接口客户端: create clients, show a new token once, rotate, revoke.
System administrators only, and only clients limited to a node in their scope."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tongxin.core.access import system_admin_required

from . import services
from .forms import ApiClientForm
from .models import ApiClient

# The token is shown on the page that follows its creation, then forgotten.
SESSION_TOKEN = "api_new_token"


def _client_for(user, pk) -> ApiClient:
    try:
        return ApiClient.objects.writable_by(user).select_related("region").get(pk=pk)
    except (ApiClient.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@system_admin_required
def client_list(request):
    clients = ApiClient.objects.visible_to(request.user).select_related("region")
    return render(request, "api/client_list.html", {"clients": clients})


@system_admin_required
def client_create(request):
    form = ApiClientForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            client, token = services.api_client_create(
                actor=request.user, data=form.cleaned_data, request=request
            )
        except services.ClientError as error:
            for field, message in error.errors.items():
                form.add_error(field or None, message)
        else:
            request.session[SESSION_TOKEN] = {"client": client.pk, "token": token}
            return redirect("api_clients:detail", pk=client.pk)
    return render(request, "api/client_form.html", {"form": form})


@system_admin_required
def client_detail(request, pk):
    client = _client_for(request.user, pk)
    new = request.session.get(SESSION_TOKEN)
    token = None
    if new and new.get("client") == client.pk:
        token = new["token"]
        del request.session[SESSION_TOKEN]
    return render(request, "api/client_detail.html", {"client": client, "token": token})


@require_POST
@system_admin_required
def client_rotate(request, pk):
    client = _client_for(request.user, pk)
    try:
        token = services.api_client_rotate(actor=request.user, client=client, request=request)
    except services.ClientError as error:
        messages.error(request, str(error))
        return redirect("api_clients:detail", pk=client.pk)
    request.session[SESSION_TOKEN] = {"client": client.pk, "token": token}
    messages.success(request, "已更换令牌，原令牌立即失效")
    return redirect("api_clients:detail", pk=client.pk)


@require_POST
@system_admin_required
def client_revoke(request, pk):
    client = _client_for(request.user, pk)
    services.api_client_revoke(actor=request.user, client=client, request=request)
    messages.success(request, f"已停用接口客户端“{client.name}”，其令牌不再有效")
    return redirect("api_clients:detail", pk=client.pk)
