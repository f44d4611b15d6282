from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from tongxin.regions.scope import ScopedQuerySet


class ImportBatch(models.Model):
    """One roster file brought in: who, when, which file, how it was read, what it did."""

    class Status(models.TextChoices):
        READING = "reading", "正在读取文件"
        UPLOADED = "uploaded", "待确认列"
        ANALYSING = "analysing", "正在检查"
        PREVIEWED = "previewed", "已预览"
        COMMITTING = "committing", "正在导入"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "失败"
        UNDONE = "undone", "已撤销"

    class OnDuplicate(models.TextChoices):
        SKIP = "skip", "跳过已登记人员"
        UPDATE = "update", "用文件内容更新已登记人员"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    # The county a county user imports into; empty for city-wide imports.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    default_region = models.ForeignKey(
        "regions.Region",
        verbose_name="默认所属区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="文件中没有“所属区域”列或该格为空时使用。",
    )
    file = models.FileField("文件", upload_to="imports/%Y/", blank=True)
    file_name = models.CharField("文件名", max_length=200)
    file_kind = models.CharField("格式", max_length=10)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    header_row = models.PositiveIntegerField("表头所在行", default=0)
    columns = models.JSONField("文件中的列", default=list, blank=True)
    mapping = models.JSONField("列对应关系", default=dict, blank=True)
    on_duplicate = models.CharField(
        "已登记人员", max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    phase = models.CharField("进度说明", max_length=50, blank=True)
    progress_done = models.PositiveIntegerField("已处理行数", default=0)
    progress_total = models.PositiveIntegerField("总行数", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    # Rejected rows: [{"row", "column", "message"}]; existing persons: [{"row", "name", …}].
    problems = models.JSONField("问题行", default=list, blank=True)
    existing = models.JSONField("已登记人员", default=list, blank=True)
    # Rows imported with a warning (a blank to complete, an unknown address code):
    # [{"row", "column", "message"}], the first 1,000.
    warnings = models.JSONField("提示", default=list, blank=True)
    # Values no dictionary entry claims, grouped: [{"field", "value", "rows",
    # "first_rows"}] (imports/value_mappings.py), mapped from the preview.
    unknown_values = models.JSONField("无法识别的值", default=list, blank=True)
    error_message = models.TextField("错误信息", blank=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords(
        verbose_name="导入批次历史", excluded_fields=["progress_done", "phase"]
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"导入#{self.pk} {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.READING, self.Status.ANALYSING, self.Status.COMMITTING}


class ImportedRecord(models.Model):
    """A person an import created or updated, with what the import wrote, so the
    batch can be undone while nobody has touched the person since."""

    class Action(models.TextChoices):
        CREATED = "created", "新增"
        UPDATED = "updated", "更新"

    batch = models.ForeignKey(
        ImportBatch, verbose_name="导入批次", on_delete=models.CASCADE, related_name="records"
    )
    # Kept (as a plain id) after an undo removes a created person.
    person = models.ForeignKey(
        "people.Person",
        verbose_name="人员",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    person_ref = models.BigIntegerField("人员编号")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    row_number = models.PositiveIntegerField("文件行号")
    version_after = models.PositiveIntegerField("导入后版本")
    # Raw values (attnames) before the update, for undo; empty for created persons.
    previous = models.JSONField("导入前的值", default=dict, blank=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        indexes = [models.Index(fields=["batch", "action"], name="imported_batch_action")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class RememberedMapping(models.Model):
    """The column mapping last committed for one header layout, per office.

    Offices export their rosters from the same old sheet again and again; the
    next upload with the same header (as normalised by parsing.normalise_header)
    starts from this mapping instead of the guessed one (imports/mappings.py).
    """

    # The office the batches belong to (ImportBatch.region); empty for city-wide imports.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    header_hash = models.CharField("表头摘要", max_length=64)
    columns = models.JSONField("表头", default=list)
    mapping = models.JSONField("列对应关系", default=dict)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name="来自导入批次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("记录时间", auto_now=True)

    class Meta:
        verbose_name = "记住的列对应关系"
        verbose_name_plural = "记住的列对应关系"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "header_hash"],
                condition=models.Q(region__isnull=False),
                name="remembered_mapping_per_region",
            ),
            models.UniqueConstraint(
                fields=["header_hash"],
                condition=models.Q(region__isnull=True),
                name="remembered_mapping_city_wide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region or '全市'}：{' | '.join(self.columns)[:60]}"


class ValueMappingProposal(models.Model):
    """A county's proposal that a written value mean a dictionary entry.

    City staff map an unknown roster value straight to an entry (it becomes
    the entry's synonym, for every later import); county staff propose it,
    and the city staff whose subtree holds the proposing office accept or
    decline it (imports/value_mappings.py).
    """

    class State(models.TextChoices):
        PENDING = "pending", "待确认"
        ACCEPTED = "accepted", "已采纳"
        DECLINED = "declined", "未采纳"

    # The proposing office (the batch's region), for the region rule.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="提议单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="value_proposals",
    )
    field = models.CharField("字段", max_length=30)
    value = models.CharField("文件中的写法", max_length=60)
    entry_id = models.PositiveIntegerField("对应项编号")
    entry_name = models.CharField("对应项", max_length=60)
    state = models.CharField(
        "状态", max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提议人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField("提议时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "同义写法提议"
        verbose_name_plural = "同义写法提议"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"“{self.value}”→{self.entry_name}"

    @property
    def field_label(self) -> str:
        from tongxin.people.models import Person

        return str(Person._meta.get_field(self.field).verbose_name)


class RegionAlias(models.Model):
    """Another name rosters use for a region (a former name, a local short
    form), mapped once from an import's preview (imports/value_mappings.py).

    Read like the built-in former names of people/data/roster_values.toml, but
    only by imports of users who may write the region: the same words can mean
    different places in two cities, and one office's choice changes nothing
    outside its subtree.
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名单中的写法", max_length=60)
    key = models.CharField(max_length=60, editable=False)  # parsing.lookup_key(name)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="对应人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("对应时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "区域的其他写法"
        verbose_name_plural = "区域的其他写法"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "key"], name="region_alias_once"),
        ]

    def __str__(self) -> str:
        return f"“{self.name}”→{self.region_id}"


class PhotoBatch(models.Model):
    """A zip of photos named by resident ID (or 姓名-ID), matched to persons,
    previewed, set in one step and undoable (imports/photos.py)."""

    class Status(models.TextChoices):
        READING = "reading", "正在检查"
        PREVIEWED = "previewed", "已预览"
        COMMITTING = "committing", "正在导入"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "失败"
        UNDONE = "undone", "已撤销"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    # The uploader's office; persons are matched within the uploader's write scope.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept only until the photos are set or the batch fails (then deleted).
    file = models.FileField("文件", upload_to="imports/photos/%Y/", blank=True)
    file_name = models.CharField("文件名", max_length=200)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.READING, db_index=True
    )
    counts = models.JSONField("统计", default=dict, blank=True)
    # One per file in the zip: {"file", "outcome", "message", "person_id", "person_name"}.
    entries = models.JSONField("文件清单", default=list, blank=True)
    error_message = models.TextField("错误信息", blank=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "照片批量导入"
        verbose_name_plural = "照片批量导入"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"照片导入#{self.pk} {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.READING, self.Status.COMMITTING}


class PhotoRecord(models.Model):
    """A person's photo set by a photo batch, with the photo it replaced (for undo)."""

    batch = models.ForeignKey(
        PhotoBatch, verbose_name="照片导入", on_delete=models.CASCADE, related_name="records"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="人员",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    person_ref = models.BigIntegerField("人员编号")
    file = models.CharField("压缩包中的文件", max_length=255)
    previous_photo = models.CharField("原照片", max_length=255, blank=True)
    new_photo = models.CharField("新照片", max_length=255)
    version_after = models.PositiveIntegerField("导入后版本")

    class Meta:
        verbose_name = "照片导入记录"
        verbose_name_plural = "照片导入记录"

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.file}"
