"""`manage.py check` on a deployment of several servers (docs/deployment.md §10).

A deployment is taken to run on several machines as soon as one of the shared
services is configured (TONGXIN_CACHE_URL, TONGXIN_REPLICA_URL,
TONGXIN_MEDIA_DIR or TONGXIN_S3_BUCKET): then nothing may be created per
machine in its own data directory, or each server would hold a different key
or a different copy.

The object storage's variables (TONGXIN_S3_*) are checked on every command;
whether the bucket answers is checked by `tongxin check --deploy` and when
`tongxin serve` starts (core/storage.py).
"""

import os
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Warning

from .storage import object_storage_problem, uses_object_storage

SHARED_SERVICES = (
    "TONGXIN_CACHE_URL",
    "TONGXIN_REPLICA_URL",
    "TONGXIN_MEDIA_DIR",
    "TONGXIN_S3_BUCKET",
)
S3_VARIABLES = (
    "TONGXIN_S3_ENDPOINT_URL",
    "TONGXIN_S3_REGION",
    "TONGXIN_S3_ACCESS_KEY_ID",
    "TONGXIN_S3_SECRET_ACCESS_KEY",
    "TONGXIN_S3_PREFIX",
    "TONGXIN_S3_ADDRESSING_STYLE",
    "TONGXIN_S3_CA_BUNDLE",
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _inside(path, directory) -> bool:
    return Path(path).resolve().is_relative_to(Path(directory).resolve())


def several_servers(environ=os.environ) -> bool:
    return any(environ.get(name) for name in SHARED_SERVICES)


def check_scale_out(app_configs=None, environ=os.environ, **kwargs):
    if not several_servers(environ):
        return []
    problems = []
    if not (environ.get("TONGXIN_PII_KEY") or environ.get("TONGXIN_PII_KEY_FILE")):
        problems.append(
            Error(
                "多台服务器须共用同一个身份号码加密密钥：请设置 TONGXIN_PII_KEY，"
                "或把 TONGXIN_PII_KEY_FILE 指向各台服务器都能读到的同一个密钥文件；"
                "否则每台服务器各自生成密钥，彼此读不出对方写入的号码。",
                id="tongxin.E201",
            )
        )
    if not environ.get("TONGXIN_SECRET_KEY") and not settings.DEBUG:
        problems.append(
            Error(
                "多台服务器须设置同一个 TONGXIN_SECRET_KEY；否则每台各自生成，"
                "在一台登录后换到另一台即被退出。",
                id="tongxin.E202",
            )
        )
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("FileBasedCache", "LocMemCache")) and _inside(
        settings.CACHES["default"].get("LOCATION", settings.DATA_DIR), settings.DATA_DIR
    ):
        problems.append(
            Warning(
                "缓存仍在本机数据目录中：多台服务器请设置 TONGXIN_CACHE_URL"
                "（如 redis://缓存服务器:6379/0），否则各台显示的统计数字可能不一致。",
                id="tongxin.W203",
            )
        )
    if not uses_object_storage() and _inside(settings.MEDIA_ROOT, settings.DATA_DIR):
        problems.append(
            Warning(
                "上传文件仍在本机数据目录中：多台服务器请把 TONGXIN_MEDIA_DIR "
                "设为各台共同挂载的目录（或用 TONGXIN_S3_BUCKET 存入对象存储），"
                "否则一台收到的照片、导入文件和报表另一台找不到。",
                id="tongxin.W204",
            )
        )
    return problems


def check_object_storage(app_configs=None, environ=os.environ, **kwargs):
    """The TONGXIN_S3_* variables make sense together (no connection is made)."""
    bucket = environ.get("TONGXIN_S3_BUCKET", "").strip()
    given = [name for name in S3_VARIABLES if environ.get(name)]
    if not bucket:
        if not given:
            return []
        return [
            Error(
                f"设置了 {'、'.join(given)}，却没有设置 TONGXIN_S3_BUCKET："
                "上传文件仍会存在本机。要用对象存储请设置存储桶名称，否则删去这些变量。",
                id="tongxin.E205",
            )
        ]
    problems = []
    if environ.get("TONGXIN_MEDIA_DIR"):
        problems.append(
            Error(
                "TONGXIN_S3_BUCKET 与 TONGXIN_MEDIA_DIR 只能设置一个：上传文件存入对象存储时"
                "不用共享目录。已有的文件请先复制到存储桶（docs/deployment.md §10），再删去 "
                "TONGXIN_MEDIA_DIR。",
                id="tongxin.E206",
            )
        )
    has_id = bool(environ.get("TONGXIN_S3_ACCESS_KEY_ID"))
    has_secret = bool(environ.get("TONGXIN_S3_SECRET_ACCESS_KEY"))
    if has_id != has_secret:
        missing = "TONGXIN_S3_SECRET_ACCESS_KEY" if has_id else "TONGXIN_S3_ACCESS_KEY_ID"
        problems.append(
            Error(
                f"对象存储的访问密钥不完整：缺少 {missing}（两者须同时设置，"
                "或都不设置而用本机的云角色）。",
                id="tongxin.E207",
            )
        )
    endpoint = environ.get("TONGXIN_S3_ENDPOINT_URL", "")
    if endpoint:
        parsed = urlparse(endpoint)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            problems.append(
                Error(
                    f"TONGXIN_S3_ENDPOINT_URL 应为 https://主机[:端口] 这样的地址，现为“{endpoint}”。",
                    id="tongxin.E208",
                )
            )
        elif parsed.scheme == "http" and parsed.hostname not in LOOPBACK:
            problems.append(
                Warning(
                    f"对象存储地址 {endpoint} 未加密（http）：照片和附件会以明文经过网络，"
                    "请改用 https。",
                    id="tongxin.W209",
                )
            )
    style = environ.get("TONGXIN_S3_ADDRESSING_STYLE", "")
    if style and style not in {"path", "virtual", "auto"}:
        problems.append(
            Error(
                f"TONGXIN_S3_ADDRESSING_STYLE 只能是 path、virtual 或 auto，现为“{style}”。",
                id="tongxin.E210",
            )
        )
    return problems


def check_object_storage_reachable(app_configs=None, **kwargs):
    """`check --deploy`: the bucket answers with the configured keys."""
    problem = object_storage_problem()
    return [Error(problem, id="tongxin.E211")] if problem else []
