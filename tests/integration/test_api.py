"""The JSON API, with the shapes fixed by the spec."""

from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.helpers import right_letters

SLUG = "fixture-lesson"
CORRECT = {"p-one": "A", "p-two": "B", "p-three": "C", "p-four": "D", "p-five": "B"}


def answer(client: TestClient, question_id: str, choice: str):
    return client.post(f"/api/lessons/{SLUG}/practice/{question_id}/answer", json={"choice": choice})


def test_the_first_response_sets_a_learner_cookie(client: TestClient):
    response = client.get("/api/lessons")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("tfp_learner=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_lessons_are_listed_with_their_summary(client: TestClient):
    assert client.get("/api/lessons").json() == [
        {"slug": SLUG, "title": "Fixture lesson", "topic": "Testing", "category": "Fixtures", "minutes": 3}
    ]


def test_a_lesson_has_its_sections_and_practice_but_never_its_answers(client: TestClient):
    response = client.get(f"/api/lessons/{SLUG}")
    body = response.json()
    assert [s["id"] for s in body["sections"]] == [
        "introduction", "syntax", "examples", "sample-model", "important-notes", "summary",
    ]
    assert len(body["practice"]) == 5
    assert body["practice"][0] == {
        "id": "p-one", "difficulty": "easy", "prompt": "Which option is right for `p-one`?",
        "choices": [{"key": k, "text": f"option {k.lower()} of p-one"} for k in "ABCD"],
    }
    for leak in ("correct", "solution", "hint", "mistake one"):
        assert leak not in response.text


def test_a_right_answer_gets_the_full_solution(client: TestClient):
    assert answer(client, "p-one", "A").json() == {
        "correct": True, "correct_choice": "A",
        "solution": ["First step for p-one.", "Second step for p-one."],
        "final_answer": "option a", "quick_check": "check p-one", "hint": "hint for p-one",
        "common_mistakes": ["mistake one for p-one", "mistake two for p-one"],
    }


def test_a_wrong_answer_names_the_correct_choice(client: TestClient):
    body = answer(client, "p-two", "D").json()
    assert body["correct"] is False and body["correct_choice"] == "B"


def test_a_lowercase_choice_is_accepted(client: TestClient):
    assert answer(client, "p-two", "b").json()["correct"] is True


def test_an_unknown_lesson_is_404(client: TestClient):
    response = client.get("/api/lessons/no-such-lesson")
    assert response.status_code == 404
    assert "no lesson 'no-such-lesson'" in response.json()["detail"]


def test_an_unknown_question_is_404(client: TestClient):
    response = answer(client, "no-such-question", "A")
    assert response.status_code == 404
    assert "no practice question 'no-such-question'" in response.json()["detail"]


def test_a_test_question_is_not_a_practice_question(client: TestClient):
    assert answer(client, "t-00", "A").status_code == 404


def test_choice_z_is_422_with_the_valid_choices(client: TestClient):
    response = answer(client, "p-one", "Z")
    assert response.status_code == 422
    assert response.json()["detail"] == "'Z' is not one of this question's options; choose one of A, B, C, D."


def test_a_missing_body_is_422(client: TestClient):
    response = client.post(f"/api/lessons/{SLUG}/practice/p-one/answer")
    assert response.status_code == 422
    assert response.json()["detail"] == "The request needs a JSON body."


def test_a_body_without_choice_is_422(client: TestClient):
    response = client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", json={"pick": "A"})
    assert response.status_code == 422
    assert response.json()["detail"] == "choice: Field required."


def test_invalid_json_is_422(client: TestClient):
    response = client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", content=b"{choice",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


def test_a_one_megabyte_body_is_413(client: TestClient):
    response = client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", content=b"x" * (1024 * 1024),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_large_body_without_content_length_is_413(client: TestClient):
    def chunks():
        for _ in range(64):
            yield b"x" * 16384

    response = client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_nothing_is_stored_when_an_answer_is_rejected(client: TestClient):
    answer(client, "p-one", "Z")
    practice = client.get("/api/progress").json()["lessons"][0]["practice"]
    assert practice == {"answered": 0, "correct": 0, "total": 5}


def test_a_test_has_ten_questions_across_every_difficulty(client: TestClient):
    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    assert len(questions) == 10
    assert len({q["id"] for q in questions}) == 10
    assert {q["difficulty"] for q in questions} == {"easy", "medium", "hard"}
    assert all(set(q) == {"id", "difficulty", "prompt", "choices"} for q in questions)


def test_a_test_is_scored_with_unanswered_questions_counted_wrong(client: TestClient):
    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    correct = right_letters(SLUG, questions)
    answers = {q["id"]: correct[q["id"]] for q in questions[:7]}
    body = client.post(f"/api/lessons/{SLUG}/test", json={"answers": answers}).json()
    assert (body["score"], body["total"], body["strength"]) == (7, 10, "developing")
    assert sum(d["total"] for d in body["by_difficulty"].values()) == 10
    assert sum(d["correct"] for d in body["by_difficulty"].values()) == 7
    assert [r["id"] for r in body["results"]] == [q["id"] for q in questions]
    assert all(r["correct_choice"] == correct[r["id"]] for r in body["results"])


def test_strength_follows_the_score(client: TestClient):
    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    correct = right_letters(SLUG, questions)
    body = client.post(f"/api/lessons/{SLUG}/test",
                       json={"answers": {q["id"]: correct[q["id"]] for q in questions}}).json()
    assert (body["score"], body["strength"]) == (10, "strong")
    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    correct = right_letters(SLUG, questions)
    wrong = {q["id"]: "A" if correct[q["id"]] != "A" else "B" for q in questions}
    body = client.post(f"/api/lessons/{SLUG}/test", json={"answers": {**wrong}}).json()
    assert (body["score"], body["strength"]) == (0, "weak")


def test_two_attempts_differ_in_question_order_and_option_order_and_score_the_same(client: TestClient):
    first = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    second = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    assert [q["id"] for q in first] != [q["id"] for q in second]
    options = {q["id"]: [c["text"] for c in q["choices"]] for q in first}
    assert any(options[q["id"]] != [c["text"] for c in q["choices"]] for q in second if q["id"] in options)
    correct = right_letters(SLUG, second)
    body = client.post(f"/api/lessons/{SLUG}/test", json={"answers": correct}).json()
    assert body["score"] == 10
    assert all(r["correct_choice"] == correct[r["id"]] for r in body["results"])


def test_answers_are_stored_by_option_not_by_letter(app, client: TestClient):
    from sqlalchemy import select

    from app.learning.models import TestAnswer

    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    correct = right_letters(SLUG, questions)
    client.post(f"/api/lessons/{SLUG}/test", json={"answers": correct})
    written = {f"t-{i:02d}": "ABCD"[i % 4] for i in range(12)}  # the right options as the lesson lists them
    with app.state.session_factory() as db:
        stored = {a.question_id: a.choice for a in db.scalars(select(TestAnswer))}
    assert stored == {qid: written[qid] for qid in correct}


def test_an_answer_to_a_question_not_in_the_bank_is_422(client: TestClient):
    response = client.post(f"/api/lessons/{SLUG}/test", json={"answers": {"p-one": "A"}})
    assert response.status_code == 422
    assert "no test question 'p-one'" in response.json()["detail"]


def test_an_empty_test_submission_is_422(client: TestClient):
    response = client.post(f"/api/lessons/{SLUG}/test", json={"answers": {}})
    assert response.status_code == 422


def test_progress_counts_answers_and_first_try_correctness(client: TestClient):
    answer(client, "p-one", "B")
    answer(client, "p-one", "A")
    answer(client, "p-two", "B")
    lesson = client.get("/api/progress").json()["lessons"][0]
    assert lesson == {"slug": SLUG, "practice": {"answered": 2, "correct": 1, "total": 5}, "test": None,
                      "completed": False}


def test_a_lesson_is_completed_by_all_practice_and_a_passed_test(client: TestClient):
    for question_id, choice in CORRECT.items():
        answer(client, question_id, choice)
    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    correct = right_letters(SLUG, questions)
    client.post(f"/api/lessons/{SLUG}/test", json={"answers": {q["id"]: correct[q["id"]] for q in questions}})
    lesson = client.get("/api/progress").json()["lessons"][0]
    assert lesson["test"] == {"best_score": 10, "attempts": 1}
    assert lesson["completed"] is True


def test_learners_do_not_see_each_others_progress(client: TestClient, other_client: TestClient):
    answer(client, "p-one", "A")
    practice = other_client.get("/api/progress").json()["lessons"][0]["practice"]
    assert practice["answered"] == 0


def test_a_forged_cookie_is_a_new_learner(client: TestClient, app):
    answer(client, "p-one", "A")
    forged = TestClient(app, cookies={"tfp_learner": "not-a-signed-value"})
    assert forged.get("/api/progress").json()["lessons"][0]["practice"]["answered"] == 0


def test_reset_starts_the_lesson_over(client: TestClient):
    answer(client, "p-one", "A")
    body = client.post(f"/api/lessons/{SLUG}/reset").json()
    assert body["practice"] == {"answered": 0, "correct": 0, "total": 5}
    answer(client, "p-one", "B")
    practice = client.get("/api/progress").json()["lessons"][0]["practice"]
    assert practice == {"answered": 1, "correct": 0, "total": 5}


def test_progress_survives_a_restart(settings: Settings, client: TestClient):
    answer(client, "p-one", "A")
    cookies = dict(client.cookies)
    restarted = create_app(Settings(database_url=settings.database_url, content_dir=settings.content_dir,
                                    secret_key=settings.secret_key))
    again = TestClient(restarted, cookies=cookies)
    assert again.get("/api/progress").json()["lessons"][0]["practice"]["answered"] == 1
    restarted.state.engine.dispose()


def test_healthz_reports_the_database(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok", "db": "ok", "runner": "down"}


def test_a_broken_lesson_file_does_not_stop_the_others(settings: Settings, content_dir: Path):
    (content_dir / "broken.md").write_text("---\nslug: broken\n---\n## Introduction\n")
    app = create_app(settings)
    slugs = [lesson["slug"] for lesson in TestClient(app).get("/api/lessons").json()]
    assert slugs == [SLUG]
    app.state.engine.dispose()


def test_a_broken_lesson_is_logged_with_its_path_and_line(settings: Settings, content_dir: Path, caplog):
    (content_dir / "broken.md").write_text("---\nslug: broken\ntitel: x\n---\n")
    with caplog.at_level("WARNING", logger="app.content"):
        app = create_app(settings)
    assert any("broken.md:3: unknown front-matter key 'titel'" in record.getMessage() for record in caplog.records)
    app.state.engine.dispose()


def test_an_unexpected_failure_is_a_clear_500_and_the_next_request_works(app, client: TestClient):
    from sqlalchemy import text

    with app.state.engine.begin() as connection:
        connection.execute(text("ALTER TABLE practice_answers RENAME TO practice_answers_gone"))
    response = answer(client, "p-one", "A")
    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side, and what you just did may not have "
                               "been saved. Try again in a moment."}
    with app.state.engine.begin() as connection:
        connection.execute(text("ALTER TABLE practice_answers_gone RENAME TO practice_answers"))
    assert answer(client, "p-one", "A").status_code == 200
    assert client.get("/api/progress").json()["lessons"][0]["practice"]["answered"] == 1


def test_two_first_answers_at_once_from_a_new_browser_both_count(app):
    from concurrent.futures import ThreadPoolExecutor

    fresh = TestClient(app)
    fresh.get("/healthz")
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(lambda qid: answer(fresh, qid, "A").status_code, ["p-one", "p-two"]))
    assert statuses == [200, 200]
    assert fresh.get("/api/progress").json()["lessons"][0]["practice"]["answered"] == 2
