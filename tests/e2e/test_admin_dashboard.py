"""The admin dashboard in a real browser: an admin made by `tfpatterns create-admin` logs in through the
form and opens every page; the pages fit a phone, work from the keyboard and without JavaScript, and the
lesson page's script records a hint reveal that the question statistics then show."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.settings import PROJECT_ROOT
from tests.e2e.conftest import screenshot, serve

pytestmark = pytest.mark.e2e
SLUG = "eager-vs-graph"
ADMIN = "admin@example.org"
PASSWORD = "e2e admin password"
PAGES = ["/admin", "/admin/lessons", f"/admin/lessons/{SLUG}", "/admin/questions", "/admin/questions?kind=test",
         "/admin/runs", "/admin/learners"]


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server without a runner, whose database already has an admin made by the real command."""
    folder = tmp_path_factory.mktemp("dashboard")
    env = {**os.environ, "TFP_DATABASE_URL": f"sqlite:///{folder / 'e2e.sqlite3'}", "TFP_ADMIN_PASSWORD": PASSWORD,
           "TFP_CONTENT_DIR": str(PROJECT_ROOT / "content")}
    made = subprocess.run([str(Path(sys.executable).parent / "tfpatterns"), "create-admin", ADMIN], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    yield from serve(folder, TFP_RUNNER_WORKERS="0")


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin$"))
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/admin")


def learner_practices_with_a_hint(browser: Browser, base: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/lessons/{SLUG}")
    with page.expect_response(re.compile(r"/practice/[^/]+/hint$")) as revealed:
        page.locator("#practice-panel summary", has_text="Show a hint").click()
    assert revealed.value.status == 200
    page.locator("#practice-panel label.choice").first.click()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_test_id("verdict")).to_be_visible()
    context.close()


def test_an_admin_logs_in_and_opens_every_dashboard_page(browser: Browser, page: Page, dashboard_server: str):
    base = dashboard_server
    learner_practices_with_a_hint(browser, base)
    log_in(page, base)

    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    # The admin has saved nothing (only logged in), so the learner who practised is the only one counted.
    expect(page.get_by_test_id("learners-total")).to_have_text("1")
    expect(page.get_by_test_id("answers-total")).to_have_text("1")
    expect(page.get_by_role("img", name="Answers per day, last 30 days")).to_be_visible()
    screenshot(page, "admin-overview")

    page.get_by_role("navigation", name="Dashboard sections").get_by_role("link", name="Lessons").click()
    expect(page.get_by_role("heading", level=1, name="Lessons")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Eager vs graph execution"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")  # opened
    screenshot(page, "admin-lessons")

    row.get_by_role("link", name="Eager vs graph execution").click()
    expect(page.get_by_role("heading", level=1, name="Eager vs graph execution")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Funnel of"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Practice started 1 100\.0 %"))).to_be_visible()
    screenshot(page, "admin-lesson")

    page.goto(f"{base}/admin/questions?lesson={SLUG}&sort=-hints")
    expect(page.get_by_role("heading", level=1, name="Questions")).to_be_visible()
    first = page.get_by_role("table").locator("tbody tr").first
    expect(first.locator("td").last).to_have_text("100.0 %")  # the hint the learner opened, over 1 answer
    expect(page.get_by_text("corrected point-biserial")).to_be_visible()
    screenshot(page, "admin-questions")

    page.get_by_label("Questions", exact=True).select_option("test")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table")).to_contain_text("Test-bank questions")
    screenshot(page, "admin-questions-test-bank")

    page.goto(f"{base}/admin/runs")
    expect(page.get_by_role("heading", level=1, name="Runs")).to_be_visible()
    expect(page.get_by_test_id("runs-period")).to_have_text("0")
    expect(page.get_by_role("table", name="Runner pool now")).to_contain_text("switched off")
    screenshot(page, "admin-runs")

    page.goto(f"{base}/admin/learners")
    expect(page.get_by_role("heading", level=1, name="Learners")).to_be_visible()
    page.get_by_label("Email contains").fill("ADMIN@")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 learner with “ADMIN@” in their email")).to_be_visible()
    screenshot(page, "admin-learners")

    page.get_by_role("table").get_by_role("link", name=ADMIN).click()
    expect(page.get_by_role("heading", level=1, name=ADMIN)).to_be_visible()
    expect(page.get_by_test_id("learner-role")).to_have_text("admin")
    page.get_by_label("Role of this account").select_option("learner")
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("alert")).to_have_text("This is the only admin; make someone else an admin first.")
    screenshot(page, "admin-learner")


def test_the_dashboard_fits_a_phone_and_works_from_the_keyboard(browser: Browser, dashboard_server: str):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    log_in(page, dashboard_server)
    for path in PAGES:
        page.goto(f"{dashboard_server}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than the phone"
    screenshot(page, "admin-learners-phone")
    page.goto(f"{dashboard_server}/admin")
    screenshot(page, "admin-overview-phone")

    for _ in range(30):  # Tab through the page to the dashboard's "Questions" link, then follow it
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.closest('.admin-nav') !== null, "
                                "document.activeElement.textContent.trim()]")
        if focused == [True, "Questions"]:
            break
    else:
        pytest.fail("the Questions link of the dashboard cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{dashboard_server}/admin/questions")
    context.close()


def test_the_dashboard_works_without_javascript(browser: Browser, dashboard_server: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, dashboard_server)
    expect(page.get_by_role("img", name="Runs per day, last 30 days")).to_be_visible()
    page.get_by_text("The numbers in this chart").first.click()
    expect(page.get_by_role("table", name="Answers per day, last 30 days")).to_be_visible()
    page.goto(f"{dashboard_server}/admin/questions")
    page.get_by_role("link", name=re.compile("^Right on first try")).click()
    expect(page).to_have_url(re.compile(r"sort=-right"))
    context.close()
