from django import template

from tongxin.engagement.models import PositionType

register = template.Library()


@register.simple_tag
def position_type_choices() -> list[tuple[str, str]]:
    """(value, label) of every position type, for the person list's 现任职务 filter."""
    return PositionType.choices
