"""The API: one NinjaAPI with its routers, the one error shape, the client
token, the rate limit, the audit row of every call, and the documentation
page served from the product itself (Swagger UI vendored, no CDN)."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from . import routes_persons, routes_records, routes_reference
from .auth import ClientRateThrottle, ClientToken
from .errors import install_handlers, method_not_allowed
from .services import api_call_record

DESCRIPTION = """\
同心 数据接口：供组织部、人大、政协等系统和上级单位交换数据。

- 认证：请求头 `Authorization: Bearer <令牌>`。令牌由系统管理员在“系统管理 → 接口客户端”创建，只显示一次。
- 区域：每个客户端限定于一个区域节点（含下级区域），与页面上的区域规则相同；范围外的记录一律答 404。
- 证件号码和手机号码默认打码，客户端获准后才给出完整号码。
- 错误：`{"error": {"code", "message", "items": [{"index", "field", "message"}]}}`，说明为中文并指明字段（批量写入时指明第几项）。
- 每次调用都记入审计日志（客户端、路径、涉及的记录）；每个客户端有调用频率限制，超过时答 429。
"""


class VendoredSwagger(DocsBase):
    """Swagger UI from static/vendor/, with our own init script (the CSP allows
    no inline script) and no validator badge (it would call swagger.io)."""

    def render_page(self, request, api, **kwargs):
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,
        }
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings})


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 text rather than \\u escapes: readable in logs and half the size."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="同心 数据接口",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ClientToken(),
    throttle=[ClientRateThrottle()],
    docs=VendoredSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The document and its page are for staff who build a connection; they hold no data.
    docs_decorator=login_required,
)
install_handlers(api)
api.add_router("", routes_reference.router)
api.add_router("", routes_persons.router)
api.add_router("/engagement", routes_records.engagement_router)
api.add_router("", routes_records.service_router)


def _audited(view, route: str):
    """Write the call's audit row once the response is known (routes with a client).

    A method the route does not have never reaches the route (nor its token
    check): ninja answers it in plain text, turned into the error shape here.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(request, response)
        client = getattr(request, "api_client", None)
        if client is not None:
            api_call_record(
                client=client,
                request=request,
                route=route,
                status=response.status_code,
                touched=getattr(request, "api_touched", {}),
            )
        return response

    return wrapper


def audited_urls():
    """The API's URL patterns, each writing the audit row of its calls."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name in DOCS_ROUTES:
            continue  # staff pages: LoginRequiredMiddleware sends others to sign in
        view = _audited(pattern.callback, f"{namespace}:{pattern.name}")
        # A call signs in with its token, not a session.
        pattern.callback = login_not_required(view)
    return patterns, app_name, namespace


DOCS_ROUTES = {"openapi-json", "openapi-view"}
