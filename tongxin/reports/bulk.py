"""The reports app's actions on the person list (people/bulk.py): the chosen
persons go to the existing export and batch-form pages as a person filter
(with `ids` when rows were ticked), which count, audit and run them."""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from tongxin.people.bulk import BulkAction, BulkResult

from .access import may_use_reports


def _to(url_name: str):
    def run(*, request, selection, persons: QuerySet, data: dict) -> BulkResult:
        query = urlencode(selection.person_filter.as_query())
        return BulkResult("", redirect_to=f"{reverse(url_name)}?{query}")

    return run


REGISTRATION_FORMS = BulkAction(
    key="forms",
    label="生成登记表",
    run=_to("reports:form_batch"),
    writes=False,
    allowed=may_use_reports,
    order=60,
    note="所选人员的登记表打包为一个 zip 文件，在后台生成。",
)
EXPORT = BulkAction(
    key="export",
    label="导出所选",
    run=_to("reports:person_export"),
    writes=False,
    allowed=may_use_reports,
    order=70,
    note="所选人员导出为 Excel 名单（证件号码和手机号码按您的权限遮挡）。",
)
