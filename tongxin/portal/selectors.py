"""What the person's own page shows about them, read in one place so the page
and the download (PIPL access) can never differ.

Deliberately a list of what IS shown, never "everything but": evaluation
scores and grades, the department's opinion, remarks, the recommender, the
level, staff notes and other persons are not read here at all.
"""

from django.utils import timezone

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.engagement.invitations import invitations_of_person
from tongxin.engagement.models import (
    ActivityParticipant,
    Honour,
    Position,
    RecordStatus,
    TrainingParticipant,
)
from tongxin.people.models import Person
from tongxin.people.services import display_value
from tongxin.service.models import ServiceRequest, Suggestion

from .models import ChangeRequest

# The registration fields the person sees, in the order of the paper form.
SHOWN_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "id_number",
    "political_status",
    "education",
    "degree",
    "school",
    "major",
    "employer",
    "job_title",
    "professional_title",
    "career_start_year",
    "mobile",
    "email",
    "address",
    "region",
    "group",
    "subcategory",
    "freelance_field",
    "resume",
    "achievements",
    "public_welfare",
]


def _label(field: str) -> str:
    return str(Person._meta.get_field(field).verbose_name)


def _period(start, end) -> str:
    return f"{cn_date(start)}至{cn_date(end) if end else '今'}"


# The download's words for the keys of positions, honours, trainings and activities.
EXPORT_LABELS = {
    "title": "名称",
    "organisation": "单位/组织",
    "period": "时间",
    "level": "级别",
    "awarding_body": "授予单位",
    "date": "日期",
    "organiser": "主办单位",
    "type": "类型",
    "place": "地点",
    "role": "角色",
}


def labelled(rows: list[dict]) -> list[dict]:
    return [{EXPORT_LABELS[key]: value for key, value in row.items()} for row in rows]


def invitation_rows(person: Person) -> list[dict]:
    """The person's invitations as their page shows them: what, when, where,
    until when they may answer, and their answer. Never the other invitees."""
    today = timezone.localdate()
    rows = []
    for invitation in invitations_of_person(person):
        target = invitation.target
        activity = invitation.activity
        rows.append(
            {
                "id": invitation.pk,
                "kind": "活动" if activity else "培训",
                "title": activity.title if activity else target.course,
                "period": _period(target.start_date, target.end_date)
                if target.end_date and target.end_date != target.start_date
                else cn_date(target.start_date),
                "place": activity.place if activity else "",
                "organiser": target.organiser,
                "note": invitation.note,
                "respond_by": cn_date(invitation.respond_by),
                "open": invitation.is_open(today),
                "answer": invitation.answer,
                "state": invitation.state_label(today),
                "reason": invitation.reason,
                "answered_at": cn_date(invitation.answered_at) if invitation.answered_at else "",
            }
        )
    return rows


def person_overview(person: Person) -> dict:
    person = Person.objects.select_related(
        "ethnicity", "political_status", "education", "degree", "region", "group", "subcategory"
    ).get(pk=person.pk)
    fields = []
    for field in SHOWN_FIELDS:
        value = getattr(person, Person._meta.get_field(field).attname)
        # Masked as everywhere: a phone is easily seen by others.
        fields.append((_label(field), display_value(field, value) or "—"))

    positions = [
        {
            "title": str(p),
            "organisation": p.organisation,
            "period": _period(p.start_date, p.end_date),
        }
        for p in Position.objects.filter(person=person, status=RecordStatus.ACTIVE)
    ]
    honours = [
        {
            "title": h.title,
            "level": h.get_level_display(),
            "awarding_body": h.awarding_body,
            "date": cn_date(h.date),
        }
        for h in Honour.objects.filter(person=person, status=RecordStatus.ACTIVE)
    ]
    trainings = [
        {
            "title": e.training.course,
            "organiser": e.training.organiser,
            "period": _period(e.training.start_date, e.training.end_date),
        }
        for e in TrainingParticipant.objects.filter(
            person=person, training__status=RecordStatus.ACTIVE
        )
        .select_related("training")
        .order_by("-training__start_date")
    ]
    activities = [
        {
            "title": a.activity.title,
            "type": a.activity.type.name,
            "date": cn_date(a.activity.start_date),
            "place": a.activity.place,
            "role": a.get_role_display(),
        }
        for a in ActivityParticipant.objects.filter(
            person=person, activity__status=RecordStatus.ACTIVE
        )
        .select_related("activity", "activity__type")
        .order_by("-activity__start_date")
    ]

    changes = list(
        ChangeRequest.objects.filter(person=person).prefetch_related("items").order_by("-id")[:20]
    )
    requests = list(
        ServiceRequest.objects.filter(person=person)
        .select_related("category", "department")
        .prefetch_related("progress")
        .order_by("-id")[:30]
    )
    suggestions = list(
        Suggestion.objects.filter(submitters=person)
        .select_related("department")
        .order_by("-id")[:30]
    )
    invitations = invitation_rows(person)
    return {
        "person": person,
        "fields": fields,
        "invitations": invitations,
        "invitations_open": sum(1 for row in invitations if row["open"]),
        "invitations_export": [
            {
                "类型": row["kind"],
                "名称": row["title"],
                "时间": row["period"],
                "地点": row["place"],
                "主办单位": row["organiser"],
                "邀请说明": row["note"],
                "答复截止": row["respond_by"],
                "答复": row["state"],
                "谢绝原因": row["reason"],
                "答复时间": row["answered_at"],
            }
            for row in invitations
        ],
        "has_photo": bool(person.photo),
        "positions": positions,
        "honours": honours,
        "trainings": trainings,
        "activities": activities,
        "changes": changes,
        "requests": requests,
        "suggestions": suggestions,
        "changes_export": [
            {
                "类型": c.get_kind_display(),
                "提交时间": cn_date(c.submitted_at),
                "状态": c.get_status_display(),
                "各项": [
                    {
                        "项目": i.label,
                        "原值": i.old_display,
                        "新值": i.new_display,
                        "结果": i.get_decision_display(),
                        "说明": i.reason,
                    }
                    for i in c.items.all()
                ],
            }
            for c in changes
        ],
        "requests_export": [
            {
                "类别": r.category.name,
                "内容": r.content,
                "受理日期": cn_date(r.received_on),
                "状态": r.get_status_display(),
                "办理进展": [f"{cn_date(p.on_date)} {p.note}" for p in r.progress.all()],
                "答复": r.answer,
            }
            for r in requests
        ],
        "suggestions_export": [
            {
                "标题": s.title,
                "内容": s.content,
                "提出日期": cn_date(s.submitted_on),
                "进展": s.stage,
                "办理结果": s.get_outcome_display() if s.outcome else "",
                "反馈": s.response,
            }
            for s in suggestions
        ],
        "today": timezone.localdate(),
    }
