from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import batches, checking, committing, photo_zip, photos, status, tasks, undo
from .access import (
    batch_for_user,
    batches_visible_to,
    may_import,
    may_map_values,
    photo_batch_for_user,
    photo_batches_visible_to,
    proposal_for_user,
    proposals_visible_to,
)
from .files import ImportFileError
from .forms import MappingForm, PhotoUploadForm, UploadForm
from .mappings import REMEMBERED_NOTICE, batch_mapping_is_remembered
from .models import ImportBatch, PhotoBatch, ValueMappingProposal
from .parsing import lookup_key
from .retention import PURGE_REASON, file_is_available, file_was_purged
from .template import roster_template_xlsx
from .value_mappings import (
    ValueMappingError,
    entry_choices,
    pending_proposals_by_value,
    value_mapping_apply,
    value_mapping_decide,
    value_mapping_propose,
)

SHOWN_PROBLEMS = 500


def _require_importer(user) -> None:
    if not may_import(user):
        raise Http404


@require_GET
def batch_list(request):
    _require_importer(request.user)
    context = {
        "batches": batches_visible_to(request.user).select_related("created_by")[:100],
        "photo_batches": photo_batches_visible_to(request.user).select_related("created_by")[:20],
        "may_map_values": may_map_values(request.user),
    }
    if context["may_map_values"]:
        context["pending_proposals"] = (
            proposals_visible_to(request.user)
            .filter(state=ValueMappingProposal.State.PENDING)
            .count()
        )
    return render(request, "imports/batch_list.html", context)


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
            batch = batches.import_batch_create(
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
    # ?guess=1: start from the columns' names instead of the remembered mapping.
    guessing = request.method == "GET" and request.GET.get("guess") == "1"
    initial = committing.guessed_mapping(batch) if guessing else None
    form = MappingForm(request.POST or None, batch=batch, initial_mapping=initial)
    if request.method == "POST" and form.is_valid():
        batches.import_batch_set_mapping(
            actor=request.user,
            batch=batch,
            mapping=form.mapping(),
            on_duplicate=form.cleaned_data["on_duplicate"],
        )
        _check(batch, request.user)
        return redirect("imports:detail", pk=batch.pk)
    remembered = request.method == "GET" and not guessing and batch_mapping_is_remembered(batch)
    return render(
        request,
        "imports/mapping.html",
        {
            "batch": batch,
            "form": form,
            "remembered_notice": REMEMBERED_NOTICE if remembered else "",
            "guessing": guessing,
        },
        status=400 if form.errors else 200,
    )


def _check(batch: ImportBatch, actor) -> None:
    """The preview, here for a small file, by the task worker for a large one."""
    if batch.progress_total > checking.background_threshold():
        status.import_batch_status_set(
            batch=batch, status=ImportBatch.Status.ANALYSING, actor=actor, phase="排队等待"
        )
        tasks.analyse_import.enqueue(batch.pk)
    else:
        batches.import_batch_analyse(batch=batch)


def _progress_context(batch: ImportBatch) -> dict:
    """The bar's figures: rows checked, or rows written once writing has begun."""
    done, total = batch.progress_done, batch.progress_total
    writing = batches.write_progress(batch)
    if writing is not None:
        done, total = writing
    percent = min(100, done * 100 // total) if total else 0
    return {
        "batch": batch,
        "progress_done": done,
        "progress_total": total,
        "percent": percent,
        # writing, and the worker has not said how far yet: a moving full bar
        "progress_unknown": batch.phase == committing.WRITING and writing is None,
    }


def _unknown_values(batch: ImportBatch, user) -> list[dict]:
    """The preview's unknown values, each with the entries to pick from and the
    office's pending proposal for it, if any."""
    if batch.status != ImportBatch.Status.PREVIEWED or not batch.unknown_values:
        return []
    proposals = pending_proposals_by_value(batch)
    choices: dict[str, list] = {}
    rows = []
    for unknown in batch.unknown_values:
        field = unknown["field"]
        if field not in choices:
            choices[field] = entry_choices(field, user=user)
        proposal = proposals.get((field, lookup_key(unknown["value"])))
        rows.append({**unknown, "choices": choices[field], "proposal": proposal})
    return rows


def _detail_context(batch: ImportBatch, blockers=None, user=None) -> dict:
    return {
        "unknown_values": _unknown_values(batch, user) if user is not None else [],
        "may_map_values": user is not None and may_map_values(user),
        "mapping_remembered": bool(batch.counts) and batch_mapping_is_remembered(batch),
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
    context = _detail_context(batch, user=request.user)
    return render(request, "imports/batch_detail.html", context)


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
    if batch.progress_total > checking.background_threshold():
        status.import_batch_status_set(
            batch=batch, status=ImportBatch.Status.COMMITTING, actor=request.user, phase="排队等待"
        )
        tasks.commit_import.enqueue(batch.pk)
        return redirect("imports:detail", pk=batch.pk)
    try:
        batch = batches.import_batch_commit(batch=batch, actor=request.user, request=request)
    except batches.ImportCommitError as error:
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
        undo.import_batch_undo(actor=request.user, batch=batch, request=request)
    except undo.UndoBlocked as blocked:
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
        content = batches.rejected_rows_xlsx(batch)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", pk=batch.pk)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{batch.pk}.xlsx"'
    return response


def _may_recheck(request, batch: ImportBatch) -> bool:
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.error(request, "该批次已导入或正在处理，不能再重新检查")
        return False
    if not file_is_available(batch):
        messages.error(request, f"{PURGE_REASON}，不能再检查；请重新上传文件")
        return False
    return True


@require_POST
def batch_map_value(request, pk: int):
    """Map one unknown value of the preview to a dictionary entry (city staff:
    at once, then the file is checked again) or propose it (county staff)."""
    batch = batch_for_user(request.user, pk, write=True)
    if not _may_recheck(request, batch):
        return redirect("imports:detail", pk=batch.pk)
    field = request.POST.get("field", "")
    value = request.POST.get("value", "")
    entry_id = request.POST.get("entry", "")
    direct = may_map_values(request.user)
    try:
        if direct:
            entry = value_mapping_apply(
                actor=request.user, field=field, value=value, entry_id=entry_id, request=request
            )
            if field == "region":
                done = (
                    f"已把“{value.strip()}”记为“{entry.name}”的其他写法"
                    "（以后可以登记该区域人员的导入都能识别），并已重新检查本文件"
                )
            else:
                done = (
                    f"已把“{value.strip()}”记为“{entry}”的同义写法（以后的导入都能识别），"
                    "并已重新检查本文件"
                )
        else:
            proposal = value_mapping_propose(
                actor=request.user, batch=batch, field=field, value=value, entry_id=entry_id,
                request=request,
            )  # fmt: skip
            done = (
                f"已提议把“{proposal.value}”对应为“{proposal.entry_name}”，"
                "市级工作人员采纳后点“重新检查”即可"
            )
    except ValueMappingError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", pk=batch.pk)
    if direct:
        _check(batch, request.user)
    messages.success(request, done)
    return redirect("imports:detail", pk=batch.pk)


@require_POST
def batch_recheck(request, pk: int):
    """Check the stored file again (after a value was mapped), without uploading it again."""
    batch = batch_for_user(request.user, pk, write=True)
    if _may_recheck(request, batch):
        _check(batch, request.user)
    return redirect("imports:detail", pk=batch.pk)


@require_GET
def proposal_list(request):
    """Value mappings proposed by the offices under this city user, to accept or decline."""
    if not may_map_values(request.user):
        raise Http404
    proposals = proposals_visible_to(request.user).select_related(
        "region", "proposed_by", "decided_by", "batch"
    )
    pending = [p for p in proposals if p.state == ValueMappingProposal.State.PENDING]
    decided = [p for p in proposals[:200] if p.state != ValueMappingProposal.State.PENDING]
    return render(
        request, "imports/proposal_list.html", {"pending": pending, "decided": decided[:50]}
    )


@require_POST
def proposal_decide(request, pk: int):
    proposal = proposal_for_user(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    try:
        value_mapping_decide(actor=request.user, proposal=proposal, accept=accept, request=request)
    except ValueMappingError as error:
        messages.error(request, error.message)
    else:
        verb = "已采纳" if accept else "未采纳"
        messages.success(request, f"{verb}：“{proposal.value}”→{proposal.entry_name}")
    return redirect("imports:proposals")


# --- photos in bulk ------------------------------------------------------------------


def photo_upload(request):
    """A zip of photos named by ID number; read and matched by the task worker."""
    _require_importer(request.user)
    form = PhotoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = photos.photo_batch_create(actor=request.user, upload=form.cleaned_data["file"])
        except photo_zip.PhotoZipError as error:
            form.add_error("file", error.message)
        else:
            tasks.read_photos.enqueue(batch.pk)
            return redirect("imports:photo_detail", pk=batch.pk)
    return render(
        request,
        "imports/photo_upload.html",
        {"form": form, "limits": {name: photo_zip.limit(name) for name in photo_zip.DEFAULTS}},
        status=400 if form.errors else 200,
    )


SHOWN_PHOTO_ENTRIES = 1000


def _photo_context(batch, blockers=None) -> dict:
    order = list(photo_zip.OUTCOMES)
    entries = sorted(batch.entries, key=lambda e: (order.index(e["outcome"]), e["file"]))
    return {
        "batch": batch,
        "entries": entries[:SHOWN_PHOTO_ENTRIES],
        "more_entries": max(0, len(entries) - SHOWN_PHOTO_ENTRIES),
        "outcomes": [
            (key, label, batch.counts.get(key, 0)) for key, label in photo_zip.OUTCOMES.items()
        ],
        "blockers": blockers,
    }


@require_GET
def photo_detail(request, pk: int):
    batch = photo_batch_for_user(request.user, pk)
    return render(request, "imports/photo_detail.html", _photo_context(batch))


@require_POST
def photo_commit(request, pk: int):
    batch = photo_batch_for_user(request.user, pk)
    if batch.status != PhotoBatch.Status.PREVIEWED or not batch.counts.get("matched"):
        messages.error(request, "该批次当前不能导入")
        return redirect("imports:photo_detail", pk=batch.pk)
    PhotoBatch.objects.filter(pk=batch.pk).update(status=PhotoBatch.Status.COMMITTING)
    tasks.commit_photos.enqueue(batch.pk)
    return redirect("imports:photo_detail", pk=batch.pk)


@require_POST
def photo_undo(request, pk: int):
    batch = photo_batch_for_user(request.user, pk)
    try:
        photos.photo_batch_undo(actor=request.user, batch=batch, request=request)
    except photos.PhotoUndoBlocked as blocked:
        messages.error(request, "撤销未执行：以下人员在导入照片后已被修改，整批不能撤销。")
        context = _photo_context(batch, blocked.blockers[:SHOWN_PROBLEMS])
        return render(request, "imports/photo_detail.html", context, status=409)
    messages.success(request, "已撤销本次照片导入，原照片已恢复")
    return redirect("imports:photo_detail", pk=batch.pk)
