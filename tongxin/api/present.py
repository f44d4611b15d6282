"""Records as the API shows them to one client: identifiers masked unless the
client may receive them, persons outside its region counted, never named."""

import datetime
import decimal
from dataclasses import dataclass

from django.db import models
from django.http import HttpRequest

from tongxin.people.models import Person
from tongxin.people.validators import mask_mobile, mask_resident_id
from tongxin.regions.models import Region
from tongxin.regions.scope import split_by_scope

from .models import ApiClient

PERSON_RELATIONS = (
    "region",
    "ethnicity",
    "political_status",
    "education",
    "degree",
    "group",
    "subcategory",
)
DETAIL_FIELDS = (
    "resume",
    "achievements",
    "public_welfare",
    "recommender",
    "department_opinion",
    "remarks",
)


def client_of(request: HttpRequest) -> ApiClient:
    return request.auth


def touch(request: HttpRequest, model: type[models.Model], ids) -> None:
    """Note the records a call read or wrote, for its audit row."""
    touched = request.__dict__.setdefault("api_touched", {})
    touched.setdefault(model._meta.label_lower, []).extend(ids)


def region_ref(region: Region) -> dict:
    return {"id": region.pk, "code": region.code, "name": region.name}


def _name(entry) -> str | None:
    return entry.name if entry is not None else None


def person_out(person: Person, client: ApiClient, *, detail: bool = False) -> dict:
    unmasked = client.unmasked_identifiers
    mobile = person.mobile or ""
    out = {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "id_number": person.id_number if unmasked else mask_resident_id(person.id_number),
        "mobile": mobile if unmasked or not mobile else mask_mobile(mobile),
        "email": person.email,
        "ethnicity": person.ethnicity.name,
        "political_status": person.political_status.name,
        "education": _name(person.education),
        "degree": _name(person.degree),
        "native_place": person.native_place,
        "school": person.school,
        "major": person.major,
        "employer": person.employer,
        "job_title": person.job_title,
        "professional_title": person.professional_title,
        "career_start_year": person.career_start_year,
        "address": person.address,
        "region": region_ref(person.region),
        "group": person.group.name,
        "subcategory": _name(person.subcategory),
        "freelance_field": person.freelance_field,
        "level": person.level,
        "status": person.status,
        "archived_reason": person.archived_reason,
        "archived_on": person.archived_on,
        "version": person.version,
        "updated_at": person.updated_at,
    }
    if detail:
        out.update({name: getattr(person, name) for name in DETAIL_FIELDS})
    return out


# --- region-owned records that are not persons --------------------------------


@dataclass(frozen=True)
class RecordKind:
    """How one kind of record reads through the API."""

    slug: str  # the URL segment, e.g. "activities"
    model: type[models.Model]
    label: str  # 活动, as in "活动不存在"
    fields: tuple[str, ...]
    person_field: str = ""  # a ForeignKey to Person
    persons_field: str = ""  # a ManyToMany to Person


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def record_out(record, kind: RecordKind, client: ApiClient) -> dict:
    scope = client.read_scope()
    if kind.person_field:
        related = [getattr(record, kind.person_field)]
    elif kind.persons_field:
        related = list(getattr(record, kind.persons_field).all())
    else:
        related = []
    inside, outside = split_by_scope(related, scope, lambda person: person.region_id)
    return {
        "id": record.pk,
        "kind": kind.slug,
        "region": region_ref(record.region),
        "fields": {name: _plain(getattr(record, name)) for name in kind.fields},
        "persons": [{"id": p.pk, "name": p.name} for p in inside],
        "persons_outside": outside,
    }
