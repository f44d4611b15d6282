"""Fields a registered person still lacks that the registration form asks for.

An import brings a roster in as offices keep it (issue 17): a freelancer's
field (文化艺术领域 / 经济社会领域) is not on any roster, so such a person is
imported without it and listed here until someone completes the record.
Issue 21 adds the office's own rules (settings): fields it requires (their
absence makes a record 待补充 too), fields it wants (they only lower the
record's completeness), and a photo no older than PHOTO_MAX_AGE_YEARS. One
place for the rule, used by the person list's 待补充信息 filter, the person
page and the completeness roll-up (tongxin/dedupe).

A third source, also issue 17: an optional value given on entry (a roster
cell, the create form) in a form that could not be read is stored blank and
its field noted in Person.unread_fields; the field is 待补充 while it stays
blank. The same notion, not a second flag: the note only says which blank
fields someone meant to fill, and filling the field ends it.
"""

from django.apps import apps
from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

FREELANCE_LABEL = "自由职业领域"


def _field(name: str):
    # Not imported: models.py asks this module from Person.fields_to_complete.
    return apps.get_model("people", "Person")._meta.get_field(name)


def _label(field: str) -> str:
    return str(_field(field).verbose_name)


def photo_cutoff_path() -> str:
    """Photos are stored under photos/<upload year>/: one older than the
    allowed age sorts before this path."""
    year = timezone.localdate().year - settings.PHOTO_MAX_AGE_YEARS
    return f"photos/{year}/"


def lacking_q(field: str) -> Q:
    """Persons whose `field` is blank (for the photo: or too old)."""
    model_field = _field(field)
    if field == "photo":
        return Q(photo="") | Q(photo__isnull=True) | Q(photo__lt=photo_cutoff_path())
    if getattr(model_field, "encrypted", False):
        return Q(**{f"{field}_hash": ""})  # ciphertexts cannot be compared (core/pii.py)
    if model_field.is_relation or model_field.null:
        return Q(**{f"{field}__isnull": True})
    return Q(**{field: ""})


def _lacks(person, field: str) -> bool:
    value = getattr(person, _field(field).attname)
    if field == "photo":
        return not value or str(value) < photo_cutoff_path()
    return value in (None, "")


# The fields an entry may leave blank because their value could not be read:
# the registration form's fields that are neither required (imports/validation.py
# REQUIRED) nor always filled (birth date and sex come from the ID, level
# defaults to 储备).
UNREADABLE_FIELDS = (
    "native_place", "education", "degree", "school", "major", "employer", "job_title",
    "professional_title", "career_start_year", "mobile", "email", "address", "subcategory",
    "freelance_field", "resume", "achievements", "public_welfare", "recommender",
    "department_opinion", "remarks",
)  # fmt: skip


def unread_token(field: str) -> str:
    return f",{field},"


def unread_note(fields, *, before: str = "") -> str:
    """Person.unread_fields with `fields` added to the note `before`."""
    known = [f for f in before.strip(",").split(",") if f]
    known += [f for f in fields if f in UNREADABLE_FIELDS and f not in known]
    return f",{','.join(known)}," if known else ""


def unread_of(person) -> list[str]:
    note = getattr(person, "unread_fields", "") or ""
    return [f for f in note.strip(",").split(",") if f in UNREADABLE_FIELDS]


def to_complete_q() -> Q:
    """Persons with at least one field to complete."""
    condition = Q(group__is_freelance=True, freelance_field="")
    for field in settings.COMPLETENESS_REQUIRED:
        condition |= lacking_q(field)
    unread = Q()
    for field in UNREADABLE_FIELDS:
        unread |= Q(unread_fields__contains=unread_token(field)) & lacking_q(field)
    # The cheap test first: most persons have no note.
    return condition | (~Q(unread_fields="") & unread)


def fields_to_complete(person) -> list[str]:
    """The labels of the required fields `person` lacks, and of the fields
    given unreadable on entry and still blank (evaluated on the instance, no query)."""
    missing = []
    if person.group.is_freelance and not person.freelance_field:
        missing.append(FREELANCE_LABEL)
    missing += [_label(f) for f in settings.COMPLETENESS_REQUIRED if _lacks(person, f)]
    for field in unread_of(person):
        label = _label(field)
        if label not in missing and _lacks(person, field):
            missing.append(label)
    return missing


def fields_wanted(person) -> list[str]:
    """The labels of the wanted fields `person` lacks (a photo too old counts)."""
    return [_label(f) for f in settings.COMPLETENESS_WANTED if _lacks(person, f)]


def completeness_expression():
    """How many of the required and wanted fields a person has, as a SQL
    expression (its maximum is len(completeness_fields()))."""
    total = Value(0, output_field=IntegerField())
    for field in completeness_fields():
        total = total + Case(
            When(lacking_q(field), then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    return total


def completeness_fields() -> list[str]:
    return list(dict.fromkeys([*settings.COMPLETENESS_REQUIRED, *settings.COMPLETENESS_WANTED]))
