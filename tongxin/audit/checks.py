from django.core import checks

from .models import MINIMUM_RETENTION_DAYS
from .retention import configured_days


@checks.register(checks.Tags.security)
def audit_retention_check(app_configs, **kwargs):
    if configured_days() < MINIMUM_RETENTION_DAYS:
        return [
            checks.Warning(
                f"审计日志保存期不得少于{MINIMUM_RETENTION_DAYS}天：TONGXIN_AUDIT_RETENTION_DAYS="
                f"{configured_days()}，系统按{MINIMUM_RETENTION_DAYS}天执行。",
                hint=f"把 TONGXIN_AUDIT_RETENTION_DAYS 设为{MINIMUM_RETENTION_DAYS}或更大。",
                id="tongxin.audit.W001",
            )
        ]
    return []
