"""Indicator systems (指标体系): their tree of dimensions and indicators, new
versions once a round uses one, and which systems a round may use."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)

from tongxin.audit.models import AuditEntry
from tongxin.core import writes

from .errors import EvaluationError
from .models import (
    Dimension,
    EvaluationRound,
    Indicator,
    IndicatorSystem,
)

# --- indicator systems --------------------------------------------------------


@dataclass
class IndicatorSpec:
    name: str
    max_points: Decimal
    rubric: str = ""


@dataclass
class DimensionSpec:
    name: str
    weight: int
    indicators: list[IndicatorSpec] = field(default_factory=list)


def validate_tree(dimensions: list[DimensionSpec], *, in_use: bool = True) -> list[str]:
    """Chinese messages for everything wrong with a system's tree; [] if it may be saved.

    The weights must total 100% only for a system put into use (a round, or
    启用): an office enters a four-dimension system over several sittings and
    should not need fake weights in between (issue 18).
    """
    errors = []
    if not dimensions:
        errors.append("至少需要一个评价维度。")
    names = set()
    for n, dimension in enumerate(dimensions, start=1):
        label = f"第{n}个维度“{dimension.name}”" if dimension.name else f"第{n}个维度"
        if not dimension.name:
            errors.append(f"{label}：请填写名称。")
        elif dimension.name in names:
            errors.append(f"{label}：名称重复。")
        names.add(dimension.name)
        if dimension.weight is None or not 1 <= dimension.weight <= 100:
            errors.append(f"{label}：权重应为 1 到 100 之间的整数。")
        if not dimension.indicators:
            errors.append(f"{label}：至少需要一个指标。")
        for m, indicator in enumerate(dimension.indicators, start=1):
            ilabel = f"{label}的第{m}个指标" + (f"“{indicator.name}”" if indicator.name else "")
            if not indicator.name:
                errors.append(f"{ilabel}：请填写名称。")
            if indicator.max_points is None or not Decimal(0) < indicator.max_points <= 1000:
                errors.append(f"{ilabel}：满分应为大于 0、不超过 1000 的数。")
            elif indicator.max_points != indicator.max_points.quantize(Decimal("0.1")):
                errors.append(f"{ilabel}：满分最多保留一位小数。")
    total = sum(d.weight or 0 for d in dimensions)
    if in_use and dimensions and total != 100:
        errors.append(f"各维度权重合计为 {total}%，必须等于 100%。")
    return errors


def weight_refusal(system: IndicatorSystem) -> str | None:
    """Why `system` cannot be put into use yet (weights not totalling 100%), or None."""
    total = sum(system.dimensions.values_list("weight", flat=True))
    if total != 100:
        return (
            f"指标体系“{system}”各维度权重合计为 {total}%，须等于 100% 才能用于评价；"
            "请先在“评价指标体系”中修改权重。"
        )
    return None


def tree_of(system: IndicatorSystem) -> list[DimensionSpec]:
    return [
        DimensionSpec(
            d.name,
            d.weight,
            [IndicatorSpec(i.name, i.max_points, i.rubric) for i in d.indicators.all()],
        )
        for d in system.dimensions.prefetch_related("indicators")
    ]


def system_is_used(system: IndicatorSystem) -> bool:
    return EvaluationRound.objects.filter(system=system).exists()


def _write_tree(system: IndicatorSystem, dimensions: list[DimensionSpec]) -> None:
    for n, spec in enumerate(dimensions, start=1):
        dimension = Dimension.objects.create(
            system=system, name=spec.name, weight=spec.weight, sort_order=n
        )
        for m, ispec in enumerate(spec.indicators, start=1):
            Indicator.objects.create(
                dimension=dimension,
                name=ispec.name,
                max_points=ispec.max_points,
                rubric=ispec.rubric,
                sort_order=m,
            )


def _fill(system: IndicatorSystem, groups, dimensions: list[DimensionSpec]) -> None:
    """Give `system` its groups and its tree of dimensions and indicators."""
    system.groups.set(groups)
    _write_tree(system, dimensions)


def _tree_summary(dimensions: list[DimensionSpec]) -> list:
    return [
        {
            "维度": d.name,
            "权重": d.weight,
            "指标": [f"{i.name}（{i.max_points}分）" for i in d.indicators],
        }
        for d in dimensions
    ]


@transaction.atomic
def indicator_system_save(
    *,
    actor,
    system: IndicatorSystem | None,
    name: str,
    region,
    groups,
    dimensions: list[DimensionSpec],
    request=None,
) -> IndicatorSystem:
    """Create a system, or change one.

    A system some round has used is never changed in place: the change goes
    into a new version (a copy, linked through `copied_from`) and the old
    version is retired, so the rounds that used it keep their meaning.
    """
    # A system some round used becomes a new version in use at once.
    in_use = system is not None and system_is_used(system)
    errors = validate_tree(dimensions, in_use=in_use)
    if not name.strip():
        errors.insert(0, "名称：请填写指标体系名称。")
    if errors:
        raise EvaluationError(errors)
    name = name.strip()
    if system is None:
        system = IndicatorSystem(name=name, region=region, version=1, created_by=actor)
        return writes.create_audited(
            system,
            actor=actor,
            changes={"名称": name, "结构": _tree_summary(dimensions)},
            request=request,
            before_audit=lambda: _fill(system, groups, dimensions),
        )

    current = writes.lock(IndicatorSystem, system.pk)
    if current.later_versions.exists():
        raise EvaluationError("该指标体系已有更新的版本，请修改最新版本。")
    if system_is_used(current):
        new = IndicatorSystem(
            name=name,
            region=region,
            version=current.version + 1,
            copied_from=current,
            is_active=True,
            created_by=actor,
        )

        def fill_and_retire() -> None:
            _fill(new, groups, dimensions)
            if current.is_active:
                current.is_active = False
                writes.save_tracked(
                    current, actor=actor, fields=["is_active"], reason=f"已被第{new.version}版取代"
                )

        return writes.create_audited(
            new,
            actor=actor,
            changes={
                "说明": f"第{current.version}版已被评价批次使用，修改保存为第{new.version}版",
                "结构": _tree_summary(dimensions),
            },
            request=request,
            before_audit=fill_and_retire,
        )

    # Never used: nothing refers to its indicators yet, so the tree is rewritten.
    before = _tree_summary(tree_of(current))
    current.dimensions.all().delete()
    current.name = name
    current.region = region
    _fill(current, groups, dimensions)
    return writes.save_audited(
        current,
        actor=actor,
        fields=["name", "region"],
        action=AuditEntry.Action.UPDATE,
        changes={"结构": [before, _tree_summary(dimensions)], "名称": name},
        request=request,
    )


@transaction.atomic
def indicator_system_set_active(
    *, actor, system: IndicatorSystem, active: bool, request=None
) -> IndicatorSystem:
    current = writes.lock(IndicatorSystem, system.pk)
    if active:
        if current.later_versions.exists():
            raise EvaluationError("该版本已被更新的版本取代，不能启用。")
        errors = validate_tree(tree_of(current))
        if errors:
            raise EvaluationError(errors)
    if current.is_active == active:
        return current
    current.is_active = active
    return writes.save_audited(
        current,
        actor=actor,
        fields=["is_active"],
        action=AuditEntry.Action.UPDATE,
        changes={"启用": [not active, active]},
        request=request,
    )


def systems_usable_for(region) -> QuerySet[IndicatorSystem]:
    """Active systems a round of `region` may use: city-wide ones and the region's own."""
    condition = Q(region__isnull=True)
    if region is not None:
        condition |= Q(region=region)
    return IndicatorSystem.objects.filter(condition, is_active=True)


def system_with_tree(system_id: int) -> IndicatorSystem:
    return IndicatorSystem.objects.prefetch_related(
        Prefetch("dimensions", queryset=Dimension.objects.prefetch_related("indicators"))
    ).get(pk=system_id)
