"""Flashcards and spaced review end to end: opening a lesson puts its cards in review, a wrong answer puts
the question in, ratings move the next due time exactly as FSRS says, and review state merges on sign-up."""

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fsrs import Card, Rating, Scheduler

from app.main import create_app
from app.settings import Settings

SLUG = "fixture-lesson"
CARDS = [f"card-{n}" for n in range(8)]


def deck() -> str:
    cards = "\n".join(f"### {card}\n\nFront: What is `{card}`?\n\nBack: It is card **{card}**.\n" for card in CARDS)
    return "\n## Flashcards\n\n" + cards + "\n## Practice"


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    lesson = settings.content_dir / f"{SLUG}.md"
    lesson.write_text(lesson.read_text().replace("\n## Practice", deck(), 1))
    application = create_app(settings)
    assert application.state.content.library.get(SLUG).flashcards  # the deck parsed
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def test_the_deck_is_served_as_html(client: TestClient):
    cards = client.get(f"/api/lessons/{SLUG}/flashcards").json()
    assert [c["id"] for c in cards] == CARDS
    assert cards[0] == {"id": "card-0", "front": "<p>What is <code>card-0</code>?</p>\n",
                        "back": "<p>It is card <strong>card-0</strong>.</p>\n"}


def test_nothing_is_due_before_a_lesson_is_opened(client: TestClient):
    assert client.get("/api/review").json() == {"due": [], "due_count": 0, "next_due_at": None}


def test_opening_a_lesson_puts_its_cards_in_review(client: TestClient):
    client.get(f"/lessons/{SLUG}")
    queue = client.get("/api/review").json()
    assert queue["due_count"] == 8
    assert {item["kind"] for item in queue["due"]} == {"flashcard"}
    assert {item["lesson"] for item in queue["due"]} == {SLUG}
    assert "card-" in queue["due"][0]["front"]
    client.get(f"/lessons/{SLUG}")
    assert client.get("/api/review").json()["due_count"] == 8  # opening again adds nothing


def test_a_wrong_answer_puts_the_question_in_review_and_a_right_one_does_not(client: TestClient):
    client.post(f"/api/lessons/{SLUG}/practice/p-one/answer", json={"choice": "A"})  # right
    client.post(f"/api/lessons/{SLUG}/practice/p-two/answer", json={"choice": "A"})  # wrong
    due = client.get("/api/review").json()["due"]
    assert [(item["kind"], item["question"]["id"]) for item in due] == [("question", "p-two")]
    assert "correct_choice" not in str(due)


def test_a_rating_moves_the_next_due_time_as_fsrs_says(client: TestClient):
    client.get(f"/lessons/{SLUG}")
    item = client.get("/api/review").json()["due"][0]
    before = datetime.now().astimezone()
    answer = client.post(f"/api/review/{item['id']}", json={"rating": "good"}).json()
    after = datetime.now().astimezone()
    scheduler = Scheduler(enable_fuzzing=False)
    earliest, _ = scheduler.review_card(Card(due=before), Rating.Good, before)
    latest, _ = scheduler.review_card(Card(due=after), Rating.Good, after)
    assert earliest.due <= datetime.fromisoformat(answer["next_due_at"]) <= latest.due
    queue = client.get("/api/review").json()
    assert queue["due_count"] == 7 and item["id"] not in {i["id"] for i in queue["due"]}
    assert datetime.fromisoformat(queue["next_due_at"]) == datetime.fromisoformat(answer["next_due_at"])


def test_easy_puts_a_card_further_off_than_again(client: TestClient):
    client.get(f"/lessons/{SLUG}")
    first, second = client.get("/api/review").json()["due"][:2]
    again = client.post(f"/api/review/{first['id']}", json={"rating": "again"}).json()["next_due_at"]
    easy = client.post(f"/api/review/{second['id']}", json={"rating": "easy"}).json()["next_due_at"]
    assert datetime.fromisoformat(easy) > datetime.fromisoformat(again)


def test_a_question_in_review_is_answered_with_the_practice_feedback(client: TestClient):
    client.post(f"/api/lessons/{SLUG}/practice/p-two/answer", json={"choice": "A"})
    item = client.get("/api/review").json()["due"][0]
    body = client.post(f"/api/review/{item['id']}", json={"choice": "B"}).json()
    assert body["correct"] is True and body["correct_choice"] == "B" and body["solution"]
    assert body["next_due_at"]


@pytest.mark.parametrize(("body", "status"), [({"rating": "good"}, 422), ({}, 422), ({"rating": "meh"}, 422)])
def test_a_review_needs_the_right_kind_of_answer(client: TestClient, body: dict[str, str], status: int):
    client.post(f"/api/lessons/{SLUG}/practice/p-two/answer", json={"choice": "A"})
    item = client.get("/api/review").json()["due"][0]
    assert client.post(f"/api/review/{item['id']}", json=body).status_code == status


def test_an_item_that_is_not_in_my_review_is_404(client: TestClient, other_client: TestClient):
    client.get(f"/lessons/{SLUG}")
    item = client.get("/api/review").json()["due"][0]
    assert other_client.post(f"/api/review/{item['id']}", json={"rating": "good"}).status_code == 404


def test_review_state_is_kept_on_sign_up(client: TestClient):
    client.get(f"/lessons/{SLUG}")
    item = client.get("/api/review").json()["due"][0]
    client.post(f"/api/review/{item['id']}", json={"rating": "easy"})
    client.post("/api/auth/signup", json={"email": "ada@example.org", "password": "a long password"})
    queue = client.get("/api/review").json()
    assert queue["due_count"] == 7 and queue["next_due_at"] is not None


def test_the_review_page_works_without_javascript(client: TestClient):
    client.get(f"/lessons/{SLUG}")
    page = client.get("/review").text
    assert "8 items due now" in page and "Turn the card" in page
    item = client.get("/api/review").json()["due"][0]["id"]
    assert "It is card" not in client.get("/review?show=card:other:card-0").text  # only the card it turned
    turned = client.get(f"/review?show={item}").text
    assert "It is card" in turned and 'name="rating" value="good"' in turned
    rated = client.post(f"/review/{item}", data={"rating": "good", "next": "/review"}, follow_redirects=False)
    assert rated.status_code == 303 and rated.headers["location"] == "/review"
    assert "7 items due now" in client.get("/review").text
    assert "<strong>7</strong> items due now" in client.get("/").text


def test_the_flashcards_page_turns_and_rates_cards_without_javascript(client: TestClient):
    front = client.get(f"/lessons/{SLUG}/flashcards").text
    assert "Card 1 of 8" in front and "What is <code>card-0</code>?" in front and "It is card" not in front
    back = client.get(f"/lessons/{SLUG}/flashcards?card=1&side=back").text
    assert "It is card <strong>card-0</strong>" in back
    rated = client.post(f"/review/card:{SLUG}:card-0", data={"rating": "hard",
                                                             "next": f"/lessons/{SLUG}/flashcards?card=2"},
                        follow_redirects=False)
    assert rated.headers["location"] == f"/lessons/{SLUG}/flashcards?card=2"
