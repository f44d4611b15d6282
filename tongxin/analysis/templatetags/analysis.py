"""Chips on the person list for the filters the structure analysis links to.

Those filters have no field of their own in the list's form, so each shows as
a chip saying why the list is narrowed, with a hidden input that keeps it
while the user changes the other fields, and a link that drops it.
"""

from django import template

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.people.listing import PersonFilter, parse_age_band
from tongxin.people.models import Education, Ethnicity, Person, PoliticalStatus

register = template.Library()


def _age_label(band: str) -> str:
    low, high = parse_age_band(band)
    if low is None:
        return f"{high}岁及以下"
    if high is None:
        return f"{low}岁及以上"
    return f"{low}—{high}岁"


def _name(model, pk) -> str:
    entry = model.objects.filter(pk=pk).first()
    return entry.name if entry else "?"


def filter_chips(person_filter: PersonFilter) -> list[dict]:
    """[{label, fields: {name: value}}] for each analysis filter in use."""
    f = person_filter
    chips = []
    if f.sex:
        chips.append({"label": f"性别：{Person.Sex(f.sex).label}", "fields": {"sex": f.sex}})
    if f.ethnicity:
        names = Ethnicity.objects.filter(pk__in=f.ethnicity).values_list("name", flat=True)
        chips.append(
            {
                "label": "民族：" + "、".join(names),
                "fields": {"ethnicity": ",".join(map(str, f.ethnicity))},
            }
        )
    if f.education:
        label = "未填写" if f.education == "none" else _name(Education, int(f.education))
        chips.append({"label": f"学历：{label}", "fields": {"education": f.education}})
    if f.political_status is not None:
        chips.append(
            {
                "label": f"政治面貌：{_name(PoliticalStatus, f.political_status)}",
                "fields": {"political_status": str(f.political_status)},
            }
        )
    if f.age:
        fields = {"age": f.age}
        if f.on:
            fields["on"] = f.on.isoformat()
        chips.append(
            {"label": f"年龄：{_age_label(f.age)}（按{cn_date(f.age_on)}计）", "fields": fields}
        )
    if f.grade:
        label = "未评价" if f.grade == "none" else f"{f.grade}级"
        chips.append({"label": f"最近评价等次：{label}", "fields": {"grade": f.grade}})
    return chips


@register.inclusion_tag("analysis/_filter_chips.html", takes_context=True)
def person_filter_chips(context, person_filter: PersonFilter) -> dict:
    request = context["request"]
    chips = filter_chips(person_filter)
    for chip in chips:
        params = request.GET.copy()
        for name in [*chip["fields"], "after", "before"]:
            params.pop(name, None)
        chip["remove_query"] = params.urlencode()
    return {"chips": chips}
