"""Fields a registered person still lacks that the registration form asks for.

An import brings a roster in as offices keep it (issue 17): a freelancer's
field (文化艺术领域 / 经济社会领域) is not on any roster, so such a person is
imported without it and listed here until someone completes the record. One
place for the rule, used by the person list's 待补充信息 filter and the person
page.
"""

from django.db.models import Q

# (field, label, persons lacking it)
_RULES = [
    ("freelance_field", "自由职业领域", Q(group__is_freelance=True, freelance_field="")),
]


def to_complete_q() -> Q:
    """Persons with at least one field to complete."""
    condition = Q()
    for _field, _label, lacking in _RULES:
        condition |= lacking
    return condition


def fields_to_complete(person) -> list[str]:
    """The labels of the fields `person` lacks (evaluated on the instance, no query)."""
    missing = []
    if person.group.is_freelance and not person.freelance_field:
        missing.append("自由职业领域")
    return missing
