"""What an evaluator reads beside a sheet: the person's engagement records in
the round's period (positions, honours, trainings with hours, activities
attended, organisation roles), read-only.

The evaluator reads no region's records on their own (docs/access.md); they
see these because a round assigned them this person. Records made inside the
round's region are shown in full; a record of another region shows that it
is there, without title or place, as on a person's timeline.
"""

import datetime

from django.db.models import Q

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.people.models import Person
from tongxin.regions.scope import Scope

from .models import (
    ActivityParticipant,
    Attendance,
    Honour,
    OrganisationMember,
    Position,
    RecordStatus,
    TrainingParticipant,
)

OUTSIDE = "其他区域的记录"


def _span(start, end) -> str:
    if start and end:
        return f"{cn_date(start)}—{cn_date(end)}"
    return f"{cn_date(start)}起" if start else ""


def _overlapping(prefix: str, start: datetime.date, end: datetime.date) -> Q:
    """Records running at some time inside [start, end]."""
    return Q(**{f"{prefix}start_date__lte": end}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": start})
    )


def person_evidence(
    person: Person, start: datetime.date, end: datetime.date, shown: Scope
) -> list[dict]:
    """Sections {"key", "title", "rows": [[cells]], "columns", "summary"} for the period."""
    active = Q(status=RecordStatus.ACTIVE)

    def inside(region_id) -> bool:
        return shown.contains(region_id)

    positions = Position.objects.filter(active, _overlapping("", start, end), person=person)
    position_rows = [
        [p.get_type_display(), p.get_level_display(), f"{p.organisation} {p.title}".strip(),
         _span(p.start_date, p.end_date)]
        if inside(p.region_id) else [OUTSIDE, "", "", ""]
        for p in positions.order_by("start_date", "id")
    ]  # fmt: skip

    honours = Honour.objects.filter(active, person=person, date__range=(start, end))
    honour_rows = [
        [h.title, h.get_level_display(), h.awarding_body, cn_date(h.date)]
        if inside(h.region_id) else [OUTSIDE, "", "", ""]
        for h in honours.order_by("date", "id")
    ]  # fmt: skip

    enrolments = (
        TrainingParticipant.objects.filter(
            person=person,
            training__status=RecordStatus.ACTIVE,
            training__start_date__range=(start, end),
        )  # fmt: skip
        .select_related("training")
        .order_by("training__start_date", "id")
    )
    training_rows, hours = [], 0
    for e in enrolments:
        t = e.training
        if e.attendance == Attendance.ATTENDED and e.hours is not None:
            hours += e.hours
        if inside(t.region_id):
            training_rows.append(
                [t.course, _span(t.start_date, t.end_date), e.get_attendance_display(),
                 "" if e.hours is None else f"{e.hours:f}".rstrip("0").rstrip(".")]
            )  # fmt: skip
        else:
            training_rows.append([OUTSIDE, "", e.get_attendance_display(), ""])

    attended = (
        ActivityParticipant.objects.filter(
            person=person,
            attendance=Attendance.ATTENDED,
            activity__status=RecordStatus.ACTIVE,
            activity__start_date__range=(start, end),
        )  # fmt: skip
        .select_related("activity", "activity__type")
        .order_by("activity__start_date", "id")
    )
    activity_rows = [
        [a.activity.title, a.activity.type.name, cn_date(a.activity.start_date),
         a.get_role_display()]
        if inside(a.activity.region_id) else [OUTSIDE, "", cn_date(a.activity.start_date), ""]
        for a in attended
    ]  # fmt: skip

    roles = (
        OrganisationMember.objects.filter(person=person)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=end))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("organisation")
        .order_by("start_date", "id")
    )
    role_rows = [
        [m.organisation.name, m.get_role_display(), _span(m.start_date, m.end_date)]
        if inside(m.organisation.region_id) else [OUTSIDE, m.get_role_display(), ""]
        for m in roles
    ]  # fmt: skip

    hours_text = f"{hours:f}".rstrip("0").rstrip(".") if hours else "0"
    return [
        {"key": "positions", "title": "政治安排", "columns": ["类型", "级别", "单位及职务", "任职期间"],
         "rows": position_rows, "summary": f"{len(position_rows)} 项"},
        {"key": "honours", "title": "表彰", "columns": ["名称", "级别", "授予单位", "日期"],
         "rows": honour_rows, "summary": f"{len(honour_rows)} 项"},
        {"key": "trainings", "title": "培训及学时", "columns": ["班次/课程", "日期", "出勤", "学时"],
         "rows": training_rows, "summary": f"{len(training_rows)} 次，出席学时合计 {hours_text}"},
        {"key": "activities", "title": "出席活动", "columns": ["活动", "类型", "日期", "角色"],
         "rows": activity_rows, "summary": f"{len(activity_rows)} 次"},
        {"key": "organisations", "title": "组织载体任职", "columns": ["组织", "职务", "期间"],
         "rows": role_rows, "summary": f"{len(role_rows)} 项"},
    ]  # fmt: skip
