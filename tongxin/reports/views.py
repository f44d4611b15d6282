import io
import tempfile

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongxin.core.access import require_system_admin
from tongxin.people.access import person_for_user
from tongxin.people.listing import PersonFilter
from tongxin.people.models import Person, PersonGroup

from . import registration, services, tasks
from .access import report_job_for_user, report_jobs_visible_to, require_reports_user
from .forms import TemplateUploadForm
from .models import ReportJob
from .summary import (
    TITLE,
    build_summary,
    default_summary_region,
    summary_regions_for,
    summary_rows_html,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
def index(request):
    require_reports_user(request.user)
    context = {
        "jobs": report_jobs_visible_to(request.user)[:10],
        "is_admin": request.user.is_system_admin,
    }
    return render(request, "reports/index.html", context)


# --- person list export ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_export(request):
    """GET: the file itself when small; otherwise a page offering a background job."""
    require_reports_user(request.user)
    person_filter = PersonFilter.from_query(request.GET)
    if person_filter.errors:
        return _bad_filter(request, person_filter)
    total = services.person_export_count(user=request.user, person_filter=person_filter)
    if request.method == "POST":
        return _start_job(request, ReportJob.Kind.PERSON_EXPORT, person_filter, total)
    if total > services.background_rows():
        return render(
            request,
            "reports/job_confirm.html",
            {"kind": ReportJob.Kind.PERSON_EXPORT, "total": total, "filter": person_filter},
        )
    handle = tempfile.TemporaryFile()
    services.person_export_write(
        user=request.user, person_filter=person_filter, target=handle, request=request
    )
    handle.seek(0)
    stamp = services.today().strftime("%Y%m%d")
    return FileResponse(
        handle, as_attachment=True, filename=f"代表人士名单-{stamp}.xlsx", content_type=XLSX
    )


def _bad_filter(request, person_filter: PersonFilter):
    """A filter that did not parse exports nothing: rather than everyone, say why."""
    for error in person_filter.errors:
        messages.error(request, f"未导出：{error}")
    return redirect(f"{reverse('people:list')}?{request.GET.urlencode()}")


def _start_job(request, kind: str, person_filter: PersonFilter, total: int):
    if kind == ReportJob.Kind.FORM_BATCH and total > services.form_batch_max():
        messages.error(
            request,
            f"登记表一次最多生成{services.form_batch_max()}份，当前筛选结果为{total}人，请缩小筛选范围。",
        )
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    if total == 0:
        messages.error(request, "没有符合条件的人员")
        return redirect("reports:index")
    job = services.report_job_create(
        user=request.user, kind=kind, person_filter=person_filter, total=total
    )
    tasks.report_job_enqueue(job)
    return redirect("reports:job", pk=job.pk)


# --- background jobs --------------------------------------------------------------


@require_GET
def job_detail(request, pk: int):
    job = report_job_for_user(request.user, pk)
    context = {"job": job, "available": services.report_job_file(job) is not None}
    if request.htmx:
        return render(request, "reports/_job_status.html", context)
    return render(request, "reports/job_detail.html", context)


@require_GET
def job_download(request, pk: int):
    job = report_job_for_user(request.user, pk)
    name = services.report_job_file(job)
    if name is None:
        raise Http404
    content_type = "application/zip" if name.endswith(".zip") else XLSX
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type=content_type,
    )


# --- summary table (附件1) ----------------------------------------------------------


def _summary_for_request(request):
    """(regions the user may choose, the chosen one or None for all, the table).

    A region outside the user's own answers 404, like any other record.
    """
    regions = summary_regions_for(request.user)
    raw = request.GET.get("region", "")
    if raw:
        region = next((r for r in regions if str(r.pk) == raw), None)
        if region is None:
            raise Http404
    else:
        region = default_summary_region(request.user, regions)
    table = build_summary(request.user, region, on_date=services.today())
    return regions, region, table


@require_GET
def summary(request):
    require_reports_user(request.user)
    regions, region, table = _summary_for_request(request)
    return render(
        request,
        "reports/summary.html",
        {
            "regions": regions,
            "region": region,
            "summary": table,
            "rows_html": summary_rows_html(table),
            "title": TITLE,
        },
    )


@require_GET
def summary_print(request):
    """附件1 for paper: one A4 sheet per region, then the 合计 sheet."""
    require_reports_user(request.user)
    _regions, region, table = _summary_for_request(request)
    return render(
        request,
        "reports/summary_print.html",
        {"region": region, "summary": table, "sheets": table.sheets(), "title": TITLE},
    )


@require_GET
def summary_xlsx(request):
    require_reports_user(request.user)
    _regions, region, table = _summary_for_request(request)
    handle = tempfile.TemporaryFile()
    services.summary_export_write(
        user=request.user, summary=table, target=handle, region=region, request=request
    )
    handle.seek(0)
    stamp = services.today().strftime("%Y%m%d")
    return FileResponse(
        handle, as_attachment=True, filename=f"{TITLE}-{table.unit}-{stamp}.xlsx", content_type=XLSX
    )


# --- registration forms (附件2) -----------------------------------------------------


@require_GET
def person_form(request, pk: int):
    require_reports_user(request.user)
    person = person_for_user(request.user, pk)
    data = services.registration_form_export(user=request.user, person=person, request=request)
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = _attachment(services.form_file_name(person))
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"registration.docx\"; filename*=UTF-8''{quote(filename)}"


@require_http_methods(["GET", "POST"])
def form_batch(request):
    """The forms of a whole filtered list as one zip, made in the background."""
    require_reports_user(request.user)
    person_filter = PersonFilter.from_query(request.GET)
    if person_filter.errors:
        return _bad_filter(request, person_filter)
    total = services.person_export_count(user=request.user, person_filter=person_filter)
    if request.method == "POST":
        return _start_job(request, ReportJob.Kind.FORM_BATCH, person_filter, total)
    return render(
        request,
        "reports/job_confirm.html",
        {
            "kind": ReportJob.Kind.FORM_BATCH,
            "total": total,
            "filter": person_filter,
            "limit": services.form_batch_max(),
            "too_many": total > services.form_batch_max(),
            "regions": summary_regions_for(request.user),
            "groups": PersonGroup.objects.all(),
            "levels": Person.Level.choices,
        },
    )


# --- the form template (system admin) ---------------------------------------------------


@require_http_methods(["GET", "POST"])
def form_template(request):
    require_system_admin(request.user)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["template"]
        try:
            services.registration_template_replace(
                user=request.user, data=upload.read(), file_name=upload.name, request=request
            )
        except registration.TemplateRejected as error:
            form.add_error("template", str(error))
        else:
            messages.success(request, "已启用新的登记表模板")
            return redirect("reports:form_template")
    context = {
        "form": form,
        "overridden": registration.template_overridden(),
        "fields": registration.FORM_FIELDS,
    }
    return render(
        request, "reports/form_template.html", context, status=400 if form.errors else 200
    )


@require_POST
def form_template_reset(request):
    require_system_admin(request.user)
    services.registration_template_reset(user=request.user, request=request)
    messages.success(request, "已恢复为系统自带的登记表模板")
    return redirect("reports:form_template")


@require_GET
def form_template_download(request):
    require_system_admin(request.user)
    return FileResponse(
        io.BytesIO(registration.template_bytes()),
        as_attachment=True,
        filename="登记表模板.docx",
        content_type=DOCX,
    )
