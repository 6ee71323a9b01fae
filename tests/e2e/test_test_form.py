"""The test form's checks before submitting agree with what the server then does."""

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

pytestmark = pytest.mark.e2e
TEST = "/lessons/eager-vs-graph/test"


def test_submitting_an_empty_test_asks_for_an_answer_instead_of_confirming(page: Page, live_server: str):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server + TEST)
    message = page.locator("[data-test-empty]")
    expect(message).to_be_hidden()
    page.get_by_role("button", name="Submit my answers").click()
    expect(message).to_be_visible()
    expect(message).to_be_focused()
    expect(message).to_contain_text("Answer at least one, then submit")
    expect(page).to_have_url(re.compile(r"/test$"))
    assert dialogs == []


def test_a_partly_answered_test_is_confirmed_then_graded(page: Page, live_server: str):
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.goto(live_server + TEST)
    page.locator(".test-question").first.locator("label.choice").first.click()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(re.compile(r"/test/attempts/\d+$"))
    assert dialogs == ["9 question(s) are unanswered and will count as wrong. Submit anyway?"]
    expect(page.get_by_test_id("score")).to_have_text(re.compile(r"^[01]/10$"))
