"""POST /api/auth/signup, /api/auth/login and /api/auth/logout: the account forms' JSON twins, for scripts.

They call the same service functions as the forms, so rate limits, the anonymous-progress merge and the
cross-site refusal (a middleware) are the same.
"""

import asyncio
import uuid

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.accounts import service
from app.accounts.schemas import AccountOut, LoggedOut, LoginIn, SignUpIn
from app.deps import AppSettings, ClientAddress, CurrentIdentity, DbSession, LearnerId, RateLimits
from app.errors import NotSignedIn
from app.web.cookie import Identity
from app.web.openapi import errors

router = APIRouter(prefix="/api/auth", tags=["accounts"])


@router.post("/signup", responses=errors(409, 422, 403))
def signup(request: Request, body: SignUpIn, db: DbSession, learner_id: LearnerId) -> AccountOut:
    """Create an account that keeps this browser's anonymous progress, and sign this browser in to it."""
    account, token = service.sign_up(db=db, anonymous_id=learner_id, email=body.email, password=body.password)
    request.state.set_identity = Identity(account.id, token)
    return AccountOut(email=account.email or "", role=account.role)


@router.post("/login", responses=errors(401, 403, 422, 429))
async def login(request: Request, body: LoginIn, settings: AppSettings, limits: RateLimits, db: DbSession,
                learner_id: LearnerId, address: ClientAddress) -> AccountOut:
    """Sign this browser in; what it answered anonymously is added to the account."""
    service.check_login_allowed(limits=limits, address=address, email=body.email)
    await asyncio.sleep(service.login_delay(limits=limits, email=body.email, slowdown_s=settings.login_slowdown_s))
    try:
        account, token = await run_in_threadpool(
            lambda: service.log_in(db=db, limits=limits, address=address, email=body.email, password=body.password,
                                   anonymous_id=learner_id))
    except service.LoginFailed as error:
        raise NotSignedIn(str(error)) from error
    request.state.set_identity = Identity(account.id, token)
    return AccountOut(email=account.email or "", role=account.role)


@router.post("/logout", responses=errors(403))
def logout(request: Request, db: DbSession, identity: CurrentIdentity) -> LoggedOut:
    """End this browser's session on the server; the browser continues as a new anonymous learner."""
    service.log_out(db=db, session_token=identity.session_token)
    request.state.set_identity = Identity(uuid.uuid4())
    return LoggedOut()
