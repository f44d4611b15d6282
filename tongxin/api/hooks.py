from django.urls import reverse


def nav_items(user) -> list[dict]:
    """System administrators manage the API's clients (the sidebar's 系统管理 is core's)."""
    if not user.is_system_admin:
        return []
    return [
        {"heading": "数据接口"},
        {"label": "接口客户端", "url": reverse("api_clients:list")},
        {"label": "接口文档", "url": reverse("api:openapi-view")},
    ]
