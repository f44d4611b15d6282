"""Finding a person from one search box, fast at a million rows.

NOTES.md measured that one `OR … LIKE` across every column takes 300-430 ms at
1M rows while routing the query by its shape to one indexed lookup takes under
1 ms. So the query's shape decides which index answers it:

- digits (an ID may end in X): 18 → the ID, 11 starting with 1 → the mobile
  or an ID suffix, 4 or more → an ID suffix. IDs and mobiles are encrypted
  (core/pii.py), so these go through keyed hashes: of the whole ID, of the
  mobile, and of the ID's last 4 characters, whose ~100 candidates at a
  million persons are decrypted and compared with the whole suffix;
- Latin letters → prefix of full pinyin or of the initials;
- Chinese characters → the single-character and character-pair tokens
  (SQLite FTS5 with the unicode61 tokenizer, PostgreSQL a GIN index over the
  token array); three or more characters must contain all their pairs and are
  then checked against the name itself.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from pypinyin import Style, lazy_pinyin
from pypinyin.seg.simpleseg import seg as pinyin_seg

from tongxin.core import pii

# pypinyin reads these surnames with their common-word reading (NOTES.md).
# Two-character surnames come first so 单于 is not read as 单 + 于.
SURNAME_READINGS = {
    "万俟": ["mo", "qi"],
    "尉迟": ["yu", "chi"],
    "长孙": ["zhang", "sun"],
    "单于": ["chan", "yu"],
    "曾": ["zeng"],
    "单": ["shan"],
    "解": ["xie"],
    "区": ["ou"],
    "仇": ["qiu"],
    "查": ["zha"],
    "朴": ["piao"],
    "覃": ["qin"],
    "盖": ["ge"],
    "召": ["shao"],
    "乐": ["yue"],
    "种": ["chong"],
    "缪": ["miao"],
    "翟": ["zhai"],
    "员": ["yun"],
    "繁": ["po"],
    "黑": ["he"],
    "秘": ["bi"],
    "折": ["she"],
    "柏": ["bai"],
    "蕃": ["pi"],
    "隗": ["wei"],
    "晟": ["cheng"],
    "宓": ["fu"],
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^\d+X?$")
# Ignored in names when building tokens: the middle dot of minority names, spaces.
_NAME_NOISE = re.compile(r"[\s·•・.\-]")


@functools.lru_cache(maxsize=1 << 16)
def _word_syllables(word: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def _syllables(text: str) -> list[str]:
    """lazy_pinyin(text, errors="ignore") in lower case, a word at a time.

    pypinyin splits the text into dictionary words and reads each word on its
    own, so the reading of a word can be kept: an import of 100,000 names
    then meets a few thousand words instead of converting every character
    again (docs/benchmarks/imports.md). test_search checks it against
    lazy_pinyin on the whole name.
    """
    return [syllable for word in pinyin_seg(text) for syllable in _word_syllables(word)]


_SURNAMES_LONGEST_FIRST = sorted(SURNAME_READINGS, key=len, reverse=True)


def name_syllables(name: str) -> list[str]:
    """Pinyin syllables of a name, with surname readings corrected."""
    name = _NAME_NOISE.sub("", name)
    for surname in _SURNAMES_LONGEST_FIRST:
        if name.startswith(surname):
            rest = name[len(surname) :]
            return SURNAME_READINGS[surname] + (_syllables(rest) if rest else [])
    return _syllables(name)


def name_pinyin_fields(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, e.g. 张三 → ("zhangsan", "zs")."""
    syllables = [s for s in name_syllables(name) if s]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables)
    return full[:200], initials[:50]


def name_tokens(name: str) -> str:
    """Single characters and adjacent pairs of a name, space-separated."""
    chars = [c for c in _NAME_NOISE.sub("", name) if not c.isspace()]
    tokens = list(dict.fromkeys(chars))
    tokens += list(dict.fromkeys(a + b for a, b in zip(chars, chars[1:], strict=False)))
    return " ".join(tokens)


def name_derived_fields(name: str) -> dict[str, str]:
    """The search columns that follow from a person's name (pinyin is the slow part)."""
    full, initials = name_pinyin_fields(name)
    return {"name_pinyin": full, "name_initials": initials, "search_tokens": name_tokens(name)}


def id_derived_fields(id_number: str, *, ring: pii.Keyring | None = None) -> dict[str, str]:
    """The lookup columns that follow from a person's ID number (keyed hashes)."""
    ring = ring or pii.keyring()
    return {
        "id_number_hash": pii.id_number_hash(id_number, ring=ring),
        "id_suffix_hash": pii.id_suffix_hash(id_number, ring=ring),
    }


def mobile_derived_fields(mobile: str, *, ring: pii.Keyring | None = None) -> dict[str, str]:
    """The lookup column that follows from a person's mobile (a keyed hash)."""
    return {"mobile_hash": pii.mobile_hash(mobile or "", ring=ring)}


def derived_fields(*, name: str, id_number: str, mobile: str | None = None) -> dict[str, str]:
    """The search columns that follow from a person's name, ID and (if given) mobile."""
    fields = {**name_derived_fields(name), **id_derived_fields(id_number)}
    if mobile is not None:
        fields.update(mobile_derived_fields(mobile))
    return fields


@dataclass(frozen=True)
class SearchResult:
    queryset: QuerySet
    hint: str = ""


def _id_set_filter(sql: str, params: tuple, *, paged: bool):
    """Persons whose id `sql` selects.

    `sql` is self-contained (no reference to the outer table's name), so the
    search still works when Django nests it and renames that table.
    """
    subquery = RawSQL(sql, params)
    broad = BROAD_MATCHES if paged else BROAD_COUNT
    if connection.vendor == "sqlite" and _row_count(sql, params) >= broad:
        # "id + 0" keeps SQLite from looking up every match by primary key.
        # A page walks the list in page order instead and stops after one
        # page, testing each row against the matches; a count walks the
        # scope's covering index (status, region, id), whose pages are few
        # and adjacent, where each match looked up reads a table page of its
        # own (from disk, when the OS has dropped the table's pages).
        return In(ExpressionWrapper(F("id") + 0, output_field=BigIntegerField()), subquery)
    return Q(id__in=subquery)


# From this many matches on, SQLite reads the first page of a search faster
# by walking the list than by fetching and sorting every match: one common
# character matches ~2% of a million names (18,000 rows: 100 ms sorted, 3 ms
# walked), while a rare one walked means reading the whole table
# (docs/benchmarks.md).
BROAD_MATCHES = 2000
# From this many, a count (or an aggregate; the list's total is kept until a
# person changes) walks the scope's index rather than look each match up. At
# 1M persons, in 南宁市 (768,496 persons), with the table's pages out of the
# OS cache / in it: 丽's 1,882 matches 351 / 5 ms looked up, 48 / 24 ms
# walked; 芳's 5,014: 517 / 12 ms, 84–99 / 58 ms; 华's 14,536: 1,467 / 31
# ms, 194 / 170 ms. A walk costs more in memory and never seconds from disk
# (docs/benchmarks.md, session 14).
BROAD_COUNT = 1000


def _row_count(sql: str, params: tuple) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql})", params)
        return cursor.fetchone()[0]


class _TokensContain(Func):
    """PostgreSQL: the person's name tokens include all of `tokens`, written
    exactly as the GIN index `person_search_tokens_gin` is defined.

    A condition on the person row itself, not `id IN (SELECT …)`: a common
    character matches ≈28,000 of a million persons, and the subquery form
    then probes the status index once per match (≈50 ms more per count,
    docs/benchmarks.md)."""

    arity = 1
    output_field = BooleanField()
    template = "string_to_array(%(expressions)s, ' ') @> %%s::text[]"

    def __init__(self, tokens: list[str]):
        super().__init__(F("search_tokens"))
        self.tokens = list(tokens)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, (*params, self.tokens)


def _token_filter(tokens: list[str], *, paged: bool):
    if connection.vendor == "postgresql":
        return _TokensContain(tokens)
    match = " AND ".join('"' + t.replace('"', "") + '"' for t in tokens)
    return _id_set_filter(
        "SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s",
        (match,),
        paged=paged,
    )


def _pinyin_filter(prefix: str, *, paged: bool):
    # Two index ranges as one id set: written as an OR of the two ranges,
    # SQLite scans every active person instead (1M rows: 400 ms).
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return _id_set_filter(
        "SELECT id FROM people_person WHERE name_pinyin >= %s AND name_pinyin < %s "
        "UNION ALL SELECT id FROM people_person WHERE name_initials >= %s AND name_initials < %s",
        (prefix, upper, prefix, upper),
        paged=paged,
    )


def _id_suffix_matches(qs: QuerySet, suffix: str) -> list[int]:
    """Ids of the persons of `qs` whose ID ends in `suffix` (4-17 characters).

    The index finds those whose last 4 characters hash alike (about 100 at a
    million persons, whatever the suffix's length); their IDs are decrypted
    and compared in full here. A plain list keeps the outer query's plan.
    """
    candidates = qs.order_by().filter(id_suffix_hash=pii.id_suffix_hash(suffix))
    return [
        pk for pk, number in candidates.values_list("pk", "id_number") if number.endswith(suffix)
    ]


def normalise_query(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "").strip()


def search_persons(qs: QuerySet, raw: str, *, paged: bool = False) -> SearchResult:
    """Narrow `qs` (already scoped to what the user may see) to the query.

    `paged`: the result is read a page at a time in list order (not counted
    or aggregated), which lets a broad name search be planned for that.
    """
    q = normalise_query(raw)
    if not q:
        return SearchResult(qs)
    compact = re.sub(r"[\s\-]", "", q)
    upper = compact.upper()

    if _DIGITS.match(upper):
        if len(upper) < 4 or len(upper) > 18:
            return SearchResult(qs.none(), "按证件号码查找请输入完整号码或至少末4位")
        if len(upper) == 18:
            return SearchResult(qs.filter(id_number_hash=pii.id_number_hash(upper)))
        condition = Q(pk__in=_id_suffix_matches(qs, upper))
        if len(upper) == 11 and upper.startswith("1") and upper.isdigit():
            condition |= Q(mobile_hash=pii.mobile_hash(upper))
        return SearchResult(qs.filter(condition))

    lower = compact.lower()
    if _LATIN.match(lower):
        return SearchResult(qs.filter(_pinyin_filter(lower, paged=paged)))

    chars = [c for c in compact if _CJK.match(c)]
    if chars:
        name = "".join(chars)
        if len(name) <= 2:
            return SearchResult(qs.filter(_token_filter([name], paged=paged)))
        pairs = list(dict.fromkeys(a + b for a, b in zip(name, name[1:], strict=False)))
        return SearchResult(qs.filter(_token_filter(pairs, paged=paged), name__contains=name))

    return SearchResult(qs.none(), "请输入姓名、拼音、首字母、证件号码末4位以上或手机号码")
