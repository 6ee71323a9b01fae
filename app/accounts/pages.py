"""Sign up, log in, log out and change password: plain HTML forms that work without JavaScript."""

import uuid
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service
from app.accounts.models import Learner
from app.deps import CurrentAccount, DbSession, LearnerId, SignedIn
from app.errors import InvalidInput
from app.web.identity import Identity

router = APIRouter()

Email = Annotated[str, Form(max_length=320)]
Password = Annotated[str, Form(max_length=4096)]
Next = Annotated[str, Form(max_length=2000)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def form_page(request: Request, template: str, status: int = 200, **context: object) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def signed_in(request: Request, account_id: uuid.UUID, version: int, target: str) -> Response:
    request.state.set_identity = Identity(account_id, version)
    return RedirectResponse(safe_next(target), status_code=303)


# The GET pages take CurrentAccount so that the header knows who is signed in.
@router.get("/signup")
def signup_page(request: Request, account: CurrentAccount, next: str = "/") -> Response:
    return form_page(request, "accounts/signup.html", next=safe_next(next), email="")


@router.post("/signup")
def signup(request: Request, db: DbSession, learner_id: LearnerId, email: Email, password: Password,
           next: Next = "/") -> Response:
    try:
        account = service.sign_up(db=db, learner_id=learner_id, email=email, password=password)
    except InvalidInput as error:
        return form_page(request, "accounts/signup.html", 422, error=str(error), email=email,
                         next=safe_next(next))
    return signed_in(request, account.id, account.session_version, next)


@router.get("/login")
def login_page(request: Request, account: CurrentAccount, next: str = "/") -> Response:
    return form_page(request, "accounts/login.html", next=safe_next(next), email="")


@router.post("/login")
def login(request: Request, db: DbSession, learner_id: LearnerId, email: Email, password: Password,
          next: Next = "/") -> Response:
    limiter = request.app.state.login_limiter
    address = request.client.host if request.client else "unknown"
    keys = ((f"address:{address}", "from this address"), (f"email:{email.strip().lower()}", "for this account"))
    for key, who in keys:
        wait = limiter.retry_after(key)
        if wait is not None:
            message = f"Too many login attempts {who}. Wait {wait} seconds, then try again."
            response = form_page(request, "accounts/login.html", 429, error=message, email=email,
                                 next=safe_next(next))
            response.headers["Retry-After"] = str(wait)
            return response
    try:
        account = service.authenticate(db=db, email=email, password=password)
    except service.LoginFailed as error:
        return form_page(request, "accounts/login.html", 401, error=str(error), email=email, next=safe_next(next))
    service.merge_anonymous(db=db, anonymous_id=learner_id, account=account)
    return signed_in(request, account.id, account.session_version, next)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.state.set_identity = Identity(uuid.uuid4())  # a fresh anonymous learner for this browser
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account_page(request: Request, account: SignedIn) -> Response:
    return form_page(request, "accounts/account.html", account=account)


@router.post("/account/password")
def change_password(request: Request, db: DbSession, account: SignedIn, current: Password, new: Password) -> Response:
    learner = db.get(Learner, account.id)
    if learner is None:
        return RedirectResponse("/login", status_code=303)
    try:
        service.change_password(db=db, account=learner, current=current, new=new)
    except InvalidInput as error:
        return form_page(request, "accounts/account.html", 422, account=account, error=str(error))
    request.state.set_identity = Identity(learner.id, learner.session_version)  # this browser stays signed in
    return form_page(request, "accounts/account.html", account=account,
                     notice="Password changed. Every other browser signed in to this account is now signed out.")
