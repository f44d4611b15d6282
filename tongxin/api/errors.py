"""The API's one error shape:

    {"error": {"code": "...", "message": "<中文，指明字段>",
               "items": [{"index": n, "field": "...", "message": "..."}]}}

`items` lists what is wrong per field (a query parameter, or an item of a
batch by its index in the request); it is empty for errors about the call
as a whole (400, 401, 403, 404, 405, 429, 500).

Errors raised inside an API route are answered by the handlers installed on
the NinjaAPI (install_handlers). Those that never reach a route — a path
under /api/v1/ that matches none, a method the route does not have, an
exception Django turns into a response itself — are answered by
`api_or_page`: the same shape for API paths, the product's HTML error page
for every other path.
"""

from dataclasses import dataclass, field

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import Throttled as NinjaThrottled

from tongxin.people.models import Person

# Where the API is mounted (tongxin/urls.py).
API_PREFIX = "/api/v1/"

# Labels of request fields that are not person fields (those take the model's verbose_name).
PARAMETER_LABELS = {
    "items": "数据项",
    "all_or_nothing": "全部成功才写入",
    "on_existing": "已登记人员的处理方式",
    "cursor": "分页游标",
    "size": "每页条数",
    "region": "区域",
    "on": "统计日期",
    "body": "请求内容",
}


@dataclass
class ErrorItem:
    field: str
    message: str
    index: int | None = None

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    items: list[ErrorItem] = field(default_factory=list)


def error_body(code: str, message: str, items: list[ErrorItem] = ()) -> dict:
    return {"error": {"code": code, "message": message, "items": [i.as_dict() for i in items]}}


def not_found(what: str = "记录") -> ApiError:
    """A record outside the client's region answers like one that does not exist."""
    return ApiError(404, "not_found", f"{what}不存在")


def _label(name: str) -> str:
    if name in PARAMETER_LABELS:
        return PARAMETER_LABELS[name]
    try:
        return str(Person._meta.get_field(name).verbose_name)
    except LookupError:  # FieldDoesNotExist: any other name is shown as sent
        return name


def _from_pydantic(errors: list[dict]) -> list[ErrorItem]:
    """ninja's validation errors (pydantic's) → items naming the field in Chinese."""
    items = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part not in ("query", "body", "path")]
        index = next((part for part in loc if isinstance(part, int)), None)
        names = [str(part) for part in loc if isinstance(part, str)]
        name = names[-1] if names else "body"
        label = _label(name)
        kind = error.get("type", "")
        if kind == "missing":
            message = f"缺少“{label}”"
        elif kind.startswith("int") or kind.startswith("float"):
            message = f"“{label}”应为数字"
        elif kind.startswith("bool"):
            message = f"“{label}”应为 true 或 false"
        elif kind.startswith("date"):
            message = f"“{label}”应为 2026-12-07 这样的日期"
        elif kind in {"literal_error", "enum"}:
            message = f"“{label}”的取值无效"
        elif kind.startswith("too_long") or kind.startswith("less_than"):
            message = f"“{label}”超出上限"
        elif kind.startswith("too_short") or kind.startswith("greater_than"):
            message = f"“{label}”低于下限"
        else:
            message = f"“{label}”格式不正确"
        items.append(ErrorItem(field=name, message=message, index=index))
    return items


def install_handlers(api) -> None:
    """Every error the API answers, in the one shape."""

    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.items))

    @api.exception_handler(ValidationError)
    def on_validation(request, exc: ValidationError):
        items = _from_pydantic(exc.errors)
        message = "；".join(dict.fromkeys(i.message for i in items)) or "请求内容格式不正确"
        return respond(request, 422, error_body("invalid", message, items))

    @api.exception_handler(AuthenticationError)
    def on_auth(request, exc):
        return respond(
            request,
            401,
            error_body("unauthorized", "缺少有效的接口令牌（请求头 Authorization: Bearer <令牌>）"),
        )

    @api.exception_handler(NinjaThrottled)
    def on_throttled(request, exc: NinjaThrottled):
        response = respond(request, 429, error_body("rate_limited", "调用过于频繁，请稍后再试"))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return respond(request, 404, error_body("not_found", "记录不存在"))

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        return respond(request, exc.status_code, error_body("error", str(exc)))


# --- errors that never reach a route -----------------------------------------------------


def is_api_path(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False}
    )


def method_not_allowed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """ninja's plain-text 405 in the error shape, its Allow header kept."""
    allowed = response.get("Allow", "")
    answer = error_response(
        405,
        "method_not_allowed",
        f"此接口不支持 {request.method} 请求" + (f"（可用：{allowed}）" if allowed else ""),
    )
    if allowed:
        answer["Allow"] = allowed
    return answer


def bad_request(request, exception, template_name="400.html"):
    if is_api_path(request):
        return error_response(400, "bad_request", "请求无法处理：格式不正确或内容过大")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if is_api_path(request):
        return error_response(403, "forbidden", "无权进行此操作")
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name="404.html"):
    if is_api_path(request):
        return error_response(
            404, "not_found", f"接口地址不存在：{request.path}（接口说明见 {API_PREFIX}docs）"
        )
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if is_api_path(request):
        return error_response(500, "server_error", "服务器内部错误，请稍后再试或联系系统管理员")
    return defaults.server_error(request, template_name)
