from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import options
from .access import system_admin_required
from .forms import OptionsForm
from .manual import contents, manual_page


@require_http_methods(["GET", "POST"])
@system_admin_required
def options_edit(request):
    """系统参数: what an office changes at run time, without a deployment."""
    form = OptionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes = options.options_update(
            actor=request.user, values=form.cleaned_data, request=request
        )
        if changes:
            messages.success(request, "已保存：" + "、".join(changes))
        else:
            messages.info(request, "没有改动")
        return redirect("options")
    return render(
        request,
        "core/options.html",
        {"form": form, "stored": {o.key for o in options.OPTIONS if options.is_set(o.key)}},
    )


@require_http_methods(["GET"])
def manual_index(request):
    """使用手册: its front page and contents."""
    return _manual(request, "index")


@require_http_methods(["GET"])
def manual(request, page: str):
    if page == "index":
        return redirect("manual_index")
    return _manual(request, page)


def _manual(request, slug: str):
    page = manual_page(slug)
    if page is None:
        raise Http404
    return render(request, "core/manual.html", {"page": page, "contents": contents()})
