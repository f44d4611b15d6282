"""Security response headers (issue 7): a Content-Security-Policy that lets no
inline script run, X-Frame-Options, Referrer-Policy, nosniff, COOP on every
kind of page, and HSTS + the https redirect only when TONGXIN_HTTPS is set.

Templates are checked too: an onclick= or an inline <script> without the
nonce would be refused by the browser, so none may be written."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "tongxin"


def csp_directives(response) -> dict[str, list[str]]:
    """The policy's directives by name (their order in the header is not fixed)."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response):
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert "'self'" in csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert "script-src-attr" not in csp and "script-src-elem" not in csp
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["font-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # Plain http deployment (TONGXIN_HTTPS unset): no HSTS even on a secure request.
    assert "Strict-Transport-Security" not in response


def test_it_sends_the_headers_on_a_normal_page(client_for, city_user):
    response = client_for(city_user).get(reverse("home"), secure=True)
    assert response.status_code == 200
    assert_security_headers(response)


def test_it_sends_the_headers_on_the_login_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert_security_headers(response)


def test_it_sends_the_headers_on_an_htmx_partial(client_for, xingning_user, make_person):
    make_person("张三")
    response = client_for(xingning_user).get(
        reverse("people:list"), {"q": "张"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "张三" in text and "<html" not in text  # the partial, not the page
    assert_security_headers(response)


def test_the_nonce_in_a_template_is_the_nonce_in_the_header(rf: RequestFactory):
    # A template that needs an inline block writes nonce="{{ request.csp_nonce }}";
    # the middleware puts the same value in script-src.
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')
    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse(template.render({}, r)))
    response = middleware(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in csp_directives(response)["script-src"]


def test_pages_carry_the_htmx_config_without_eval(client_for, city_user):
    text = client_for(city_user).get(reverse("home")).content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", text)
    config = json.loads(meta.group(1))
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is True
    # htmx reads the meta tag when it loads, so the tag must come first.
    assert text.index('name="htmx-config"') < text.index("htmx-2.0.11.min.js")
    assert "tongxin/app.js" in text


# --- templates -----------------------------------------------------------------

HANDLER = re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def templates():
    return sorted(TEMPLATE_ROOT.glob("**/templates/**/*.html"))


def test_the_template_scan_finds_the_templates():
    names = {str(p.relative_to(TEMPLATE_ROOT)) for p in templates()}
    assert "templates/base.html" in names
    assert "service/templates/service/_person_picker.html" in names


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(TEMPLATE_ROOT)))
def test_no_template_has_an_inline_handler_or_an_inline_script_without_nonce(path):
    text = path.read_text()
    handler = HANDLER.search(text)
    assert handler is None, f"inline handler {handler.group(1)}= (use static/tongxin/app.js)"
    assert "javascript:" not in text.lower()
    for tag in SCRIPT_TAG.findall(text):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        assert 'nonce="{{ request.csp_nonce }}"' in tag, f"inline {tag} without the CSP nonce"


# --- HTTPS: the settings as a production server computes them ---------------

HTTPS_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
setup_test_environment()
# The manifest needs collectstatic; the headers do not depend on it.
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    client = Client()
    secure = client.get("/login/", secure=True)
    proxied = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    plain_http = client.get("/login/")
print(json.dumps({
    "secure": [secure.status_code, dict(secure.headers)],
    "proxied": [proxied.status_code, dict(proxied.headers)],
    "http": [plain_http.status_code, dict(plain_http.headers)],
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def production_probe(tmp_path, **env) -> dict:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TONGXIN_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="tongxin.settings",
        TONGXIN_SECRET_KEY=secrets.token_urlsafe(50),
        TONGXIN_DATA_DIR=str(tmp_path / "data"),
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", HTTPS_PROBE],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_https_it_sends_hsts_and_redirects_plain_http(tmp_path):
    probe = production_probe(tmp_path, TONGXIN_HTTPS="1")
    status, headers = probe["secure"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "'unsafe-inline'" not in csp_directives(headers)["script-src"]
    status, headers = probe["http"]
    assert status == 301
    assert headers["Location"] == "https://testserver/login/"
    # Without TONGXIN_BEHIND_PROXY a client's own X-Forwarded-Proto is not believed.
    assert probe["proxied"][0] == 301
    assert probe["cookies_secure"] == [True, True]


def test_behind_a_proxy_it_believes_x_forwarded_proto(tmp_path):
    probe = production_probe(tmp_path, TONGXIN_HTTPS="1", TONGXIN_BEHIND_PROXY="1")
    status, headers = probe["proxied"]
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert probe["http"][0] == 301


def test_when_the_proxy_redirects_itself_the_redirect_can_be_turned_off(tmp_path):
    probe = production_probe(tmp_path, TONGXIN_HTTPS="1", TONGXIN_SSL_REDIRECT="0")
    assert probe["http"][0] == 200
    assert "Strict-Transport-Security" in probe["secure"][1]


def test_without_https_there_is_no_hsts_and_no_redirect(tmp_path):
    probe = production_probe(tmp_path)
    assert probe["http"][0] == 200
    assert "Strict-Transport-Security" not in probe["secure"][1]
    assert probe["cookies_secure"] == [False, False]
