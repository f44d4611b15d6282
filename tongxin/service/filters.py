"""The filter bars of the request (意见诉求) and suggestion (建言) lists
(django-filter). The query strings are those of the hand-written parser they
replace (q, status/outcome, category, department, region, overdue), so saved
links keep working; only the valid conditions apply, an invalid one is named
above the list. Paging (id keyset) and the total stay in the views."""

import django_filters
from django import forms
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from tongxin.core.forms import BootstrapForm
from tongxin.people.access import persons_visible_to
from tongxin.people.search import search_persons
from tongxin.regions.scope import subtree_of

from .models import ServiceRequest, Suggestion

# Up to this many matching persons are passed as a list of ids, so the
# database walks the (person, id) index instead of testing every row the
# other filters leave (40 ms at 25k overdue requests on SQLite vs ~1 ms).
PERSON_ID_LIST_MAX = 1000


def _person_match(user, q: str, column: str) -> tuple[RawSQL, str]:
    """`column IN (ids of the persons user may see that match q)`, as a filter.

    search_persons' raw SQL names the table `people_person`, which Django
    renames (U0) when the queryset becomes a subquery; so a broad match is
    compiled on its own and embedded as SQL, and a narrow one (the usual
    case: a name) is resolved to its ids first.
    """
    result = search_persons(persons_visible_to(user), q)
    ids = list(result.queryset.values_list("id", flat=True)[: PERSON_ID_LIST_MAX + 1])
    if not ids:
        return RawSQL("1 = 0", (), output_field=BooleanField()), result.hint
    if len(ids) <= PERSON_ID_LIST_MAX:
        placeholders = ", ".join(["%s"] * len(ids))
        match = RawSQL(f"{column} IN ({placeholders})", ids, output_field=BooleanField())
        return match, result.hint
    sql, params = result.queryset.values("id").query.sql_with_params()
    return RawSQL(f"{column} IN ({sql})", params, output_field=BooleanField()), result.hint


class IdFilter(django_filters.Filter):
    """A row id from a <select> (category, department, region): an integer."""

    field_class = forms.IntegerField


class _ListFilter(django_filters.FilterSet):
    """What the two lists share: the person box (`q`), the region (its subtree),
    the search hint, and the invalid conditions as messages."""

    q = django_filters.CharFilter(label="人员", method="filter_person")
    region = IdFilter(label="所属区域", method="filter_region")

    hint = ""  # the person search's note (e.g. too short), shown above the list

    class Meta:
        form = BootstrapForm

    @property
    def chosen(self) -> dict:
        """The valid conditions, for the filter bar to show as chosen (a field
        found invalid is not in `cleaned_data`)."""
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def messages(self) -> list[str]:
        return [f"筛选条件“{self.form.fields[name].label}”无效" for name in self.form.errors]

    def filter_region(self, queryset: QuerySet, name, value):
        return subtree_of(value).filter(queryset)  # a region means its subtree

    def person_match(self, value: str, column: str) -> RawSQL | None:
        value = value[:100]
        if not value:
            return None
        match, self.hint = _person_match(self.request.user, value, column)
        return match


class ServiceRequestFilter(_ListFilter):
    status = django_filters.ChoiceFilter(
        label="办理状态",
        choices=[("open", "未办结"), *ServiceRequest.Status.choices],
        method="filter_status",
    )
    category = IdFilter(label="诉求类别", field_name="category_id")
    department = IdFilter(label="承办单位", field_name="department_id")
    overdue = django_filters.CharFilter(label="已超期", method="filter_overdue")

    class Meta(_ListFilter.Meta):
        model = ServiceRequest
        fields = ["q", "status", "category", "department", "region", "overdue"]

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value in {"1", "on", "true"} else queryset

    def filter_person(self, queryset, name, value):
        match = self.person_match(value, f"{ServiceRequest._meta.db_table}.person_id")
        return queryset if match is None else queryset.filter(match)


class SuggestionFilter(_ListFilter):
    outcome = django_filters.ChoiceFilter(
        label="反馈情况",
        choices=[("pending", "尚未反馈"), *Suggestion.Outcome.choices],
        method="filter_outcome",
    )
    department = IdFilter(label="转交单位", field_name="department_id")

    class Meta(_ListFilter.Meta):
        model = Suggestion
        fields = ["q", "outcome", "department", "region"]

    def filter_outcome(self, queryset, name, value):
        return queryset.filter(outcome="" if value == "pending" else value)

    def filter_person(self, queryset, name, value):
        match = self.person_match(value, "person_id")
        if match is None:
            return queryset
        through = Suggestion.submitters.through._meta.db_table
        # A subquery, not a join, so a suggestion with two matching submitters shows once.
        return queryset.filter(
            RawSQL(
                f"{Suggestion._meta.db_table}.id IN "
                f"(SELECT suggestion_id FROM {through} WHERE {match.sql})",
                match.params,
                output_field=BooleanField(),
            )
        )
