"""Template side of the region rule: a record the user may see can point at
persons or records outside their scope; those are counted, never named."""

from dataclasses import dataclass

from django import template

from tongxin.regions.scope import read_scope, split_by_scope

register = template.Library()


@dataclass
class Split:
    inside: list
    outside: int

    def __iter__(self):
        return iter(self.inside)


def region_of(item):
    """The region id a row belongs to: its own, or its person's."""
    if hasattr(item, "region_id"):
        return item.region_id
    person = getattr(item, "person", None)
    return getattr(person, "region_id", None)


@register.filter
def split_scope(items, user) -> Split:
    """`items|split_scope:request.user` → .inside (may be named) and .outside (a count)."""
    inside, outside = split_by_scope(items or (), read_scope(user), region_of)
    return Split(inside, outside)


@register.filter
def in_scope(item, user) -> bool:
    """Whether the record `item` (or its person) lies inside the user's scope."""
    return item is not None and read_scope(user).contains(region_of(item))


@register.inclusion_tag("regions/_outside.html")
def outside_note(count: int, noun: str = "人员"):
    """其他区域人员 2 名 — what the user may know of records outside their scope."""
    return {"count": count, "noun": noun}
