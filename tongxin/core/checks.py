"""`manage.py check` on a deployment of several servers (docs/deployment.md §10).

A deployment is taken to run on several machines as soon as one of the shared
services is configured (TONGXIN_CACHE_URL, TONGXIN_REPLICA_URL or
TONGXIN_MEDIA_DIR): then nothing may be created per machine in its own data
directory, or each server would hold a different key or a different copy.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning


def _inside(path, directory) -> bool:
    return Path(path).resolve().is_relative_to(Path(directory).resolve())


def several_servers(environ=os.environ) -> bool:
    return any(
        environ.get(name)
        for name in ("TONGXIN_CACHE_URL", "TONGXIN_REPLICA_URL", "TONGXIN_MEDIA_DIR")
    )


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
    if _inside(settings.MEDIA_ROOT, settings.DATA_DIR):
        problems.append(
            Warning(
                "上传文件仍在本机数据目录中：多台服务器请把 TONGXIN_MEDIA_DIR "
                "设为各台共同挂载的目录，否则一台收到的照片、导入文件和报表另一台找不到。",
                id="tongxin.W204",
            )
        )
    return problems
