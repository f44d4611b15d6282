"""Uploaded and generated files in an S3-compatible bucket (TONGXIN_S3_*),
tested against a real S3 API: moto's server on a loopback port.

The storage is built by the settings' own function from TONGXIN_S3_*
variables; the files go in through the product's pages and services and come
out through the views that check the region rule.
"""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tongxin import settings as project_settings
from tongxin.conftest import make_id_number
from tongxin.core import registries
from tongxin.core.checks import check_object_storage, check_object_storage_reachable
from tongxin.core.storage import local_copy, object_storage_problem, uses_object_storage
from tongxin.core.tests.conftest import PREFIX, s3_environ
from tongxin.imports.models import ImportBatch, PhotoBatch
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.people.models import Person


def jpeg(colour="red", size=(105, 147)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _nothing_on_disk(settings) -> bool:
    media = settings.MEDIA_ROOT
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# --- settings ---------------------------------------------------------------------------


def test_the_settings_make_a_private_s3_storage_that_never_overwrites(s3_endpoint):
    entry = project_settings._s3_storage(s3_environ(s3_endpoint, "tongxin-media"))

    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    options = entry["OPTIONS"]
    assert options["bucket_name"] == "tongxin-media"
    assert options["endpoint_url"] == s3_endpoint
    assert options["location"] == PREFIX
    assert options["file_overwrite"] is False
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["client_config"].s3 == {"addressing_style": "path"}


# --- files through the product ----------------------------------------------------------


def test_a_photo_is_stored_in_the_bucket_and_served_only_through_the_region_rule(
    bucket, make_person, regions, client_for, xingning_user, qingxiu_user, settings
):
    data = jpeg()
    person = make_person(
        "张三", region=regions["xingning"], photo=SimpleUploadedFile("zhang.jpg", data)
    )

    key = f"{PREFIX}/{person.photo.name}"
    assert bucket.keys() == [key]
    assert bucket.read(key) == data
    assert _nothing_on_disk(settings)
    url = reverse("people:photo", args=[person.pk])
    response = client_for(xingning_user).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert client_for(qingxiu_user).get(url).status_code == 404


def test_a_roster_uploaded_to_the_bucket_is_read_previewed_and_imported(
    bucket, tmp_path, client_for, xingning_user, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rows = [roster_row(1, "张三"), roster_row(2, "李四", 政治面貌="火星党")]
    path = write_xlsx(tmp_path / "兴宁名单.xlsx", rows)
    client = client_for(xingning_user)

    with path.open("rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    response = client.post(reverse("imports:upload"), {"file": upload})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert bucket.keys() == [f"{PREFIX}/{batch.file.name}"]
    assert bucket.read(f"{PREFIX}/{batch.file.name}") == path.read_bytes()
    assert batch.status == ImportBatch.Status.UPLOADED  # read by the worker from the bucket
    assert "身份证号" in batch.columns
    data = {f"col_{i}": batch.mapping.get(str(i), "") for i in range(len(batch.columns))}
    client.post(reverse("imports:mapping", args=[batch.pk]), {**data, "on_duplicate": "skip"})
    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 302
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]
    rejected = client.get(reverse("imports:rejected", args=[batch.pk]))
    assert rejected.status_code == 200
    assert rejected.content[:2] == b"PK"
    assert _nothing_on_disk(settings)


def test_a_photo_batch_never_overwrites_the_photo_its_undo_puts_back(
    bucket, make_person, regions, client_for, xingning_user, settings
):
    """The batch names each new photo after the person, as the person's own
    upload may have been named: the bucket must keep both (file_overwrite off)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    born = datetime.date(1980, 1, 2)
    person = make_person("李四", region=regions["xingning"], birth_date=born,
                         id_number=make_id_number("450102", born, "M"))  # fmt: skip
    original = jpeg("blue", (300, 420))
    person.photo.save(f"{person.pk}.jpg", ContentFile(original), save=True)
    assert bucket.read(f"{PREFIX}/{person.photo.name}") == original
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"{person.id_number}.jpg", jpeg("green", (300, 420)))
    client = client_for(xingning_user)

    client.post(
        reverse("imports:photo_upload"),
        {"file": SimpleUploadedFile("照片.zip", archive.getvalue())},
    )
    batch = PhotoBatch.objects.get()
    assert batch.status == PhotoBatch.Status.PREVIEWED  # the zip read back from the bucket
    assert client.post(reverse("imports:photo_commit", args=[batch.pk])).status_code == 302
    person.refresh_from_db()
    with Image.open(person.photo.open("rb")) as new:
        assert new.getpixel((10, 10))[:2] < (60, 100)  # green, not blue

    assert client.post(reverse("imports:photo_undo", args=[batch.pk])).status_code == 302

    person.refresh_from_db()
    with person.photo.open("rb") as handle:
        assert handle.read() == original
    assert _nothing_on_disk(settings)


def test_a_local_copy_of_a_stored_file_lasts_for_the_block(bucket):
    name = default_storage.save("imports/2026/名单.csv", ContentFile("姓名\n张三\n".encode()))

    with local_copy(name) as path:
        assert path.suffix == ".csv"
        assert path.read_text() == "姓名\n张三\n"

    assert not path.exists()
    assert uses_object_storage()


# --- checks -----------------------------------------------------------------------------


def test_a_reachable_bucket_passes_and_a_missing_one_is_named(bucket, s3_endpoint, settings):
    assert object_storage_problem() is None
    assert check_object_storage_reachable() == []
    assert object_storage_problem in list(registries.serve_checks)  # `tongxin serve` asks

    environ = s3_environ(s3_endpoint, "tongxin-nowhere")
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._s3_storage(environ)}

    problem = object_storage_problem()
    assert "tongxin-nowhere" in problem and "存储桶不存在" in problem
    assert [e.id for e in check_object_storage_reachable()] == ["tongxin.E211"]


def test_an_unreachable_endpoint_is_said_in_chinese(settings):
    environ = s3_environ("http://127.0.0.1:9", "tongxin-media")
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._s3_storage(environ)}

    problem = object_storage_problem()

    assert problem.startswith("无法连接对象存储 http://127.0.0.1:9")


def test_files_on_disk_need_no_bucket_check():
    assert object_storage_problem() is None
    assert check_object_storage(environ={}) == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TONGXIN_S3_ENDPOINT_URL": "https://oss.example.cn"}, ["tongxin.E205"]),
        ({"TONGXIN_S3_BUCKET": "b", "TONGXIN_MEDIA_DIR": "/srv/media"}, ["tongxin.E206"]),
        ({"TONGXIN_S3_BUCKET": "b", "TONGXIN_S3_ACCESS_KEY_ID": "id"}, ["tongxin.E207"]),
        ({"TONGXIN_S3_BUCKET": "b", "TONGXIN_S3_ENDPOINT_URL": "oss.example.cn"}, ["tongxin.E208"]),
        (
            {"TONGXIN_S3_BUCKET": "b", "TONGXIN_S3_ENDPOINT_URL": "http://10.1.2.3:9000"},
            ["tongxin.W209"],
        ),  # fmt: skip
        ({"TONGXIN_S3_BUCKET": "b", "TONGXIN_S3_ADDRESSING_STYLE": "dns"}, ["tongxin.E210"]),
        ({"TONGXIN_S3_BUCKET": "b", "TONGXIN_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}, []),
        (
            {
                "TONGXIN_S3_BUCKET": "b",
                "TONGXIN_S3_ENDPOINT_URL": "https://oss.example.cn",
                "TONGXIN_S3_ACCESS_KEY_ID": "id",
                "TONGXIN_S3_SECRET_ACCESS_KEY": "secret",
            },
            [],
        ),
    ],
)
def test_misconfigured_object_storage_is_named(environ, expected):
    problems = check_object_storage(environ=environ)

    assert [p.id for p in problems] == expected
    for problem in problems:
        assert "TONGXIN_S3_" in problem.msg or "http" in problem.msg  # names what to fix


# The backup reads the database from another connection: committed rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_says_the_files_are_in_the_bucket_and_not_in_it(
    bucket, make_person, regions, tmp_path, settings
):
    import tarfile

    from django.core.management import call_command

    make_person("张三", region=regions["xingning"], photo=SimpleUploadedFile("z.jpg", jpeg()))
    stray = settings.MEDIA_ROOT / "photos" / "old.jpg"  # left on disk from before the bucket
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"old")
    out = io.StringIO()

    call_command("backup", output=str(tmp_path / "backups"), stdout=out)

    assert f"对象存储 s3://{bucket.name}/{PREFIX} 中，不在本归档内" in out.getvalue()
    (archive,) = (tmp_path / "backups").glob("tongxin-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert not [n for n in tar.getnames() if n.startswith("media/")]
