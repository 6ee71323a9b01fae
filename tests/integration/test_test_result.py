"""The test result page agrees with the catalog about whether the lesson's test was passed."""

import re

from fastapi.testclient import TestClient

from tests.helpers import read_test_form, right_letters

SLUG = "fixture-lesson"


def take_test(client: TestClient, right: int) -> str:
    """Submit the drawn test with `right` correct answers; the result page's verdict."""
    draw, questions = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    correct = right_letters(SLUG, questions)
    form = {"draw": draw}
    for n, question in enumerate(questions):
        wrong = next(c["key"] for c in question["choices"] if c["key"] != correct[question["id"]])
        form[f"q-{question['id']}"] = correct[question["id"]] if n < right else wrong
    page = client.post(f"/lessons/{SLUG}/test", data=form)
    return re.sub(r"\s+", " ", page.text.split('data-testid="verdict">', 1)[1].split("</p>", 1)[0]).strip()


def test_a_passing_but_developing_score_says_it_passed(client: TestClient):
    verdict = take_test(client, right=7)
    assert verdict.startswith("You passed")
    assert "take the test again" not in verdict


def test_a_developing_score_below_the_pass_mark_asks_for_a_retake(client: TestClient):
    verdict = take_test(client, right=6)
    assert "completing the lesson needs 70 %" in verdict and "take the test again" in verdict
