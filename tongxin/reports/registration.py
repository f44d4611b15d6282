"""附件2 新的社会阶层代表人士分级分类管理登记表: one person's form as .docx.

The form is a docxtpl template: the packaged one (built by
docx/build_template.py) unless an admin uploaded a replacement, which then
lives in the shared file storage (default_storage, OVERRIDE_NAME), so every
web server and the task worker fill the same one. Templates render in a
sandboxed Jinja environment: an uploaded file can lay out the form, not run
code.
"""

import datetime
import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, Listing
from jinja2.sandbox import SandboxedEnvironment

from tongxin.people.models import Person

from .exporters import fast_mask_id, fast_mask_mobile
from .summary import cn_date

PACKAGED_TEMPLATE = (
    Path(__file__).resolve().parent / "templates" / "reports" / "registration_form.docx"
)

# The tags a template may use, with what they hold (shown on the upload page).
FORM_FIELDS = {
    "unit": "填报单位（所属区域）",
    "today": "填表日期",
    "name": "姓名",
    "sex": "性别",
    "ethnicity": "民族",
    "birth_month": "出生年月",
    "native_place": "籍贯",
    "political_status": "政治面貌",
    "education_degree": "学历学位",
    "school_major": "毕业院校及专业",
    "employer_job": "工作单位及职务",
    "professional_title": "职称",
    "career_years": "从业年限",
    "mobile": "联系电话",
    "id_number": "身份证号",
    "region": "所属区域",
    "category": "所属类别",
    "level": "分级",
    "photo": "照片",
    "resume": "个人简历",
    "achievements": "主要业绩",
    "public_welfare": "社会公益活动",
    "recommender_opinion": "推荐单位意见",
    "department_opinion": "统战部门意见",
    "remarks": "备注",
    "reviewer": "审核人（留空）",
    "filled_by": "填表人（留空）",
}

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
# A docx whose members expand beyond this is refused (zip bomb).
MAX_TEMPLATE_UNCOMPRESSED = 50 * 1024 * 1024


# The admin's replacement, in default_storage; earlier ones are kept beside it, dated.
OVERRIDE_NAME = "templates/registration_form.docx"


def template_overridden() -> bool:
    return default_storage.exists(OVERRIDE_NAME)


def template_bytes() -> bytes:
    """The admin's replacement if there is one, else the packaged template."""
    configured = getattr(settings, "REPORTS_REGISTRATION_TEMPLATE", None)
    if configured:
        return Path(configured).read_bytes()
    if template_overridden():
        with default_storage.open(OVERRIDE_NAME, "rb") as handle:
            return handle.read()
    return PACKAGED_TEMPLATE.read_bytes()


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def form_context(person: Person, *, reveal: bool, today: datetime.date) -> dict:
    """The values of one form; identifiers masked unless `reveal`."""
    career_years = ""
    if person.career_start_year:
        career_years = f"{max(0, today.year - person.career_start_year)}年"
    category = person.group.name
    if person.subcategory_id:
        category += f"（{person.subcategory.name}）"
    if person.freelance_field:
        category += f"·{person.get_freelance_field_display()}"
    id_number = person.id_number if reveal else fast_mask_id(person.id_number)
    mobile = person.mobile if reveal else (fast_mask_mobile(person.mobile) if person.mobile else "")
    return {
        "unit": person.region.name,
        "today": cn_date(today),
        "name": person.name,
        "sex": person.get_sex_display(),
        "ethnicity": str(person.ethnicity),
        "birth_month": f"{person.birth_date.year}年{person.birth_date.month}月",
        "native_place": person.native_place,
        "political_status": str(person.political_status),
        "education_degree": _join(str(person.education or ""), str(person.degree or ""), sep="/"),
        "school_major": _join(person.school, person.major),
        "employer_job": _join(person.employer, person.job_title),
        "professional_title": person.professional_title,
        "career_years": career_years,
        "mobile": mobile,
        "id_number": id_number,
        "region": person.region.name,
        "category": category,
        "level": person.get_level_display(),
        "resume": Listing(person.resume),
        "achievements": Listing(person.achievements),
        "public_welfare": Listing(person.public_welfare),
        "recommender_opinion": Listing(
            _join(f"推荐单位：{person.recommender}" if person.recommender else "")
        ),
        "department_opinion": Listing(person.department_opinion),
        "remarks": Listing(person.remarks),
        "reviewer": "",
        "filled_by": "",
    }


def _photo(template: DocxTemplate, person: Person):
    if not person.photo:
        return "（照片）"
    try:
        with person.photo.open("rb") as handle:
            data = io.BytesIO(handle.read())
    except (FileNotFoundError, OSError, ValueError):
        return "（照片）"
    return InlineImage(template, data, width=Mm(25), height=Mm(35))


def render_form(
    person: Person, *, reveal: bool, today: datetime.date, template: bytes | None = None
):
    """The filled form as bytes (`template`: the docx to fill, by default template_bytes())."""
    template = DocxTemplate(io.BytesIO(template or template_bytes()))
    context = form_context(person, reveal=reveal, today=today)
    context["photo"] = _photo(template, person)
    template.render(context, jinja_env=SandboxedEnvironment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def sample_person() -> Person:
    """An unsaved person with every field filled, to try a template with."""
    from tongxin.people.models import Degree, Education, Ethnicity, PersonGroup, PoliticalStatus
    from tongxin.regions.models import Region

    return Person(
        name="张三",
        sex=Person.Sex.MALE,
        ethnicity=Ethnicity(name="汉族"),
        birth_date=datetime.date(1985, 6, 1),
        native_place="广西南宁",
        id_number="450102198506010011",
        political_status=PoliticalStatus(name="无党派人士"),
        education=Education(name="大学本科"),
        degree=Degree(name="学士"),
        school="广西大学",
        major="计算机科学",
        employer="南宁某科技有限公司",
        job_title="总经理",
        professional_title="高级工程师",
        career_start_year=2008,
        mobile="13800138000",
        region=Region(name="兴宁区", code="450102"),
        group=PersonGroup(name="民营企业和外商投资企业管理技术人员"),
        level=Person.Level.COUNTY,
        resume="2008年至今 南宁某科技有限公司",
        achievements="示例",
        public_welfare="示例",
        recommender="兴宁区委统战部",
        department_opinion="同意",
        remarks="",
    )


class TemplateRejected(ValueError):
    """An uploaded template that is not a usable docx; the message says why."""


def check_template(data: bytes) -> None:
    """Refuse anything that is not a docx which renders with a sample person."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateRejected("模板文件不能超过5MB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise TemplateRejected("模板文件不是Word文档（.docx）")
            if sum(info.file_size for info in archive.infolist()) > MAX_TEMPLATE_UNCOMPRESSED:
                raise TemplateRejected("模板文件解压后过大，已拒绝")
    except zipfile.BadZipFile:
        raise TemplateRejected("模板文件不是Word文档（.docx）") from None
    try:
        render_form(sample_person(), reveal=False, today=datetime.date.today(), template=data)
    except Exception as error:  # a template error can be any of Jinja's or lxml's
        raise TemplateRejected(f"模板无法填充示例人员：{error}") from None
