from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tongxin.accounts.access import deployment_admin_required
from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core.access import system_admin_required
from tongxin.people.keyset import keyset_page
from tongxin.people.listing import PersonFilter
from tongxin.people.models import Person, PersonGroup
from tongxin.regions.scope import readable_regions

from . import report, services
from .access import condition_for_user, require_report_reader
from .checks import FIELDS, CheckContext, active_conditions, check_context, describe
from .forms import ConditionForm, ReportFilterForm
from .models import Condition


@dataclass
class ReportRequest:
    """What the report and its export share: who asks, for which filter, on which date."""

    person_filter: PersonFilter
    filter_form: ReportFilterForm
    conditions: list[Condition]
    chosen: Condition | None
    ctx: CheckContext
    base: QuerySet[Person]
    regions: QuerySet

    @property
    def selected(self) -> list[Condition]:
        return [self.chosen] if self.chosen else self.conditions


def _report_request(request) -> ReportRequest:
    require_report_reader(request.user)
    person_filter = PersonFilter.from_query(request.GET)
    regions = readable_regions(request.user)
    if person_filter.region and not regions.filter(pk=person_filter.region).exists():
        raise Http404
    filter_form = ReportFilterForm(request.GET)
    conditions = active_conditions()
    chosen = None
    if filter_form.is_valid() and filter_form.cleaned_data.get("condition"):
        wanted = filter_form.cleaned_data["condition"]
        chosen = next((c for c in conditions if c.pk == wanted), None)
        if chosen is None:
            raise Http404
    return ReportRequest(
        person_filter=person_filter,
        filter_form=filter_form,
        conditions=conditions,
        chosen=chosen,
        ctx=check_context(filter_form.reference_date()),
        base=report.eligibility_base(request.user, person_filter),
        regions=regions,
    )


@require_GET
def eligibility_report(request):
    r = _report_request(request)
    page = keyset_page(
        report.failing_persons(r.base, r.selected, r.ctx).select_related(
            "region", "group", "subcategory", "political_status"
        ),
        "recent",
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=settings.PAGE_SIZE,
    )
    total, per_condition = report.failure_counts(r.base, r.conditions, r.ctx)
    context = {
        "filter": r.person_filter,
        "filter_form": r.filter_form,
        "on": r.ctx.on,
        "conditions": [(c, describe(c), per_condition.get(c.pk, 0)) for c in r.conditions],
        "chosen": r.chosen,
        "total": per_condition.get(r.chosen.pk, 0) if r.chosen else total,
        "rows": report.rows_for(page.rows, r.selected, r.ctx),
        "page": page,
        "regions": r.regions,
        "groups": PersonGroup.objects.all(),
        "levels": Person.Level.choices,
    }
    return render(request, "qualification/report.html", context)


@require_GET
def eligibility_export(request):
    r = _report_request(request)
    failing = report.failing_persons(r.base, r.selected, r.ctx)
    title = "不符合资格条件人员名单" + (f"：{r.chosen.name}" if r.chosen else "")
    out, count = report.write_xlsx(
        report.iter_export_rows(failing, r.selected, r.ctx), on=r.ctx.on, title=title
    )
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=request.user,
        request=request,
        object_type="qualification.report",
        object_repr=title,
        changes={
            "count": count,
            "on": r.ctx.on.isoformat(),
            "filter": r.person_filter.as_query(),
            "condition": r.chosen.name if r.chosen else "全部",
        },
    )
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"资格条件不符合人员_{r.ctx.on:%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- condition management (system admins) ----------------------------------------


@system_admin_required
def condition_list(request):
    conditions = list(Condition.objects.all())
    rows = [(c, describe(c), FIELDS.get(c.field)) for c in conditions]
    return render(request, "qualification/condition_list.html", {"rows": rows})


def _save(request, form, condition=None):
    try:
        if condition is None:
            saved = services.condition_create(
                actor=request.user, data=form.service_data(), request=request
            )
        else:
            saved = services.condition_update(
                actor=request.user, condition=condition, data=form.service_data(), request=request
            )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error("value_text" if field == "value" else field, message)
        return None
    return saved


@deployment_admin_required
def condition_create(request):
    form = ConditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        condition = _save(request, form)
        if condition is not None:
            messages.success(request, f"已新增资格条件“{condition.name}”。")
            return redirect("qualification:conditions")
    return render(request, "qualification/condition_form.html", {"form": form})


def condition_edit(request, pk: int):
    condition = condition_for_user(request.user, pk, write=True)
    form = ConditionForm(request.POST or None, condition=condition)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, condition)
        if saved is not None:
            messages.success(request, f"已保存资格条件“{saved.name}”。")
            return redirect("qualification:conditions")
    return render(
        request, "qualification/condition_form.html", {"form": form, "condition": condition}
    )
