"""Who is calling: the API client behind a bearer token, and how often it may call."""

import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from .models import TOKEN_PREFIX, ApiClient, token_digest

# last_used_at is written at most this often per client, not on every call.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class ClientToken(HttpBearer):
    """`Authorization: Bearer txapi_…`: a client that is neither revoked nor expired."""

    openapi_description = "接口客户端的令牌：系统管理 → 接口客户端 中创建，只显示一次"

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        client = (
            ApiClient.objects.select_related("region")
            .filter(token_digest=token_digest(token))
            .first()
        )
        if client is None or not client.is_usable:
            return None
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        request.api_client = client
        return client


def rate() -> str:
    """Calls per client, e.g. "600/min" (settings.TONGXIN_API_RATE)."""
    return getattr(settings, "TONGXIN_API_RATE", "600/min")


class ClientRateThrottle(SimpleRateThrottle):
    """Counted per client (not per address: several clients may share a gateway)."""

    scope = "api_client"

    def __init__(self):
        super().__init__(rate())

    def allow_request(self, request: HttpRequest) -> bool:
        # Read the setting on every call, so a deployment (or a test) can change it.
        self.rate = rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        client = getattr(request, "api_client", None)
        if client is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
