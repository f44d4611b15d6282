"""What the persons' own pages add to shared staff pages (see tongxin/core/hooks.py)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from tongxin.core.hooks import present
from tongxin.core.inbox import InboxItem

from . import access
from .models import ChangeRequest, PersonalLink


def nav_items(user) -> list[dict]:
    if not access.can_read(user):
        return []
    items = [
        {"heading": "本人信息更新"},
        {"label": "更新申请审核", "url": reverse("portal:change_list")},
        {"label": "个人链接", "url": reverse("portal:link_list")},
    ]
    if access.can_write(user):
        items.append({"label": "批量发放告知书", "url": reverse("portal:link_batch")})
    return items


def inbox_items(user) -> list[InboxItem]:
    """Pending submissions of persons the user may decide on (their node's)."""
    if not access.can_write(user):
        return []
    pending = (
        ChangeRequest.objects.writable_by(user)
        .filter(status=ChangeRequest.Status.PENDING)
        .select_related("person")
        .order_by("id")[:200]
    )
    return [
        InboxItem(
            kind="信息更新",
            title=f"{c.person.name}：{c.get_kind_display()}",
            url=reverse("portal:change_detail", args=[c.pk]),
            created_at=c.submitted_at,
            state_label=c.get_status_display(),
            awaiting_me=True,
        )
        for c in pending
    ]


def person_presence(request) -> list[tuple]:
    if not access.can_read(request.user):
        return []
    return [
        ("portal.links", Exists(PersonalLink.objects.filter(person=OuterRef("pk")))),
        ("portal.changes", Exists(ChangeRequest.objects.filter(person=OuterRef("pk")))),
    ]


def person_panels(request, person) -> list[dict]:
    """The person's links and submissions on the staff person page."""
    user = request.user
    if not access.can_read(user):
        return []
    links = (
        list(access.links_visible_to(user).filter(person=person).order_by("-id")[:5])
        if present(person, "portal.links")
        else []
    )
    changes = (
        list(access.change_requests_visible_to(user).filter(person=person).order_by("-id")[:5])
        if present(person, "portal.changes")
        else []
    )
    last_done = next((c for c in changes if c.status == ChangeRequest.Status.DONE), None)
    return [
        {
            "template": "portal/_person_panel.html",
            "column": "side",
            "context": {
                "person": person,
                "links": links,
                "changes": changes,
                "last_done": last_done,
                "can_issue": access.can_write(user) and person.status == person.Status.ACTIVE,
            },
        }
    ]


def demo_records(seed: int) -> list[str]:
    from .demo import demo_portal_ensure

    return demo_portal_ensure(seed=seed)
