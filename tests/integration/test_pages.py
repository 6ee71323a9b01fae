"""The HTML pages, used as a browser without JavaScript would: links and plain forms."""

import re

from fastapi.testclient import TestClient

from tests.helpers import read_test_form, right_letters

SLUG = "fixture-lesson"


def practice_count(html: str) -> str:
    match = re.search(r'data-testid="practice-count">\(([^)]*)\)', html)
    assert match, "the practice counter is missing"
    return match.group(1)


def test_the_catalog_groups_lessons_by_topic_with_minutes(client: TestClient):
    html = client.get("/").text
    assert '<h2 id="topic-1">Testing</h2>' in html
    assert 'href="/lessons/fixture-lesson"' in html
    assert "Fixtures · 3 min" in html
    assert "Practice 0/5" in html


def test_the_lesson_page_shows_every_section_with_highlighted_code(client: TestClient):
    html = client.get(f"/lessons/{SLUG}").text
    for section in ("Introduction", "Syntax", "Examples", "Sample Model", "Important Notes", "Summary"):
        assert f">{section}</h2>" in html
    assert '<span class="nb">print</span>' in html
    assert "Practice (0/5)" in html


def test_the_first_practice_question_is_a_form_with_a_hint_to_reveal(client: TestClient):
    html = client.get(f"/lessons/{SLUG}").text
    assert f'action="/lessons/{SLUG}/practice/p-one"' in html
    assert html.count('name="choice"') == 4
    assert "<summary>Show a hint</summary>" in html and "hint for p-one" in html
    assert "First step for p-one" not in html


def test_answering_a_practice_form_shows_the_solution(client: TestClient):
    response = client.post(f"/lessons/{SLUG}/practice/p-one", data={"choice": "C"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/lessons/{SLUG}?q=1#practice"
    html = client.get(response.headers["location"]).text
    assert "Not quite — the answer is A." in html
    assert "First step for p-one" in html and "mistake one for p-one" in html
    assert "check p-one" in html
    assert practice_count(html) == "1/5"
    assert f'href="/lessons/{SLUG}?q=2#practice">Next question' in html


def test_after_answering_the_lesson_opens_at_the_next_question(client: TestClient):
    client.post(f"/lessons/{SLUG}/practice/p-one", data={"choice": "A"})
    html = client.get(f"/lessons/{SLUG}").text
    assert f'action="/lessons/{SLUG}/practice/p-two"' in html


def test_submitting_without_a_choice_explains_what_to_do(client: TestClient):
    response = client.post(f"/lessons/{SLUG}/practice/p-one", data={})
    assert response.status_code == 422
    assert "Choose one of the options, then check your answer." in response.text
    assert f'action="/lessons/{SLUG}/practice/p-one"' in response.text


def test_the_practice_fragment_is_served_for_in_place_updates(client: TestClient):
    response = client.post(f"/lessons/{SLUG}/practice/p-one", data={"choice": "A"},
                           headers={"X-Fragment": "practice"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="practice-panel"')
    assert "Correct." in response.text and "<html" not in response.text


def test_finishing_practice_shows_the_summary(client: TestClient):
    for _number, (question_id, choice) in enumerate(
        [("p-one", "A"), ("p-two", "B"), ("p-three", "A"), ("p-four", "D"), ("p-five", "B")], start=1
    ):
        client.post(f"/lessons/{SLUG}/practice/{question_id}", data={"choice": choice})
    html = client.get(f"/lessons/{SLUG}").text
    assert "You have answered all 5 practice questions" in html
    assert "4 right on the first try" in html
    assert "Practice 5/5" in client.get("/").text


def test_the_test_form_is_graded_and_shows_a_breakdown(client: TestClient):
    draw, questions = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    assert len(questions) == 10
    right = right_letters(SLUG, questions)
    form = {"draw": draw} | {f"q-{q['id']}": right[q["id"]] for q in questions[:8]}
    response = client.post(f"/lessons/{SLUG}/test", data=form, follow_redirects=False)
    assert response.status_code == 303
    result = client.get(response.headers["location"]).text
    assert 'data-testid="score">8/10<' in result
    assert "This pattern is <strong>strong</strong>" in result
    assert "<caption>Score by difficulty</caption>" in result
    assert result.count("You did not answer this question.") == 2


def test_the_result_page_shows_each_question_as_it_was_shown(client: TestClient):
    draw, questions = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    first = questions[0]
    chosen = next(c for c in first["choices"] if c["key"] != right_letters(SLUG, [first])[first["id"]])
    location = client.post(f"/lessons/{SLUG}/test", data={"draw": draw, f"q-{first['id']}": chosen["key"]},
                           follow_redirects=False).headers["location"]
    result = client.get(location).text
    review = result.split('class="review"', 1)[1].split("</li>\n    </ul>", 1)[0]
    shown = re.findall(r'<span class="choice-key" aria-hidden="true">([A-Z])</span>', review)[:4]
    assert shown == ["A", "B", "C", "D"]
    mine = re.search(r'choice-key" aria-hidden="true">([A-Z])</span>(?:(?!</li>).)*Your answer', review, re.S)
    assert mine and mine.group(1) == chosen["key"]


def test_a_test_submitted_empty_asks_for_at_least_one_answer(client: TestClient):
    draw, _ = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    response = client.post(f"/lessons/{SLUG}/test", data={"draw": draw})
    assert response.status_code == 422
    message = re.search(r"<p [^>]*data-test-empty[^>]*>(.*?)</p>", response.text, re.S)
    assert message and " hidden" not in message.group(0)
    assert " ".join(message.group(1).split()) == (
        "You have not answered any question yet. Answer at least one, then submit; "
        "the ones you leave unanswered count as wrong."
    )


def test_an_empty_test_submission_is_not_recorded_as_an_attempt(client: TestClient):
    draw, _ = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    client.post(f"/lessons/{SLUG}/test", data={"draw": draw})
    lessons = client.get("/api/progress").json()["lessons"]
    assert next(lesson for lesson in lessons if lesson["slug"] == SLUG)["test"] is None


def test_the_empty_test_message_waits_hidden_on_a_fresh_test(client: TestClient):
    html = client.get(f"/lessons/{SLUG}/test").text
    assert re.search(r"<p [^>]*data-test-empty hidden>", html)


def test_a_test_form_of_another_learner_is_out_of_date(client: TestClient, other_client: TestClient):
    draw, questions = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    response = other_client.post(f"/lessons/{SLUG}/test", data={"draw": draw, f"q-{questions[0]['id']}": "A"})
    assert response.status_code == 422 and "out of date" in response.text


def test_another_learner_cannot_open_my_test_result(client: TestClient, other_client: TestClient):
    draw, questions = read_test_form(client.get(f"/lessons/{SLUG}/test").text)
    location = client.post(f"/lessons/{SLUG}/test", data={"draw": draw, f"q-{questions[0]['id']}": "A"},
                           follow_redirects=False).headers["location"]
    assert client.get(location).status_code == 200
    assert other_client.get(location).status_code == 404


def test_reset_from_the_page_clears_the_practice_count(client: TestClient):
    client.post(f"/lessons/{SLUG}/practice/p-one", data={"choice": "A"})
    response = client.post(f"/lessons/{SLUG}/reset", follow_redirects=True)
    assert practice_count(response.text) == "0/5"


def test_an_unknown_lesson_page_is_a_friendly_404(client: TestClient):
    response = client.get("/lessons/no-such-lesson")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert 'href="/"' in response.text


def test_an_unknown_address_is_a_friendly_404(client: TestClient):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.text


def test_a_bad_query_value_is_a_page_not_a_crash(client: TestClient):
    response = client.get(f"/lessons/{SLUG}?q=abc")
    assert response.status_code == 422
    assert "<html" in response.text


def test_every_page_names_the_svg_favicon(client: TestClient):
    for path in ("/", f"/lessons/{SLUG}", f"/lessons/{SLUG}/test", "/login", "/no/such/page", "/api/docs"):
        html = client.get(path).text
        assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=\w+" type="image/svg\+xml">', html), path


def test_the_favicon_is_served_as_svg(client: TestClient):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"


def test_favicon_ico_redirects_browsers_to_the_svg(client: TestClient):
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/static/favicon.svg"


def test_the_api_docs_page_loads_swagger_ui_from_our_own_static_files(client: TestClient):
    response = client.get("/api/docs")
    assert response.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert {url.split("?")[0] for url in urls} == {
        "/static/favicon.svg", "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/js/swagger-init.js", "/api/openapi.json",
    }
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_api_docs_page_has_no_inline_script(client: TestClient):
    html = client.get("/api/docs").text
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []


def test_the_api_docs_page_is_not_in_the_openapi_schema(client: TestClient):
    assert "/api/docs" not in client.get("/api/openapi.json").json()["paths"]
