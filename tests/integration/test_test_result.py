"""The test result page agrees with the catalog about whether the lesson's test was passed."""

import re

from fastapi.testclient import TestClient

from app.content.library import load_library
from tests.conftest import FIXTURE_CONTENT

SLUG = "fixture-lesson"


def take_test(client: TestClient, right: int) -> str:
    """Submit the drawn test with `right` correct answers; the result page's verdict."""
    questions = client.get(f"/api/lessons/{SLUG}/test").json()["questions"]
    bank = {q.id: q for q in load_library([FIXTURE_CONTENT]).lessons[SLUG].test_bank}
    answers = {}
    for n, question in enumerate(questions):
        correct = bank[question["id"]].correct_choice
        answers[question["id"]] = correct if n < right else next(k for k in "ABCD" if k != correct)
    form = {"asked": ",".join(answers), **{f"q-{qid}": key for qid, key in answers.items()}}
    page = client.post(f"/lessons/{SLUG}/test", data=form)
    return re.sub(r"\s+", " ", page.text.split('data-testid="verdict">', 1)[1].split("</p>", 1)[0]).strip()


def test_a_passing_but_developing_score_says_it_passed(client: TestClient):
    verdict = take_test(client, right=7)
    assert verdict.startswith("You passed")
    assert "take the test again" not in verdict


def test_a_developing_score_below_the_pass_mark_asks_for_a_retake(client: TestClient):
    verdict = take_test(client, right=6)
    assert "completing the lesson needs 70 %" in verdict and "take the test again" in verdict
