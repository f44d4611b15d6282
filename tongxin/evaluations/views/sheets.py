"""Evaluators' sheets (测评表): my sheets, the grid and one sheet."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tongxin.core.hooks import collect
from tongxin.core.paging import number_page
from tongxin.regions import scope

from ..access import sheet_for_user
from ..errors import EvaluationError
from ..grading import points_text
from ..models import EvaluationRound, EvaluationSheet, Score
from ..sheets import sheet_save, sheets_save_grid
from ..systems import system_with_tree

# --- sheets -------------------------------------------------------------------


@require_GET
def my_sheets(request):
    if not request.user.is_authenticated:
        raise Http404
    status = request.GET.get("status", "")
    sheets = (
        EvaluationSheet.objects.filter(evaluator=request.user)
        .exclude(round__status=EvaluationRound.Status.DRAFT)
        .select_related("round", "person", "person__group")
        .order_by("-round__opened_at", "round_id", "status", "person__name_pinyin", "id")
    )
    counts = dict(
        sheets.filter(round__status=EvaluationRound.Status.OPEN)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    open_rounds = list(
        sheets.filter(round__status=EvaluationRound.Status.OPEN)
        .values("round_id", "round__name", "round__deadline")
        .annotate(pending=Count("id", filter=~Q(status=EvaluationSheet.Status.SUBMITTED)))
        .order_by("round__deadline", "round_id")
    )
    if status in EvaluationSheet.Status.values:
        sheets = sheets.filter(status=status)
    page = number_page(request, sheets)
    return render(
        request,
        "evaluations/my_sheets.html",
        {
            "page": page,
            "status": status,
            "todo": counts.get(EvaluationSheet.Status.DRAFT, 0),
            "open_rounds": open_rounds,
            "done": counts.get(EvaluationSheet.Status.SUBMITTED, 0),
        },
    )


GRID_ROWS = 50  # persons per page of the grid


def sheet_grid(request, pk: int):
    """The evaluator's sheets of one round as one grid, persons × indicators,
    for fast entry: type down a column or along a row, save once."""
    own = EvaluationSheet.objects.filter(evaluator=request.user, round_id=pk).exclude(
        round__status=EvaluationRound.Status.DRAFT
    )
    if not request.user.is_authenticated or not own.exists():
        raise Http404
    evaluation_round = EvaluationRound.objects.select_related("system").get(pk=pk)
    system = system_with_tree(evaluation_round.system_id)
    indicators = [i for d in system.dimensions.all() for i in d.indicators.all()]
    sheets = own.select_related("person", "person__group").order_by("person__name_pinyin", "id")
    page = number_page(request, sheets, GRID_ROWS)
    open_round = evaluation_round.status == EvaluationRound.Status.OPEN
    errors: dict = {}
    posted: dict[int, dict[int, str]] = {}
    posted_notes: dict[int, dict[int, str]] = {}
    if request.method == "POST":
        if not open_round:
            raise Http404
        editable_sheets = [sheet for sheet in page.object_list if not sheet.is_submitted]
        posted = {
            sheet.pk: {i.pk: request.POST.get(f"p-{sheet.pk}-{i.pk}", "") for i in indicators}
            for sheet in editable_sheets
        }
        # A note box missing from the form leaves its stored note as it is.
        posted_notes = {
            sheet.pk: {
                i.pk: request.POST[f"n-{sheet.pk}-{i.pk}"]
                for i in indicators
                if f"n-{sheet.pk}-{i.pk}" in request.POST
            }
            for sheet in editable_sheets
        }
        try:
            saved, submitted = sheets_save_grid(
                actor=request.user, evaluation_round=evaluation_round, points=posted,
                notes=posted_notes, submit_complete=request.POST.get("action") == "submit",
                request=request,
            )  # fmt: skip
        except EvaluationError as error:
            errors = error.fields
            messages.error(request, f"未保存：{len(error.messages)} 处需要修改，已在表中标出。")
        else:
            done = f"，其中 {submitted} 份评完已提交" if submitted else ""
            messages.success(request, f"已保存 {saved} 份评分表{done}。")
            return redirect(request.get_full_path())
    stored: dict[tuple[int, int], tuple[str, str]] = {
        (s.sheet_id, s.indicator_id): (points_text(s.points), s.note)
        for s in Score.objects.filter(sheet__in=list(page.object_list))
    }
    rows = []
    for sheet in page.object_list:
        cells = []
        for indicator in indicators:
            key = (sheet.pk, indicator.pk)
            value, note = stored.get(key, ("", ""))
            if sheet.pk in posted:  # a refused grid shows what was typed
                value = posted[sheet.pk][indicator.pk]
                note = posted_notes[sheet.pk].get(indicator.pk, note)
            cells.append(
                {"indicator": indicator, "value": value, "note": note, "error": errors.get(key, "")}
            )
        rows.append({"sheet": sheet, "cells": cells, "error": errors.get((sheet.pk, 0), "")})
    return render(
        request,
        "evaluations/sheet_grid.html",
        {
            "round": evaluation_round,
            "dimensions": [
                {"dimension": d, "indicators": list(d.indicators.all())}
                for d in system.dimensions.all()
            ],
            "indicators": [(i, points_text(i.max_points)) for i in indicators],
            "rows": rows,
            "page": page,
            "editable": open_round,
            "errors": errors,
            # The note boxes open by themselves when a refused grid has notes in it.
            "show_notes": bool(errors) and any(any(n.values()) for n in posted_notes.values()),
            "pending": own.exclude(status=EvaluationSheet.Status.SUBMITTED).count(),
        },
    )


def sheet_detail(request, pk: int):
    sheet = sheet_for_user(request.user, pk)
    is_mine = sheet.evaluator_id == request.user.pk
    editable = (
        is_mine and sheet.round.status == EvaluationRound.Status.OPEN and not sheet.is_submitted
    )
    errors: dict = {}
    posted: dict = {}
    if request.method == "POST":
        if not editable:
            raise Http404
        submit = request.POST.get("action") == "submit"
        system = system_with_tree(sheet.round.system_id)
        entries = {
            i.pk: (request.POST.get(f"points-{i.pk}", ""), request.POST.get(f"note-{i.pk}", ""))
            for d in system.dimensions.all()
            for i in d.indicators.all()
        }
        try:
            sheet_save(
                actor=request.user, sheet=sheet, entries=entries, submit=submit, request=request
            )
        except EvaluationError as error:
            errors = error.fields
            posted = entries
            for message in error.messages if not error.fields else []:
                messages.error(request, message)
        else:
            if submit:
                messages.success(request, f"已提交对 {sheet.person.name} 的评分。")
                return redirect("evaluations:my_sheets")
            messages.success(request, "草稿已保存。")
            return redirect("evaluations:sheet_detail", pk=sheet.pk)
    system = system_with_tree(sheet.round.system_id)
    stored = {s.indicator_id: s for s in Score.objects.filter(sheet=sheet)}
    dimensions = []
    for dimension in system.dimensions.all():
        items = []
        for indicator in dimension.indicators.all():
            score = stored.get(indicator.pk)
            if indicator.pk in posted:
                points, note = posted[indicator.pk]
            else:
                points = points_text(score.points) if score else ""
                note = score.note if score else ""
            items.append(
                {
                    "indicator": indicator,
                    "max": points_text(indicator.max_points),
                    "points": points,
                    "note": note,
                    "error": errors.get(indicator.pk, ""),
                }
            )
        dimensions.append({"dimension": dimension, "items": items})
    start, end = sheet.round.period
    return render(
        request,
        "evaluations/sheet_detail.html",
        {
            "sheet": sheet,
            "person": sheet.person,
            "dimensions": dimensions,
            "editable": editable,
            "is_mine": is_mine,
            "errors": errors,
            "period": (start, end),
            "days_left": (sheet.round.deadline - timezone.localdate()).days,
            # Read-only, for the round's region: what the rubric relies on.
            "evidence": collect(
                "evaluation_evidence",
                sheet.person,
                start,
                end,
                scope.subtree_of(sheet.round.region_id),
            ),  # fmt: skip
            **_neighbours(sheet),
        },
        status=400 if errors else 200,
    )


def _neighbours(sheet: EvaluationSheet) -> dict:
    """The evaluator's previous and next sheet in the round, in the order of
    their list (the person's name)."""
    ids = list(
        EvaluationSheet.objects.filter(round_id=sheet.round_id, evaluator_id=sheet.evaluator_id)
        .order_by("person__name_pinyin", "id")
        .values_list("id", flat=True)
    )
    at = ids.index(sheet.pk)
    return {
        "previous_sheet": ids[at - 1] if at > 0 else None,
        "next_sheet": ids[at + 1] if at + 1 < len(ids) else None,
        "position": at + 1,
        "sheet_count": len(ids),
    }
