"""create_app(settings) -> FastAPI: state, middleware, routers, static files."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.accounts.api import router as accounts_api
from app.accounts.pages import router as accounts_pages
from app.admin.pages import router as admin_pages
from app.content.store import ContentStore
from app.db import make_engine, make_session_factory
from app.health import router as health_router
from app.learning.api import router as learning_api
from app.learning.pages import router as learning_pages
from app.runner.client import make_runner
from app.runs.api import router as runs_api
from app.runs.pages import router as runs_pages
from app.runs.recorder import RunRecorder
from app.settings import PROJECT_ROOT, Settings
from app.web.cookie import IdentityCookie, LearnerCookieMiddleware
from app.web.csrf import CrossSiteRequestMiddleware
from app.web.docs import router as docs_router
from app.web.errors import install_error_handlers
from app.web.headers import SecurityHeadersMiddleware
from app.web.limits import BodySizeLimitMiddleware
from app.web.openapi import install_openapi
from app.web.ratelimit import Limits
from app.web.templating import make_templates

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Serve at once; the runner warms up meanwhile. If it cannot start, pages and quizzes keep working."""
    runner = app.state.runner
    if runner is not None and app.state.settings.runner_start:
        runner.start_in_background()
    app.state.run_recorder.start()
    stop_watching = asyncio.Event()
    watcher = None
    if app.state.settings.authoring:
        from app.content.watch import watch_content

        watcher = asyncio.create_task(watch_content(app.state.content, stop_watching))
        logger.info("authoring mode: watching %s; drafts and lesson problems are shown", app.state.content.content_dir)
    yield
    stop_watching.set()
    if watcher is not None:
        await watcher
    if runner is not None:
        await runner.close()
    await app.state.run_recorder.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app; the database must already be migrated (`tfpatterns serve` does it)."""
    settings = settings or Settings()
    app = FastAPI(title="TF Patterns", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.templates = make_templates()
    app.state.content = ContentStore(settings.content_dir)
    app.state.content.reload()
    app.state.runner = make_runner(settings)
    app.state.run_recorder = RunRecorder(app.state.session_factory)
    app.state.limits = Limits.from_settings(settings)

    install_error_handlers(app)
    install_openapi(app)
    app.include_router(health_router)
    app.include_router(learning_api)
    app.include_router(learning_pages)
    app.include_router(runs_api)
    app.include_router(runs_pages)
    app.include_router(accounts_api)
    app.include_router(accounts_pages)
    app.include_router(admin_pages)
    app.include_router(docs_router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    app.state.identity_cookie = IdentityCookie(settings.resolved_secret_key(), secure=settings.secure_cookies)
    app.add_middleware(LearnerCookieMiddleware, cookie=app.state.identity_cookie)
    app.add_middleware(CrossSiteRequestMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
