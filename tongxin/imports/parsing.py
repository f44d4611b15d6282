"""Reading the values people type into rosters: headers, dates, dictionary
entries. Pure functions, no database access, property-tested."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable

# Spreadsheet header → Person field. Keys are normalised (see normalise_header).
# "ignore" marks columns that are recognised but carry nothing to import.
FIELD_HEADERS: dict[str, list[str]] = {
    "name": ["姓名", "名字", "人员姓名", "代表人士姓名"],
    "sex": ["性别"],
    "ethnicity": ["民族"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日", "出生时间"],
    "native_place": ["籍贯"],
    "id_number": [
        "公民身份号码",
        "身份证号",
        "身份证号码",
        "身份证",
        "证件号码",
        "身份证件号码",
        "居民身份证号码",
    ],
    "political_status": ["政治面貌", "党派"],
    "education": ["学历", "文化程度", "最高学历"],
    "degree": ["学位", "最高学位"],
    "school": ["毕业院校", "毕业学校", "毕业院校及专业"],
    "major": ["所学专业", "专业"],
    "employer": ["工作单位", "单位", "所在单位", "单位名称", "工作单位全称"],
    "job_title": ["职务", "现任职务", "单位职务"],
    "professional_title": ["职称/职业资格", "职称职业资格", "职称", "职业资格", "专业技术职称"],
    "career_start_year": ["从业起始年份", "从业年份", "从业开始年份"],
    "mobile": ["联系电话", "手机", "手机号码", "手机号", "电话", "移动电话", "联系方式"],
    "email": ["电子邮箱", "邮箱", "email", "e-mail", "电子邮件"],
    "address": ["通讯地址", "地址", "联系地址", "家庭住址"],
    "region": ["所属区域", "所在县区", "所属县区", "县区", "区域", "所在地区", "所属地区"],
    "group": ["人员类别", "所属群体", "群体类别", "类别", "群体", "人员分类", "所属类别"],
    "subcategory": ["细分类别", "细分类", "具体类别", "人员细分类别"],
    "freelance_field": ["自由职业领域", "领域"],
    "level": ["分级", "联系层级", "层级", "级别", "管理层级"],
    "resume": ["个人简历", "简历", "工作简历"],
    "achievements": ["主要业绩与社会贡献", "主要业绩", "业绩与贡献"],
    "public_welfare": ["社会公益活动", "公益活动"],
    "recommender": ["推荐单位"],
    "department_opinion": ["统战部门意见"],
    "remarks": ["备注", "说明"],
    "ignore": ["序号", "编号", "no", "no."],
}


def cell_text(value) -> str:
    """A cell as the text the user typed.

    Whole floats lose their '.0' (an ID or phone typed into a number cell
    arrives as 13800138000.0); dates print as ISO dates.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


_BRACKETED = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")
_HEADER_NOISE = re.compile(r"[\s*＊:：_·]")


def normalise_text(value: str) -> str:
    """NFKC (full-width → ASCII), no surrounding spaces."""
    return unicodedata.normalize("NFKC", value).strip()


def normalise_header(value) -> str:
    """'  身份证号码（18位）* ' → '身份证号码'; full-width and spaces removed."""
    text = normalise_text(cell_text(value)).lower()
    text = _BRACKETED.sub("", text)
    return _HEADER_NOISE.sub("", text)


HEADER_INDEX: dict[str, str] = {
    normalise_header(alias): field for field, aliases in FIELD_HEADERS.items() for alias in aliases
}


def field_for_header(value) -> str | None:
    return HEADER_INDEX.get(normalise_header(value))


EXAMPLE_MARK = "示例"


def is_example_row(name_cell) -> bool:
    """A row whose name cell starts with 示例 (the roster template's example row,
    imports/template.py) describes nobody: the importer skips it."""
    text = normalise_text(cell_text(name_cell)).lstrip("([【")
    return text.startswith(EXAMPLE_MARK)


HEADER_SCAN_ROWS = 30


def find_header(rows: Iterable[list]) -> tuple[int, list[list]]:
    """(index of the header row, the rows read so far) among the first rows.

    The header is the first row naming at least two known columns, one of
    them the name or the ID: title rows, notes and blank rows above it are
    skipped.
    """
    seen: list[list] = []
    for index, row in enumerate(rows):
        seen.append(row)
        fields = {field_for_header(cell) for cell in row} - {None, "ignore"}
        if len(fields) >= 2 and fields & {"name", "id_number"}:
            return index, seen
        if index + 1 >= HEADER_SCAN_ROWS:
            break
    return -1, seen


def suggest_mapping(header: list) -> dict[int, str]:
    """Column index → field for the columns whose header is recognised (first wins)."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, cell in enumerate(header):
        field = field_for_header(cell)
        if field and field != "ignore" and field not in taken:
            mapping[index] = field
            taken.add(field)
    return mapping


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- cell values --------------------------------------------------------------


class ValueProblem(ValueError):
    """A cell that cannot be read; `message` is Chinese and names the value."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")

# Excel's day 0 (the 1900 system, counting its fictitious 1900-02-29).
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value, *, label: str = "出生日期") -> datetime.date | None:
    return parse_date_precision(value, label=label)[0]


def parse_date_precision(value, *, label: str = "出生日期") -> tuple[datetime.date | None, bool]:
    """(the date, whether the cell gave only a year and month) — see parse_date."""
    date = _parse_date(value, label)
    if date is None or isinstance(value, datetime.date):
        return date, False
    if isinstance(value, float | int) and not isinstance(value, bool):
        return date, not float(value).is_integer()
    text = _TIME_SUFFIX.sub("", normalise_text(str(value)))
    return date, bool(_YEAR_MONTH.fullmatch(text)) and not _FULL_DATE.fullmatch(text)


def _parse_date(value, label: str) -> datetime.date | None:
    """A date in any of the forms rosters use; None for an empty cell.

    1985-06-01, 1985/6/1, 1985.06.01, 1985年6月1日, 19850601, an Excel date
    cell, and year-month forms (1985.06, 1985年6月, 1985-6), read as the first
    of the month. A number cell 1985.1 is refused: Excel stores 1985.10 and
    1985.1 alike, so it cannot say January from October.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _date_from_number(value, label)
    text = normalise_text(str(value))
    if not text:
        return None
    text = _TIME_SUFFIX.sub("", text)
    for pattern, has_day in ((_FULL_DATE, True), (_COMPACT_DATE, True), (_YEAR_MONTH, False)):
        match = pattern.fullmatch(text)
        if match:
            year, month = int(match[1]), int(match[2])
            day = int(match[3]) if has_day else 1
            return _make_date(year, month, day, text, label)
    raise ValueProblem(f"{label}“{text}”无法识别，请写成 1985-06-01 这样的日期")


def _date_from_number(value: float | int, label: str) -> datetime.date:
    if float(value).is_integer():
        number = int(value)
        if 10_000_000 <= number <= 99_999_999:  # 19850601
            text = str(number)
            return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), text, label)
        if 1 <= number <= 80_000:  # an Excel serial date in a cell not formatted as a date
            return _EXCEL_EPOCH + datetime.timedelta(days=number)
        raise ValueProblem(f"{label}“{number}”无法识别，请写成 1985-06-01 这样的日期")
    text = f"{value:.2f}"  # 1985.06 → '1985.06'; 1985.6 → '1985.60'
    year, month = int(text[:-3]), int(text[-2:])
    if month % 10 == 0:  # one decimal: 1985.6 is June
        if month == 10:
            raise ValueProblem(
                f"{label}“{value}”不能确定是1月还是10月，请写成 {year}-01 或 {year}-10"
            )
        month //= 10
    return _make_date(year, month, 1, f"{value}", label)


def _make_date(year: int, month: int, day: int, text: str, label: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueProblem(f"{label}“{text}”不是有效的日期") from None


_SEXES = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F"}
_SEXES["female"] = "F"


def parse_sex(value) -> str:
    text = normalise_text(cell_text(value)).lower()
    if not text:
        return ""
    try:
        return _SEXES[text]
    except KeyError:
        raise ValueProblem(f"性别“{text}”无法识别，请填写“男”或“女”") from None


_YEAR = re.compile(r"(\d{4})\s*年?.*")


def parse_year(value, *, label: str = "从业起始年份") -> int | None:
    if isinstance(value, datetime.date):
        return value.year
    text = normalise_text(cell_text(value))
    if not text:
        return None
    match = _YEAR.fullmatch(text)
    if not match:
        raise ValueProblem(f"{label}“{text}”应为四位年份，例如 2010")
    return int(match[1])


_SYNONYM_SEPARATORS = re.compile(r"[、,，;；/]")
_LOOKUP_NOISE = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096, typed=True)  # rosters repeat the same few values
def lookup_key(value) -> str:
    """How dictionary values are compared: NFKC, no spaces, case-insensitive."""
    return _LOOKUP_NOISE.sub("", normalise_text(cell_text(value))).lower()


def split_synonyms(synonyms: str) -> list[str]:
    return [s for s in (part.strip() for part in _SYNONYM_SEPARATORS.split(synonyms or "")) if s]


class Lookup:
    """Find a dictionary entry by its name or one of its synonyms.

    Names win over synonyms, and earlier entries over later ones, when two
    entries claim the same text.
    """

    def __init__(self, entries: Iterable[tuple[object, str, str]]):
        """`entries`: (value, name, synonyms) in sort order."""
        entries = list(entries)
        self.index: dict[str, object] = {}
        for value, name, _synonyms in entries:
            self.index.setdefault(lookup_key(name), value)
        for value, _name, synonyms in entries:
            for synonym in split_synonyms(synonyms):
                self.index.setdefault(lookup_key(synonym), value)

    def add(self, text: str, value: object) -> None:
        """Another written form of `value`, after everything already known (which wins)."""
        self.index.setdefault(lookup_key(text), value)

    def get(self, raw, *, suffixes: Iterable[str] = ()) -> object | None:
        """The entry for `raw`; else for `raw` + the first suffix that names one (汉 → 汉族)."""
        key = lookup_key(raw)
        found = self.index.get(key)
        if found is None and key:
            for suffix in suffixes:
                found = self.index.get(key + suffix)
                if found is not None:
                    break
        return found
