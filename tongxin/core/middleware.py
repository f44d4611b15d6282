"""Response headers that every page of the application gets."""

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response the application itself makes.

    Nearly every page, partial, export and download carries personal data
    (names, masked identifiers, addresses, grades), and the ones that don't
    are not worth the risk of a wrong guess: neither a proxy nor the browser
    of a shared office PC may keep a copy (PIPL; issue 16). A view's own
    stricter header ("private, no-store") is kept.

    Goes right after WhiteNoiseMiddleware: static files, answered there, never
    reach it and keep their long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
