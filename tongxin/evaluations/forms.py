from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q

from tongxin.accounts.models import User
from tongxin.core.forms import BootstrapForm
from tongxin.people.access import regions_writable_by
from tongxin.people.models import Person, PersonGroup, SubCategory
from tongxin.regions.scope import read_scope

from .access import indicator_systems_visible_to, may_define_city_systems
from .models import IndicatorSystem
from .systems import DimensionSpec, IndicatorSpec, systems_usable_for

# Blank rows offered on the tree editor, so a system grows without JavaScript:
# a new system's four dimensions fit in one save (issue 18: one per save).
NEW_SYSTEM_DIMENSIONS = 4
EXTRA_DIMENSIONS = 2
EXTRA_INDICATORS = 2


class SystemHeaderForm(BootstrapForm):
    name = forms.CharField(
        label="名称", max_length=100, error_messages={"required": "请填写指标体系名称。"}
    )
    region = forms.ModelChoiceField(
        label="所属区域",
        queryset=None,
        required=False,
        empty_label="全市通用",
        error_messages={"invalid_choice": "所属区域无效，或您无权为该区域定义指标体系。"},
    )
    groups = forms.ModelMultipleChoiceField(
        label="适用类别",
        queryset=PersonGroup.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选则适用于全部类别。",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_writable_by(user)
        if not may_define_city_systems(user):
            # County staff define their own region's system only.
            self.fields["region"].required = True
            self.fields["region"].empty_label = None
            self.fields["region"].error_messages["required"] = "请选择所属区域。"


@dataclass
class TreeRow:
    """What the tree editor shows for one dimension (posted values kept as typed)."""

    name: str = ""
    weight: str = ""
    indicators: list[dict] = field(default_factory=list)


def tree_rows_of(dimensions) -> list[TreeRow]:
    rows = [
        TreeRow(
            d.name,
            str(d.weight),
            [
                {"name": i.name, "max_points": _points(i.max_points), "rubric": i.rubric}
                for i in d.indicators
            ],
        )
        for d in dimensions
    ]
    return pad_rows(rows)


def _points(value) -> str:
    from .grading import points_text

    return points_text(value)


def pad_rows(rows: list[TreeRow]) -> list[TreeRow]:
    blank = max(EXTRA_DIMENSIONS, NEW_SYSTEM_DIMENSIONS - len(rows))  # rows: not blank
    rows = [*rows, *(TreeRow() for _ in range(blank))]
    for row in rows:
        extra = EXTRA_INDICATORS if row.indicators else EXTRA_INDICATORS + 2
        row.indicators = [
            *row.indicators,
            *({"name": "", "max_points": "", "rubric": ""} for _ in range(extra)),
        ]
    return rows


def parse_tree(data) -> tuple[list[DimensionSpec], list[TreeRow], list[str]]:
    """(specs, rows to redisplay, parse errors) from the editor's d-N-… fields.

    Rows left entirely blank are ignored; everything else is kept, so the tree
    validation (services.validate_tree) can name what is missing.
    """
    specs: list[DimensionSpec] = []
    rows: list[TreeRow] = []
    errors: list[str] = []
    n = 0
    while f"d-{n}-name" in data:
        prefix = f"d-{n}"
        name = data.get(f"{prefix}-name", "").strip()
        weight_text = data.get(f"{prefix}-weight", "").strip()
        indicators, irows = [], []
        m = 0
        while f"{prefix}-i-{m}-name" in data:
            iprefix = f"{prefix}-i-{m}"
            iname = data.get(f"{iprefix}-name", "").strip()
            max_text = data.get(f"{iprefix}-max", "").strip()
            rubric = data.get(f"{iprefix}-rubric", "").strip()
            m += 1
            if not (iname or max_text or rubric):
                continue
            irows.append({"name": iname, "max_points": max_text, "rubric": rubric})
            try:
                max_points = Decimal(max_text) if max_text else None
            except InvalidOperation:
                errors.append(f"维度“{name}”的指标“{iname}”：满分应为数字。")
                max_points = None
            else:
                if max_points is not None and not max_points.is_finite():
                    errors.append(f"维度“{name}”的指标“{iname}”：满分应为数字。")
                    max_points = None
            indicators.append(IndicatorSpec(iname, max_points, rubric))
        n += 1
        if not (name or weight_text or indicators):
            continue
        rows.append(TreeRow(name, weight_text, irows))
        try:
            weight = int(weight_text)
        except ValueError:
            errors.append(f"维度“{name}”：权重应为整数。")
            weight = None
        specs.append(DimensionSpec(name, weight, indicators))
    return specs, pad_rows(rows), errors


def evaluator_choices(user):
    """Users who may be asked to score: evaluators, and staff of the user's reach."""
    qs = User.objects.filter(is_active=True)
    staff = Q(role__in=[User.Role.CITY, User.Role.COUNTY])
    reach = read_scope(user)
    if not reach.everything:
        staff &= Q(regions__in=reach.regions())
    return qs.filter(Q(role=User.Role.EVALUATOR) | staff).distinct().order_by("role", "username")


class EvaluatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj}（{obj.get_role_display()}）"


class RoundForm(BootstrapForm):
    name = forms.CharField(
        label="批次名称",
        max_length=100,
        error_messages={"required": "请填写批次名称，例如：2026年度。"},
        help_text="例如：2026年度",
    )
    region = forms.ModelChoiceField(
        label="所属区域",
        queryset=None,
        error_messages={
            "required": "请选择所属区域。",
            "invalid_choice": "所属区域无效，或您无权在该区域组织评价。",
        },
        help_text="选市级区域为全市批次；选县区则只选入本县区人员。",
    )
    system = forms.ModelChoiceField(
        label="指标体系",
        queryset=None,
        error_messages={"required": "请选择指标体系。", "invalid_choice": "指标体系无效。"},
    )
    deadline = forms.DateField(
        label="截止日期",
        # <input type="date"> shows only ISO dates, whatever the locale's format.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写截止日期。", "invalid": "截止日期格式不正确。"},
    )
    evaluators = EvaluatorChoiceField(
        label="评审人",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "至少选择一名评审人。", "invalid_choice": "评审人无效。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_writable_by(user)
        self.fields["system"].queryset = indicator_systems_visible_to(user).filter(is_active=True)
        self.fields["evaluators"].queryset = evaluator_choices(user)

    def clean(self):
        data = super().clean()
        region, system = data.get("region"), data.get("system")
        if region and system and system.region_id not in (None, region.pk):
            self.add_error("system", "该指标体系属于其他区域，不能用于所选区域的批次。")
        return data


class RoundEditForm(BootstrapForm):
    """A draft round's name, deadline and indicator system (region and persons stay)."""

    name = RoundForm.base_fields["name"]
    system = RoundForm.base_fields["system"]
    deadline = RoundForm.base_fields["deadline"]

    def __init__(self, *args, user, evaluation_round, **kwargs):
        super().__init__(*args, **kwargs)
        # The round's current system stays a choice even if it has since been retired.
        usable = systems_usable_for(evaluation_round.region) & indicator_systems_visible_to(user)
        self.fields["system"].queryset = IndicatorSystem.objects.filter(
            Q(pk__in=usable.values("pk")) | Q(pk=evaluation_round.system_id)
        )
        self.fields[
            "system"
        ].help_text = "已有评分后不能更换；县区批次只能使用全市通用或本区域的体系。"


class RoundEvaluatorsForm(BootstrapForm):
    evaluators = EvaluatorChoiceField(
        label="添加评审人",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请选择要添加的评审人。",
            "invalid_choice": "评审人无效，或已在本批次中。",
        },
    )

    def __init__(self, *args, user, evaluation_round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluators"].queryset = evaluator_choices(user).exclude(
            pk__in=evaluation_round.evaluators.values("pk")
        )


# The person filter of the round form carries a p_ prefix: its "region" is not the round's.
PERSON_FILTER_PREFIX = "p_"


def person_filter_params(data) -> dict[str, str]:
    return {
        key[len(PERSON_FILTER_PREFIX) :]: value
        for key, value in data.items()
        if key.startswith(PERSON_FILTER_PREFIX) and value
    }


def person_filter_choices():
    return {
        "groups": PersonGroup.objects.all(),
        "subcategories": SubCategory.objects.select_related("group"),
        "levels": Person.Level.choices,
    }


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label="决定理由",
        max_length=500,
        error_messages={"required": "请填写决定理由。", "max_length": "决定理由不能超过 500 字。"},
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    decision = forms.ChoiceField(
        choices=[("confirm", "确认出库"), ("reject", "不予出库")],
        error_messages={"required": "请选择决定。", "invalid_choice": "决定无效。"},
    )
