"""Letters that carry personal links: one A4 page per person with the link,
its QR code and the text staff may send by SMS or WeChat by hand. The
product itself sends nothing anywhere.

The token exists in clear only here and in the staff member's browser at the
moment of issue (only its hash is stored), so letters are made when links are
issued, never reprinted later: a lost letter means a new link.
"""

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from tongxin.core.templatetags.tongxin import cn_date

from .services import IssuedLink

FONT = "宋体"


def link_url(token: str, request=None) -> str:
    """The address a person opens: TONGXIN_PORTAL_BASE_URL (the published
    portal) when set, else this server's."""
    path = reverse("me:open", args=[token])
    if settings.PORTAL_BASE_URL:
        return settings.PORTAL_BASE_URL + path
    return request.build_absolute_uri(path) if request is not None else path


def message_text(name: str, url: str, valid_until) -> str:
    """The SMS / WeChat text for one person, to be sent by hand."""
    return (
        f"{name}您好：统战部门请您核对本人在代表人士数据库中的登记信息。"
        f"请于{cn_date(timezone.localtime(valid_until).date())}前用手机打开 {url} ，"
        "输入公民身份号码后6位和出生日期确认身份后查看、更新。此链接仅供您本人使用，请勿转发。"
    )


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def qr_svg_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4)


def _run(paragraph, text: str, size: float = 12, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return run


def letters_docx(issued: list[IssuedLink], *, request=None) -> bytes:
    """One A4 letter per issued link, in the order given."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for margin in ("left_margin", "right_margin"):
        setattr(section, margin, Cm(2.5))
    section.top_margin = section.bottom_margin = Cm(2.2)
    for number, item in enumerate(issued):
        person = item.link.person
        url = link_url(item.token, request)
        if number:
            document.add_page_break()
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(title, "代表人士个人信息核对告知书", size=18, bold=True)
        _run(document.add_paragraph(), f"{person.name}同志：", size=14)
        body = document.add_paragraph()
        _run(
            body,
            "您好！为做好每年定期的信息更新，请您核对统战部门登记的您本人的信息。"
            "请用手机扫描下方二维码，或在浏览器中输入下方网址，输入您的公民身份号码后6位和出生日期"
            "确认身份后，即可查看登记信息、提出修改、上传新照片，或确认“信息无变化”。"
            "您提出的修改经工作人员审核后才会记入。您也可以在同一页面提出意见诉求或建言献策。",
        )
        picture = document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(qr_png(url)), width=Cm(5))
        address = document.add_paragraph()
        address.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(address, url, size=11)
        _run(
            document.add_paragraph(),
            f"有效期至：{cn_date(timezone.localtime(item.link.valid_until))}。"
            "此链接仅供您本人使用，请妥善保管本告知书，勿转给他人。连续输错多次后链接将被锁定，"
            "届时请联系统战部门重新发放。",
            size=11,
        )
        _run(document.add_paragraph(), "可通过短信或微信发送的文字：", size=11, bold=True)
        _run(
            document.add_paragraph(),
            message_text(person.name, url, item.link.valid_until),
            size=10.5,
        )
        _run(document.add_paragraph(), f"（编号 {item.link.pk}）", size=9)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
