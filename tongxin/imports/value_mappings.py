"""Unknown roster values mapped once, from the preview (issue 17).

The preview lists each dictionary value no entry claims (值 → 出现行数,
Analysis.unknown_values). The user picks the entry it means:

- city staff (imports.access.may_map_values) map it at once: the text becomes
  a synonym of the entry (people.dictionary_services, audited), so this file
  is re-checked and every later import reads it;
- county staff propose it: a ValueMappingProposal the city staff above their
  office accept (then it is mapped as above) or decline.

Dictionaries serve the whole deployment, which is why a county cannot change
them alone; the proposal is kept with the proposing office's region so only
the city staff whose subtree holds it see it (the region rule).

A region name no region claims (a former name, a local short form) is mapped
the same way, to a region the user may write: it is kept as a RegionAlias
(audited) that later imports by users who may write that region read.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.dictionary_services import dictionary_entry_update
from tongxin.people.models import SubCategory
from tongxin.regions import scope
from tongxin.regions.models import Region

from .models import ImportBatch, RegionAlias, ValueMappingProposal
from .parsing import cell_text, lookup_key, split_synonyms
from .validation import (
    DICTIONARIES,
    FIELD_LABELS,
    MAPPABLE,
    dictionary_lookup,
    region_lookup,
    subcategory_lookup,
    value_suffixes,
)

SYNONYM_SEPARATOR = "、"


class ValueMappingError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def entry_model(field: str) -> type[models.Model]:
    if field == "region":
        return Region
    if field == "subcategory":
        return SubCategory
    if field in DICTIONARIES:
        return DICTIONARIES[field]
    raise ValueMappingError("该列的值不能在这里对应")


def entry_choices(field: str, *, user) -> list[tuple[int, str]]:
    """The active entries a value of `field` may be mapped to, as (pk, label);
    for the region, those `user` may write."""
    if field == "region":
        return [(r.pk, f"{r.name}（{r.code}）") for r in _writable_regions(user)]
    model = entry_model(field)
    entries = model.objects.filter(is_active=True)
    if model is SubCategory:
        return [(s.pk, f"{s.group.short_name or s.group.name} / {s.name}")
                for s in entries.select_related("group")]  # fmt: skip
    return [(e.pk, e.name) for e in entries]


def _writable_regions(user) -> list[Region]:
    return [r for r in scope.write_scope(user).region_rows() if r.is_active]


def _entry(field: str, entry_id, *, user) -> models.Model:
    if field == "region":
        # Only a region the user may write: the choice is theirs to make.
        chosen = next((r for r in _writable_regions(user) if str(r.pk) == str(entry_id)), None)
        if chosen is None:
            raise ValueMappingError("请选择您负责的区域中的一个")
        return chosen
    try:
        return entry_model(field).objects.get(pk=int(entry_id), is_active=True)
    except (ValueError, TypeError, models.ObjectDoesNotExist):
        raise ValueMappingError(f"请选择{FIELD_LABELS[field]}中的一项") from None


def _checked_value(field: str, value: str) -> str:
    """The text as it will be kept; refuses what cannot be a synonym."""
    if field not in MAPPABLE:
        raise ValueMappingError("该列的值不能在这里对应")
    text = cell_text(value).strip()
    if not text:
        raise ValueMappingError("文件中的写法为空")
    if len(text) > 60:
        raise ValueMappingError("文件中的写法超过60个字，不能记为同义写法")
    if split_synonyms(text) != [text]:
        raise ValueMappingError(f"“{text}”含有顿号或逗号，不能记为一个同义写法")
    return text


def _known_as(field: str, text: str, *, user):
    """The entry the importer already reads `text` as (for `user`), or None."""
    if field == "region":
        lookup = region_lookup(user)
    elif field == "subcategory":
        lookup = subcategory_lookup()
    else:
        lookup = dictionary_lookup(field)
    return lookup.get(text, suffixes=value_suffixes(field))


def _already_known(field: str, text: str, known) -> ValueMappingError:
    return ValueMappingError(f"{FIELD_LABELS[field]}“{text}”已能识别为“{known}”，请重新检查文件")


def _add_synonym(*, actor, field: str, text: str, entry, request) -> None:
    if field == "region":
        _add_region_alias(actor=actor, text=text, region=entry, request=request)
        return
    synonyms = SYNONYM_SEPARATOR.join([*split_synonyms(entry.synonyms), text])
    try:
        dictionary_entry_update(
            actor=actor, entry=entry, data={"synonyms": synonyms}, request=request
        )
    except ValidationError:
        raise ValueMappingError(
            f"“{entry}”的同义写法已满（最多200字），请联系系统管理员整理数据字典后再试"
        ) from None


def _add_region_alias(*, actor, text: str, region: Region, request) -> RegionAlias:
    alias = RegionAlias.objects.create(
        region=region, name=text, key=lookup_key(text), created_by=actor
    )
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=alias,
        region=region,
        changes={"名单中的写法": text, "区域": f"{region.name}（{region.code}）"},
    )
    return alias


@transaction.atomic
def value_mapping_apply(*, actor, field: str, value: str, entry_id, request=None):
    """Keep `value` as a synonym of the entry (city staff; audited by the
    dictionary service). Returns the entry."""
    text = _checked_value(field, value)
    entry = _entry(field, entry_id, user=actor)
    known = _known_as(field, text, user=actor)
    if known is not None:
        raise _already_known(field, text, known)
    _add_synonym(actor=actor, field=field, text=text, entry=entry, request=request)
    return entry


@transaction.atomic
def value_mapping_propose(
    *, actor, batch: ImportBatch, field: str, value: str, entry_id, request=None
) -> ValueMappingProposal:
    """A county's proposal, for the city staff above its office to decide.

    Proposing the same value again replaces the office's pending proposal."""
    text = _checked_value(field, value)
    entry = _entry(field, entry_id, user=actor)
    known = _known_as(field, text, user=actor)
    if known is not None:
        raise _already_known(field, text, known)
    pending = writes.locked(
        ValueMappingProposal.objects.filter(
            region=batch.region, field=field, state=ValueMappingProposal.State.PENDING
        )
    )
    key = lookup_key(text)
    for earlier in pending:
        if lookup_key(earlier.value) == key:
            earlier.state = ValueMappingProposal.State.DECLINED
            earlier.decided_by = actor
            earlier.decided_at = timezone.now()
            writes.save_tracked(earlier, actor=actor, fields=["state", "decided_by", "decided_at"])
    proposal = ValueMappingProposal.objects.create(
        region=batch.region,
        batch=batch,
        field=field,
        value=text,
        entry_id=entry.pk,
        entry_name=str(entry)[:60],
        proposed_by=actor,
    )
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=proposal,
        region=batch.region,
        changes={"field": FIELD_LABELS[field], "value": text, "entry": str(entry)},
    )
    return proposal


@transaction.atomic
def value_mapping_decide(
    *, actor, proposal: ValueMappingProposal, accept: bool, request=None
) -> ValueMappingProposal:
    """Accept (the value becomes the entry's synonym) or decline a pending proposal."""
    proposal = writes.lock(ValueMappingProposal, proposal.pk)
    if proposal.state != ValueMappingProposal.State.PENDING:
        raise ValueMappingError("该提议已处理")
    if accept:
        text = _checked_value(proposal.field, proposal.value)
        entry = _entry(proposal.field, proposal.entry_id, user=actor)
        known = _known_as(proposal.field, text, user=actor)
        if known is None:
            _add_synonym(actor=actor, field=proposal.field, text=text, entry=entry,
                         request=request)  # fmt: skip
        elif known.pk != entry.pk:  # mapped otherwise since it was proposed
            raise ValueMappingError(
                f"“{text}”已被对应为“{known}”，不能再对应为“{entry}”；请选择不采纳"
            )
        proposal.state = ValueMappingProposal.State.ACCEPTED
    else:
        proposal.state = ValueMappingProposal.State.DECLINED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    return writes.save_audited(
        proposal,
        actor=actor,
        fields=["state", "decided_by", "decided_at"],
        action=AuditEntry.Action.UPDATE,
        changes={"state": [ValueMappingProposal.State.PENDING.label, proposal.get_state_display()]},
        request=request,
    )


def pending_proposals_by_value(batch: ImportBatch) -> dict[tuple[str, str], ValueMappingProposal]:
    """The office's pending proposals, keyed like the preview's unknown values."""
    found = ValueMappingProposal.objects.filter(
        region=batch.region, state=ValueMappingProposal.State.PENDING
    )
    return {(p.field, lookup_key(p.value)): p for p in found}
