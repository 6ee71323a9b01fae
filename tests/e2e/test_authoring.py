"""An author saves a lesson while `tfpatterns serve --reload` runs: the open page updates by itself."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import FIXTURE_CONTENT
from tests.e2e.conftest import screenshot, serve
from tests.helpers import fixture_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def authoring_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    for base in serve(tmp_path, "--reload", content=content, TFP_RUNNER_WORKERS="0"):
        yield base, content


def test_saving_a_lesson_updates_the_open_page_without_a_restart(page: Page, authoring_server: tuple[str, Path]):
    base, content = authoring_server
    lesson = content / "fixture-lesson.md"
    page.goto(base + "/lessons/fixture-lesson")
    expect(page.locator(".section-introduction")).to_contain_text("Intro.")

    lesson.write_text(fixture_text().replace("Intro.", "Intro, rewritten while the page was open."))
    expect(page.locator(".section-introduction")).to_contain_text("rewritten while the page was open",
                                                                  timeout=10_000)

    lesson.write_text(fixture_text().replace("## Summary", "## Sumary"))
    panel = page.get_by_test_id("lesson-problems")
    expect(panel).to_contain_text("unknown section '## Sumary'", timeout=10_000)
    expect(panel).to_contain_text("fixture-lesson.md:")
    expect(page.locator(".section-introduction")).to_contain_text("rewritten")  # the last good version stays
    screenshot(page, "authoring-problems")

    lesson.write_text(fixture_text().replace("minutes: 3\n", "minutes: 3\ndraft: true\n"))
    expect(page.locator(".draft-banner")).to_contain_text("Draft.", timeout=10_000)
    expect(panel).to_have_count(0)
