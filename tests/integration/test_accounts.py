"""Accounts: progress survives sign-up and log-in, sessions end on a password change, logins are
rate-limited and give nothing away, and cross-site form posts are refused."""

import asyncio
import html
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts import service
from app.deps import get_limits
from app.settings import Settings
from app.web.cookie import LEARNER_COOKIE
from app.web.ratelimit import Limits

SLUG = "fixture-lesson"
PASSWORD = "correct horse battery"


def answer(client: TestClient, question_id: str, choice: str = "A") -> None:
    response = client.post(f"/api/lessons/{SLUG}/practice/{question_id}/answer", json={"choice": choice})
    assert response.status_code == 200, response.text


def answered(client: TestClient) -> int:
    practice: int = client.get("/api/progress").json()["lessons"][0]["practice"]["answered"]
    return practice


def sign_up(client: TestClient, email: str = "ada@example.org", password: str = PASSWORD):
    return client.post("/signup", data={"email": email, "password": password}, follow_redirects=False)


def log_in(client: TestClient, email: str = "ada@example.org", password: str = PASSWORD, **headers: str):
    return client.post("/login", data={"email": email, "password": password}, headers=headers,
                       follow_redirects=False)


def signed_in_as(client: TestClient) -> str | None:
    page = client.get("/").text
    marker = 'class="nav-account">'
    return page.split(marker, 1)[1].split("<", 1)[0] if marker in page else None


def test_signing_up_keeps_what_was_answered_anonymously(client: TestClient):
    answer(client, "p-one")
    answer(client, "p-two")
    response = sign_up(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert signed_in_as(client) == "ada@example.org"
    assert answered(client) == 2


def test_logging_in_adds_this_browsers_anonymous_progress_to_the_account(
    client: TestClient, other_client: TestClient
):
    sign_up(other_client)
    answer(other_client, "p-one")
    other_client.post(f"/api/lessons/{SLUG}/reset")  # the account has its own lesson state row
    answer(other_client, "p-one")
    answer(client, "p-two")  # anonymous, on another browser
    client.post(f"/api/lessons/{SLUG}/reset")  # a clashing lesson state row, which must not break the merge
    answer(client, "p-three")
    assert log_in(client).status_code == 303
    assert signed_in_as(client) == "ada@example.org"
    # The account's own reset wins over this browser's: p-one (the account's, after its reset) and p-two and
    # p-three (this browser's, both after the account's reset) count.
    assert answered(client) == 3
    assert answered(other_client) == 3  # the same account everywhere


def test_logging_out_leaves_a_fresh_anonymous_browser(client: TestClient):
    sign_up(client)
    answer(client, "p-one")
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert signed_in_as(client) is None
    assert answered(client) == 0
    log_in(client)
    assert answered(client) == 1


def copy_of(client: TestClient, app: FastAPI) -> TestClient:
    """Another browser holding a copy of this browser's cookie (a stolen or leftover cookie)."""
    copy = TestClient(app)
    copy.cookies.set(LEARNER_COOKIE, client.cookies[LEARNER_COOKIE])
    return copy


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(app: FastAPI, client: TestClient):
    sign_up(client)
    copied = copy_of(client, app)
    assert copied.get("/account", follow_redirects=False).status_code == 200
    client.post("/logout")
    assert copied.get("/account", follow_redirects=False).status_code == 303
    assert signed_in_as(copied) is None


def test_a_password_change_ends_copies_of_other_sessions_but_keeps_this_one(app: FastAPI, client: TestClient,
                                                                           other_client: TestClient):
    sign_up(client)
    log_in(other_client)
    copied = copy_of(other_client, app)
    client.post("/account/password", data={"current": PASSWORD, "new": "a brand new secret"})
    assert signed_in_as(copied) is None
    assert signed_in_as(copy_of(client, app)) == "ada@example.org"


def test_the_anonymous_cookie_from_before_sign_up_never_reaches_the_account(app: FastAPI, client: TestClient):
    answer(client, "p-one")
    anonymous = copy_of(client, app)  # the cookie as it was before signing up
    sign_up(client)
    assert answered(client) == 1
    assert answered(anonymous) == 0
    answer(anonymous, "p-two")
    client.post("/logout")
    log_in(client)
    assert answered(client) == 1  # nothing the old cookie did reached the account


def test_a_pre_session_anonymous_cookie_that_names_an_account_is_not_trusted(app: FastAPI, client: TestClient,
                                                                              settings: Settings):
    from itsdangerous import URLSafeSerializer

    sign_up(client)
    answer(client, "p-one")
    with app.state.session_factory() as db:
        account_id = service.account_by_email(db, "ada@example.org").id
    old_format = URLSafeSerializer(settings.secret_key, salt="learner").dumps(str(account_id))
    legacy = TestClient(app)
    legacy.cookies.set(LEARNER_COOKIE, old_format)
    assert answered(legacy) == 0
    assert signed_in_as(legacy) is None


def test_a_pre_session_anonymous_cookie_keeps_its_progress(app: FastAPI, settings: Settings):
    from itsdangerous import URLSafeSerializer

    learner = uuid.uuid4()
    legacy = TestClient(app)
    legacy.cookies.set(LEARNER_COOKIE, URLSafeSerializer(settings.secret_key, salt="learner").dumps(str(learner)))
    answer(legacy, "p-one")
    assert answered(legacy) == 1
    assert "set-cookie" not in legacy.get("/api/progress").headers  # re-issued once, in the new format


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(client: TestClient, other_client: TestClient):
    sign_up(other_client)
    wrong_password = log_in(client, password="not the password")
    unknown_email = log_in(client, email="nobody@example.org")
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = "That email and password do not match an account."
    assert message in html.unescape(wrong_password.text) and message in html.unescape(unknown_email.text)
    assert signed_in_as(client) is None


def test_an_unknown_email_costs_a_password_check_like_a_wrong_password(monkeypatch: pytest.MonkeyPatch,
                                                                        client: TestClient):
    calls: list[str] = []
    real_verify = service._hasher.verify_and_update
    monkeypatch.setattr(service._hasher, "verify_and_update", lambda pw, h: calls.append(h) or real_verify(pw, h))
    log_in(client, email="nobody@example.org")
    assert calls == [service._DUMMY_HASH]


def with_limits(app: FastAPI, settings: Settings) -> None:
    """The app's routes count rate limits by `settings` from now on."""
    limits = Limits.from_settings(settings)

    async def changed() -> Limits:
        return limits

    app.dependency_overrides[get_limits] = changed


def test_wrong_passwords_from_one_address_are_rate_limited_for_that_account(app: FastAPI):
    sign_up(TestClient(app))
    browser = TestClient(app, client=("10.0.0.1", 5000))
    attempts = [log_in(browser, password="wrong") for _ in range(11)]
    assert [r.status_code for r in attempts] == [401] * 10 + [429]
    assert "Too many failed logins for this account from this address" in attempts[-1].text
    assert int(attempts[-1].headers["retry-after"]) > 0


def test_nobody_can_lock_the_owner_out_by_guessing_from_elsewhere(app: FastAPI):
    sign_up(TestClient(app))
    for n in range(3):
        attacker = TestClient(app, client=(f"10.0.0.{n}", 5000))
        assert [log_in(attacker, password="wrong").status_code for _ in range(11)][-1] == 429
    owner = TestClient(app, client=("10.0.1.1", 5000))
    assert log_in(owner).status_code == 303
    assert signed_in_as(owner) == "ada@example.org"


def test_many_failures_from_many_addresses_slow_the_account_down_but_never_refuse_it(
        app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch):
    settings.login_account_rate = "5/hour"
    settings.login_slowdown_s = 0.01
    with_limits(app, settings)
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("app.accounts.pages.asyncio.sleep", sleep)
    sign_up(TestClient(app))
    for n in range(6):
        assert log_in(TestClient(app, client=(f"10.0.2.{n}", 5000)), password="wrong").status_code == 401
    assert log_in(TestClient(app, client=("10.0.3.1", 5000))).status_code == 303
    assert waits[:5] == [0.0] * 5 and waits[-1] == 0.01


def test_failed_logins_are_rate_limited_per_address(app: FastAPI, settings: Settings):
    settings.login_address_rate = "10/5minutes"
    with_limits(app, settings)
    browser = TestClient(app, client=("10.9.9.9", 5000))
    statuses = [log_in(browser, email=f"user{n}@example.org").status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]
    assert "Too many failed logins from this address" in log_in(browser, email="x@example.org").text


def test_successful_logins_from_one_address_are_not_limited(app: FastAPI):
    """A classroom behind one address logs in at the start of a lesson."""
    for n in range(12):
        sign_up(TestClient(app), email=f"student{n}@example.org")
    classroom = [TestClient(app, client=("10.8.8.8", 5000)) for _ in range(12)]
    assert {log_in(c, email=f"student{n}@example.org").status_code for n, c in enumerate(classroom)} == {303}


def test_changing_the_password_signs_out_every_other_browser(client: TestClient, other_client: TestClient):
    sign_up(client)
    log_in(other_client)
    assert signed_in_as(other_client) == "ada@example.org"
    response = client.post("/account/password", data={"current": PASSWORD, "new": "a brand new secret"})
    assert response.status_code == 200 and "Password changed" in response.text
    assert signed_in_as(client) == "ada@example.org"  # this browser stays signed in
    assert signed_in_as(other_client) is None  # the other one is signed out at once
    assert log_in(other_client).status_code == 401
    assert log_in(other_client, password="a brand new secret").status_code == 303


def test_a_wrong_current_password_changes_nothing(client: TestClient):
    sign_up(client)
    response = client.post("/account/password", data={"current": "wrong", "new": "a brand new secret"})
    assert response.status_code == 422 and "current password is not right" in response.text
    client.post("/logout")
    assert log_in(client).status_code == 303


@pytest.mark.parametrize(("email", "password", "message"), [
    ("not-an-email", PASSWORD, "Enter an email address"),
    ("ada@example.org", "short", "at least 8 characters"),
])
def test_sign_up_explains_what_to_fix(client: TestClient, email: str, password: str, message: str):
    response = sign_up(client, email, password)
    assert response.status_code == 422 and message in response.text
    assert f'value="{email}"' in response.text  # what was typed is kept


def test_an_email_can_have_only_one_account(client: TestClient, other_client: TestClient):
    sign_up(other_client, "Ada@Example.org")
    response = sign_up(client, "ada@example.org ")
    assert response.status_code == 409 and "already exists" in response.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_never_redirects_to_another_site(client: TestClient, other_client: TestClient, target: str):
    sign_up(other_client)
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD, "next": target},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_login_returns_to_the_page_that_asked(client: TestClient, other_client: TestClient):
    sign_up(other_client)
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                           "next": "/lessons/fixture-lesson"}, follow_redirects=False)
    assert response.headers["location"] == "/lessons/fixture-lesson"


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_cross_site_form_posts_are_refused(client: TestClient, other_client: TestClient, headers: dict[str, str]):
    sign_up(other_client)
    response = log_in(client, **headers)
    assert response.status_code == 403
    assert "sent from another website" in response.text
    assert signed_in_as(client) is None
    answer_response = client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", json={"choice": "A"},
                                  headers=headers)
    assert answer_response.status_code == 403 and "another website" in answer_response.json()["detail"]


@pytest.mark.parametrize("headers", [
    {"Origin": "http://testserver"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    {"Sec-Fetch-Site": "none"},
])
def test_same_site_posts_go_through(client: TestClient, other_client: TestClient, headers: dict[str, str]):
    sign_up(other_client)
    assert log_in(client, **headers).status_code == 303


def test_a_signed_in_cookie_for_a_deleted_account_falls_back_to_anonymous(app: FastAPI, client: TestClient):
    sign_up(client)
    with app.state.session_factory() as db:
        account = service.account_by_email(db, "ada@example.org")
        db.delete(account)
        db.commit()
    assert signed_in_as(client) is None
    answer(client, "p-one")
    assert answered(client) == 1


def test_secure_cookies_when_served_over_https(settings: Settings):
    from app.main import create_app

    app = create_app(settings.model_copy(update={"secure_cookies": True}))
    response = TestClient(app).get("/")
    assert "Secure" in response.headers["set-cookie"]
    app.state.engine.dispose()


def test_the_account_page_needs_a_login(client: TestClient):
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Faccount"


def test_admins_can_change_roles_but_not_remove_the_last_admin(app: FastAPI):
    with app.state.session_factory() as db:
        admin, _ = service.create_or_promote_admin(db=db, email="root@example.org", password=PASSWORD)
        learner, _ = service.sign_up(db=db, anonymous_id=uuid.uuid4(), email="bob@example.org", password=PASSWORD)
        service.set_role(db=db, learner_id=learner.id, role="author")
        assert learner.role == "author"
        with pytest.raises(service.InvalidInput, match="only admin"):
            service.set_role(db=db, learner_id=admin.id, role="learner")
        with pytest.raises(service.InvalidInput, match="A role is one of"):
            service.set_role(db=db, learner_id=learner.id, role="owner")
        db.commit()


def test_a_question_answered_before_and_after_logging_in_has_one_first_try(app: FastAPI, client: TestClient,
                                                                           other_client: TestClient):
    from sqlalchemy import select

    from app.learning.models import PracticeAnswer

    sign_up(other_client)
    answer(other_client, "p-one", "A")
    answer(client, "p-one", "B")  # the same question, anonymously, on another browser
    log_in(client)
    with app.state.session_factory() as db:
        firsts = db.scalars(select(PracticeAnswer.choice).where(PracticeAnswer.first_try.is_(True))).all()
    assert firsts == ["A"]
