"""Photos in bulk (issue 17): a zip of photos named by ID number (or 姓名-ID),
previewed, set in one step as re-encoded JPEGs, undoable; zip bombs refused."""

import datetime
import io
import os
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.imports.models import PhotoBatch, PhotoRecord
from tongxin.people.models import Person
from tongxin.people.services import person_update

pytestmark = pytest.mark.django_db


def image_bytes(fmt="JPEG", size=(2000, 3000), colour=(200, 30, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, fmt)
    return output.getvalue()


def make_zip(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return output.getvalue()


def upload(client, content: bytes, name="照片.zip"):
    return client.post(reverse("imports:photo_upload"), {"file": SimpleUploadedFile(name, content)})


def latest() -> PhotoBatch:
    return PhotoBatch.objects.latest("pk")


@pytest.fixture
def people(make_person, regions):
    def person(name, region, day, **fields):
        born = datetime.date(1980, 1, day)
        number = make_id_number(regions[region].code, born, "M")
        return make_person(name, region=regions[region], id_number=number, birth_date=born,
                           sex="M", **fields)  # fmt: skip

    old = person("李四", "xingning", 2)
    old.photo.save("old.jpg", ContentFile(image_bytes(size=(100, 140))), save=True)
    return {
        "zhang": person("张三", "xingning", 1),
        "li": Person.objects.get(pk=old.pk),
        "wang": person("王五", "xingning", 3),
        "qingxiu": person("青秀人", "qingxiu", 4),
    }


def test_a_zip_is_previewed_set_in_one_step_and_undone(client_for, xingning_user, people, settings):
    settings.PHOTO_MAX_MEGABYTES = 1
    zhang, li, wang, other = people["zhang"], people["li"], people["wang"], people["qingxiu"]
    li_before = li.photo.name
    content = make_zip(
        {
            f"照片/{zhang.id_number}.jpg": image_bytes(),
            f"李四-{li.id_number}.png": image_bytes("PNG", size=(800, 800)),
            f"王六-{wang.id_number}.jpg": image_bytes(),  # a name that is not the person's
            f"{other.id_number}.jpg": image_bytes(),  # registered, but in another county
            "450102199901010019.jpg": image_bytes(),  # registered nowhere
            f"赵七-{zhang.id_number[:-4]}0000.jpg": b"not a picture at all",
            "合影.jpg": image_bytes(),
            "说明.txt": "请查收".encode(),
            f"大图-{wang.id_number}.jpg": os.urandom(1_200_000),
        }
    )
    client = client_for(xingning_user)
    response = upload(client, content)
    batch = latest()
    assert response.status_code == 302
    assert response.url == reverse("imports:photo_detail", args=[batch.pk])
    assert batch.status == PhotoBatch.Status.PREVIEWED
    outcomes = {e["file"]: e["outcome"] for e in batch.entries}
    assert outcomes == {
        f"{zhang.id_number}.jpg": "matched",
        f"李四-{li.id_number}.png": "matched",
        f"王六-{wang.id_number}.jpg": "name_mismatch",
        f"{other.id_number}.jpg": "no_person",
        "450102199901010019.jpg": "no_person",
        f"赵七-{zhang.id_number[:-4]}0000.jpg": "not_image",
        "合影.jpg": "bad_name",
        "说明.txt": "not_image",
        f"大图-{wang.id_number}.jpg": "too_large",
    }
    page = client.get(response.url).content.decode()
    assert "确认设置 2 人的照片" in page and "查无此人" in page
    assert "青秀人" not in page  # out of scope: said to be nobody
    assert Person.objects.get(pk=zhang.pk).photo.name == ""  # the preview sets nothing

    assert client.post(reverse("imports:photo_commit", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == PhotoBatch.Status.COMMITTED
    assert batch.file.name == ""  # the zip is not kept
    zhang.refresh_from_db()
    li.refresh_from_db()
    for person in (zhang, li):
        with Image.open(person.photo.open("rb")) as stored:
            assert stored.format == "JPEG"
            assert stored.size[0] <= 600 and stored.size[1] <= 800
        assert person.version == 2
    assert li.history.first().history_change_reason.startswith("批量导入照片")
    assert AuditEntry.objects.filter(
        object_type="people.person", object_id=str(zhang.pk), changes__photo__isnull=False
    ).exists()
    assert AuditEntry.objects.filter(object_type="imports.photobatch", action="import").exists()
    new_names = list(PhotoRecord.objects.values_list("new_photo", flat=True))
    assert Person.objects.get(pk=wang.pk).photo.name == ""

    assert client.post(reverse("imports:photo_undo", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == PhotoBatch.Status.UNDONE
    assert Person.objects.get(pk=zhang.pk).photo.name == ""
    assert Person.objects.get(pk=li.pk).photo.name == li_before
    assert not any(default_storage.exists(name) for name in new_names)


def test_undo_is_refused_when_a_person_changed_since(client_for, xingning_user, people):
    zhang = people["zhang"]
    client = client_for(xingning_user)
    upload(client, make_zip({f"{zhang.id_number}.jpg": image_bytes()}))
    batch = latest()
    client.post(reverse("imports:photo_commit", args=[batch.pk]))
    zhang.refresh_from_db()
    person_update(actor=xingning_user, person=zhang, data={"employer": "新单位"},
                  expected_version=zhang.version)  # fmt: skip
    response = client.post(reverse("imports:photo_undo", args=[batch.pk]))
    assert response.status_code == 409
    assert "导入后已被修改" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == PhotoBatch.Status.COMMITTED
    assert Person.objects.get(pk=zhang.pk).photo.name != ""


def _refused(client, content, message):
    upload(client, content)
    batch = latest()
    assert batch.status == PhotoBatch.Status.FAILED
    assert message in batch.error_message
    assert batch.file.name == ""
    page = client.get(reverse("imports:photo_detail", args=[batch.pk])).content.decode()
    assert message in page
    assert not PhotoRecord.objects.exists()


def test_a_zip_bomb_is_refused_from_its_directory(client_for, xingning_user, people):
    zhang = people["zhang"]
    bomb = make_zip({f"{zhang.id_number}.jpg": b"\0" * 20_000_000})  # 20 MB → ~20 KB
    _refused(client_for(xingning_user), bomb, "压缩比异常")
    assert Person.objects.get(pk=zhang.pk).photo.name == ""


def test_too_many_files_and_too_much_declared_are_refused(
    client_for, xingning_user, people, settings
):
    client = client_for(xingning_user)
    settings.PHOTO_ZIP_MAX_FILES = 3
    many = make_zip({f"{n}.jpg": b"x" for n in range(4)})
    _refused(client, many, "压缩包中的文件超过 3 个")
    settings.PHOTO_ZIP_MAX_FILES = 5000
    settings.PHOTO_ZIP_MAX_UNCOMPRESSED_MEGABYTES = 1
    stored = make_zip({"a.jpg": os.urandom(700_000), "b.jpg": os.urandom(700_000)},
                      method=zipfile.ZIP_STORED)  # fmt: skip
    PhotoBatch.objects.all().delete()
    _refused(client, stored, "超过 1 MB 的上限")


def test_a_small_file_declaring_huge_pixels_is_too_large(client_for, xingning_user, people):
    zhang = people["zhang"]
    output = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(output, "PNG")  # 100 megapixels in a few KB
    client = client_for(xingning_user)
    upload(client, make_zip({f"{zhang.id_number}.png": output.getvalue()}))
    assert [e["outcome"] for e in latest().entries] == ["too_large"]


def test_not_a_zip_is_refused_in_the_request(client_for, xingning_user):
    client = client_for(xingning_user)
    response = upload(client, b"PK not really", name="照片.zip")
    assert response.status_code == 400
    assert "不是有效的 zip 压缩包" in response.content.decode()
    response = upload(client, image_bytes(), name="照片.jpg")
    assert "请上传 .zip 压缩包" in response.content.decode()
    assert not PhotoBatch.objects.exists()


def test_gbk_file_names_from_windows_zips_are_read(client_for, xingning_user, people):
    zhang = people["zhang"]
    gbk = f"张三-{zhang.id_number}.jpg".encode("gbk")
    placeholder = b"x" * len(gbk)
    # Chinese Windows writes names in GBK without the UTF-8 flag: write an
    # ASCII placeholder of the same length and put the GBK bytes in its place.
    raw = make_zip({placeholder.decode(): image_bytes(size=(300, 400))})
    assert raw.count(placeholder) == 2  # the local header and the central directory
    client = client_for(xingning_user)
    upload(client, raw.replace(placeholder, gbk))
    assert [(e["file"], e["outcome"]) for e in latest().entries] == [
        (f"张三-{zhang.id_number}.jpg", "matched")
    ]


@pytest.mark.parametrize("name, method", [("photo_detail", "get"), ("photo_commit", "post"),
                                          ("photo_undo", "post")])  # fmt: skip
def test_another_regions_user_gets_404(client_for, xingning_user, qingxiu_user, people, name,
                                       method):  # fmt: skip
    upload(client_for(xingning_user), make_zip({f"{people['zhang'].id_number}.jpg": image_bytes()}))
    batch = latest()
    response = getattr(client_for(qingxiu_user), method)(
        reverse(f"imports:{name}", args=[batch.pk])
    )
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == PhotoBatch.Status.PREVIEWED


def test_a_photo_batch_whose_worker_died_is_marked_failed(client_for, xingning_user, people):
    import socket

    from django.utils import timezone

    from tongxin.core import leases
    from tongxin.core.models import TaskLease

    upload(client_for(xingning_user), make_zip({f"{people['zhang'].id_number}.jpg": image_bytes()}))
    batch = latest()
    PhotoBatch.objects.filter(pk=batch.pk).update(status=PhotoBatch.Status.COMMITTING)
    # A lease left by a process that no longer exists (no such pid on this machine).
    TaskLease.objects.create(
        key=leases.lease_key(batch), owner=f"{socket.gethostname()}::999999999:1",
        taken_at=timezone.now(), expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )  # fmt: skip
    assert leases.recover_abandoned() == [leases.lease_key(batch)]
    batch.refresh_from_db()
    assert batch.status == PhotoBatch.Status.FAILED
    assert "后台处理进程意外中止" in batch.error_message
    assert AuditEntry.objects.filter(object_type="imports.photobatch", action="update").exists()
    assert Person.objects.get(pk=people["zhang"].pk).photo.name == ""
