"""Hostile and broken files get a clear Chinese message and change nothing."""

import zipfile

import pytest

from tongxin.imports.committing import import_file
from tongxin.imports.files import OLE_MAGIC, ImportFileError, detect_encoding
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def refused(path, user) -> str:
    with pytest.raises(ImportFileError) as error:
        import_file(actor=user, path=path, commit=True)
    assert Person.objects.count() == 0
    return error.value.message


def test_a_renamed_text_file_is_not_a_spreadsheet(tmp_path, city_user):
    path = tmp_path / "名单.xlsx"
    path.write_text("这不是表格")
    assert "不是 Excel 或 ODS 表格" in refused(path, city_user)


def test_a_zip_that_is_not_a_spreadsheet(tmp_path, city_user):
    path = tmp_path / "名单.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是 Excel（.xlsx）或 ODS 表格" in refused(path, city_user)


def test_a_zip_bomb_is_refused_without_expanding_it(tmp_path, city_user, settings):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/padding.bin", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros, about 64 KB compressed
                member.write(block)
    assert "压缩炸弹" in refused(path, city_user)
    settings.IMPORT_MAX_UNCOMPRESSED_MEGABYTES = 10
    assert "解压后达" in refused(path, city_user)


def test_xml_entity_tricks_are_refused(tmp_path, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><sst>&lol2;</sst>'
    )
    rebuilt = tmp_path / "恶意.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/sharedStrings.xml":
                data = laughs.encode()
            target.writestr(item, data)
    message = refused(rebuilt, city_user)
    assert "DOCTYPE/ENTITY" in message and "xl/sharedStrings.xml" in message


def test_an_old_xls_that_is_broken(tmp_path, city_user):
    path = tmp_path / "名单.xls"
    path.write_bytes(OLE_MAGIC + b"\0" * 600)
    assert "无法读取表格内容" in refused(path, city_user)


def test_an_empty_sheet(tmp_path, city_user):
    path = write_xlsx(tmp_path / "空.xlsx", [], title=None, header=[], blank_rows=0)
    assert refused(path, city_user) == "表格是空的：没有任何数据"


def test_no_recognisable_header(tmp_path, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [["a", "b"]], header=["甲", "乙"])
    assert "没有找到表头" in refused(path, city_user)


def test_a_file_over_the_size_limit(tmp_path, city_user, settings):
    settings.UPLOAD_MAX_MEGABYTES = 1
    path = tmp_path / "大.csv"
    path.write_bytes(b"x" * (1024 * 1024 + 1))
    assert "超过 1 MB 的上限" in refused(path, city_user)


def test_an_unsupported_extension(tmp_path, city_user):
    path = tmp_path / "名单.docx"
    path.write_bytes(b"PK\x03\x04")
    assert refused(path, city_user) == "只能导入 .xlsx、.xls、.ods 或 .csv 文件"


def test_an_empty_file(tmp_path, city_user):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"")
    assert refused(path, city_user) == "文件是空的"


def test_binary_content_named_csv(tmp_path, city_user):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    assert "不是文本格式的 CSV" in refused(path, city_user)


def test_encoding_detection():
    assert detect_encoding("姓名".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "姓名".encode()) == "utf-8-sig"
    assert detect_encoding("姓名,覃".encode("gbk")) == "gb18030"
