"""The JSON twins of the account forms: /api/auth/signup, /login and /logout, as the spec shapes them."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

SLUG = "fixture-lesson"
PASSWORD = "correct horse battery"


def credentials(email: str = "ada@example.org", password: str = PASSWORD) -> dict[str, str]:
    return {"email": email, "password": password}


def answered(client: TestClient) -> int:
    count: int = client.get("/api/progress").json()["lessons"][0]["practice"]["answered"]
    return count


def test_signing_up_answers_the_account_and_signs_the_browser_in(client: TestClient):
    client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", json={"choice": "A"})
    response = client.post("/api/auth/signup", json=credentials())
    assert response.status_code == 200
    assert response.json() == {"email": "ada@example.org", "role": "learner"}
    assert "tfp_learner=" in response.headers["set-cookie"]
    assert answered(client) == 1  # anonymous progress is kept
    assert "ada@example.org" in client.get("/account").text


def test_a_duplicate_sign_up_is_a_conflict(client: TestClient, other_client: TestClient):
    client.post("/api/auth/signup", json=credentials())
    response = other_client.post("/api/auth/signup", json=credentials("ADA@example.org"))
    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this email already exists. Log in instead."}


@pytest.mark.parametrize(("body", "fragment"), [
    (credentials(password="short"), "at least 8 characters"),
    (credentials(email="not-an-email"), "Enter an email address"),
    ({"email": "ada@example.org"}, "password"),
])
def test_a_weak_or_incomplete_sign_up_says_what_to_fix(client: TestClient, body: dict[str, str], fragment: str):
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_logging_in_folds_this_browsers_anonymous_progress_into_the_account(client: TestClient,
                                                                              other_client: TestClient):
    other_client.post("/api/auth/signup", json=credentials())
    client.post(f"/api/lessons/{SLUG}/practice/p-two/answer", json={"choice": "B"})
    response = client.post("/api/auth/login", json=credentials())
    assert response.status_code == 200 and response.json() == {"email": "ada@example.org", "role": "learner"}
    assert answered(client) == 1
    assert answered(other_client) == 1


def test_a_wrong_password_is_401_with_the_same_sentence_as_an_unknown_email(client: TestClient,
                                                                           other_client: TestClient):
    other_client.post("/api/auth/signup", json=credentials())
    wrong = client.post("/api/auth/login", json=credentials(password="not the password"))
    unknown = client.post("/api/auth/login", json=credentials("nobody@example.org"))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_api_logins_share_the_forms_rate_limit(app: FastAPI):
    TestClient(app).post("/api/auth/signup", json=credentials())
    browser = TestClient(app, client=("10.1.1.1", 5000))
    for _ in range(5):
        browser.post("/login", data=credentials(password="wrong"))
    statuses = [browser.post("/api/auth/login", json=credentials(password="wrong")).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    limited = browser.post("/api/auth/login", json=credentials())
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_logging_out_ends_the_session_on_the_server(app: FastAPI, client: TestClient):
    client.post("/api/auth/signup", json=credentials())
    copy = TestClient(app)
    copy.cookies.set("tfp_learner", client.cookies["tfp_learner"])
    response = client.post("/api/auth/logout")
    assert response.status_code == 200 and response.json() == {"signed_in": False}
    assert copy.get("/account", follow_redirects=False).status_code == 303
    assert answered(client) == 0  # a fresh anonymous learner


def test_cross_site_api_posts_are_refused(client: TestClient):
    response = client.post("/api/auth/signup", json=credentials(), headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "another website" in response.json()["detail"]
