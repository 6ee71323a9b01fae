"""The admin dashboard: who may open it, and figures that match exactly what the test put in the database."""

import csv
import io
import re
import statistics
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts import service
from app.admin.pages import router as admin_router
from app.identity import Learner
from app.learning import models as learning
from app.learning.models import HintReveal, LessonOpen, PracticeAnswer
from app.runs.models import RunRecord
from app.timeutil import utcnow

SLUG = "fixture-lesson"
PASSWORD = "a long enough password"
CORRECT = {"p-one": "A", "p-two": "B", "p-three": "C", "p-four": "D", "p-five": "B"}


def make_account(app: FastAPI, email: str, role: str = "learner") -> uuid.UUID:
    with app.state.session_factory() as db:
        account, _ = service.sign_up(db=db, anonymous_id=uuid.uuid4(), email=email, password=PASSWORD)
        db.commit()
        if role != "learner":
            service.set_role(db=db, learner_id=account.id, role=role)
            db.commit()
        return account.id


def browser(app: FastAPI, email: str | None = None, role: str = "learner") -> TestClient:
    """A new browser; signed in to a new account with `role` when an email is given."""
    client = TestClient(app, raise_server_exceptions=False)
    if email is not None:
        make_account(app, email, role)
        response = client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303, response.text
    return client


@pytest.fixture
def admin(app: FastAPI) -> TestClient:
    return browser(app, "root@example.org", "admin")


def add(app: FastAPI, *rows: object) -> None:
    with app.state.session_factory() as db:
        db.add_all(rows)
        db.commit()


def new_learner(app: FastAPI, *, email: str | None = None, seen: datetime | None = None) -> uuid.UUID:
    learner_id = uuid.uuid4()
    now = utcnow()
    add(app, Learner(id=learner_id, email=email, created_at=seen or now, last_seen_at=seen or now))
    return learner_id


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


def answer(client: TestClient, question_id: str, choice: str) -> None:
    response = client.post(f"/api/lessons/{SLUG}/practice/{question_id}/answer", json={"choice": choice})
    assert response.status_code == 200, response.text


def admin_urls(learner_id: uuid.UUID) -> Iterator[tuple[str, str]]:
    """(method, url) of every dashboard route and admin API, path parameters filled with real values,
    plus the CSV export of every page."""
    values = {"slug": SLUG, "learner_id": str(learner_id)}
    for route in admin_router.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(("/admin", "/api/admin")):
            continue
        url = re.sub(r"{(\w+)}", lambda match: values[match.group(1)], route.path)
        for method in sorted(route.methods):
            yield method, url
            if method == "GET" and url.startswith("/admin"):
                yield method, f"{url}?format=csv"


def request(client: TestClient, method: str, url: str):  # type: ignore[no-untyped-def]
    return client.request(method, url, data={"role": "admin"} if method == "POST" else None, follow_redirects=False)


def test_every_admin_url_sends_an_anonymous_visitor_to_log_in(app: FastAPI):
    learner_id = new_learner(app, email="ada@example.org")
    client = browser(app)
    urls = list(admin_urls(learner_id))
    assert len(urls) >= 16 and ("POST", f"/admin/learners/{learner_id}/role") in urls
    for method, url in urls:
        response = request(client, method, url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["location"].startswith("/login?next=%2Fadmin"), (method, url)
    with app.state.session_factory() as db:
        assert db.get(Learner, learner_id).role == "learner"


def test_every_admin_url_is_forbidden_to_a_signed_in_learner(app: FastAPI):
    other = new_learner(app, email="bob@example.org")
    client = browser(app, "ada@example.org")
    for method, url in admin_urls(other):
        response = request(client, method, url)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "bob@example.org" not in response.text
    with app.state.session_factory() as db:
        assert db.get(Learner, other).role == "learner"


def test_a_learner_cannot_read_another_learners_history_by_changing_the_id(app: FastAPI):
    other = new_learner(app, email="bob@example.org")
    add(app, PracticeAnswer(learner_id=other, lesson_slug=SLUG, question_id="p-one", choice="A", correct=True,
                            first_try=True))
    client = browser(app, "ada@example.org")
    with app.state.session_factory() as db:
        own = db.scalar(select(Learner.id).where(Learner.email == "ada@example.org"))
    for learner_id in (other, own):
        for url in (f"/admin/learners/{learner_id}", f"/admin/learners/{learner_id}?format=csv&table=practice-answers"):
            response = client.get(url)
            assert response.status_code == 403
            assert "bob@example.org" not in response.text and "p-one" not in response.text


def test_an_author_sees_question_statistics_but_no_learner(app: FastAPI):
    bob = new_learner(app, email="bob@example.org")
    add(app, PracticeAnswer(learner_id=bob, lesson_slug=SLUG, question_id="p-one", choice="C", correct=False,
                            first_try=True))
    author = browser(app, "writer@example.org", "author")
    page = author.get("/admin/questions")
    assert page.status_code == 200
    assert "<h1>Questions</h1>" in page.text
    assert 'href="/admin/learners"' not in page.text and 'href="/admin/runs"' not in page.text
    exported = author.get("/admin/questions?format=csv")
    tests_export = author.get("/admin/questions?kind=test&format=csv")
    for response in (page, exported, tests_export):
        assert "bob@example.org" not in response.text and str(bob) not in response.text
    row = next(r for r in csv_rows(exported) if r["Question"] == "p-one")
    assert row["Learners who answered"] == "1" and row["C chosen"] == "1"
    for url in ("/admin", "/admin/lessons", f"/admin/lessons/{SLUG}", "/admin/runs", "/admin/learners",
                f"/admin/learners/{bob}", "/api/admin/overview"):
        assert author.get(url).status_code == 403, url


def test_question_statistics_count_first_tries_options_and_hints(app: FastAPI, admin: TestClient):
    right, retried, wrong = browser(app), browser(app), browser(app)
    answer(right, "p-one", "A")
    answer(retried, "p-one", "C")
    answer(retried, "p-one", "A")  # a retry: not a first try
    answer(wrong, "p-one", "C")
    assert retried.post(f"/api/lessons/{SLUG}/practice/p-one/hint").json() == {"question_id": "p-one",
                                                                               "revealed": True}
    rows = {r["Question"]: r for r in csv_rows(admin.get("/admin/questions?format=csv"))}
    assert rows["p-one"]["Learners who answered"] == "3"
    assert rows["p-one"]["Right on first try"] == "0.3333"
    assert [rows["p-one"][f"{key} chosen"] for key in "ABCD"] == ["1", "0", "2", "0"]
    assert rows["p-one"]["Correct option"] == "A"
    assert rows["p-one"]["Most chosen wrong option"] == "C: 67 %"
    assert rows["p-one"]["Hint opened"] == "0.3333"
    assert rows["p-two"]["Learners who answered"] == "0" and rows["p-two"]["Right on first try"] == ""
    html = admin.get("/admin/questions?sort=question").text
    assert "33.3 %" in html and "A ✓: 33 % (1)" in html and "C: 67 % (2)" in html


def test_the_first_try_stays_the_first_answer_ever_after_a_reset(app: FastAPI, admin: TestClient):
    client = browser(app)
    answer(client, "p-one", "C")
    assert client.post(f"/api/lessons/{SLUG}/reset").status_code == 200
    answer(client, "p-one", "A")
    row = next(r for r in csv_rows(admin.get("/admin/questions?format=csv")) if r["Question"] == "p-one")
    assert row["Learners who answered"] == "1" and row["Right on first try"] == "0.0"


def test_discrimination_is_the_correlation_with_each_learners_other_first_tries(app: FastAPI, admin: TestClient):
    # Five learners' first tries (1 right, 0 wrong) on p-one .. p-four.
    grid = [[1, 1, 1, 0], [1, 1, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]]
    questions = ["p-one", "p-two", "p-three", "p-four"]
    for marks in grid:
        learner_id = new_learner(app)
        add(app, *(PracticeAnswer(learner_id=learner_id, lesson_slug=SLUG, question_id=qid, first_try=True,
                                  correct=bool(mark), choice=CORRECT[qid] if mark else "A" if qid != "p-one" else "B")
                   for qid, mark in zip(questions, marks, strict=True)))
    rows = {r["Question"]: r for r in csv_rows(admin.get("/admin/questions?format=csv"))}
    for index, qid in enumerate(questions):
        x = [marks[index] for marks in grid]
        rest = [(sum(marks) - marks[index]) / (len(marks) - 1) for marks in grid]
        assert float(rows[qid]["Discrimination"]) == pytest.approx(statistics.correlation(x, rest), abs=1e-4)
        assert rows[qid]["Learners in discrimination"] == "5"
    assert rows["p-five"]["Discrimination"] == ""


def test_questions_sort_by_each_column_and_filter_by_lesson(app: FastAPI, admin: TestClient):
    for choices in ({"p-one": "A", "p-two": "A", "p-three": "C"}, {"p-one": "A", "p-two": "B", "p-three": "A"}):
        client = browser(app)
        for qid, choice in choices.items():
            answer(client, qid, choice)

    def order(sort: str) -> list[str]:
        return [r["Question"] for r in csv_rows(admin.get(f"/admin/questions?sort={sort}&lesson={SLUG}&format=csv"))]

    # p-one: 100 % right; p-two and p-three: 50 %; p-four and p-five: unanswered, so last either way.
    assert order("right")[:3] == ["p-two", "p-three", "p-one"]
    assert order("-right")[:3] == ["p-one", "p-two", "p-three"]
    assert order("-right")[3:] == order("right")[3:] == ["p-four", "p-five"]
    for key in ("lesson", "question", "difficulty", "answered", "distractor", "discrimination", "hints"):
        assert sorted(order(key)) == sorted(CORRECT), key
        assert sorted(order(f"-{key}")) == sorted(CORRECT), key
    page = admin.get("/admin/questions?sort=-right").text
    assert 'aria-sort="descending"' in page and 'href="/admin/questions?kind=practice&amp;sort=right"' in page


def test_test_bank_statistics_count_every_test_answer(app: FastAPI, admin: TestClient):
    learner_id = new_learner(app)
    for choices in (["A", "B"], ["A", None]):
        add(app, learning.TestAttempt(learner_id=learner_id, lesson_slug=SLUG, score=1, total=2, answers=[
            learning.TestAnswer(position=0, question_id="t-00", difficulty="easy", choice=choices[0], correct=True),
            learning.TestAnswer(position=1, question_id="t-01", difficulty="easy", choice=choices[1],
                       correct=choices[1] == "B"),
        ]))
    rows = {r["Question"]: r for r in csv_rows(admin.get("/admin/questions?kind=test&format=csv"))}
    assert rows["t-00"]["Answers"] == "2" and rows["t-00"]["Right"] == "1.0" and rows["t-00"]["A chosen"] == "2"
    assert rows["t-01"]["Answers"] == "2" and rows["t-01"]["Right"] == "0.5" and rows["t-01"]["Left blank"] == "1"


def test_the_funnel_counts_learners_at_each_stage_with_the_median_time_to_complete(app: FastAPI, admin: TestClient):
    start = utcnow() - timedelta(days=2)

    def learner(answered: int, scores: list[int], done_after_min: int = 10, test_after_min: int = 20) -> None:
        learner_id = new_learner(app)
        add(app, LessonOpen(learner_id=learner_id, lesson_slug=SLUG, opened_at=start))
        add(app, *(PracticeAnswer(learner_id=learner_id, lesson_slug=SLUG, question_id=qid, choice=CORRECT[qid],
                                  correct=True, first_try=True,
                                  created_at=start + timedelta(minutes=done_after_min * (i + 1) / answered))
                   for i, qid in enumerate(list(CORRECT)[:answered])))
        add(app, *(learning.TestAttempt(learner_id=learner_id, lesson_slug=SLUG, score=score, total=10,
                                        created_at=start + timedelta(minutes=test_after_min + i))
                   for i, score in enumerate(scores)))

    learner(5, [8], done_after_min=10, test_after_min=20)  # completed after 20 min
    learner(5, [9], done_after_min=60, test_after_min=30)  # passed first; completed when practice done: 60 min
    learner(5, [5, 7], done_after_min=5, test_after_min=39)  # 7/10 is exactly the pass mark: 40 min
    learner(3, [5])  # practice started, test failed
    learner(0, [])  # only opened
    rows = csv_rows(admin.get("/admin/lessons?format=csv"))
    assert rows == [{
        "Lesson": SLUG, "Learners": "5", "Opened": "5", "Practice started": "4", "Practice finished": "3",
        "Test taken": "4", "Test passed": "3", "Completed": "3", "Test attempts": "5",
        "Average test score": "0.68", "Median time to complete": "2400.0",
    }]
    page = admin.get(f"/admin/lessons/{SLUG}")
    assert page.status_code == 200
    assert 'data-testid="lesson-median-time">40 min<' in page.text
    assert 'data-testid="lesson-avg-score">68.0 %<' in page.text
    funnel = csv_rows(admin.get(f"/admin/lessons/{SLUG}?format=csv&table=funnel"))
    assert [(r["Stage"], r["Learners"]) for r in funnel] == [
        ("Opened", "5"), ("Practice started", "4"), ("Practice finished", "3"), ("Test taken", "4"),
        ("Test passed", "3")]
    assert "<svg" in page.text and "Practice finished: 3" in page.text
    completion = csv_rows(admin.get("/admin?format=csv&table=completion"))
    assert completion[0]["Completed"] == "3" and completion[0]["Completion rate"] == "0.6"


def test_the_overview_counts_learners_answers_and_runs_per_day(app: FastAPI, admin: TestClient):
    now = utcnow()
    recent = new_learner(app, seen=now - timedelta(days=3))
    month = new_learner(app, seen=now - timedelta(days=20))
    new_learner(app, seen=now - timedelta(days=4))  # saved nothing: not a learner on the overview
    add(app,
        *(PracticeAnswer(learner_id=recent, lesson_slug=SLUG, question_id="p-one", choice="A", correct=True,
                         first_try=i == 0, created_at=now - timedelta(days=2)) for i in range(3)),
        learning.TestAttempt(learner_id=month, lesson_slug=SLUG, score=7, total=10, created_at=now - timedelta(days=2),
                    answers=[learning.TestAnswer(position=i, question_id=f"t-{i:02d}", difficulty="easy", choice="A",
                                        correct=True) for i in range(10)]),
        PracticeAnswer(learner_id=month, lesson_slug=SLUG, question_id="p-one", choice="A", correct=True,
                       first_try=True, created_at=now - timedelta(days=40)),
        *(RunRecord(learner_id=recent, lesson_slug=SLUG, mode="graph", status="ok", duration_ms=5.0,
                    created_at=now - timedelta(days=1)) for _ in range(4)))
    summary = {r["Figure"]: r["Value"] for r in csv_rows(admin.get("/admin?format=csv&table=summary"))}
    assert summary["Learners"] == "2"  # the admin and the third learner saved nothing
    assert summary["Active in the last 7 days"] == "1" and summary["Active in the last 30 days"] == "2"
    assert summary["Answers (practice and test)"] == "14" and summary["Runs"] == "4"
    days = {r["Day (UTC)"]: int(r["Answers"]) for r in csv_rows(admin.get("/admin?format=csv&table=answers-per-day"))}
    assert len(days) == 30 and days[(now - timedelta(days=2)).date().isoformat()] == 13 and sum(days.values()) == 13
    runs = {r["Day (UTC)"]: int(r["Runs"]) for r in csv_rows(admin.get("/admin?format=csv&table=runs-per-day"))}
    assert runs[(now - timedelta(days=1)).date().isoformat()] == 4 and sum(runs.values()) == 4
    page = admin.get("/admin").text
    assert 'data-testid="learners-total">2<' in page and 'data-testid="active-7d">1<' in page
    assert page.count('<svg class="chart-svg"') == 2 and "13 answers in all" in page
    api = admin.get("/api/admin/overview").json()
    assert api == {"learners": 2, "active_7d": 1, "answers": 14, "runs": 4, "lessons": [
        {"slug": SLUG, "learners": 2, "practice_completed": 0, "tests_taken": 1, "avg_test_score": 0.7}]}


def test_the_overview_counts_as_learners_only_those_who_saved_something(app: FastAPI, admin: TestClient):
    opened, answered, tested, ran = (new_learner(app) for _ in range(4))
    drew_a_test, signed_up = new_learner(app), new_learner(app, email="ada@example.org")
    new_learner(app)  # a row and nothing else
    now = utcnow()
    add(app, LessonOpen(learner_id=opened, lesson_slug=SLUG, opened_at=now),
        PracticeAnswer(learner_id=answered, lesson_slug=SLUG, question_id="p-one", choice="A", correct=True,
                       first_try=True),
        learning.TestAttempt(learner_id=tested, lesson_slug=SLUG, score=0, total=0),
        RunRecord(learner_id=ran, lesson_slug=None, mode="eager", status="ok", duration_ms=1.0),
        learning.TestDraw(learner_id=drew_a_test, lesson_slug=SLUG, question_ids=["t-00"]))
    assert signed_up and "A learner is anyone with a browser cookie who has saved something" in admin.get("/admin").text
    summary = {r["Figure"]: r["Value"] for r in csv_rows(admin.get("/admin?format=csv&table=summary"))}
    assert summary["Learners"] == "4" and summary["With an account"] == "0"
    assert summary["Active in the last 7 days"] == "4"
    assert admin.get("/api/admin/overview").json()["learners"] == 4


def test_the_runs_page_counts_modes_statuses_errors_and_latency(app: FastAPI, admin: TestClient):
    learner_id = new_learner(app)
    now = utcnow()
    statuses = ["ok"] * 4 + ["error", "error", "error", "timeout", "timeout", "memory_limit"]
    errors = {4: "TypeError", 5: "TypeError", 6: "ValueError"}
    add(app, *(RunRecord(learner_id=learner_id, lesson_slug=SLUG, mode="eager" if i < 3 else "graph",
                         status=status, error_type=errors.get(i), duration_ms=100.0 * (i + 1),
                         created_at=now - timedelta(hours=i + 1)) for i, status in enumerate(statuses)),
        RunRecord(learner_id=learner_id, lesson_slug=None, mode="graph", status="crashed", duration_ms=99_999.0,
                  created_at=now - timedelta(days=3)))
    by_lesson = {r["Lesson"]: r for r in csv_rows(admin.get("/admin/runs?format=csv&table=runs-by-lesson"))}
    assert {k: by_lesson[SLUG][k] for k in ("Eager", "Graph", "All runs", "OK", "Errors", "Timeouts",
                                           "Memory limit", "Crashed")} == {
        "Eager": "3", "Graph": "7", "All runs": "10", "OK": "4", "Errors": "3", "Timeouts": "2",
        "Memory limit": "1", "Crashed": "0"}
    assert by_lesson[SLUG]["Timeouts and limit hits"] == "0.3"
    assert by_lesson["Outside any lesson"]["Crashed"] == "1"
    errors_rows = csv_rows(admin.get("/admin/runs?format=csv&table=errors"))
    assert [(r["Error type"], r["Runs"]) for r in errors_rows] == [("TypeError", "2"), ("ValueError", "1")]
    # Last 24 hours: 100, 200, ..., 1000 ms; nearest rank p50 = the 5th, p95 = the 10th.
    assert csv_rows(admin.get("/admin/runs?format=csv&table=latency")) == [
        {"Runs": "10", "Median (p50)": "500.0", "95th percentile (p95)": "1000.0"}]
    page = admin.get("/admin/runs").text
    assert 'data-testid="latency-p50">500 ms<' in page and 'data-testid="latency-p95">1,000 ms<' in page
    assert "Workers (pool size)" in page
    week = csv_rows(admin.get("/admin/runs?days=1&format=csv&table=runs-by-lesson"))
    assert [r["All runs"] for r in week if r["Lesson"] == SLUG] == ["10"]


def test_learners_are_searched_by_email_in_any_case_and_paged(app: FastAPI, admin: TestClient):
    for number in range(55):
        new_learner(app, email=f"student{number:02d}@example.org",
                    seen=utcnow() - timedelta(minutes=number))
    found = admin.get("/admin/learners?q=STUDENT0")
    assert found.status_code == 200 and "10 learners with “STUDENT0” in their email" in found.text
    assert "student07@example.org" in found.text and "student17@example.org" not in found.text
    with app.state.session_factory() as db:
        root = db.scalar(select(Learner.id).where(Learner.email == "root@example.org"))
    assert f"/admin/learners/{root}" not in found.text
    assert admin.get("/admin/learners?q=100%25").text.count("/admin/learners/") == 0  # % is not a wildcard
    first = admin.get("/admin/learners?accounts=1")
    assert "Page 1 of 2" in first.text and "student00@example.org" in first.text
    second = admin.get("/admin/learners?accounts=1&page=2")
    assert "student54@example.org" in second.text and "student00@example.org" not in second.text
    exported = csv_rows(admin.get("/admin/learners?accounts=1&format=csv"))
    assert len(exported) == 56 and exported[-1]["Learner"] == "student54@example.org"


def test_the_learner_page_shows_their_whole_history(app: FastAPI, admin: TestClient):
    client = browser(app)
    client.get(f"/lessons/{SLUG}")
    answer(client, "p-one", "C")
    answer(client, "p-one", "A")
    client.post(f"/api/lessons/{SLUG}/practice/p-two/hint")
    with app.state.session_factory() as db:
        learner_id = db.scalar(select(PracticeAnswer.learner_id))
    add(app, learning.TestAttempt(learner_id=learner_id, lesson_slug=SLUG, score=6, total=10),
        RunRecord(learner_id=learner_id, lesson_slug=SLUG, mode="eager", status="error", error_type="NameError",
                  duration_ms=12.0))
    page = admin.get(f"/admin/learners/{learner_id}")
    assert page.status_code == 200 and f"Anonymous learner {str(learner_id)[:8]}" in page.text
    practice = csv_rows(admin.get(f"/admin/learners/{learner_id}?format=csv&table=practice-answers"))
    assert [(r["Choice"], r["Right"], r["First try"]) for r in practice] == [("A", "yes", "no"), ("C", "no", "yes")]
    assert [r["Score"] for r in csv_rows(admin.get(f"/admin/learners/{learner_id}?format=csv&table=test-attempts"))] \
        == ["6"]
    assert csv_rows(admin.get(f"/admin/learners/{learner_id}?format=csv&table=runs"))[0]["Error type"] == "NameError"
    assert csv_rows(admin.get(f"/admin/learners/{learner_id}?format=csv&table=lesson-opens"))[0]["Lesson"] == SLUG
    assert csv_rows(admin.get(f"/admin/learners/{learner_id}?format=csv&table=hints"))[0]["Question"] == "p-two"
    assert "Change role" not in page.text  # an anonymous learner has no account to give a role


def test_an_admin_changes_a_role_from_the_learner_page(app: FastAPI, admin: TestClient):
    bob = make_account(app, "bob@example.org")
    response = admin.post(f"/admin/learners/{bob}/role", data={"role": "author"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/admin/learners/{bob}?changed=1"
    page = admin.get(response.headers["location"]).text
    assert "Role changed: this account is now author." in page and 'data-testid="learner-role">author<' in page
    bob_browser = TestClient(app)
    bob_browser.post("/login", data={"email": "bob@example.org", "password": PASSWORD})
    assert bob_browser.get("/admin/questions").status_code == 200


def test_demoting_the_last_admin_is_refused_with_the_reason(app: FastAPI, admin: TestClient):
    with app.state.session_factory() as db:
        root = db.scalar(select(Learner.id).where(Learner.email == "root@example.org"))
    response = admin.post(f"/admin/learners/{root}/role", data={"role": "learner"})
    assert response.status_code == 422
    assert "This is the only admin; make someone else an admin first." in response.text
    assert admin.get("/admin").status_code == 200
    bad = admin.post(f"/admin/learners/{root}/role", data={"role": "owner"})
    assert bad.status_code == 422 and "A role is one of: learner, author, admin." in bad.text


def test_a_cross_site_role_change_is_refused(app: FastAPI, admin: TestClient):
    bob = make_account(app, "bob@example.org")
    response = admin.post(f"/admin/learners/{bob}/role", data={"role": "admin"},
                          headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    with app.state.session_factory() as db:
        assert db.get(Learner, bob).role == "learner"


@pytest.mark.parametrize(("url", "status"), [
    ("/admin/lessons/no-such-lesson", 404),
    ("/admin/questions?lesson=no-such-lesson", 404),
    ("/admin/questions?sort=popularity", 422),
    ("/admin/questions?kind=quiz", 422),
    ("/admin/learners/not-a-uuid", 422),
    (f"/admin/learners/{uuid.UUID(int=7)}", 404),
    ("/admin/learners?page=0", 422),
    ("/admin/learners?page=abc", 422),
    ("/admin/learners?page=9", 404),
    ("/admin/runs?days=3", 422),
    ("/admin?format=xml", 422),
    ("/admin?format=csv", 422),
    ("/admin?format=csv&table=nothing", 404),
])
def test_bad_addresses_get_a_clear_error_page(admin: TestClient, url: str, status: int):
    response = admin.get(url)
    assert response.status_code == status
    assert "<html" in response.text and "Something went wrong on our side" not in response.text


def test_csv_exports_are_named_files_with_a_header_row(app: FastAPI, admin: TestClient):
    new_learner(app, email="=cmd@example.org")
    response = admin.get("/admin/learners?format=csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="tfpatterns-learners-\d{4}-\d{2}-\d{2}\.csv"',
                        response.headers["content-disposition"])
    lines = response.text.splitlines()
    assert lines[0] == "Learner,Id,Role,Joined,Last seen,Lessons opened,Practice answers,Test attempts,Runs"
    assert any(line.startswith("'=cmd@example.org,") for line in lines)  # no formula for spreadsheets
    page = admin.get("/admin").text
    for table in ("summary", "answers-per-day", "runs-per-day", "completion"):
        assert f'href="/admin?format=csv&amp;table={table}"' in page
        assert admin.get(f"/admin?format=csv&table={table}").status_code == 200


def test_opening_a_lesson_and_its_hints_is_recorded_once(app: FastAPI, admin: TestClient):
    client = browser(app)
    for _ in range(3):
        assert client.get(f"/lessons/{SLUG}").status_code == 200
        assert client.post(f"/api/lessons/{SLUG}/practice/p-one/hint").status_code == 200
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(LessonOpen)) == 1
        assert db.scalar(select(func.count()).select_from(HintReveal)) == 1
    assert client.post(f"/api/lessons/{SLUG}/practice/t-00/hint").status_code == 404
    assert client.post(f"/api/lessons/{SLUG}/practice/nope/hint").json()["detail"].startswith("Lesson")
    assert client.post("/api/lessons/nope/practice/p-one/hint").status_code == 404
    assert csv_rows(admin.get("/admin/lessons?format=csv"))[0]["Opened"] == "1"


def test_the_hint_posts_its_reveal_when_opened(client: TestClient):
    html = client.get(f"/lessons/{SLUG}").text
    assert f'<details class="hint" data-hint-url="/api/lessons/{SLUG}/practice/p-one/hint">' in html


def test_kept_figures_are_marked_when_learners_were_active_since(app: FastAPI, admin: TestClient):
    client = browser(app)
    answer(client, "p-one", "A")
    first = admin.get("/admin/questions")
    assert "Some figures were computed at" not in first.text
    assert "Some figures were computed at" not in admin.get("/admin/questions").text  # nothing new: exact
    answer(browser(app), "p-one", "C")
    kept = admin.get("/admin/questions?format=csv")
    assert next(r for r in csv_rows(kept) if r["Question"] == "p-one")["Learners who answered"] == "1"
    assert "Some figures were computed at" in admin.get("/admin/questions").text
    fresh = admin.get("/admin/questions?format=csv&fresh=1")
    assert next(r for r in csv_rows(fresh) if r["Question"] == "p-one")["Learners who answered"] == "2"


def test_logging_in_moves_anonymous_opens_and_hints_into_the_account(app: FastAPI):
    account = browser(app, "ada@example.org")
    account.get(f"/lessons/{SLUG}")
    account.post("/logout")
    client = browser(app)
    client.get(f"/lessons/{SLUG}")
    client.post(f"/api/lessons/{SLUG}/practice/p-one/hint")
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303
    with app.state.session_factory() as db:
        ada = db.scalar(select(Learner.id).where(Learner.email == "ada@example.org"))
        assert db.scalars(select(LessonOpen.learner_id)).all() == [ada]
        assert db.scalars(select(HintReveal.learner_id)).all() == [ada]
