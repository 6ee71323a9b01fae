"""Load every lesson under the content folder, and the checks that span lessons."""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.content.parse import Problem, parse_lesson
from app.content.schema import Lesson

logger = logging.getLogger(__name__)


def lesson_files(paths: Iterable[Path]) -> list[Path]:
    """The lesson files named by `paths` (files, or folders searched recursively)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*.md"))
                if p.name != "README.md" and not p.name.startswith("_")
            )
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Topic:
    name: str
    lessons: tuple[Lesson, ...]


@dataclass
class Library:
    lessons: dict[str, Lesson] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def ordered(self) -> list[Lesson]:
        return sorted(self.lessons.values(), key=lambda lesson: (lesson.topic, lesson.order, lesson.title))

    def topics(self) -> list[Topic]:
        """Lessons grouped by topic; topics ordered by their earliest lesson."""
        groups: dict[str, list[Lesson]] = {}
        for lesson in self.ordered():
            groups.setdefault(lesson.topic, []).append(lesson)
        ordered = sorted(groups.items(), key=lambda item: (min(lesson.order for lesson in item[1]), item[0]))
        return [Topic(name, tuple(lessons)) for name, lessons in ordered]

    def in_catalog_order(self) -> list[Lesson]:
        return [lesson for topic in self.topics() for lesson in topic.lessons]

    def get(self, slug: str) -> Lesson | None:
        return self.lessons.get(slug)


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def broken_lesson_links(library: Library, also_known: set[str]) -> list[Problem]:
    """Links to /lessons/<slug> where no lesson has that slug (neither loaded nor in `also_known`)."""
    problems = []
    for lesson in library.lessons.values():
        for line, href in lesson.links:
            if href.startswith("/lessons/"):
                slug = href.removeprefix("/lessons/").split("#", 1)[0].split("?", 1)[0].strip("/")
                if slug.split("/", 1)[0] not in library.lessons and slug not in also_known:
                    problems.append(Problem(lesson.path, line, f"link to '{href}': there is no lesson '{slug}'"))
    return problems


SLUG_LINE_RE = re.compile(r"^slug:\s*([a-z0-9-]+)\s*$", re.MULTILINE)


def slug_in(path: Path) -> str | None:
    """The slug a lesson file declares, read without parsing it (it may be broken)."""
    try:
        match = SLUG_LINE_RE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return match.group(1) if match else None


def load_library(paths: Iterable[Path], also_known: Iterable[Path] = ()) -> Library:
    """Parse every lesson file; a broken file is reported and left out, never fatal.

    Links may also point at the lessons in `also_known` (folders), e.g. the rest of content/ when
    `check` is given one file.
    """
    library = Library()
    question_owner: dict[str, tuple[str, int]] = {}
    for path in lesson_files(paths):
        shown = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            library.problems.append(Problem(shown, 1, f"cannot read the file: {error}"))
            continue
        lesson, problems = parse_lesson(text, shown)
        library.problems.extend(problems)
        if lesson is None:
            continue
        if lesson.slug in library.lessons:
            other = library.lessons[lesson.slug].path
            library.problems.append(Problem(shown, 1, f"slug '{lesson.slug}' is already used by {other}"))
            continue
        clashes = [q for q in (*lesson.practice, *lesson.test_bank) if q.id in question_owner]
        for question in clashes:
            owner_path, owner_line = question_owner[question.id]
            library.problems.append(Problem(
                shown, question.line,
                f"question id '{question.id}' is already used at {owner_path}:{owner_line}; ids must be unique",
            ))
        if clashes:
            continue
        for question in (*lesson.practice, *lesson.test_bank):
            question_owner[question.id] = (shown, question.line)
        library.lessons[lesson.slug] = lesson
    known = {slug for path in lesson_files(also_known) if (slug := slug_in(path))}
    library.problems.extend(broken_lesson_links(library, known))
    for problem in library.problems:
        logger.warning("lesson left out: %s", problem)
    return library
