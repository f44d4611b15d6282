"""Demo records of the persons' own pages: a personal link in every state, and
behind the usable ones every state of the page (invitations to answer,
accepted and declined ones, one past its deadline, a pending change request,
one decided field by field, an unchanged confirmation, a request and a
suggestion the person submitted).

The usable demo links have fixed, published tokens (`demo-1` …) so the README
can say how to open them; like the demo password they work only in demo or
development mode (services.link_for_token).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.engagement.demo import portal_invitees
from tongxin.engagement.models import Invitation
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.service.models import RequestCategory

from . import services
from .letters import link_url
from .models import DEMO_TOKEN_PREFIX, ChangeItem, ChangeRequest, PersonalLink, token_hash

VALID_DAYS = 60
# token number → what the person's page shows
SHOWN = {
    1: "活动邀请待答复（接受、谢绝）",
    2: "已接受和已谢绝的邀请，待审核的信息更新",
    3: "逾期未答复的邀请，“信息无变化”确认，本人提交的诉求和建言",
    4: "逐项审核过的更新申请（一项采纳、一项不采纳）",
}


def demo_token(number: int) -> str:
    return f"{DEMO_TOKEN_PREFIX}{number}"


def _issue(staff: User, person: Person, purpose: str, token: str | None = None) -> PersonalLink:
    (issued,) = services.links_issue(
        actor=staff, persons=[person], valid_days=VALID_DAYS, purpose=purpose
    )
    link = issued.link
    if token is not None:
        # The published demo token instead of the random one (only its hash is stored).
        link.token_hash = token_hash(token)
        link.save(update_fields=["token_hash"])
    return link


def _answer(link: PersonalLink, invitation: Invitation, accept: bool, reason: str = "") -> None:
    services.invitation_answer(link=link, invitation=invitation, accept=accept, reason=reason)


@transaction.atomic
def demo_portal_ensure(*, seed: int = 1) -> list[str]:
    """Links and the persons' submissions in 兴宁区, issued and decided by the
    `xingning` demo account; once (nothing if any link exists)."""
    if PersonalLink.objects.exists():
        return []
    staff = User.objects.filter(username="xingning").first()
    xingning = Region.objects.filter(code="450102").first()
    if staff is None or xingning is None:
        return []
    invitees = portal_invitees(xingning)
    others = list(
        Person.objects.filter(region=xingning, status=Person.Status.ACTIVE)
        .exclude(pk__in=[p.pk for p in invitees])
        .exclude(invitations__isnull=False)
        .order_by("id")[:4]
    )
    if len(invitees) < 3 or len(others) < 4:
        return []
    purpose = f"{timezone.localdate().year}年度信息更新"
    links = {n: _issue(staff, p, purpose, demo_token(n)) for n, p in enumerate(invitees, 1)}
    links[4] = _issue(staff, others[0], purpose, demo_token(4))

    # 2: one invitation accepted, the other declined; a change waiting for staff.
    second = list(Invitation.objects.filter(person=invitees[1]).order_by("id"))
    _answer(links[2], second[0], True)
    for invitation in second[1:]:
        _answer(links[2], invitation, False, "培训期间在外地参加展会，无法参加。")
    services.change_request_submit(
        link=links[2],
        data={
            "employer": f"{invitees[1].employer or '个人工作室'}（已更名）",
            "job_title": "总经理",
        },
        note="单位今年更名。",
    )
    # 3: one invitation left past its deadline (sent earlier: the service
    # refuses a past deadline at sending), "no change", a request, a suggestion.
    third = Invitation.objects.filter(person=invitees[2]).order_by("id").first()
    if third is not None:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        Invitation.objects.filter(pk=third.pk).update(respond_by=yesterday)
    services.change_request_confirm_unchanged(link=links[3])
    category = RequestCategory.objects.order_by("sort_order", "id").first()
    if category is not None:
        services.request_submit(
            link=links[3], category=category, content="希望简化个体工商户年报的办理流程。"
        )
    services.suggestion_submit(
        link=links[3], title="关于支持社区文创市集的建议", content="建议在周末开放部分社区广场。"
    )
    # 4: a change decided field by field by the xingning account.
    change = services.change_request_submit(
        link=links[4], data={"job_title": "合伙人", "email": "demo4@example.com"}
    )
    items = {item.field: item.pk for item in ChangeItem.objects.filter(change_request=change)}
    services.change_request_decide(
        actor=staff,
        change_request=change,
        decisions={
            items["job_title"]: ("approved", ""),
            items["email"]: ("rejected", "请使用常用邮箱，并电话告知工作人员核实。"),
        },
    )
    # Links no longer usable, for the staff list: revoked, locked, expired.
    services.link_revoke(actor=staff, link=_issue(staff, others[1], purpose))
    locked = _issue(staff, others[2], purpose)
    PersonalLink.objects.filter(pk=locked.pk).update(failed_attempts=5, locked_at=timezone.now())
    expired = _issue(staff, others[3], "上年度信息更新")
    PersonalLink.objects.filter(pk=expired.pk).update(
        valid_until=timezone.now() - datetime.timedelta(days=3)
    )
    return [
        f"个人页面：个人链接 {PersonalLink.objects.count()} 个，"
        f"待审核的更新申请 {ChangeRequest.objects.filter(status='pending').count()} 份"
    ]


def demo_links_text() -> str:
    """How to open the demo persons' own pages (printed by `tongxin demo`)."""
    lines = []
    for number, shown in SHOWN.items():
        link = (
            PersonalLink.objects.filter(token_hash=token_hash(demo_token(number)))
            .select_related("person")
            .first()
        )
        if link is None or not link.is_usable:
            continue
        person = link.person
        lines.append(
            f"  {link_url(demo_token(number))}  {person.name}，"
            f"证件号码后6位 {person.id_number[-6:]}，出生日期 {person.birth_date:%Y-%m-%d}：{shown}"
        )
    if not lines:
        return ""
    return "代表人士个人页面演示（在本服务地址后加上以下路径，用手机或窄窗口打开）：\n" + "\n".join(
        lines
    )
