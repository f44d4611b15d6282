"""Settings an office changes without a deployment (the 系统参数 page).

Each option is declared here with its label, bounds and default. The default
is the deployment's (the environment variable that settings.py reads, so a
test's `settings.X = …` still applies) until a system administrator sets a
value on the page; setting the default again returns to following it.
Environment variables stay for facts about the deployment: database, keys,
paths, the machine's memory (IMPORT_MAX_CELLS, IMPORT_READ_MEMORY_MEGABYTES).

`value(key)` runs on every request (the session limits), so the stored values
are read in one query and kept: in the shared cache until a change commits
(which deletes them), and in each process for one second, so another worker
process follows a change within a second.
"""

import datetime
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import OperationalError, ProgrammingError, transaction
from django.utils import timezone

from . import registries, writes
from .models import RuntimeOption

CACHE_KEY = "options:v1"
CACHE_SECONDS = 3600
PROCESS_SECONDS = 1.0


@dataclass(frozen=True)
class Option:
    key: str
    section: str
    label: str
    help: str
    default: Callable[[], Any]
    kind: str = "int"  # "int" | "bands" | "monthday"
    minimum: int = 0
    maximum: int | Callable[[], int] = 0
    unit: str = ""

    def upper_bound(self) -> int:
        return self.maximum() if callable(self.maximum) else self.maximum

    def display(self, value) -> str:
        if self.kind == "bands":
            return bands_text(value)
        if self.kind == "monthday":
            month, day = value
            return f"每年{month}月{day}日"
        return f"{value}{self.unit}"


def _setting(name: str, fallback):
    return lambda: getattr(settings, name, None) or fallback


def _session_hours_ceiling() -> int:
    # The stored session (SESSION_COOKIE_AGE, fixed at start) must outlive the
    # limit: a longer limit would end sessions early without saying why.
    return max(1, settings.SESSION_COOKIE_AGE // 3600)


# Lower bounds, inclusive, best grade first (evaluations/grading.py).
DEFAULT_GRADE_BANDS = [["A", 90], ["B", 75], ["C", 60], ["D", 0]]

OPTIONS = [
    Option(
        "grade_bands",
        "综合评价",
        "等次划分",
        "每行一个等次及其最低分（含），从高到低，最后一个等次的最低分为0。"
        "只影响此后结束的评价批次；已结束的批次保留当时的划分。",
        lambda: getattr(settings, "TONGXIN_GRADE_BANDS", None) or DEFAULT_GRADE_BANDS,
        kind="bands",
    ),
    Option(
        "quota_city_default",
        "分级与名额",
        "市级重点联系名额默认值",
        "设区市未单独设定名额时采用。",
        lambda: getattr(settings, "TONGXIN_QUOTA_DEFAULTS", {}).get("city", 200),
        minimum=0,
        maximum=100_000,
        unit="人",
    ),
    Option(
        "quota_county_default",
        "分级与名额",
        "县区联系名额默认值",
        "县级单位未单独设定名额时采用。",
        lambda: getattr(settings, "TONGXIN_QUOTA_DEFAULTS", {}).get("county", 50),
        minimum=0,
        maximum=100_000,
        unit="人",
    ),
    Option(
        "quota_thin_below",
        "分级与名额",
        "覆盖薄弱的标准",
        "名额页的覆盖表中，人数少于此数（但不为0）的格子标为薄弱。",
        _setting("TONGXIN_QUOTA_THIN_BELOW", 3),
        minimum=1,
        maximum=1000,
        unit="人",
    ),
    Option(
        "review_due",
        "年度更新",
        "年度更新截止日期",
        "每年的月和日，如“12-31”；年度更新页显示本年度的截止日期和剩余天数，逾期时提示。",
        lambda: [12, 31],
        kind="monthday",
    ),
    Option(
        "upload_max_megabytes",
        "导入",
        "上传文件大小上限",
        "超过的名册文件在读取前即被拒绝。",
        _setting("UPLOAD_MAX_MEGABYTES", 50),
        minimum=1,
        maximum=500,
        unit="MB",
    ),
    Option(
        "import_max_rows",
        "导入",
        "一次导入的最多行数",
        "名册超过此行数时拒绝读取，请分成几个文件导入。单元格总数另受部署设定的上限约束。",
        _setting("IMPORT_MAX_ROWS", 200_000),
        minimum=100,
        maximum=1_048_576,
        unit="行",
    ),
    Option(
        "import_max_columns",
        "导入",
        "一次导入的最多列数",
        "名册超过此列数时拒绝读取。",
        _setting("IMPORT_MAX_COLUMNS", 200),
        minimum=10,
        maximum=2000,
        unit="列",
    ),
    Option(
        "import_background_rows",
        "导入",
        "转入后台写入的行数",
        "超过此行数的导入在后台写入，页面显示进度。",
        _setting("IMPORT_BACKGROUND_ROWS", 2000),
        minimum=1,
        maximum=1_048_576,
        unit="行",
    ),
    Option(
        "session_idle_minutes",
        "登录与会话",
        "无操作自动退出",
        "超过此分钟数没有任何操作即需重新登录；0 表示不限。修改后对已登录的用户即时生效。",
        lambda: settings.SESSION_IDLE_MINUTES,
        minimum=0,
        maximum=24 * 60,
        unit="分钟",
    ),
    Option(
        "session_max_hours",
        "登录与会话",
        "登录有效时长",
        "登录后超过此小时数，无论是否在操作都需重新登录；0 表示不限。"
        "上限为部署设定的会话保存时长。",
        lambda: settings.SESSION_MAX_HOURS,
        minimum=0,
        maximum=_session_hours_ceiling,
        unit="小时",
    ),
]
BY_KEY = {option.key: option for option in OPTIONS}


# --- reading -----------------------------------------------------------------------

_process_values: tuple[float, dict] | None = None


def _stored() -> dict[str, Any]:
    """{key: value} of every option an administrator set."""
    global _process_values
    kept = _process_values
    now = time.monotonic()
    if kept is not None and now - kept[0] < PROCESS_SECONDS:
        return kept[1]
    values = cache.get(CACHE_KEY)
    if values is None:
        try:
            values = dict(RuntimeOption.objects.values_list("key", "value"))
        except (OperationalError, ProgrammingError):
            # A database not migrated yet (a command run against a fresh file,
            # `migrate` itself): the deployment's defaults, remembered nowhere.
            return {}
        cache.set(CACHE_KEY, values, CACHE_SECONDS)
    _process_values = (now, values)
    return values


def forget() -> None:
    """Drop what this process and the shared cache keep (after a change commits)."""
    global _process_values
    _process_values = None
    cache.delete(CACHE_KEY)


def assume_none_stored() -> None:
    """Cache "no option set" without asking the database (test set-up, where
    every test starts from an empty table)."""
    cache.set(CACHE_KEY, {}, CACHE_SECONDS)


def value(key: str):
    """The option's value now: the one set on the page, else the default."""
    option = BY_KEY[key]
    stored = _stored()
    if key in stored:
        return stored[key]
    return option.default()


def is_set(key: str) -> bool:
    return key in _stored()


# --- grade bands ---------------------------------------------------------------------

_BAND_LINE = re.compile(r"^\s*([^\s:：=≥>]{1,4})\s*[:：=≥>\s]\s*(\d{1,3}(?:\.\d{1,2})?)\s*$")


def bands_text(bands) -> str:
    return "、".join(f"{grade}≥{_number(low)}" for grade, low in bands)


def bands_lines(bands) -> str:
    return "\n".join(f"{grade} {_number(low)}" for grade, low in bands)


def _number(low) -> str:
    low = float(low)
    return str(int(low)) if low == int(low) else str(low)


def parse_bands(text: str) -> list[list]:
    """ "A 90\\nB 75\\nC 60\\nD 0" → [["A", 90], …]; ValidationError in Chinese."""
    lines = [line for line in re.split(r"[\n;；，,]+", text or "") if line.strip()]
    bands = []
    for number, line in enumerate(lines, 1):
        match = _BAND_LINE.match(line)
        if not match:
            raise ValidationError(f"第{number}行“{line.strip()}”应写成“等次 最低分”，如“A 90”")
        low = float(match.group(2))
        bands.append([match.group(1), int(low) if low == int(low) else low])
    if not 2 <= len(bands) <= 6:
        raise ValidationError("等次应有2到6个")
    grades = [grade for grade, _ in bands]
    if len(set(grades)) != len(grades):
        raise ValidationError("等次名称不能重复")
    lows = [low for _, low in bands]
    if any(a <= b for a, b in zip(lows, lows[1:], strict=False)):
        raise ValidationError("最低分应从高到低排列，且各不相同")
    if lows[0] > 100:
        raise ValidationError("最低分不能超过100")
    if lows[-1] != 0:
        raise ValidationError("最后一个等次的最低分应为0，使每个分数都有等次")
    return bands


_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_month_day(text: str) -> list[int]:
    """ "12-31" or "12月31日" → [12, 31]; ValidationError in Chinese."""
    match = _MONTH_DAY.match(text or "")
    if not match:
        raise ValidationError("应写成“月-日”，如“12-31”")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        datetime.date(2001, month, day)  # not a leap year: 2月29日 is not every year's
    except ValueError:
        raise ValidationError(f"没有{month}月{day}日这一天（每年都要有）") from None
    return [month, day]


def month_day_text(value) -> str:
    return f"{value[0]:02d}-{value[1]:02d}"


def clean(option: Option, raw) -> Any:
    """The value to store for the form's `raw` input (already an int for int options)."""
    if option.kind == "bands":
        return parse_bands(raw)
    if option.kind == "monthday":
        return parse_month_day(raw)
    if not option.minimum <= raw <= option.upper_bound():
        raise ValidationError(f"应在{option.minimum}到{option.upper_bound()}之间")
    return raw


# --- writing -------------------------------------------------------------------------


@transaction.atomic
def options_update(*, actor, values: dict[str, Any], request=None) -> dict[str, list]:
    """Set the options in `values` ({key: cleaned value}); a value equal to the
    default is stored as no value, so the option follows the deployment again.
    Writes one audit entry with {label: [old, new]}; returns it."""
    stored = {row.key: row for row in writes.locked(RuntimeOption)}
    changes: dict[str, list] = {}
    now = timezone.now()
    for key, new in values.items():
        option = BY_KEY[key]
        row = stored.get(key)
        old = row.value if row is not None else option.default()
        if _same(option, old, new):
            continue
        if _same(option, option.default(), new):
            if row is not None:
                row.delete()
        elif row is None:
            RuntimeOption.objects.create(key=key, value=new, updated_at=now, updated_by=actor)
        else:
            row.value, row.updated_at, row.updated_by = new, now, actor
            writes.save_tracked(row, actor=actor, fields=["value", "updated_at", "updated_by"])
        changes[option.label] = [option.display(old), option.display(new)]
    if changes:
        registries.audit(
            action="update",
            user=actor,
            request=request,
            object_type=RuntimeOption._meta.label_lower,
            object_repr="系统参数",
            changes=changes,
        )
        transaction.on_commit(forget)
    return changes


def _same(option: Option, a, b) -> bool:
    if option.kind == "monthday":
        return list(a) == list(b)
    if option.kind == "bands":
        return [[g, float(low)] for g, low in a] == [[g, float(low)] for g, low in b]
    return a == b
