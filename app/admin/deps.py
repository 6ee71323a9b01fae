"""What every dashboard page needs from the app, as one dependency (app/deps.py cannot name admin's parts)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from app.admin.figures import Figures, figures_of
from app.deps import Content, Templates


@dataclass(frozen=True)
class Dashboard:
    figures: Figures  # the slow aggregates, kept while the data under them is unchanged
    content_version: int
    templates: Jinja2Templates


async def get_dashboard(request: Request, content: Content, templates: Templates) -> Dashboard:
    return Dashboard(figures=figures_of(request.app.state), content_version=content.version, templates=templates)


CurrentDashboard = Annotated[Dashboard, Depends(get_dashboard)]
