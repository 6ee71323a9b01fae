"""A learner in a real browser: catalog -> lesson -> five practice answers -> progress -> test."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
SLUG = "eager-vs-graph"


def answer_current_question(page: Page, option: int = 0) -> None:
    panel = page.locator("#practice-panel")
    panel.locator("label.choice").nth(option).click()
    panel.get_by_role("button", name="Check answer").click()
    expect(page.locator("[data-testid=verdict]")).to_be_visible()


def test_a_learner_answers_all_five_practice_questions_and_sees_progress(page: Page, live_server: str):
    page.goto(live_server)
    expect(page.get_by_role("heading", level=1)).to_contain_text("TensorFlow")
    card = page.get_by_test_id(f"progress-{SLUG}")
    expect(card).to_contain_text("Practice 0/5")
    screenshot(page, "catalog-before")

    page.get_by_role("link", name=re.compile("Eager vs graph execution")).click()
    expect(page).to_have_url(f"{live_server}/lessons/{SLUG}")
    expect(page.get_by_test_id("practice-count")).to_have_text("(0/5)")
    page.evaluate("window.__stillSamePage = true")

    for number in range(1, 6):
        answer_current_question(page)
        expect(page.get_by_test_id("practice-count")).to_have_text(f"({number}/5)")
        expect(page.locator("#practice-panel .solution")).to_be_visible()
        if number == 1:
            screenshot(page, "lesson-practice-feedback")
        if number < 5:
            page.locator("#practice-panel").get_by_role("link", name="Next question").click()
            expect(page.locator("#practice-panel .question-meta").first).to_contain_text(f"Question {number + 1} of 5")

    assert page.evaluate("window.__stillSamePage") is True, "answering should update the page in place"
    expect(page.locator("[data-practice-cta]")).to_have_text("Practice (5/5)")

    page.goto(live_server)
    expect(page.get_by_test_id(f"progress-{SLUG}")).to_contain_text("Practice 5/5")
    screenshot(page, "catalog-after")


def test_practice_works_with_javascript_turned_off(browser: Browser, live_server: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/lessons/{SLUG}")
    expect(page.get_by_test_id("practice-count")).to_have_text("(0/5)")
    page.locator("#practice-panel label.choice").first.click()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_test_id("verdict")).to_be_visible()
    expect(page.get_by_test_id("practice-count")).to_have_text("(1/5)")
    assert "?q=1" in page.url
    context.close()


def test_the_hint_can_be_revealed_before_answering(page: Page, live_server: str):
    page.goto(f"{live_server}/lessons/{SLUG}")
    hint = page.locator("#practice-panel details.hint")
    expect(hint.locator("p")).to_be_hidden()
    hint.locator("summary").click()
    expect(hint.locator("p")).to_be_visible()


def test_practice_can_be_done_with_the_keyboard_alone(page: Page, live_server: str):
    page.goto(f"{live_server}/lessons/{SLUG}")
    first_radio = page.locator("#practice-panel input[type=radio]").first
    first_radio.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("verdict")).to_be_visible()
    expect(page.get_by_test_id("verdict")).to_be_focused()
    expect(page.locator("#practice-panel .tag", has_text="Your answer")).to_have_count(1)


def test_the_lesson_fits_a_phone_screen(browser: Browser, live_server: str):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/lessons/{SLUG}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone screen"
    screenshot(page, "lesson-phone")
    context.close()


def test_a_learner_takes_the_test_and_sees_score_breakdown_and_strength(page: Page, live_server: str):
    page.goto(f"{live_server}/lessons/{SLUG}")
    page.get_by_role("link", name="Start the test").click()
    questions = page.locator(".test-question")
    expect(questions).to_have_count(10)
    for index in range(10):
        questions.nth(index).locator("label.choice").first.click()
    expect(page.locator("[data-test-counter]")).to_have_text("Answered 10 of 10")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(re.compile(r"/test/attempts/\d+$"))
    expect(page.get_by_test_id("score")).to_have_text(re.compile(r"^\d+/10$"))
    expect(page.locator(".strength")).to_contain_text(re.compile("strong|developing|weak"))
    expect(page.locator("table.by-difficulty tbody tr")).to_have_count(3)
    screenshot(page, "test-result")
