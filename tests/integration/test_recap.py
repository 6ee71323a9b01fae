"""The recap: a lesson on one printable page, made from the lesson's own sections."""

import re

from fastapi.testclient import TestClient

from app.content.library import load_library
from tests.conftest import FIXTURE_CONTENT

SLUG = "fixture-lesson"


def test_the_recap_shows_the_summary_the_syntax_every_example_and_the_common_mistake(client: TestClient):
    lesson = load_library([FIXTURE_CONTENT]).lessons[SLUG]
    page = client.get(f"/lessons/{SLUG}/recap")
    assert page.status_code == 200
    headings = re.findall(r"<h2 id=\"recap-[a-z]+\">([^<]+)</h2>", page.text)
    assert headings == ["In short", "Key syntax", "What each example shows", "Costs and pitfalls"]
    assert lesson.section("summary").html in page.text  # type: ignore[union-attr]
    for example in lesson.examples:
        assert f"<li>{example.description}</li>" in page.text
    assert re.search(r'recap-note-mistake">\s*<dt>Common mistake</dt>', page.text)
    assert [n.label for n in lesson.notes] == ["Time cost", "Space cost", "Common mistake", "When to use"]


def test_the_lesson_page_links_to_its_recap(client: TestClient):
    assert f'href="/lessons/{SLUG}/recap"' in client.get(f"/lessons/{SLUG}").text


def test_the_recap_of_an_unknown_lesson_is_404(client: TestClient):
    assert client.get("/lessons/no-such-lesson/recap").status_code == 404


def test_the_lesson_page_offers_every_mode_that_exists(client: TestClient):
    page = client.get(f"/lessons/{SLUG}").text
    modes = page.split('id="modes-heading"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="([^"]+)"', modes)
    assert links == ["#introduction", f"/lessons/{SLUG}/recap", "#practice", f"/lessons/{SLUG}/test",
                     f"/playground?start={SLUG}:1", f"/playground?start={SLUG}:1#compare", "/review"]
    for link in links:
        if link.startswith("/"):
            assert client.get(link).status_code == 200
