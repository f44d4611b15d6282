"""One person's timeline: every engagement record about them plus their change
history, newest first. One query per kind, whatever the number of items."""

import datetime
from dataclasses import dataclass
from html import escape

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.people.history import person_history
from tongxin.people.models import Person
from tongxin.regions.scope import read_scope

from .models import (
    ActivityParticipant,
    ClusterMembership,
    Honour,
    Nomination,
    NominationStage,
    OrganisationMember,
    Position,
    PositionLevel,
    PositionType,
    RecordStatus,
    Secondment,
    TrainingParticipant,
)

KIND_LABELS = {
    "activity": "活动",
    "training": "培训",
    "secondment": "挂职",
    "position": "政治安排",
    "nomination": "提名考察",
    "honour": "表彰",
    "organisation": "组织载体",
    "cluster": "聚集区域",
    "history": "信息变更",
}


@dataclass
class TimelineItem:
    date: datetime.date
    kind: str
    title: str
    detail: str = ""
    url: str = ""
    order: int = 0  # breaks ties within a day: later writes first
    region_id: int | None = None  # the record's region (None: the person's own history)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _day(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


class _Links:
    """Detail-page URLs of records the user may open; another region's records
    may mention this person too, and show without a link.

    One reverse() per kind instead of one per item: at 200 items reverse()
    was a third of the panel's time.
    """

    def __init__(self, user):
        self.scope = read_scope(user)
        self.prefixes = {}

    def __call__(self, name: str, region_id: int, pk: int) -> str:
        if not self.scope.contains(region_id):
            return ""
        if name not in self.prefixes:
            self.prefixes[name] = reverse(f"engagement:{name}_detail", args=[0])[: -len("0/")]
        return f"{self.prefixes[name]}{pk}/"


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


_ROLE = _labels(ActivityParticipant.Role.choices)
_ATTENDANCE = _labels(ActivityParticipant.Attendance.choices)
_MEMBER_ROLE = _labels(OrganisationMember.Role.choices)
_STAGE = _labels(Nomination.Stage.choices)
_POSITION_TYPE = _labels(PositionType.choices)
_POSITION_LEVEL = _labels(PositionLevel.choices)
_HONOUR_LEVEL = _labels(Honour.Level.choices)


def _join(*parts, sep=" ") -> str:
    return sep.join(p for p in parts if p)


# Each source reads plain values (no model instances): one query, cheap rows.


def _activities(link, person):
    rows = ActivityParticipant.objects.filter(
        person=person, activity__status=RecordStatus.ACTIVE
    ).values_list(
        "pk", "role", "attendance", "activity_id", "activity__title", "activity__start_date",
        "activity__place", "activity__region_id", "activity__type__name",
    )  # fmt: skip
    for pk, role, attendance, a_id, title, start, place, region_id, type_name in rows:
        detail = _join(type_name, _ROLE[role], _ATTENDANCE[attendance], place, sep=" · ")
        yield TimelineItem(start, "activity", title, detail,
                           link("activities", region_id, a_id), pk, region_id)  # fmt: skip


def _trainings(link, person):
    rows = TrainingParticipant.objects.filter(
        person=person, training__status=RecordStatus.ACTIVE
    ).values_list(
        "pk", "training_id", "training__course", "training__organiser", "training__hours",
        "training__start_date", "training__region_id",
    )  # fmt: skip
    for pk, t_id, course, organiser, hours, start, region_id in rows:
        detail = _join(organiser, f"{hours:g}学时" if hours is not None else "", sep=" · ")
        yield TimelineItem(start, "training", course, detail,
                           link("trainings", region_id, t_id), pk, region_id)  # fmt: skip


def _secondments(link, person):
    rows = Secondment.objects.filter(person=person, status=RecordStatus.ACTIVE).values_list(
        "pk", "host_unit", "post", "start_date", "end_date", "region_id"
    )
    for pk, host_unit, post, start, end, region_id in rows:
        until = f"至{cn_date(end)}" if end else "至今"
        yield TimelineItem(start, "secondment", f"{host_unit} {post}", until,
                           link("secondments", region_id, pk), pk, region_id)  # fmt: skip


def _positions(link, person):
    today = timezone.localdate()
    rows = Position.objects.filter(person=person, status=RecordStatus.ACTIVE).values_list(
        "pk", "type", "level", "term", "organisation", "title", "start_date", "end_date",
        "region_id",
    )  # fmt: skip
    for pk, type_, level, term, organisation, title, start, end, region_id in rows:
        name = _join(_POSITION_LEVEL.get(level, ""), term, _POSITION_TYPE[type_], title)
        current = "（现任）" if start <= today and (end is None or end > today) else ""
        yield TimelineItem(start, "position", name, _join(organisation, current),
                           link("positions", region_id, pk), pk, region_id)  # fmt: skip


def _nominations(link, person):
    rows = (
        NominationStage.objects.filter(nomination__person=person)
        .exclude(nomination__status=RecordStatus.CANCELLED)
        .values_list(
            "pk", "stage", "date", "responsible_unit", "outcome", "nomination_id",
            "nomination__position_type", "nomination__position_level", "nomination__title",
            "nomination__region_id",
        )
    )  # fmt: skip
    for pk, stage, day, unit, outcome, n_id, type_, level, title, region_id in rows:
        target = _join(_POSITION_LEVEL.get(level, ""), _POSITION_TYPE[type_], title)
        yield TimelineItem(day, "nomination", f"{_STAGE[stage]}：{target}",
                           _join(unit, outcome, sep=" · "),
                           link("nominations", region_id, n_id), pk, region_id)  # fmt: skip


def _honours(link, person):
    rows = Honour.objects.filter(person=person, status=RecordStatus.ACTIVE).values_list(
        "pk", "title", "level", "awarding_body", "date", "region_id"
    )
    for pk, title, level, body, day, region_id in rows:
        yield TimelineItem(day, "honour", title, f"{_HONOUR_LEVEL[level]} · {body}",
                           link("honours", region_id, pk), pk, region_id)  # fmt: skip


def _organisations(link, person):
    rows = OrganisationMember.objects.filter(person=person).values_list(
        "pk", "role", "start_date", "end_date", "created_at", "organisation_id",
        "organisation__name", "organisation__region_id",
    )  # fmt: skip
    for pk, role, start, end, created, o_id, name, region_id in rows:
        detail = _MEMBER_ROLE[role] + (f" · {cn_date(end)}离任" if end else "")
        yield TimelineItem(start or _day(created), "organisation", name, detail,
                           link("organisations", region_id, o_id), pk, region_id)  # fmt: skip


def _clusters(link, person):
    rows = ClusterMembership.objects.filter(person=person).values_list(
        "pk", "created_at", "cluster_id", "cluster__name", "cluster__region_id"
    )
    for pk, created, c_id, name, region_id in rows:
        yield TimelineItem(_day(created), "cluster", name, "加入聚集区域",
                           link("clusters", region_id, c_id), pk, region_id)  # fmt: skip


def _history(link, person):
    for index, entry in enumerate(reversed(person_history(person))):
        fields = "、".join(c.label for c in entry.changes[:6])
        if len(entry.changes) > 6:
            fields += " 等"
        yield TimelineItem(_day(entry.at), "history", entry.reason or entry.action,
                           f"{entry.user}{('：' + fields) if fields else ''}", "", index)  # fmt: skip


# Whether a person has any row of each kind, as `kinds_with_rows` asks it.
_ROWS_OF_KIND = {
    "activity": lambda: ActivityParticipant.objects.filter(person=OuterRef("pk")),
    "training": lambda: TrainingParticipant.objects.filter(person=OuterRef("pk")),
    "secondment": lambda: Secondment.objects.filter(person=OuterRef("pk")),
    "position": lambda: Position.objects.filter(person=OuterRef("pk")),
    "nomination": lambda: Nomination.objects.filter(person=OuterRef("pk")),
    "honour": lambda: Honour.objects.filter(person=OuterRef("pk")),
    "organisation": lambda: OrganisationMember.objects.filter(person=OuterRef("pk")),
    "cluster": lambda: ClusterMembership.objects.filter(person=OuterRef("pk")),
}


def presence_checks() -> list[tuple]:
    """`kinds_with_rows`' checks, for the person page to ask with the person
    (hooks.person_presence)."""
    return [(f"engagement.{kind}", Exists(rows())) for kind, rows in _ROWS_OF_KIND.items()]


def kinds_with_rows(person: Person) -> set[str]:
    """The record kinds with any row about `person` (whatever its status or
    region): one query of EXISTS checks. Most persons have none, and reading
    each kind for them cost a query each (8 of the person page's queries);
    the timeline and the positions panel then read only the kinds that have
    rows. Kept on the person object for the rest of the request."""
    kept = getattr(person, "_engagement_kinds", None)
    if kept is not None:
        return kept
    asked = getattr(person, "_present", {})
    if all(f"engagement.{kind}" in asked for kind in _ROWS_OF_KIND):  # with the person
        person._engagement_kinds = {k for k in _ROWS_OF_KIND if asked[f"engagement.{k}"]}
        return person._engagement_kinds
    checks = {kind: Exists(rows()) for kind, rows in _ROWS_OF_KIND.items()}
    found = Person.objects.filter(pk=person.pk).annotate(**checks).values_list(*checks).first()
    if found is None:  # not saved (yet): every kind is read as before
        return set(checks)
    person._engagement_kinds = {kind for kind, has in zip(checks, found, strict=True) if has}
    return person._engagement_kinds


_SOURCES = {
    "activity": _activities,
    "training": _trainings,
    "secondment": _secondments,
    "position": _positions,
    "nomination": _nominations,
    "honour": _honours,
    "organisation": _organisations,
    "cluster": _clusters,
    "history": _history,
}


def person_timeline(user, person: Person, kind: str = "") -> list[TimelineItem]:
    """Items of `kind` (all kinds if empty or unknown), newest first."""
    if kind in _SOURCES:
        sources = {kind: _SOURCES[kind]}
    else:  # every kind: only those with rows are read
        present = kinds_with_rows(person) | {"history"}
        sources = {k: source for k, source in _SOURCES.items() if k in present}
    link = _Links(user)
    items = [item for source in sources.values() for item in source(link, person)]
    for item in items:
        if item.region_id is not None and not link.scope.contains(item.region_id):
            # Another region's record about this person: there, but not named.
            item.title, item.detail, item.url = f"其他区域的{item.kind_label}记录", "", ""
    items.sort(key=lambda i: (i.date, i.order), reverse=True)
    return items


def timeline_rows_html(items: list[TimelineItem]) -> str:
    """The timeline's table rows, escaped by hand. Built here rather than in a
    template loop or with format_html: at 200 items either was most of the
    panel's time."""
    rows = []
    for item in items:
        title = escape(item.title)
        if item.url:
            title = f'<a href="{escape(item.url)}">{title}</a>'
        detail = f'<div class="small text-muted">{escape(item.detail)}</div>' if item.detail else ""
        day = item.date
        rows.append(
            f'<tr data-kind="{item.kind}"><td style="width:9rem" class="text-nowrap">'
            f"{day.year}年{day.month}月{day.day}日</td>"
            f'<td style="width:6rem"><span class="badge text-bg-light border">'
            f"{KIND_LABELS[item.kind]}</span></td><td>{title}{detail}</td></tr>"
        )
    return mark_safe("\n".join(rows))
