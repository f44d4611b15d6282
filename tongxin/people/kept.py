"""The small tables a person points to, kept in each process (core/kept_tables.py).

A person's region, group, sub-category, ethnicity, political status,
education and degree are a few dozen rows each that change a few times a
year. Joined into the person's own query they cost PostgreSQL more to plan
than to run (an eight-table join: 5 ms of planning for 0.2 ms of execution
on the person page at 1M persons); read from the kept rows they cost
nothing. Each table is forgotten when one of its rows is saved or deleted
(apps.py).
"""

from collections.abc import Iterable

from tongxin.core.kept_tables import kept_rows
from tongxin.regions import scope

from .models import Degree, Education, Ethnicity, Person, PersonGroup, PoliticalStatus, SubCategory

# relation on Person → the kept table's name and the model it holds
DICTIONARIES = {
    "ethnicity": ("people.ethnicities", Ethnicity),
    "political_status": ("people.political_statuses", PoliticalStatus),
    "education": ("people.educations", Education),
    "degree": ("people.degrees", Degree),
}


def person_groups() -> list[PersonGroup]:
    """Every person group, kept in this process until one changes (apps.py)."""
    return kept_rows("people.groups", PersonGroup.objects.all)


def subcategories() -> list[SubCategory]:
    """Every sub-category with its group, kept like `person_groups`."""
    return kept_rows("people.subcategories", lambda: SubCategory.objects.select_related("group"))


def dictionary_entries(relation: str) -> list:
    """Every entry of the dictionary a person's `relation` points to."""
    name, model = DICTIONARIES[relation]
    return kept_rows(name, model.objects.all)


def attach_related(persons: Iterable[Person], relations: Iterable[str] | None = None) -> None:
    """Give each person its region, group, sub-category and dictionary entries
    (or only `relations`) from the kept rows, as `select_related` would have:
    the rows are shared between requests, so read them, never change them. A
    key missing from the kept rows (a row written in this same transaction)
    is left to the ordinary lazy read."""
    persons = list(persons)
    tables = {
        "region": lambda: scope.all_regions(),
        "group": person_groups,
        "subcategory": subcategories,
        **{relation: (lambda r=relation: dictionary_entries(r)) for relation in DICTIONARIES},
    }
    fields = Person._meta
    for relation in relations or tables:
        rows = {row.pk: row for row in tables[relation]()}
        descriptor = fields.get_field(relation)
        for person in persons:
            key = getattr(person, descriptor.attname)
            if key is not None and key in rows:
                descriptor.set_cached_value(person, rows[key])
