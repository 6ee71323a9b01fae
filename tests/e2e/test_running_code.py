"""A learner edits and runs a lesson's code in a real browser, in both modes, and compares them."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
LESSON = "/lessons/eager-vs-graph"


def runner_for(page: Page, heading: str):
    """The editor panel of the example under the heading `heading`."""
    page.get_by_role("heading", name=heading).scroll_into_view_if_needed()
    return page.locator(f"h3:has-text('{heading}') ~ .runner").first


def test_running_an_example_shows_its_output_and_its_traces(page: Page, live_server: str):
    page.goto(live_server + LESSON)
    runner = runner_for(page, "New Python scalar values cause retracing")
    runner.get_by_role("button", name="Run").click()
    result = runner.locator(".run-result")
    expect(result.locator(".run-status")).to_contain_text("Finished · graph mode", timeout=30_000)
    expect(result.locator(".run-output")).to_contain_text("traces: 3")
    expect(result.locator("table.functions")).to_contain_text("add_one")
    expect(result.locator(".trace-head").nth(1)).to_contain_text("new Python value (1 → 2)")


def test_eager_mode_runs_the_python_body_on_every_call(page: Page, live_server: str):
    page.goto(live_server + LESSON)
    runner = runner_for(page, "New Python scalar values cause retracing")
    runner.get_by_label("Eager").check()
    runner.get_by_role("button", name="Run").click()
    output = runner.locator(".run-output")
    expect(output).to_contain_text("traces: 0", timeout=30_000)
    expect(output.locator(".line", has_text="tracing for")).to_have_count(5)


def test_compare_shows_both_modes_with_differing_lines_marked(page: Page, live_server: str):
    page.goto(live_server + LESSON)
    runner = runner_for(page, "A tf.function is traced once per input signature")
    runner.get_by_role("button", name="Compare modes").click()
    compare = runner.locator(".compare")
    expect(compare).to_be_visible(timeout=30_000)
    expect(compare.locator(".compare-side").nth(0)).to_contain_text("Eager")
    expect(compare.locator(".compare-side").nth(1)).to_contain_text("traces: 2")
    assert compare.locator(".line.differs").count() >= 2
    screenshot(page, "runner-compare")


def test_an_error_marks_its_line_in_the_editor_and_reset_restores_the_example(page: Page, live_server: str):
    page.goto(live_server + LESSON)
    runner = runner_for(page, "New Python scalar values cause retracing")
    original = runner.locator(".cm-line").all_inner_texts()
    runner.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("x = 1\ny = x + 'a'\n")
    runner.get_by_role("button", name="Run").click()
    expect(runner.locator(".run-error")).to_contain_text("TypeError (line 2)", timeout=30_000)
    expect(runner.locator(".cm-tfp-error-line")).to_have_text("y = x + 'a'")
    runner.get_by_role("button", name="Reset").click()
    expect(runner.locator(".cm-line")).to_have_text(original)
    expect(runner.locator(".cm-tfp-error-line")).to_have_count(0)


def test_when_the_runner_is_down_run_says_so_and_practice_still_works(page: Page, server_without_runner: str):
    page.goto(server_without_runner + LESSON)
    button = page.locator(".runner").first.get_by_role("button", name="Runner unavailable")
    expect(button).to_be_disabled()
    page.locator("#practice-panel label.choice").first.click()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_test_id("verdict")).to_be_visible()
