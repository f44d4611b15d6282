from django.urls import reverse

from .hooks import collect
from .manual import page_for_path


def navigation(request):
    """The sidebar entries the current user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = [{"label": "首页", "url": reverse("home")}]
    if user.is_superuser or user.role != user.Role.EVALUATOR:  # reads persons
        items.append({"label": "代表人士", "url": reverse("people:list")})
    items += collect("nav_items", user)
    if user.is_system_admin:
        items += [
            {"heading": "系统管理"},
            {"label": "区域", "url": reverse("regions:list")},
            {"label": "用户", "url": reverse("accounts:user_list")},
            {"label": "登录锁定", "url": reverse("accounts:login_locks")},
            {"label": "数据字典", "url": reverse("dictionaries:index")},
            {"label": "审计日志", "url": reverse("audit:list")},
            {"label": "个人信息告知", "url": reverse("privacy:notice_edit")},
            {"label": "系统参数", "url": reverse("options")},
        ]
    for item in items:
        url = item.get("url")
        if url:
            item["active"] = path == url if url == "/" else path.startswith(url)
    # The most specific entry wins: /users/login-locks/ is not also 用户.
    active = [item for item in items if item.get("active")]
    for item in active:
        if any(o is not item and o["url"].startswith(item["url"]) for o in active):
            item["active"] = False
    section = page_for_path(path)
    manual_url = (
        reverse("manual", args=[section]) if section != "index" else reverse("manual_index")
    )
    return {"nav_items": items, "manual_url": manual_url}
