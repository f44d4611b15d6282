"""成员单位 (the departments requests and suggestions are routed to)."""

from django.db import transaction

from tongxin.core import writes

from ..models import Department
from ..validators import PhoneError, parse_phone
from .common import ServiceError

DEPARTMENT_FIELDS = ["name", "kind", "contact_person", "phone", "sort_order", "is_active"]


def _clean_department(data: dict) -> dict:
    data = {f: data[f] for f in DEPARTMENT_FIELDS if f in data}
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ServiceError("请填写单位名称", "name")
    if "phone" in data:
        try:
            data["phone"] = parse_phone(data["phone"])
        except PhoneError as error:
            raise ServiceError(error.message, "phone") from None
    return data


@transaction.atomic
def department_create(*, actor, data: dict, request=None) -> Department:
    data = _clean_department(data)
    if Department.objects.filter(name=data["name"]).exists():
        raise ServiceError(f"单位名称“{data['name']}”已存在", "name")
    return writes.create_audited(
        Department(**data),
        actor=actor,
        fields=DEPARTMENT_FIELDS,
        reason="新增成员单位",
        request=request,
    )


@transaction.atomic
def department_update(*, actor, department: Department, data: dict, request=None) -> Department:
    """Change a unit. Units are deactivated, never deleted: requests refer to them."""
    data = _clean_department(data)
    current = writes.lock(Department, department.pk)
    if (
        "name" in data
        and Department.objects.filter(name=data["name"]).exclude(pk=current.pk).exists()
    ):
        raise ServiceError(f"单位名称“{data['name']}”已存在", "name")
    return writes.update_audited(current, data, actor=actor, reason="修改成员单位", request=request)
