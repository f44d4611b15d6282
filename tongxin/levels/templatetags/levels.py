from django import template

from ..selectors import tier_choices_for

register = template.Library()


@register.simple_tag(takes_context=True)
def tier_choices(context) -> list[tuple[str, str]]:
    """(id, "南宁市·市级重点联系") of the tiers the person-list filter offers."""
    return [(str(t.pk), str(t)) for t in tier_choices_for(context["request"].user)]
