from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from tongxin.core.pii import EncryptedCharField
from tongxin.regions.scope import ScopedQuerySet

from .validators import mask_mobile, mask_resident_id


class DictionaryEntry(models.Model):
    """A reference value users pick from; seeded by migrations, extendable by admins."""

    name = models.CharField("名称", max_length=60, unique=True)
    synonyms = models.CharField(
        "同义写法",
        max_length=200,
        blank=True,
        help_text="导入时也认作本项的其他写法，用顿号或逗号分隔，例如“本科、大本”。",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Ethnicity(DictionaryEntry):
    class Meta(DictionaryEntry.Meta):
        verbose_name = "民族"
        verbose_name_plural = "民族"


class PoliticalStatus(DictionaryEntry):
    is_cpc = models.BooleanField(
        "属中共党员（含预备党员）",
        default=False,
        help_text="党外人士的资格条件据此判断。",
    )

    class Meta(DictionaryEntry.Meta):
        verbose_name = "政治面貌"
        verbose_name_plural = "政治面貌"


class Education(DictionaryEntry):
    class Meta(DictionaryEntry.Meta):
        verbose_name = "学历"
        verbose_name_plural = "学历"


class Degree(DictionaryEntry):
    class Meta(DictionaryEntry.Meta):
        verbose_name = "学位"
        verbose_name_plural = "学位"


class PersonGroup(DictionaryEntry):
    """One of the four groups of the new social strata (or an admin's addition)."""

    short_name = models.CharField("简称", max_length=20, blank=True)
    is_freelance = models.BooleanField(
        "自由职业类", default=False, help_text="此类人员还须选择文化艺术或经济社会领域。"
    )

    class Meta(DictionaryEntry.Meta):
        verbose_name = "人员类别"
        verbose_name_plural = "人员类别"


class SubCategory(models.Model):
    group = models.ForeignKey(
        PersonGroup, verbose_name="所属类别", on_delete=models.PROTECT, related_name="subcategories"
    )
    name = models.CharField("名称", max_length=60)
    examples = models.CharField("包括", max_length=200, blank=True)
    synonyms = models.CharField("同义写法", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "细分类别"
        verbose_name_plural = "细分类别"
        ordering = ["group__sort_order", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="subcategory_unique_in_group")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One registered representative person: the digital registration form (登记表)."""

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class Level(models.TextChoices):
        CITY = "city", "市级重点联系"
        COUNTY = "county", "县区联系"
        RESERVE = "reserve", "储备"

    class Status(models.TextChoices):
        ACTIVE = "active", "在库"
        ARCHIVED = "archived", "出库"

    class ArchiveReason(models.TextChoices):
        GRADE_D = "grade_d", "综合评价D级"
        JOINED_CPC = "joined_cpc", "加入中国共产党"
        MOVED_AWAY = "moved_away", "迁出本地"
        WITHDREW = "withdrew", "本人退出"
        DIED = "died", "去世"
        OTHER = "other", "其他"

    class FreelanceField(models.TextChoices):
        CULTURE = "culture", "文化艺术领域"
        SOCIO_ECONOMIC = "socio_economic", "经济社会领域"

    # 基本信息
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    ethnicity = models.ForeignKey(Ethnicity, verbose_name="民族", on_delete=models.PROTECT)
    birth_date = models.DateField("出生日期")
    native_place = models.CharField("籍贯", max_length=50, blank=True)
    # Encrypted at rest (core/pii.py); uniqueness and lookups go through
    # id_number_hash, suffix search through id_suffix_hash.
    id_number = EncryptedCharField("公民身份号码", max_length=18)
    political_status = models.ForeignKey(
        PoliticalStatus, verbose_name="政治面貌", on_delete=models.PROTECT
    )
    education = models.ForeignKey(
        Education, verbose_name="学历", on_delete=models.PROTECT, null=True, blank=True
    )
    degree = models.ForeignKey(
        Degree, verbose_name="学位", on_delete=models.PROTECT, null=True, blank=True
    )
    school = models.CharField("毕业院校", max_length=100, blank=True)
    major = models.CharField("所学专业", max_length=100, blank=True)
    employer = models.CharField("工作单位", max_length=200, blank=True)
    job_title = models.CharField("职务", max_length=100, blank=True)
    professional_title = models.CharField("职称/职业资格", max_length=100, blank=True)
    career_start_year = models.PositiveSmallIntegerField(
        "从业起始年份",
        null=True,
        blank=True,
        validators=[MinValueValidator(1940), MaxValueValidator(2100)],
    )
    mobile = EncryptedCharField("联系电话", max_length=11, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="persons"
    )
    photo = models.ImageField("一寸照片", upload_to="photos/%Y/", blank=True)

    # 分类分级
    group = models.ForeignKey(PersonGroup, verbose_name="人员类别", on_delete=models.PROTECT)
    subcategory = models.ForeignKey(
        SubCategory, verbose_name="细分类别", on_delete=models.PROTECT, null=True, blank=True
    )
    freelance_field = models.CharField(
        "自由职业领域", max_length=20, choices=FreelanceField.choices, blank=True
    )
    level = models.CharField("分级", max_length=10, choices=Level.choices, default=Level.RESERVE)

    # 登记表正文
    resume = models.TextField("个人简历", blank=True)
    achievements = models.TextField("主要业绩与社会贡献", blank=True)
    public_welfare = models.TextField("社会公益活动", blank=True)
    recommender = models.CharField("推荐单位", max_length=200, blank=True)
    department_opinion = models.TextField("统战部门意见", blank=True)
    remarks = models.TextField("备注", blank=True)

    # 出库
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    archived_reason = models.CharField(
        "出库原因", max_length=20, choices=ArchiveReason.choices, blank=True
    )
    archived_on = models.DateField("出库日期", null=True, blank=True)
    archived_note = models.CharField("出库说明", max_length=200, blank=True)

    # Derived columns that keep search and suffix lookups on indexes
    # (search.derived_fields). The *_hash columns are keyed hashes of the
    # encrypted identifiers (core/pii.py): exact lookups and uniqueness.
    name_pinyin = models.CharField("姓名全拼", max_length=200, blank=True)
    name_initials = models.CharField("姓名首字母", max_length=50, blank=True)
    id_number_hash = models.CharField(max_length=32, editable=False)
    id_suffix_hash = models.CharField(max_length=16, editable=False)
    mobile_hash = models.CharField(max_length=32, blank=True, editable=False)
    search_tokens = models.TextField(blank=True, editable=False)
    # Fields given on entry (a roster cell, the create form) in a form that
    # could not be read, so stored blank: ",education,mobile," (the commas
    # make one field's token unambiguous in a LIKE). people/completeness.py
    # lists such a field as 待补充 while it is still blank.
    unread_fields = models.CharField("未能识别的项", max_length=300, blank=True, editable=False)

    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(
        verbose_name="代表人士历史",
        excluded_fields=[
            "search_tokens",
            "id_number_hash",
            "id_suffix_hash",
            "mobile_hash",
            "unread_fields",
            "updated_at",
        ],
        cascade_delete_history=False,
        # History is read by person (id), by date (trends) and newest first;
        # an index per copied column only slows every bulk write.
        no_db_index=[
            "level",
            "name_pinyin",
            "name_initials",
            "ethnicity",
            "political_status",
            "education",
            "degree",
            "group",
            "subcategory",
        ],
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "代表人士"
        verbose_name_plural = "代表人士"
        # Plain b-trees for the search lookups (db_index on a CharField also
        # adds a LIKE index on PostgreSQL that no query uses). Level and
        # pinyin are served by the composite indexes they lead.
        # A constraint rather than unique=True: no extra LIKE index on PostgreSQL.
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_hash_unique")
        ]
        indexes = [
            models.Index(fields=["mobile_hash"], name="person_mobile_hash"),
            # With the id, an initials search reads its ids from the index
            # alone (PostgreSQL; SQLite's indexes carry the rowid anyway):
            # without it, 5M persons cost one heap read per match (≈1 s cold).
            models.Index(fields=["name_initials", "id"], name="person_initials_id"),
            models.Index(fields=["id_suffix_hash"], name="person_id_suffix_hash"),
            models.Index(fields=["status", "region", "id"], name="person_status_region_id"),
            models.Index(fields=["status", "id"], name="person_status_id"),
            models.Index(fields=["status", "group", "id"], name="person_status_group_id"),
            models.Index(fields=["status", "level", "id"], name="person_status_level_id"),
            models.Index(
                fields=["status", "level", "group", "id"], name="person_status_level_group_id"
            ),
            models.Index(fields=["name_pinyin", "id"], name="person_pinyin_id"),
            # Measured at 1M rows (docs/benchmarks.md): covers counts and
            # GROUP BYs over level × group × region × subcategory, and a
            # region's list sorted by name.
            # Not led by status: SQLite would then pick it for status-only
            # lists and sort the whole table instead of walking (status, id).
            models.Index(
                fields=["level", "group", "region", "subcategory", "status"],
                name="person_level_group_region",
            ),
            models.Index(
                fields=["status", "region", "name_pinyin", "id"], name="person_status_region_name"
            ),
            # A county user's GROUP BYs (quota page, summary table).
            models.Index(
                fields=["status", "region", "level", "group", "subcategory"],
                name="person_status_region_level",
            ),
            # The structure analysis's one grouped count (tongxin/analysis/selectors/cube.py).
            models.Index(
                fields=[
                    "status",
                    "region",
                    "level",
                    "group",
                    "sex",
                    "ethnicity",
                    "education",
                    "political_status",
                    "birth_date",
                ],
                name="person_structure_cube",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def fields_to_complete(self) -> list[str]:
        """Labels of the form's fields this record still lacks (people/completeness.py)."""
        from .completeness import fields_to_complete

        return fields_to_complete(self)

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


PERSON_FORM_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "id_number",
    "political_status",
    "education",
    "degree",
    "school",
    "major",
    "employer",
    "job_title",
    "professional_title",
    "career_start_year",
    "mobile",
    "email",
    "address",
    "region",
    "group",
    "subcategory",
    "freelance_field",
    "level",
    "resume",
    "achievements",
    "public_welfare",
    "recommender",
    "department_opinion",
    "remarks",
]

# Fields whose values are personal identifiers: masked in history and audit views.
IDENTIFIER_FIELDS = {"id_number", "mobile"}
