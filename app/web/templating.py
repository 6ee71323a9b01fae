"""The Jinja environment: autoescaped templates, with only renderer output marked safe."""

import hashlib
from functools import cache

from fastapi.templating import Jinja2Templates

from app.settings import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"


@cache
def static_url(path: str) -> str:
    """/static/<path>?v=<content hash>: computed once per file, so browsers may cache it for long."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
    env = templates.env
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals["static_url"] = static_url
    env.globals["difficulty_label"] = {"easy": "Easy", "medium": "Medium", "hard": "Hard"}
    return templates
