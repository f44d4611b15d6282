"""Django's zh-hans formats with ISO first among the input formats.

The first DATE_INPUT_FORMATS entry is how a DateInput writes its value, and
<input type="date"> accepts only 2026-12-07: with Django's '%Y/%m/%d' first a
default date (出库日期, 收到日期) reached the browser as 2026/12/07 and showed
empty. Typed 2026/12/07 and 2026年12月7日 are still read.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y/%m/%d",
]
