"""Load every lesson under the content folder, and the checks that span lessons."""

import logging
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


def broken_lesson_links(library: Library) -> list[Problem]:
    """Links to /lessons/<slug> where no lesson has that slug."""
    problems = []
    for lesson in library.lessons.values():
        for line, href in lesson.links:
            if href.startswith("/lessons/"):
                slug = href.removeprefix("/lessons/").split("#", 1)[0].split("?", 1)[0].strip("/")
                if slug.split("/", 1)[0] not in library.lessons:
                    problems.append(Problem(lesson.path, line, f"link to '{href}': there is no lesson '{slug}'"))
    return problems


def load_library(paths: Iterable[Path]) -> Library:
    """Parse every lesson file; a broken file is reported and left out, never fatal."""
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
    library.problems.extend(broken_lesson_links(library))
    for problem in library.problems:
        logger.warning("lesson left out: %s", problem)
    return library
