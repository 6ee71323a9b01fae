"""Sign up, log in, log out and change password: plain HTML forms that work without JavaScript."""

import asyncio
import uuid
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.accounts import service
from app.deps import (
    AppSettings,
    ClientAddress,
    CurrentAccount,
    CurrentIdentity,
    DbSession,
    LearnerId,
    RateLimits,
    SignedIn,
    Templates,
)
from app.errors import Conflict, InvalidInput, RateLimited
from app.identity import Learner
from app.web.cookie import Identity

router = APIRouter(include_in_schema=False)

Email = Annotated[str, Form(max_length=320)]
Password = Annotated[str, Form(max_length=service.MAX_PASSWORD_CHARS)]
Next = Annotated[str, Form(max_length=2000)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def signed_in(request: Request, account: Learner, token: str, target: str) -> Response:
    request.state.set_identity = Identity(account.id, token)
    return RedirectResponse(safe_next(target), status_code=303)


# The GET pages take CurrentAccount so that the header knows who is signed in.
@router.get("/signup")
def signup_page(request: Request, templates: Templates, account: CurrentAccount, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "accounts/signup.html", {"next": safe_next(next), "email": ""})


@router.post("/signup")
def signup(request: Request, templates: Templates, db: DbSession, learner_id: LearnerId, email: Email,
           password: Password, next: Next = "/") -> Response:
    try:
        account, token = service.sign_up(db=db, anonymous_id=learner_id, email=email, password=password)
    except (InvalidInput, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 422
        return templates.TemplateResponse(request, "accounts/signup.html",
                                          {"error": str(error), "email": email, "next": safe_next(next)},
                                          status_code=status)
    return signed_in(request, account, token, next)


@router.get("/login")
def login_page(request: Request, templates: Templates, account: CurrentAccount, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "accounts/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
async def login(request: Request, templates: Templates, settings: AppSettings, limits: RateLimits, db: DbSession,
                learner_id: LearnerId, address: ClientAddress, email: Email, password: Password,
                next: Next = "/") -> Response:
    try:
        service.check_login_allowed(limits=limits, address=address, email=email)
        await asyncio.sleep(service.login_delay(limits=limits, email=email, slowdown_s=settings.login_slowdown_s))
        account, token = await run_in_threadpool(
            lambda: service.log_in(db=db, limits=limits, address=address, email=email, password=password,
                                   anonymous_id=learner_id))
    except (RateLimited, service.LoginFailed) as error:
        limited = isinstance(error, RateLimited)
        response = templates.TemplateResponse(request, "accounts/login.html",
                                              {"error": str(error), "email": email, "next": safe_next(next)},
                                              status_code=429 if limited else 401)
        if isinstance(error, RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    return signed_in(request, account, token, next)


@router.post("/logout")
def logout(request: Request, db: DbSession, identity: CurrentIdentity) -> Response:
    service.log_out(db=db, session_token=identity.session_token)
    request.state.set_identity = Identity(uuid.uuid4())  # a fresh anonymous learner for this browser
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account_page(request: Request, templates: Templates, account: SignedIn) -> Response:
    return templates.TemplateResponse(request, "accounts/account.html", {"account": account})


@router.post("/account/password")
def change_password(request: Request, templates: Templates, db: DbSession, account: SignedIn,
                    identity: CurrentIdentity, current: Password, new: Password) -> Response:
    learner = db.get(Learner, account.id)
    if learner is None:
        return RedirectResponse("/login", status_code=303)
    try:
        service.change_password(db=db, account=learner, current=current, new=new,
                                session_token=identity.session_token)
    except InvalidInput as error:
        return templates.TemplateResponse(request, "accounts/account.html", {"account": account, "error": str(error)},
                                          status_code=422)
    return templates.TemplateResponse(request, "accounts/account.html", {
        "account": account,
        "notice": "Password changed. Every other browser signed in to this account is now signed out."})
