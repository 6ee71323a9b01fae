"""The Jinja environment: autoescaped templates, with only renderer output marked safe."""

from fastapi.templating import Jinja2Templates

from app.settings import PROJECT_ROOT


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
    env = templates.env
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals["difficulty_label"] = {"easy": "Easy", "medium": "Medium", "hard": "Hard"}
    return templates
