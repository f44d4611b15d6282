import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone

from tongxin.core import pii

from .access import regions_writable_by
from .models import (
    PERSON_FORM_FIELDS,
    Degree,
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from .validators import MobileError, ResidentIdError, parse_mobile, parse_resident_id

MAX_PHOTO_BYTES = 2 * 1024 * 1024


def _cn(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


class PhotoInput(forms.ClearableFileInput):
    """The current photo as a link to the person's photo page, not its stored path."""

    template_name = "people/widgets/photo_input.html"
    photo_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["photo_url"] = self.photo_url
        return context


class PersonFieldChecks:
    """The checks of a person's own fields that the staff form and the
    person's update form on their own page (portal) share."""

    def clean_mobile(self):
        raw = self.cleaned_data.get("mobile", "")
        if not raw:
            return ""
        try:
            return parse_mobile(raw)
        except MobileError as error:
            raise forms.ValidationError(error.message) from None

    def clean_career_start_year(self):
        year = self.cleaned_data.get("career_start_year")
        if year and year > timezone.localdate().year:
            raise forms.ValidationError("从业起始年份不能晚于今年")
        return year


class PersonForm(PersonFieldChecks, forms.ModelForm):
    """The registration form (登记表). Validation messages name the field, in Chinese."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Wider than the stored columns: people paste numbers with spaces, +86 and dashes.
    id_number = forms.CharField(label="公民身份号码", max_length=40)
    mobile = forms.CharField(label="联系电话", max_length=40, required=False)

    class Meta:
        model = Person
        fields = [*PERSON_FORM_FIELDS, "photo"]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "resume": forms.Textarea(attrs={"rows": 4}),
            "achievements": forms.Textarea(attrs={"rows": 3}),
            "public_welfare": forms.Textarea(attrs={"rows": 3}),
            "department_opinion": forms.Textarea(attrs={"rows": 2}),
            "remarks": forms.Textarea(attrs={"rows": 2}),
            "photo": PhotoInput,
        }
        error_messages = {
            "id_number": {"unique": "该公民身份号码已登记，不能重复登记。"},
            "email": {"invalid": "电子邮箱格式不正确"},
        }
        help_texts = {
            "id_number": "18位，末位X大小写均可；出生日期和性别可由号码自动填写。",
            "mobile": "中国大陆手机号码，可带+86或分隔符。",
            "birth_date": "留空则按身份证号码填写。",
            "native_place": "填到县（市、区），如“广西南宁市兴宁区”。",
            "political_status": "按本人当前的政治面貌选择；民主党派成员选所在党派。",
            "employer": "填写全称，与营业执照或登记证书一致。",
            "professional_title": "如高级工程师、执业律师、注册会计师。",
            "career_start_year": "开始从事本行业的年份；资格条件据此计算从业年限，留空则显示“待补充”。",
            "region": "人员由这一区域的统战部门负责联系；只能选择您负责的区域。",
            "group": "按《新的社会阶层人士分级分类管理办法》的四类选择。",
            "subcategory": "先选人员类别，这里只列出该类别的细分类别。",
            "freelance_field": "仅自由职业人员填写。",
            "level": "市级重点联系：全市约200名有重大影响的代表人士；县区联系：每个县区约50名；"
            "储备：已登记、尚未列为代表人士。",
            "resume": "按时间顺序，每段经历一行，如“2010.07—2015.06 某公司 技术员”。",
            "achievements": "主要业绩、获得的荣誉和社会贡献，写事实和时间。",
            "recommender": "推荐该人员的单位或部门。",
            "department_opinion": "统战部门的审核意见，打印在登记表上。",
            "photo": "一寸证件照，打印在登记表（附件2）上；可不上传。",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.warnings: list[str] = []
        self.unread: list[str] = []  # fields left blank as unreadable (new persons)
        self.fields["birth_date"].required = False
        self.fields["sex"].required = False
        self.fields["region"].queryset = regions_writable_by(user)
        self.fields["region"].empty_label = "请选择"
        for name, model in (
            ("ethnicity", Ethnicity),
            ("political_status", PoliticalStatus),
            ("education", Education),
            ("degree", Degree),
            ("group", PersonGroup),
        ):
            current = getattr(self.instance, f"{name}_id", None)
            self.fields[name].queryset = model.objects.filter(
                is_active=True
            ) | model.objects.filter(pk=current)
        current_sub = self.instance.subcategory_id
        self.fields["subcategory"].queryset = (
            SubCategory.objects.filter(is_active=True) | SubCategory.objects.filter(pk=current_sub)
        ).select_related("group")
        if not user.can_place_at_city_level and self.instance.level != Person.Level.CITY:
            self.fields["level"].choices = [
                c for c in self.fields["level"].choices if c[0] != Person.Level.CITY
            ]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["photo"].widget.photo_url = reverse("people:photo", args=[self.instance.pk])
            # Moving an existing person between levels is an action with a
            # reason (levels.services.person_change_level), not a form edit.
            self.fields["level"].disabled = True
            self.fields["level"].help_text = "分级调整请在人员页面的“分级”栏办理，须填写原因。"
        # Every message names its field: "请选择人员类别", not Django's generic text.
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault("class", "form-select" if is_select else "form-control")
            verb = "请选择" if is_select else "请填写"
            field.error_messages["required"] = f"{verb}{field.label}"
            field.error_messages["invalid_choice"] = f"{field.label}的选项无效，请重新选择"
        self.fields["birth_date"].error_messages["invalid"] = "出生日期格式不正确，例如 1985-06-01"
        self.fields["career_start_year"].error_messages["invalid"] = "从业起始年份应为四位年份"

    SECTIONS = [
        ("基本信息", ["name", "sex", "ethnicity", "birth_date", "native_place", "id_number",
                  "political_status", "education", "degree", "school", "major"]),
        ("工作与联系方式", ["employer", "job_title", "professional_title", "career_start_year",
                     "mobile", "email", "address", "photo"]),
        ("区域与分类分级", ["region", "group", "subcategory", "freelance_field", "level",
                     "recommender"]),
        ("登记表内容", ["resume", "achievements", "public_welfare", "department_opinion",
                   "remarks"]),
    ]  # fmt: skip
    WIDE = {"resume", "achievements", "public_welfare", "department_opinion", "remarks"}

    def sections(self):
        """(title, [(bound field, wide)]) in the order of the paper form."""
        return [
            (title, [(self[name], name in self.WIDE) for name in names])
            for title, names in self.SECTIONS
        ]

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number", "")
        try:
            parsed = parse_resident_id(raw, today=timezone.localdate())
        except ResidentIdError as error:
            raise forms.ValidationError(error.message) from None
        # Read before the duplicate check: a registered number still fills the
        # birth date and sex, so its one error is not joined by 请填写性别.
        self._resident_id = parsed
        duplicate = Person.objects.filter(id_number_hash=pii.id_number_hash(parsed.number)).exclude(
            pk=self.instance.pk
        )
        if duplicate.exists():
            if not duplicate.visible_to(self.user).exists():
                # The one thing that crosses scopes on purpose: that it exists, nothing more.
                # The page offers 申请调入 with the number the user typed (tongxin/flows).
                self.registered_elsewhere = parsed.number
                raise forms.ValidationError(
                    "该公民身份号码已在其他区域登记，不能重复登记；如该人员已迁入本区域，可点页面上方的“申请调入”。"
                )
            raise forms.ValidationError("该公民身份号码已登记，不能重复登记。")
        self.warnings.extend(parsed.warnings)
        return parsed.number

    def clean_level(self):
        level = self.cleaned_data.get("level")
        if (
            level == Person.Level.CITY
            and self.instance.level != Person.Level.CITY
            and not self.user.can_place_at_city_level
        ):
            raise forms.ValidationError("只有市级工作人员可以将人员列为市级重点联系")
        return level

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "size") and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError("照片不能超过2MB")
        return photo

    # Optional values a new person is registered without when they cannot be
    # read, as an import does (issue 17: required means required by the
    # office). An edit keeps the error instead: there a blank would replace
    # the stored value.
    LENIENT_ON_CREATE = ("mobile", "email", "career_start_year", "birth_date")

    def _leave_unreadable_blank(self, data: dict, resident) -> None:
        for name in self.LENIENT_ON_CREATE:
            raw = str(self.data.get(self.add_prefix(name), "")).strip()
            if name not in self._errors or not raw:
                continue
            if name == "birth_date" and resident is None:
                continue  # nothing to fill it from: the form asks for it
            message = "；".join(self._errors.pop(name)).rstrip("。")
            label = self.fields[name].label
            data[name] = "" if name in ("mobile", "email") else None
            if name == "birth_date":
                self.warnings.append(f"出生日期“{raw}”未能识别（{message}），已按公民身份号码填写")
                continue
            self.unread.append(name)
            self.warnings.append(
                f"{label}“{raw}”未能识别（{message}），该项未保存（留空），"
                "已标记为待补充，请在人员信息中补充"
            )

    def clean(self):
        data = super().clean()
        resident = getattr(self, "_resident_id", None)
        if not self.instance.pk:
            self._leave_unreadable_blank(data, resident)
        if resident is not None:
            birth = data.get("birth_date")
            if birth is None and "birth_date" not in self.errors:
                data["birth_date"] = resident.birth_date
            elif birth is not None and birth != resident.birth_date:
                self.add_error(
                    "birth_date",
                    f"出生日期与公民身份号码不一致（号码中为{_cn(resident.birth_date)}）",
                )
            sex = data.get("sex")
            if not sex:
                data["sex"] = resident.sex
            elif sex != resident.sex:
                label = Person.Sex(resident.sex).label
                self.add_error("sex", f"性别与公民身份号码不一致（号码中为{label}）")
        elif "id_number" not in self.errors or not self.data.get(self.add_prefix("id_number")):
            # Without an ID to fill them from, the form asks for these, as the
            # importer does (imports/tests/test_validation.py keeps the two in
            # step). An unreadable ID is the one error to fix: 请填写性别 beside
            # it would only be its side effect.
            for name in ("birth_date", "sex"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"请填写{self.fields[name].label}")

        group = data.get("group")
        subcategory = data.get("subcategory")
        if group and subcategory and subcategory.group_id != group.pk:
            self.add_error("subcategory", f"细分类别“{subcategory}”不属于“{group}”")
        # A freelancer's 自由职业领域 is not required (issue 17: required means
        # required by the office); a person saved without it is listed as
        # 待补充 (completeness.py), as an imported one is.
        if group and not group.is_freelance and data.get("freelance_field"):
            self.add_error("freelance_field", "只有自由职业人员需要选择领域")
        return data

    def changed_data_for_service(self) -> dict:
        """The cleaned values of the registration fields (photo only when uploaded)."""
        data = {name: self.cleaned_data.get(name) for name in PERSON_FORM_FIELDS}
        for name in ("name", "native_place", "school", "major", "employer", "job_title"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        if self.cleaned_data.get("photo") is False:
            data["photo"] = ""
        elif "photo" in self.files:
            data["photo"] = self.cleaned_data["photo"]
        return data


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(
        label="出库原因",
        choices=[("", "请选择")] + list(Person.ArchiveReason.choices),
        error_messages={"required": "请选择出库原因", "invalid_choice": "出库原因无效"},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    on_date = forms.DateField(
        label="出库日期",
        error_messages={"required": "请填写出库日期", "invalid": "出库日期格式不正确"},
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    note = forms.CharField(
        label="说明",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_on_date(self):
        on_date = self.cleaned_data["on_date"]
        if on_date > timezone.localdate():
            raise forms.ValidationError("出库日期不能晚于今天")
        return on_date

    def clean(self):
        data = super().clean()
        if data.get("reason") == Person.ArchiveReason.OTHER and not data.get("note"):
            self.add_error("note", "出库原因为“其他”时请填写说明")
        return data


class RestoreForm(forms.Form):
    note = forms.CharField(
        label="恢复说明",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
