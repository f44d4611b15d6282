from django.urls import reverse

from tongxin.core.inbox import InboxItem
from tongxin.people.access import persons_visible_to
from tongxin.regions.scope import reads_records, write_scope, writes_records

from .models import ChangeRequest
from .selectors import asked_and_open, awaiting_decision, labels_for


def inbox_items(user) -> list[InboxItem]:
    """Requests awaiting the user's decision, and those they asked still open."""
    if not writes_records(user):
        return []
    related = ("person", "origin", "tier__region")
    awaiting = list(awaiting_decision(user).select_related(*related)[:200])
    mine = list(asked_and_open(user).select_related(*related)[:200])
    labels = labels_for(user, awaiting + mine)
    return [
        InboxItem(
            kind=f"{r.title_kind}",
            title=labels[r.pk],
            url=reverse("flows:detail", args=[r.pk]),
            created_at=r.created_at,
            state_label=r.get_state_display(),
            awaiting_me=decides,
            due_date=r.due_date if r.state == ChangeRequest.State.PENDING else None,
        )
        for rows, decides in ((awaiting, True), (mine, False))
        for r in rows
    ]


def nav_items(user) -> list[dict]:
    """The inbox and the roll-ups. The inbox's count is fetched by the page
    after it loads (flows:inbox_count): counting it here would put queries
    into every page of the product."""
    if not reads_records(user):
        return []
    return [
        {"label": "待办", "url": reverse("flows:inbox"), "badge_url": reverse("flows:inbox_count")},
        {"label": "分级汇总", "url": reverse("flows:levels")},
    ]


def person_panels(request, person) -> list[dict]:
    """Open and past requests about the person, and the requests staff may start."""
    user = request.user
    rows = list(
        ChangeRequest.objects.visible_to(user)
        .filter(person=person)
        .select_related("origin", "target", "approver", "tier__region")[:20]
    )
    may_write = (
        writes_records(user)
        and not person.is_archived
        and write_scope(user).contains(person.region_id)
        and persons_visible_to(user).filter(pk=person.pk).exists()
    )
    if not rows and not may_write:
        return []
    return [
        {
            "template": "flows/_person_panel.html",
            "context": {"person": person, "requests": rows, "may_write": may_write},
            "column": "side",
        }
    ]


def demo_records(seed: int) -> list[str]:
    from .demo import demo_records_ensure

    return demo_records_ensure(seed=seed)
