"""Score sheets (评分表): an evaluator's scores, one sheet or the whole grid."""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.core import writes

from .errors import EvaluationError
from .grading import (
    indicator_factors,
    points_text,
    sheet_total,
)
from .models import (
    EvaluationRound,
    EvaluationSheet,
    Score,
)
from .systems import system_with_tree


def _parse_points(raw) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError from None


@transaction.atomic
def sheet_save(
    *,
    actor,
    sheet: EvaluationSheet,
    entries: dict[int, tuple],
    submit: bool = False,
    request=None,
) -> EvaluationSheet:
    """Save an evaluator's scores (draft), or save and submit them.

    `entries` maps indicator id → (points as text/Decimal/None, note). Every
    point must lie in 0..max; submitting needs every indicator scored. A
    refused save changes nothing and names each wrong indicator.
    """
    current = writes.lock(EvaluationSheet.objects.select_related("round", "person"), sheet.pk)
    if current.evaluator_id != actor.pk:
        raise EvaluationError("只能填写分配给自己的评分表。")
    if current.round.status != EvaluationRound.Status.OPEN:
        raise EvaluationError("该批次不在评审中，评分表不能修改。")
    if current.is_submitted:
        raise EvaluationError("评分表已提交，不能再修改。")
    system = system_with_tree(current.round.system_id)
    indicators = [i for d in system.dimensions.all() for i in d.indicators.all()]
    errors: dict[int, str] = {}
    values: dict[int, tuple[Decimal | None, str]] = {}
    for indicator in indicators:
        raw_points, note = entries.get(indicator.pk, (None, ""))
        note = (note or "").strip()
        try:
            points = _parse_points(raw_points)
        except ValueError:
            errors[indicator.pk] = f"“{indicator.name}”的得分应为数字。"
            continue
        if points is not None:
            if points < 0:
                errors[indicator.pk] = f"“{indicator.name}”的得分不能小于 0。"
            elif points > indicator.max_points:
                errors[indicator.pk] = (
                    f"“{indicator.name}”的得分不能超过满分 {points_text(indicator.max_points)} 分。"
                )
            elif points != points.quantize(Decimal("0.1")):
                errors[indicator.pk] = f"“{indicator.name}”的得分最多保留一位小数。"
        elif submit:
            errors[indicator.pk] = f"“{indicator.name}”尚未评分，提交前须全部评分。"
        elif note:  # saved without points it would be dropped (a score row holds both)
            errors[indicator.pk] = f"“{indicator.name}”填写了评分说明但未评分，请先评分。"
        if len(note) > 500:
            errors[indicator.pk] = f"“{indicator.name}”的评分说明不能超过 500 字。"
        values[indicator.pk] = (points, note)
    if errors:
        raise EvaluationError(list(errors.values()), fields=errors)

    existing = {s.indicator_id: s for s in Score.objects.filter(sheet=current)}
    to_create, to_update, to_drop = [], [], []
    for indicator_id, (points, note) in values.items():
        score = existing.get(indicator_id)
        if points is None:
            if score is not None:
                to_drop.append(score.pk)  # a cleared draft entry
            continue
        if score is None:
            to_create.append(
                Score(sheet=current, indicator_id=indicator_id, points=points, note=note)
            )
        elif score.points != points or score.note != note:
            score.points, score.note = points, note
            to_update.append(score)
    Score.objects.bulk_create(to_create)
    Score.objects.bulk_update(to_update, ["points", "note"])
    Score.objects.filter(pk__in=to_drop).delete()

    update_fields = ["updated_at"]
    if submit:
        factors = indicator_factors(system.dimensions.all())
        current.total = sheet_total({i: p for i, (p, _) in values.items()}, factors)
        current.status = EvaluationSheet.Status.SUBMITTED
        current.submitted_at = timezone.now()
        update_fields += ["total", "status", "submitted_at"]
    return writes.save_audited(
        current,
        actor=actor,
        fields=update_fields,
        action=AuditEntry.Action.UPDATE,
        changes={
            "操作": "提交" if submit else "保存草稿",
            "得分": {str(i): str(p) for i, (p, _) in values.items() if p is not None},
            **({"折合得分": str(current.total)} if submit else {}),
        },
        reason="提交评分" if submit else "保存草稿",
        request=request,
        region=current.round.region,
        object_repr=f"{current.round.name} · {current.person.name} 评分表",
    )


@transaction.atomic
def sheets_save_grid(
    *,
    actor,
    evaluation_round: EvaluationRound,
    points: dict[int, dict[int, str]],
    notes: dict[int, dict[int, str]] | None = None,
    submit_complete: bool = False,
    request=None,
) -> tuple[int, int]:
    """Save the evaluator's grid of persons × indicators in one step.

    `points` maps sheet id → {indicator id: points as typed}; `notes` the
    same for each cell's 评分说明 (a cell missing from it keeps its stored
    note). Only the actor's own sheets that are not submitted and whose
    points or notes changed are saved (each through sheet_save); with
    `submit_complete`, those with every indicator scored are submitted too.
    All or nothing: any wrong cell refuses the whole grid, and the error
    names the person and the indicator. Returns (saved, submitted).
    """
    sheets = (
        EvaluationSheet.objects.filter(round=evaluation_round, evaluator=actor, pk__in=points)
        .exclude(status=EvaluationSheet.Status.SUBMITTED)
        .select_related("person")
        .order_by("person__name_pinyin", "id")
    )
    stored: dict[int, dict[int, Score]] = defaultdict(dict)
    for score in Score.objects.filter(sheet__in=sheets):
        stored[score.sheet_id][score.indicator_id] = score
    errors: dict[tuple[int, int], str] = {}
    saved = submitted = 0
    for sheet in sheets:
        typed = {i: (v or "").strip() for i, v in points[sheet.pk].items()}
        complete = bool(typed) and all(typed.values())
        kept = stored[sheet.pk]
        before = {i: (points_text(s.points), s.note) for i, s in kept.items()}
        # A cell whose note box was not sent keeps its stored note.
        typed_notes = {i: before.get(i, ("", ""))[1] for i in typed}
        typed_notes |= {i: (n or "").strip() for i, n in (notes or {}).get(sheet.pk, {}).items()}
        entries = {i: (v, typed_notes[i]) for i, v in typed.items()}
        changed = any(before.get(i, ("", "")) != entry for i, entry in entries.items())
        submit = submit_complete and complete
        if not changed and not submit:
            continue
        try:
            with transaction.atomic():
                sheet_save(
                    actor=actor, sheet=sheet, entries=entries, submit=submit, request=request
                )
        except EvaluationError as error:
            for indicator_id, message in error.fields.items():
                errors[(sheet.pk, indicator_id)] = f"{sheet.person.name}：{message}"
            if not error.fields:
                errors[(sheet.pk, 0)] = f"{sheet.person.name}：{error.messages[0]}"
            continue
        saved += 1
        submitted += submit
    if errors:
        raise EvaluationError(list(errors.values()), fields=errors)
    return saved, submitted
