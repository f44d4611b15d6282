from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import services, tasks
from .access import batch_for_user, batches_visible_to, may_import
from .files import ImportFileError
from .forms import MappingForm, UploadForm
from .mappings import REMEMBERED_NOTICE, batch_mapping_is_remembered
from .models import ImportBatch
from .retention import PURGE_REASON, file_is_available, file_was_purged
from .template import roster_template_xlsx

SHOWN_PROBLEMS = 500


def _require_importer(user) -> None:
    if not may_import(user):
        raise Http404


@require_GET
def batch_list(request):
    _require_importer(request.user)
    batches = batches_visible_to(request.user).select_related("created_by")[:100]
    return render(request, "imports/batch_list.html", {"batches": batches})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def roster_template(request):
    """The registration form as an xlsx to fill in (dropdowns for this user's regions)."""
    _require_importer(request.user)
    response = HttpResponse(roster_template_xlsx(user=request.user), content_type=XLSX)
    name = quote("人员登记表模板.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''{name}"
    )
    return response


def batch_upload(request):
    _require_importer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_create(
                actor=request.user,
                upload=form.cleaned_data["file"],
                default_region=form.cleaned_data["default_region"],
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            # The sheet is read by the task worker, never here (import_batch_read).
            tasks.read_import.enqueue(batch.pk)
            batch.refresh_from_db()
            if batch.status == ImportBatch.Status.FAILED:  # read already (the immediate backend)
                form.add_error("file", batch.error_message)
            else:
                return redirect(_after_reading(batch))
    return render(
        request, "imports/upload.html", {"form": form}, status=400 if form.errors else 200
    )


def batch_mapping(request, pk: int):
    batch = batch_for_user(request.user, pk, write=True)
    if not file_is_available(batch):
        messages.error(request, f"{PURGE_REASON}，不能再修改列对应关系；请重新上传文件")
        return redirect("imports:detail", pk=batch.pk)
    if batch.status not in {
        ImportBatch.Status.UPLOADED,
        ImportBatch.Status.PREVIEWED,
        ImportBatch.Status.FAILED,
    }:
        messages.error(request, "该批次已导入或正在处理，不能再修改列对应关系")
        return redirect("imports:detail", pk=batch.pk)
    form = MappingForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        services.import_batch_set_mapping(
            actor=request.user,
            batch=batch,
            mapping=form.mapping(),
            on_duplicate=form.cleaned_data["on_duplicate"],
        )
        if batch.progress_total > services.background_threshold():
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.ANALYSING, phase="排队等待"
            )
            tasks.analyse_import.enqueue(batch.pk)
        else:
            services.import_batch_analyse(batch=batch)
        return redirect("imports:detail", pk=batch.pk)
    remembered = request.method == "GET" and batch_mapping_is_remembered(batch)
    return render(
        request,
        "imports/mapping.html",
        {
            "batch": batch,
            "form": form,
            "remembered_notice": REMEMBERED_NOTICE if remembered else "",
        },
        status=400 if form.errors else 200,
    )


def _progress_context(batch: ImportBatch) -> dict:
    """The bar's figures: rows checked, or rows written once writing has begun."""
    done, total = batch.progress_done, batch.progress_total
    writing = services.write_progress(batch)
    if writing is not None:
        done, total = writing
    percent = min(100, done * 100 // total) if total else 0
    return {
        "batch": batch,
        "progress_done": done,
        "progress_total": total,
        "percent": percent,
        # writing, and the worker has not said how far yet: a moving full bar
        "progress_unknown": batch.phase == services.WRITING and writing is None,
    }


def _detail_context(batch: ImportBatch, blockers=None) -> dict:
    return {
        **_progress_context(batch),
        "problems": batch.problems[:SHOWN_PROBLEMS],
        "more_problems": max(0, len(batch.problems) - SHOWN_PROBLEMS),
        "existing": batch.existing,
        "blockers": blockers,
        "file_purged": file_was_purged(batch),
    }


@require_GET
def batch_detail(request, pk: int):
    batch = batch_for_user(request.user, pk)
    return render(request, "imports/batch_detail.html", _detail_context(batch))


def _after_reading(batch: ImportBatch) -> str:
    """Where the user goes next: the column mapping once the file is read, else the batch."""
    if batch.status == ImportBatch.Status.UPLOADED:
        return reverse("imports:mapping", args=[batch.pk])
    return reverse("imports:detail", args=[batch.pk])


@require_GET
def batch_progress(request, pk: int):
    """The progress bar, polled by htmx; once the work is done the page reloads."""
    batch = batch_for_user(request.user, pk)
    if not batch.is_running:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _after_reading(batch)
        return response
    return render(request, "imports/_progress.html", _progress_context(batch))


@require_POST
def batch_commit(request, pk: int):
    batch = batch_for_user(request.user, pk, write=True)
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.error(request, "该批次当前不能导入（请先预览）")
        return redirect("imports:detail", pk=batch.pk)
    if batch.progress_total > services.background_threshold():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.COMMITTING, phase="排队等待"
        )
        tasks.commit_import.enqueue(batch.pk)
        return redirect("imports:detail", pk=batch.pk)
    try:
        batch = services.import_batch_commit(batch=batch, actor=request.user, request=request)
    except services.ImportCommitError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"导入完成：新增 {batch.counts['created']} 人，更新 {batch.counts['updated']} 人",
        )
    return redirect("imports:detail", pk=batch.pk)


@require_POST
def batch_undo(request, pk: int):
    batch = batch_for_user(request.user, pk, write=True)
    try:
        services.import_batch_undo(actor=request.user, batch=batch, request=request)
    except services.UndoBlocked as blocked:
        messages.error(request, "撤销未执行：以下记录在导入后已被修改或引用，整批导入不能撤销。")
        context = _detail_context(batch, blocked.blockers[:SHOWN_PROBLEMS])
        return render(request, "imports/batch_detail.html", context, status=409)
    messages.success(request, "已撤销本次导入")
    return redirect("imports:detail", pk=batch.pk)


@require_GET
def batch_rejected(request, pk: int):
    batch = batch_for_user(request.user, pk)
    if not batch.problems:
        raise Http404
    if not file_is_available(batch):
        # The rejected rows are read from the original file, which is gone.
        gone = PURGE_REASON if file_was_purged(batch) else "系统中没有该批次的原文件"
        messages.error(request, f"{gone}，无法再下载未导入的行")
        return render(request, "imports/batch_detail.html", _detail_context(batch), status=404)
    try:
        content = services.rejected_rows_xlsx(batch)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", pk=batch.pk)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{batch.pk}.xlsx"'
    return response
