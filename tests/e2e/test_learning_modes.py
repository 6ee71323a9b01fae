"""The new ways to learn, in a real browser against the live server (its real runner): the playground
with and without JavaScript, predict the output, and flashcards feeding spaced review."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 375, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_the_playground_runs_a_knob_in_both_modes_without_javascript(page_without_js: Page, live_server: str):
    page = page_without_js
    page.goto(live_server + "/playground?start=python-numbers")
    page.get_by_role("button", name="Compare both modes").click()
    results = page.locator(".run-result")
    expect(results).to_have_count(2)
    graph = page.locator(".run-result", has_text="graph mode")
    expect(graph.locator("table.functions tbody tr").first).to_contain_text("scale")
    expect(graph.locator("table.functions tbody tr").first.locator("td").first).to_have_text("3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "playground-compare-375-nojs")


def test_the_playground_runs_from_a_lesson_example(page: Page, live_server: str):
    page.goto(live_server + "/lessons/retracing")
    page.get_by_role("link", name="Playground").last.click()
    expect(page.locator("#playground-code")).not_to_be_empty()
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".run-status")).to_contain_text(re.compile(r"^Finished · graph mode"))


def test_a_prediction_is_run_in_the_sandbox_and_compared(page: Page, live_server: str):
    page.goto(live_server + "/lessons/retracing/predict")
    page.locator("label.choice").first.click()
    page.get_by_role("button", name="Run it and compare").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text(re.compile("Your prediction was right|Not quite"))
    expect(verdict.locator(".run-status")).to_contain_text("Finished")


def test_rating_a_flashcard_takes_it_out_of_todays_review(page: Page, live_server: str):
    page.goto(live_server + "/lessons/variables-and-state/flashcards")
    page.get_by_role("link", name="Turn the card").click()
    page.get_by_role("button", name="Good").click()
    expect(page).to_have_url(re.compile(r"/flashcards\?card=2$"))
    page.goto(live_server + "/review")
    due = page.get_by_test_id("due-count")
    expect(due).to_contain_text(re.compile(r"^\d+ items? due now"))
    count = int(re.match(r"\d+", due.inner_text()).group())
    page.get_by_role("link", name="Turn the card").click()
    page.get_by_role("button", name="Easy").click()
    expect(page.get_by_test_id("due-count")).to_contain_text(f"{count - 1} item")
