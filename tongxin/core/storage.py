"""The shared file storage (settings.STORAGES["default"]): a directory, or an
S3-compatible bucket (TONGXIN_S3_BUCKET, docs/deployment.md §10).

Everything reads and writes files through `default_storage` or a FileField,
never by a path on this machine; the few readers that need a real file (a
spreadsheet reader, a zip reader) ask `local_copy` for one.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage


def uses_object_storage(storage=None) -> bool:
    """Whether files live in a bucket rather than in a directory of this machine."""
    storage = storage or default_storage
    try:
        storage.path("probe")
    except NotImplementedError:
        return True
    return False


@contextmanager
def local_copy(name: str, storage=None) -> Iterator[Path]:
    """A path on this machine holding the stored file `name`, for as long as
    the `with` block runs: the file itself in a directory storage, else a
    temporary copy (deleted afterwards) with the same suffix."""
    storage = storage or default_storage
    if not uses_object_storage(storage):
        yield Path(storage.path(name))
        return
    with tempfile.NamedTemporaryFile(suffix=PurePosixPath(name).suffix) as copy:
        with storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy, 1 << 20)
        copy.flush()
        yield Path(copy.name)


def object_storage_problem(storage=None) -> str | None:
    """Why the bucket cannot be used, in Chinese, or None (also when files
    live in a directory). Reads the bucket's head: nothing is written."""
    storage = storage or default_storage
    if not uses_object_storage(storage):
        return None
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = getattr(storage, "bucket_name", "")
    where = getattr(storage, "endpoint_url", None) or "AWS S3"
    try:
        storage.connection.meta.client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchBucket"}:
            reason = "存储桶不存在"
        elif code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            reason = "无权访问（请检查 TONGXIN_S3_ACCESS_KEY_ID / TONGXIN_S3_SECRET_ACCESS_KEY）"
        else:
            reason = f"对象存储答复错误 {code}"
        return f"无法使用对象存储 {where} 中的存储桶“{bucket}”：{reason}。"
    except BotoCoreError as error:
        return f"无法连接对象存储 {where}（存储桶“{bucket}”）：{error}。"
    return None
