"""Every response carries the security headers, and the templates give the CSP nothing to refuse."""

import re

import pytest
from fastapi.testclient import TestClient

from app.settings import PROJECT_ROOT

SLUG = "fixture-lesson"
FIXED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
POLICY = re.compile(
    r"default-src 'self'; script-src 'self'; style-src 'self' 'nonce-([\w-]{22})'; "
    r"style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
    r"base-uri 'self'; form-action 'self'"
)


@pytest.mark.parametrize("path", [
    "/",  # a page
    f"/lessons/{SLUG}",  # the page with the editor
    "/api/lessons",  # the JSON API
    "/no/such/page",  # an error page
    "/api/lessons/no-such-lesson",  # a JSON error
    "/static/css/app.css",  # a static file
    "/api/docs",
])
def test_every_kind_of_response_carries_the_security_headers(client: TestClient, path: str):
    response = client.get(path)
    assert POLICY.fullmatch(response.headers["content-security-policy"])
    for name, value in FIXED.items():
        assert response.headers[name] == value


def test_a_refused_cross_site_post_carries_the_security_headers(client: TestClient):
    response = client.post(f"/lessons/{SLUG}/reset", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert POLICY.fullmatch(response.headers["content-security-policy"])
    assert response.headers["x-frame-options"] == "DENY"


def test_the_editor_script_carries_this_responses_style_nonce(client: TestClient):
    response = client.get(f"/lessons/{SLUG}")
    nonce = POLICY.fullmatch(response.headers["content-security-policy"]).group(1)
    assert re.search(rf'<script src="/static/vendor/codemirror/tfp-editor\.min\.js\?v=\w+" nonce="{nonce}" defer>',
                     response.text)


def test_each_response_gets_a_fresh_nonce(client: TestClient):
    policies = {client.get("/").headers["content-security-policy"] for _ in range(3)}
    assert len(policies) == 3


@pytest.mark.parametrize("template", sorted(p.relative_to(PROJECT_ROOT).as_posix()
                                            for p in (PROJECT_ROOT / "templates").rglob("*.html")))
def test_no_template_has_inline_script_style_or_event_handler(template: str):
    html = (PROJECT_ROOT / template).read_text()
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert re.findall(r"<style\b", html) == []
    assert re.findall(r"\sstyle=", html) == []
    assert re.findall(r"\son[a-z]+=", html) == []
