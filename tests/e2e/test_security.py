"""The strict CSP in a real browser: the pages, the editor and the API docs work, and Chromium
reports no violation."""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.test_running_code import LESSON, runner_for

pytestmark = pytest.mark.e2e


def collect_csp_violations(page: Page) -> list[str]:
    violations: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", keep)
    return violations


def test_the_catalog_shows_no_csp_violation(page: Page, live_server: str):
    violations = collect_csp_violations(page)
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_editor_is_styled_edits_and_runs_with_no_csp_violation(page: Page, live_server: str):
    violations = collect_csp_violations(page)
    page.goto(live_server + LESSON)
    runner = runner_for(page, "New Python scalar values cause retracing")
    editor = runner.locator(".cm-editor")
    # The border comes from CodeMirror's own <style>, which only the nonce lets in.
    expect(editor).to_have_css("border-top-width", "1px")
    runner.locator(".cm-content").click()
    # Typing over a selection of several lines makes Chromium's editing add style attributes.
    page.keyboard.press("Control+A")
    page.keyboard.type("print('under the CSP')\n")
    runner.get_by_role("button", name="Run").click()
    expect(runner.locator(".run-output")).to_contain_text("under the CSP", timeout=30_000)
    runner.locator(".cm-content").click()
    page.keyboard.press("Control+f")  # the search panel adds styles of its own
    expect(runner.locator(".cm-search")).to_be_visible()
    assert violations == []


def test_the_api_docs_list_the_operations_and_try_one_with_no_csp_violation(page: Page, live_server: str):
    violations = collect_csp_violations(page)
    page.goto(live_server + "/api/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 10
    lessons = page.locator(".opblock-get", has=page.locator("[data-path='/api/lessons']"))
    lessons.locator(".opblock-summary-control").click()
    lessons.get_by_role("button", name="Try it out").click()
    lessons.get_by_role("button", name="Execute").click()
    expect(lessons.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    assert violations == []
