"""Reads for the inbox and the request pages."""

from tongxin.people.access import persons_visible_to
from tongxin.regions.scope import write_scope

from .models import ChangeRequest

OUTSIDE = "其他区域人员"


def person_label(user, change_request: ChangeRequest, shown: set[int] | None = None) -> str:
    """The request's subject as this user may read it: the person's name only
    inside the user's scope (a person who moved away or one asked for by 调入
    before approval is 其他区域人员)."""
    if change_request.kind == ChangeRequest.Kind.REVIEW:
        return f"{change_request.origin.name}{change_request.year}年度更新"
    if change_request.kind == ChangeRequest.Kind.REPORT:
        return f"{change_request.origin.name}{change_request.year}年度附件1、附件2"
    if change_request.person_id is None:
        return ""
    if shown is None:
        shown = set(
            persons_visible_to(user)
            .filter(pk=change_request.person_id)
            .values_list("pk", flat=True)
        )
    if change_request.person_id in shown:
        return change_request.person.name
    if change_request.state == ChangeRequest.State.APPROVED and (
        change_request.kind == ChangeRequest.Kind.TRANSFER
    ):
        return f"{OUTSIDE}（已调出本区域）"
    return OUTSIDE


def merge_sides(user, change_request: ChangeRequest) -> dict | None:
    """A merge request's two records as this user may read them: each named
    only inside the user's scope, else 其他区域的记录."""
    if change_request.kind != ChangeRequest.Kind.MERGE:
        return None
    pair = [change_request.person_id, change_request.other_person_id]
    shown = dict(persons_visible_to(user).filter(pk__in=pair).values_list("pk", "name"))

    def label(pk: int) -> str:
        return f"{shown[pk]}（#{pk}）" if pk in shown else "其他区域的记录"

    kept, merged = (pair[1], pair[0]) if change_request.keep_other else pair
    return {"kept": label(kept), "merged": label(merged)}


def labels_for(user, requests: list[ChangeRequest]) -> dict[int, str]:
    """person_label for many requests, with one query for which persons are in scope."""
    ids = {r.person_id for r in requests if r.person_id}
    shown = set(persons_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    return {r.pk: person_label(user, r, shown) for r in requests}


def awaiting_decision(user):
    """Submitted requests the user's nodes decide (not their own)."""
    pending = ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING).exclude(proposer=user)
    return write_scope(user).filter(pending, "approver")


def asked_and_open(user):
    return ChangeRequest.objects.filter(proposer=user, state__in=ChangeRequest.OPEN_STATES)


def recent_history(user, limit: int = 30) -> list[tuple[ChangeRequest, str]]:
    """Requests finished lately that the user may read, with their subject as shown to them."""
    finished = (
        ChangeRequest.objects.visible_to(user)
        .exclude(state__in=ChangeRequest.OPEN_STATES)
        .select_related("person", "origin", "target", "approver", "tier__region")
        .order_by("-decided_at", "-id")[:limit]
    )
    rows = list(finished)
    labels = labels_for(user, rows)
    return [(r, labels[r.pk]) for r in rows]


def report_view(change_request: ChangeRequest) -> dict | None:
    """A 报送's kept figures for its page: the 合计 block of each row of 附件1
    (the node's whole subtree by level), and the change since the previous
    year's report of the same node."""
    if change_request.kind != ChangeRequest.Kind.REPORT or not change_request.snapshot:
        return None
    snapshot = change_request.snapshot
    width = len(snapshot["level_labels"])
    previous = (
        ChangeRequest.objects.filter(
            kind=ChangeRequest.Kind.REPORT,
            origin_id=change_request.origin_id,
            year=(change_request.year or 0) - 1,
            state=ChangeRequest.State.APPROVED,
        )
        .order_by("-decided_at")
        .first()
    )
    before = {}
    if previous is not None and previous.snapshot:
        before = {(g, label): cells[-1] for g, label, _kind, cells in previous.snapshot["rows"]}
    rows = []
    for group, label, kind, cells in snapshot["rows"]:
        last = before.get((group, label))
        rows.append(
            {
                "group": group,
                "label": label,
                "kind": kind,
                "cells": cells[-width:],
                "last": last,
                "change": None if last is None else cells[-1] - last,
            }
        )
    return {
        "snapshot": snapshot,
        "rows": rows,
        "previous": previous,
    }
