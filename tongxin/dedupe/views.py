import tempfile

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.access import system_admin_required
from tongxin.core.exporting import Table, write_list_xlsx
from tongxin.people.models import Person
from tongxin.people.services import display_value
from tongxin.regions.scope import read_scope, split_by_scope, write_scope, writes_records

from . import freshness, services
from . import merge as merging
from .access import merge_for_user, pair_for_user, pairs_for_user, require_editor, require_reader
from .forms import RuleForm
from .models import DuplicatePair, DuplicateRule, Merge

PAGE = 50


@require_GET
def queue(request):
    """The open pairs of the user's scope, newest first, by rule."""
    pairs = pairs_for_user(request.user).filter(status=DuplicatePair.Status.OPEN)
    counts = dict(pairs.values_list("rule").annotate(n=Count("id")).values_list("rule", "n"))
    rules = [(rule, counts.get(rule.pk, 0)) for rule in DuplicateRule.objects.all()]
    rule_id = request.GET.get("rule", "")
    shown = pairs.filter(rule_id=int(rule_id)) if rule_id.isdigit() else pairs
    page = list(
        shown.select_related("person_a__region", "person_b__region", "rule").order_by("-id")[:PAGE]
    )
    # Pairs with one person elsewhere: the user's own person is named, the other never.
    scope = read_scope(request.user)
    touching = (
        DuplicatePair.objects.touching(request.user)
        .filter(status=DuplicatePair.Status.OPEN)
        .exclude(pk__in=pairs.values("pk"))
        .select_related("person_a__region", "person_b__region")[:PAGE]
    )
    # With the pair when the user may change their own record: a merge across
    # regions is then a change request (flows, 合并) the other side approves.
    writable = write_scope(request.user)
    elsewhere = []
    for pair in touching:
        mine, _outside = split_by_scope(
            [pair.person_a, pair.person_b], scope, lambda p: p.region_id
        )
        for person in mine:
            elsewhere.append((person, pair if writable.contains(person.region_id) else None))
    context = {
        "pairs": page,
        "total": shown.count(),
        "rules": rules,
        "rule_id": int(rule_id) if rule_id.isdigit() else None,
        "elsewhere": elsewhere,
        "can_edit": writes_records(request.user),
        "merges": Merge.objects.visible_to(request.user)
        .filter(undone_at__isnull=True)
        .select_related("survivor", "merged")[:10],
    }
    return render(request, "dedupe/queue.html", context)


def _rows(a: Person, b: Person) -> list[dict]:
    """The registration form's fields of both records, marking those that differ."""
    rows = []
    for name in ["id_number", "region", "level", *merging.PICKABLE_FIELDS]:
        field = Person._meta.get_field(name)
        left, right = getattr(a, field.attname), getattr(b, field.attname)
        rows.append(
            {
                "name": name,
                "label": field.verbose_name,
                "a": display_value(name, left),
                "b": display_value(name, right),
                "differs": (left or None) != (right or None),
                "pickable": name in merging.PICKABLE_FIELDS,
            }
        )
    return rows


@require_GET
def pair_detail(request, pk: int):
    pair = pair_for_user(request.user, pk)
    context = {
        "pair": pair,
        "rows": _rows(pair.person_a, pair.person_b),
        "can_edit": writes_records(request.user) and pair.status == DuplicatePair.Status.OPEN,
    }
    return render(request, "dedupe/pair.html", context)


@require_POST
def pair_dismiss(request, pk: int):
    require_editor(request.user)
    pair = pair_for_user(request.user, pk)
    try:
        services.pair_dismiss(actor=request.user, pair=pair, request=request)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已标为不是同一人：{pair.person_a.name} / {pair.person_b.name}")
    return redirect("dedupe:queue")


@require_POST
def rule_dismiss(request):
    require_editor(request.user)
    rule = DuplicateRule.objects.filter(pk=request.POST.get("rule") or 0).first()
    if rule is None:
        messages.error(request, "请选择规则")
        return redirect("dedupe:queue")
    count = services.pairs_dismiss_by_rule(
        actor=request.user, pairs=pairs_for_user(request.user), rule=rule, request=request
    )
    messages.success(request, f"已将“{rule.name}”的 {count} 对标为不是同一人")
    return redirect("dedupe:queue")


@require_POST
def pair_merge(request, pk: int):
    require_editor(request.user)
    pair = pair_for_user(request.user, pk)
    keep = request.POST.get("survivor")
    if keep not in ("a", "b"):
        messages.error(request, "请选择保留哪一条记录")
        return redirect("dedupe:pair", pk=pair.pk)
    survivor, merged = (
        (pair.person_a, pair.person_b) if keep == "a" else (pair.person_b, pair.person_a)
    )
    picks = {}
    for name in merging.PICKABLE_FIELDS:
        side = request.POST.get(f"pick_{name}")
        if side in ("a", "b"):
            picks[name] = "survivor" if side == keep else "merged"
    try:
        merge = merging.person_merge(
            actor=request.user,
            survivor=survivor,
            merged=merged,
            picks=picks,
            pair=pair,
            request=request,
        )
    except merging.MergeError as error:
        messages.error(request, f"未合并：{error.message}")
        return redirect("dedupe:pair", pk=pair.pk)
    messages.success(
        request,
        f"已合并：{merged.name}（#{merged.pk}）并入 {survivor.name}（#{survivor.pk}）。"
        "如有误，可在“查重与合并”页撤销。",
    )
    return redirect("people:detail", pk=merge.survivor_id)


@require_POST
def merge_undo(request, pk: int):
    merge = merge_for_user(request.user, pk)
    try:
        merging.merge_undo(actor=request.user, merge=merge, request=request)
    except merging.MergeError as error:
        messages.error(request, f"未撤销：{error.message}")
    else:
        messages.success(
            request, f"已撤销合并：{merge.merged.name}（#{merge.merged_id}）恢复为单独记录"
        )
    return redirect("dedupe:queue")


@system_admin_required
def rules(request):
    forms = []
    for rule in DuplicateRule.objects.all():
        bound = request.method == "POST" and request.POST.get("rule") == str(rule.pk)
        form = RuleForm(request.POST if bound else None, instance=rule, prefix=f"r{rule.pk}")
        if bound and form.is_valid():
            try:
                services.rule_update(
                    actor=request.user, rule=rule, data=form.service_data(), request=request
                )
            except services.RuleError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"已保存查重规则：{rule.name}")
                return redirect("dedupe:rules")
        forms.append((rule, form))
    return render(request, "dedupe/rules.html", {"forms": forms})


@require_GET
def completeness(request):
    """Complete and current: the node's figures by child region and group, worst records first."""
    require_reader(request.user)
    context = {
        "total": freshness.total(request.user),
        "regions": freshness.by_child_region(request.user),
        "groups": freshness.by_group(request.user),
        "worst": list(freshness.worst(request.user, limit=PAGE)),
        "stale_days": settings.STALE_AFTER_DAYS,
        "photo_years": settings.PHOTO_MAX_AGE_YEARS,
    }
    return render(request, "dedupe/completeness.html", context)


EXPORT_HEADERS = ["姓名", "所属区域", "人员类别", "联系电话", "待补充", "希望补充", "最近确认"]


@require_GET
def completeness_export(request):
    """The to-complete list (who, what is missing) as xlsx, to chase by phone.

    Full mobiles only for roles that may reveal identifiers; the export is audited.
    """
    require_reader(request.user)
    reveal = request.user.can_reveal_identifiers
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    rows = write_list_xlsx(
        target,
        Table(
            name="待补充与待更新",
            headers=EXPORT_HEADERS,
            widths=[10, 14, 24, 14, 30, 40, 12],
            rows=(
                [
                    chase.person.name,
                    chase.person.region.name,
                    chase.person.group.name,
                    chase.person.mobile if reveal else chase.person.masked_mobile,
                    "、".join(chase.missing),
                    "、".join(chase.wanted),
                    timezone.localtime(chase.confirmed).date(),
                ]
                for chase in freshness.worst(request.user, limit=None)
            ),
        ),
    )
    services.completeness_exported(actor=request.user, rows=rows, reveal=reveal, request=request)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename="待补充与待更新名单.xlsx")
