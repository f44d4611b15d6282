"""Everything the database holds about one person, found through the model graph.

The same plan serves both rights that need "everything": the copy (查阅复制)
exports it, the erasure (删除) deletes it. It is built from Django's model meta,
not from a list of apps, so a new app's records are covered the day they exist:

1. rows: the person, every row with a foreign key to the person (including
   many-to-many link tables), and every row that depends on one of those
   (e.g. the scores of an evaluation sheet, the progress notes of a request);
   a dependant whose link is nullable (SET_NULL) is unlinked instead;
2. history: the simple-history rows of all of those, and any history row of
   another record that pointed at one of them;
3. mentions: the person's identifiers (name, ID, mobile, email, their keyed
   hashes) in the text and JSON columns of every other table — audit entries,
   import batches, report jobs, privacy requests, … — except other persons'
   registration records and staff accounts, which are never rewritten.

Privacy requests are the record of the request itself: they are unlinked, not
deleted (`person_ref` keeps the bare record number).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q, TextField
from django.db.models.fields.reverse_related import ManyToOneRel
from django.db.models.functions import Cast

from tongxin.audit.models import AuditEntry
from tongxin.people.models import Person

from .models import PrivacyNotice, PrivacyRequest

ERASED_TEXT = "已依申请删除的人员记录"
MENTION_TEXT = "（已删除）"

# Tables the sweep never rewrites: other persons' registration records, staff
# accounts and the framework's bookkeeping. A namesake there is someone else.
_NOT_SWEPT_APPS = {"auth", "contenttypes", "sessions", "axes", "otp_totp", "otp_static"}


def history_models() -> dict[type[models.Model], type[models.Model]]:
    """{tracked model: its simple-history model} for every tracked model."""
    result = {}
    for model in apps.get_models():
        tracked = getattr(model, "instance_type", None)
        if tracked is not None and hasattr(model, "history_date"):
            result[tracked] = model
    return result


def _is_history(model) -> bool:
    return getattr(model, "instance_type", None) is not None


def _incoming(model):
    """(model, field) for every concrete foreign key that points at `model`,
    link tables of many-to-many fields included, history tables excluded."""
    for rel in model._meta.get_fields(include_hidden=True):
        if isinstance(rel, ManyToOneRel) and not _is_history(rel.related_model):
            yield rel.related_model, rel.field


def person_identifiers(person: Person) -> list[str]:
    """The strings that identify the person wherever they were copied to.

    Read through the model's attributes, so an encrypted column yields its
    plain text; keyed-hash columns (``*_hash``) are included as stored.
    """
    values = [person.name, person.id_number, person.mobile, person.email]
    for model_field in Person._meta.concrete_fields:
        if model_field.name.endswith("_hash"):
            values.append(getattr(person, model_field.attname))
    # One-character values (a one-character name) would match everywhere.
    return sorted({str(v) for v in values if v and len(str(v)) >= 2}, key=len, reverse=True)


@dataclass
class ErasurePlan:
    person: Person
    rows: dict[type[models.Model], set] = field(default_factory=dict)
    unlink: list[tuple[type[models.Model], models.Field, set]] = field(default_factory=list)

    def querysets(self):
        """(model, queryset) of the person's rows, the person first."""
        for model, pks in self.rows.items():
            yield model, model._base_manager.filter(pk__in=pks)

    def history_querysets(self):
        """(history model, queryset) of every history row about the rows."""
        tracked = history_models()
        erased = {model: pks for model, pks in self.rows.items() if pks}
        for model, history in tracked.items():
            condition = Q()
            if model in erased:
                condition |= Q(**{f"{model._meta.pk.attname}__in": erased[model]})
            for history_field in history._meta.concrete_fields:
                target = history_field.related_model if history_field.is_relation else None
                if target in erased and target is not model:
                    condition |= Q(**{f"{history_field.attname}__in": erased[target]})
            if condition:
                yield history, history._base_manager.filter(condition)

    def audit_entries(self):
        """Audit entries whose object is one of the rows."""
        condition = Q()
        for model, pks in self.rows.items():
            condition |= Q(
                object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks]
            )
        return AuditEntry.objects.filter(condition)

    def counts(self) -> dict[str, int]:
        # Rows derived from the person alone (dedupe's keys and pairs) are
        # deleted with it but are not records anyone kept about the person.
        return {
            str(model._meta.verbose_name): len(pks)
            for model, pks in self.rows.items()
            if not getattr(model, "derived_from_person", False)
        }


def plan_for(person: Person) -> ErasurePlan:
    plan = ErasurePlan(person=person, rows={Person: {person.pk}})
    queue = [(Person, {person.pk})]
    while queue:
        model, pks = queue.pop(0)
        for related, fk in _incoming(model):
            if related is PrivacyRequest:
                continue
            qs = related._base_manager.filter(**{f"{fk.name}__in": pks})
            # Whatever points at the person is about the person. Deeper down,
            # a nullable SET_NULL link is a reference from something else.
            if model is not Person and fk.null and fk.remote_field.on_delete is models.SET_NULL:
                linked = set(qs.values_list("pk", flat=True))
                if linked:
                    plan.unlink.append((related, fk, linked))
                continue
            found = set(qs.values_list("pk", flat=True)) - plan.rows.get(related, set())
            if found:
                plan.rows.setdefault(related, set()).update(found)
                queue.append((related, found))
    return plan


# --- mentions -----------------------------------------------------------------


def _mentions(value, needles: list[str]) -> bool:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return any(needle in text for needle in needles)


def scrub(value, needles: list[str]):
    """`value` with every mention of `needles` removed.

    In text the mention is replaced by MENTION_TEXT; an object in a list that
    mentions the person (an import's "existing person" row, a rejected row)
    is dropped as a whole, since its other values describe the same person.
    """
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, MENTION_TEXT)
        return value
    if isinstance(value, list):
        return [
            scrub(item, needles)
            for item in value
            if not (isinstance(item, dict) and _mentions(item, needles))
        ]
    if isinstance(value, dict):
        return {scrub(k, needles): scrub(v, needles) for k, v in value.items()}
    return value


def _text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.primary_key
        and not f.choices
        # Ciphertext never contains a mention, and cannot be searched (core/pii.py).
        and not getattr(f, "encrypted", False)
    ]


def _swept_models():
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    skip = {Person, Person.history.model, user_model, PrivacyNotice}
    for model in apps.get_models(include_auto_created=True):
        if model in skip or model._meta.app_label in _NOT_SWEPT_APPS:
            continue
        if getattr(model, "instance_type", None) is user_model:
            continue
        if model._meta.managed and not model._meta.proxy:
            yield model


def _mention_condition(model, fields, needles) -> tuple[dict, Q]:
    annotations, condition = {}, Q()
    for f in fields:
        if isinstance(f, models.JSONField):
            # JSON is stored escaped on SQLite ("\u5f20"), plain on PostgreSQL.
            alias = f"_privacy_{f.attname}"
            annotations[alias] = Cast(f.attname, TextField())
            for needle in needles:
                condition |= Q(**{f"{alias}__contains": needle})
                condition |= Q(**{f"{alias}__contains": json.dumps(needle)[1:-1]})
        else:
            for needle in needles:
                condition |= Q(**{f"{f.attname}__contains": needle})
    return annotations, condition


def find_mentions(needles: list[str], *, exclude_audit_ids: set[int] = frozenset()):
    """{model: [(pk, {field: scrubbed value})]} for every row outside the plan
    whose text mentions the person."""
    found = defaultdict(list)
    if not needles:
        return found
    for model in _swept_models():
        fields = _text_fields(model)
        if model is AuditEntry:
            fields = [f for f in fields if f.name in {"object_repr", "changes"}]
        if not fields:
            continue
        annotations, condition = _mention_condition(model, fields, needles)
        qs = model._base_manager.annotate(**annotations).filter(condition)
        names = [f.attname for f in fields]
        for row in qs.values("pk", *names).iterator():
            if model is AuditEntry and row["pk"] in exclude_audit_ids:
                continue
            new = {}
            for f in fields:
                old = row[f.attname]
                value = scrub(old, needles)
                if isinstance(value, str) and f.max_length:
                    value = value[: f.max_length]
                if value != old:
                    new[f.attname] = value
            if new:
                found[model].append((row["pk"], new))
    return found
