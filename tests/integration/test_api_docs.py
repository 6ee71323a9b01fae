"""docs/api.md, the API reference in the repository, says what the server's OpenAPI schema says."""

from app.apidoc import current_schema, render
from app.settings import PROJECT_ROOT


def test_the_api_reference_matches_the_servers_schema():
    written = (PROJECT_ROOT / "docs" / "api.md").read_text()
    assert written == render(current_schema()), (
        "docs/api.md is out of date: run `.venv/bin/python -m app.apidoc > docs/api.md`")


def test_the_api_reference_names_every_operation_of_the_spec():
    written = (PROJECT_ROOT / "docs" / "api.md").read_text()
    for operation in ("GET /healthz", "GET /api/lessons", "GET /api/lessons/{slug}",
                      "POST /api/lessons/{slug}/practice/{question_id}/answer", "GET /api/lessons/{slug}/test",
                      "POST /api/lessons/{slug}/test", "GET /api/progress", "POST /api/run", "POST /api/run/compare",
                      "POST /api/auth/signup", "POST /api/auth/login", "POST /api/auth/logout",
                      "GET /api/admin/overview"):
        assert f"### `{operation}`" in written
