"""Duplicate persons: the rules that find them, the keys they are found by,
the pairs found, the pairs an office said are not the same person, and merges.

docs/features/dedupe.md describes the feature; keys.py how a key is made.
"""

from django.conf import settings
from django.db import models

from tongxin.regions.scope import ScopedQuerySet, read_scope

# What a rule may compare; each name is scored by rules.COMPARATORS.
COMPARISONS = {
    "name": "姓名相同",
    "name_or_pinyin": "姓名或姓名拼音相同",
    "name_similar": "姓名相近（字形或拼音）",
    "birth_date": "出生日期相同",
    "mobile": "手机号码相同",
    "email": "电子邮箱相同",
    "employer": "工作单位相同",
    "id_15": "18位号码与其15位形式相同",
    "id_one_digit": "公民身份号码仅差一位",
}

# How candidates are gathered before scoring (one indexed column or pair of
# columns of PersonKey each); rules.BLOCKS holds the columns.
BLOCKINGS = {
    "pinyin_birth": "姓名拼音＋出生日期",
    "mobile": "手机号码",
    "email": "电子邮箱",
    "employer_surname": "工作单位＋姓",
    "employer_given": "工作单位＋名",
    "id15": "15位身份号码",
    "name_id_place": "姓名＋号码的地址码与出生月日",
    "name_id_year": "姓名＋号码的出生年份与顺序码",
}


class DuplicateRule(models.Model):
    """One way two records may be the same person: compared fields with
    weights, the score a pair needs, and how candidates are blocked."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    weights = models.JSONField(
        "比较项与权重",
        help_text='例如 {"name_or_pinyin": 6, "birth_date": 4}；得分为相符各项的权重之和（相近程度按比例计）。',
    )
    threshold = models.FloatField("判定阈值", help_text="得分达到此值即列为疑似重复。")
    blocking = models.JSONField("候选分组", help_text='按哪些键分组后在组内比较，例如 ["mobile"]。')
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "查重规则"
        verbose_name_plural = "查重规则"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class PersonKey(models.Model):
    """The normalised values a person is blocked and compared by (keys.py).

    Kept here, not on the person: refreshed when a person is saved and, for
    rows written in bulk, before every full run (services.keys_refresh).
    Identifiers are only keyed hashes, like the person's own columns.
    """

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, primary_key=True, related_name="dedupe_key"
    )
    name = models.CharField(max_length=50)
    pinyin = models.CharField(max_length=200, blank=True)
    surname = models.CharField(max_length=2, blank=True)
    given = models.CharField(max_length=48, blank=True)
    birth_date = models.DateField(null=True)
    mobile_hash = models.CharField(max_length=32, blank=True)
    email = models.CharField(max_length=254, blank=True)
    employer = models.CharField(max_length=200, blank=True)
    id15_hash = models.CharField(max_length=32, blank=True)
    # keys.id_parts: the name with each of two disjoint parts of the ID.
    id_place_hash = models.CharField(max_length=32, blank=True)
    id_year_hash = models.CharField(max_length=32, blank=True)
    # The person's version the keys were made from: a differing version
    # (or a missing row) means the keys are stale.
    person_version = models.PositiveIntegerField(default=0)

    # Made from the person alone and deleted with it: no reason to keep an
    # import from being undone (imports/services.py).
    derived_from_person = True

    class Meta:
        verbose_name = "查重索引"
        verbose_name_plural = "查重索引"
        indexes = [
            models.Index(fields=["pinyin", "birth_date"], name="dedupe_key_pinyin_birth"),
            models.Index(fields=["mobile_hash"], name="dedupe_key_mobile"),
            models.Index(fields=["email"], name="dedupe_key_email"),
            models.Index(fields=["employer", "surname"], name="dedupe_key_employer_surname"),
            models.Index(fields=["employer", "given"], name="dedupe_key_employer_given"),
            # The married-name join (rules/scan.py, _married_pairs): without it SQLite
            # walks every person of an employer for each person there
            # (27,000 "自由职业" in the 1M demo: 7×10⁸ index rows).
            models.Index(fields=["employer", "name"], name="dedupe_key_employer_name"),
            models.Index(fields=["id15_hash"], name="dedupe_key_id15"),
            models.Index(fields=["id_place_hash"], name="dedupe_key_id_place"),
            models.Index(fields=["id_year_hash"], name="dedupe_key_id_year"),
        ]

    def __str__(self) -> str:
        return f"查重键 #{self.person_id}"


class PairQuerySet(ScopedQuerySet):
    def seen_by(self, user) -> "PairQuerySet":
        """Pairs whose two persons are both inside the user's scope."""
        scope = read_scope(user)
        return scope.filter(scope.filter(self, "person_a__region"), "person_b__region")

    def touching(self, user) -> "PairQuerySet":
        """Pairs with at least one person inside the user's scope."""
        scope = read_scope(user)
        if scope.is_empty:
            return self.none()
        return self.filter(scope.q("person_a__region") | scope.q("person_b__region"))


class DuplicatePair(models.Model):
    """Two persons a rule found alike; person_a has the smaller id."""

    class Status(models.TextChoices):
        OPEN = "open", "待核对"
        DISMISSED = "dismissed", "不是同一人"
        MERGED = "merged", "已合并"

    person_a = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="人员甲"
    )
    person_b = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="人员乙"
    )
    rule = models.ForeignKey(
        DuplicateRule, on_delete=models.SET_NULL, null=True, verbose_name="规则"
    )
    score = models.FloatField("得分")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PairQuerySet.as_manager()
    scope_field = "person_a__region"
    derived_from_person = True  # see PersonKey

    class Meta:
        verbose_name = "疑似重复"
        verbose_name_plural = "疑似重复"
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="dedupe_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="dedupe_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "rule"], name="dedupe_pair_status_rule")]

    def __str__(self) -> str:
        return f"疑似重复 #{self.person_a_id} / #{self.person_b_id}"


class Merge(models.Model):
    """One merge of `merged` into `survivor`, with what undoing it needs."""

    survivor = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="保留记录"
    )
    merged = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="并入记录"
    )
    pair = models.ForeignKey(DuplicatePair, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField("合并时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # {"fields": {field: [survivor's old raw value, merged person's old status…]},
    #  "moved": [[model label, pk, fk field]], "removed": [serialised rows],
    #  "versions": {"survivor": n, "merged": n}} — see merge.py.
    undo_data = models.JSONField(default=dict)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "survivor__region"

    class Meta:
        verbose_name = "合并记录"
        verbose_name_plural = "合并记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"合并 #{self.merged_id} → #{self.survivor_id}"


class CompletenessSnapshot(models.Model):
    """A scope's completeness and freshness on a day, for the home card's trend."""

    scope_key = models.CharField(max_length=200)
    day = models.DateField()
    percent_complete = models.PositiveSmallIntegerField()
    percent_current = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "day"], name="dedupe_snapshot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope_key} {self.day}"
