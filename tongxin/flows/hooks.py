from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from tongxin.core.hooks import present
from tongxin.core.inbox import InboxItem
from tongxin.levels.models import ReviewCycle
from tongxin.levels.review import review_due_date
from tongxin.regions.scope import reads_records, write_scope, writes_records

from .models import ChangeRequest
from .selectors import asked_and_open, awaiting_decision, labels_for


def inbox_items(user) -> list[InboxItem]:
    """Requests awaiting the user's decision, and those they asked still open;
    and, for the staff placed at a node, the year's review still to report to
    the node above (due at the review deadline, overdue after it)."""
    if not writes_records(user):
        return []
    reminders = review_reminders(user)
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
    ] + reminders


def review_reminders(user) -> list[InboxItem]:
    """每年定期更新: each node the user is placed at (below the top) whose review
    of this year, or of last year, has not gone to the node above yet (no
    request pending or approved), once that year's review has been started."""
    year = timezone.localdate().year
    cycles = {c.year: c for c in ReviewCycle.objects.filter(year__in=[year - 1, year])}
    nodes = [n for n in user.regions.filter(is_active=True, parent__isnull=False)]
    if not cycles or not nodes:
        return []
    sent = set(
        ChangeRequest.objects.filter(
            kind=ChangeRequest.Kind.REVIEW,
            origin__in=nodes,
            year__in=list(cycles),
            state__in=[ChangeRequest.State.PENDING, ChangeRequest.State.APPROVED],
        ).values_list("origin_id", "year")
    )
    items = []
    for cycle_year, cycle in sorted(cycles.items()):
        due = review_due_date(cycle_year)
        for node in nodes:
            if (node.pk, cycle_year) in sent:
                continue
            items.append(
                InboxItem(
                    kind="年度复核确认",
                    title=f"{node.name}{cycle_year}年度更新：尚未报上级确认",
                    url=reverse("flows:new", args=["review"]) + f"?node={node.pk}",
                    created_at=cycle.started_at,
                    state_label="待报送",
                    awaiting_me=True,
                    due_date=due,
                )
            )
    return items


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


def person_presence(request) -> list[tuple]:
    return [("flows.requests", Exists(ChangeRequest.objects.filter(person=OuterRef("pk"))))]


def person_panels(request, person) -> list[dict]:
    """Open and past requests about the person, and the requests staff may start."""
    user = request.user
    rows = (
        list(
            ChangeRequest.objects.visible_to(user)
            .filter(person=person)
            .select_related("approver")[:20]  # the panel names the approving node only
        )
        if present(person, "flows.requests")
        else []
    )
    # The person came through person_for_user: `user` sees them already.
    may_write = (
        writes_records(user)
        and not person.is_archived
        and write_scope(user).contains(person.region_id)
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
