from django import template

from ..selectors import tiers_visible_to

register = template.Library()


@register.simple_tag(takes_context=True)
def tier_choices(context) -> list[tuple[str, str]]:
    """(id, "南宁市·市级重点联系") of the tiers the person-list filter offers."""
    return [(str(t.pk), str(t)) for t in tiers_visible_to(context["request"].user)]
