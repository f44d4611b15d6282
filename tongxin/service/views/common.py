"""What the service pages share: the reader and writer guards, the person picker."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.paging import id_page
from tongxin.people.access import persons_visible_to
from tongxin.people.search import search_persons
from tongxin.regions import scope

from .. import services
from ..access import (
    can_read_service,
    can_write_records,
)
from ..forms import apply_service_error


def require_reader(user) -> None:
    if not can_read_service(user):
        raise Http404


def require_writer(user) -> None:
    if not can_write_records(user):
        raise Http404


def filtered_list(request, filter_class, visible, *, load, template: str, table: str, **context):
    """A list page of requests or suggestions for a reader: `filter_class`'s
    bar over the records `visible(user)` gives, newest first in pages of
    settings.PAGE_SIZE ("更早的…"); only the table (`table`) for an htmx
    request. `load` adds what the page's rows show; `context`, what the
    template needs besides the page."""
    require_reader(request.user)
    record_filter = filter_class(request.GET, queryset=visible(request.user), request=request)
    qs = record_filter.qs
    page = id_page(qs, after=request.GET.get("after", ""), size=settings.PAGE_SIZE, load=load)
    context = {
        "filter": record_filter,
        "page": page,
        "total": qs.count(),
        "hint": record_filter.hint,
        **context,
        "regions": scope.readable_regions(request.user),
        "can_write": can_write_records(request.user),
    }
    return render(request, table if request.htmx else template, context)


def saved(request, form, save, *, success, detail_url: str):
    """After a valid POST of a request's or suggestion's form: `save()` calls
    its service and returns the record. A refusal puts the service's message
    by the form's fields and gives None (show the form again); otherwise the
    success message (`success(record)` if it is callable) and the record's page."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        record = save()
    except services.ServiceError as error:
        apply_service_error(form, error)
        return None
    messages.success(request, success(record) if callable(success) else success)
    return redirect(detail_url, pk=record.pk)


class RecordSteps:
    """The POST steps on one kind of record (a request's 交办, 办结, …; a
    suggestion's 转交, 反馈): validate the step's form, call its service, back
    to the detail page.

    A step's form fields are its service's keyword arguments, besides
    `actor`, the record (`record_arg`) and `request`. A refused input
    re-renders the detail page with the errors next to the step's fields
    (status 400) and changes nothing; when the record's state no longer
    offers the step, its errors are shown as messages instead.
    """

    def __init__(
        self, *, record_arg: str, for_user, detail_context, detail_template: str, detail_url: str
    ):
        self.record_arg = record_arg
        self.for_user = for_user
        self.detail_context = detail_context
        self.detail_template = detail_template
        self.detail_url = detail_url

    def view(self, form_class, form_name: str, service, success: str, then=None):
        """The POST view of one step; `then(request, result)` runs after the
        service, before the success message."""

        @require_POST
        def step(request, pk: int):
            return self._run(request, pk, form_class, form_name, service, success, then)

        return step

    def _run(self, request, pk: int, form_class, form_name: str, service, success: str, then):
        record = self.for_user(request.user, pk, write=True)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                result = service(
                    actor=request.user,
                    **{self.record_arg: record},
                    **form.cleaned_data,
                    request=request,
                )
            except services.ServiceError as error:
                apply_service_error(form, error)
            else:
                if then is not None:
                    then(request, result)
                messages.success(request, success)
                return redirect(self.detail_url, pk=record.pk)
        record = self.for_user(request.user, pk)
        context = self.detail_context(request, record, **{form_name: form})
        context["failed_action"] = form_name
        if form_name not in context:
            for error in form.non_field_errors():
                messages.error(request, error)
        return render(request, self.detail_template, context, status=400)


# --- person picker -----------------------------------------------------------


@require_GET
def person_pick(request):
    """Up to 20 persons matching `q`, as radio buttons or checkboxes named `field`."""
    require_writer(request.user)
    field = request.GET.get("field", "person")
    if field not in {"person", "submitters"}:
        raise Http404
    q = request.GET.get("q", "")
    result = search_persons(persons_visible_to(request.user), q) if q.strip() else None
    persons = (
        list(result.queryset.select_related("region").order_by("name_pinyin", "id")[:20])
        if result
        else []
    )
    return render(
        request,
        "service/_person_choices.html",
        {
            "persons": persons,
            "field": field,
            "multiple": field == "submitters",
            "hint": result.hint if result else "",
            "searched": bool(result),
        },
    )
