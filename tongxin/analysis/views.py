import io

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongxin.people.kept import person_groups
from tongxin.people.models import Person

from . import services
from .access import require_analysis_user
from .selectors import page_filter, structure, trends, visible_regions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_KEYS = {
    "age",
    "sex",
    "ethnicity",
    "education",
    "political_status",
    "group",
    "subcategory",
    "position",
    "grade",
    *services.TREND_KEYS,
}


@require_GET
def index(request):
    require_analysis_user(request.user)
    person_filter = page_filter(request.GET)
    data = structure(request.user, person_filter)
    trend = trends(request.user, person_filter, current=data.facts["level_group"])
    context = {
        "filter": person_filter,
        "data": data,
        "trend": trend,
        "charts": [d.as_chart() for d in data.distributions],
        "trend_charts": {
            "columns": [label for label, _ in trend.columns],
            "level": [{"name": n, "values": v} for n, v in trend.by_level],
            "group": [{"name": n, "values": v} for n, v in trend.by_group],
        },
        "regions": visible_regions(request.user),
        "groups": person_groups(),
        "levels": Person.Level.choices,
        "trend_tables": [
            ("trend_level", "各年末人数（按分级）", trend.by_level),
            ("trend_group", "各年末人数（按类别）", trend.by_group),
        ],
        "filter_text": services.filter_description(person_filter),
        "query": request.GET.urlencode(),
    }
    return render(request, "analysis/index.html", context)


@require_GET
def export_xlsx(request):
    require_analysis_user(request.user)
    only = request.GET.get("only", "")
    if only and only not in EXPORT_KEYS:
        raise Http404
    person_filter = page_filter(request.GET)
    target = io.BytesIO()
    services.structure_export_write(
        user=request.user, person_filter=person_filter, target=target, only=only, request=request
    )
    target.seek(0)
    stamp = person_filter.age_on.strftime("%Y%m%d")
    filename = f"结构分析-{only + '-' if only else ''}{stamp}.xlsx"
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX)
