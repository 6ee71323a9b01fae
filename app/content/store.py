"""The loaded library, kept in memory and swapped atomically on every content change.

Learners see the published library (no drafts). Authors see everything, plus the problems of every file:
when a lesson that was valid is saved with a mistake, its last good version keeps serving and the
author sees the `path:line` messages above it, so a typo never makes a lesson disappear.
"""

import logging
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.content.library import Library, display_path, lesson_files, load_library, slug_in
from app.content.parse import Problem
from app.content.verified import read_record

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class LessonInfo:
    """What the lesson page says about the lesson's source, beside its content."""

    changed_at: datetime | None
    verified_with: str | None  # the TensorFlow version `check` verified this exact text against
    problems: tuple[Problem, ...] = ()  # the file's current problems, when its last good version is shown


@dataclass(frozen=True)
class Snapshot:
    library: Library
    published: Library
    info: dict[str, LessonInfo]
    broken: dict[str, tuple[Problem, ...]]  # slug -> problems, for files that never parsed
    problems: tuple[Problem, ...]
    version: int


def published(library: Library) -> Library:
    return Library(lessons={slug: lesson for slug, lesson in library.lessons.items() if not lesson.draft},
                   problems=library.problems)


def changed_at(path: Path) -> datetime | None:
    """The last commit that touched the file, or its modification time when it has uncommitted changes."""
    try:
        status = subprocess.run(["git", "status", "--porcelain", "--", path.name], cwd=path.parent,
                                capture_output=True, text=True, timeout=5, check=True)
        if not status.stdout.strip():
            log = subprocess.run(["git", "log", "-1", "--format=%cI", "--", path.name], cwd=path.parent,
                                 capture_output=True, text=True, timeout=5, check=True)
            if log.stdout.strip():
                return datetime.fromisoformat(log.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


@dataclass
class ContentStore:
    content_dir: Path
    snapshot: Snapshot = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.snapshot = Snapshot(Library(), Library(), {}, {}, (), 0)

    @property
    def library(self) -> Library:
        return self.snapshot.library

    @property
    def published(self) -> Library:
        return self.snapshot.published

    @property
    def version(self) -> int:
        return self.snapshot.version

    def reload(self) -> Library:
        with self._lock:
            old = self.snapshot
            library = load_library([self.content_dir])
            by_path: dict[str, list[Problem]] = {}
            for problem in library.problems:
                by_path.setdefault(problem.path, []).append(problem)
            old_slug_of = {lesson.path: slug for slug, lesson in old.library.lessons.items()}
            files = {display_path(path): path for path in lesson_files([self.content_dir])}
            shown = {lesson.path for lesson in library.lessons.values()}

            carried: dict[str, tuple[Problem, ...]] = {}
            broken: dict[str, tuple[Problem, ...]] = {}
            for path, problems in by_path.items():
                slug = old_slug_of.get(path) or slug_in(files.get(path, Path(path)))
                if slug is None:
                    continue
                previous = old.library.lessons.get(slug)
                if path not in shown and previous is not None and previous.path == path \
                        and slug not in library.lessons:
                    library.lessons[slug] = previous  # keep serving the last good version
                    carried[slug] = tuple(problems)
                elif path not in shown:
                    broken[slug] = tuple(problems)
                else:
                    carried[slug] = tuple(problems)  # parsed, but a check across lessons failed

            record = read_record(self.content_dir)
            info = {}
            for slug, lesson in library.lessons.items():
                verification = record.get(slug)
                verified = verification.tensorflow if verification and verification.fingerprint == lesson.fingerprint \
                    else None
                info[slug] = LessonInfo(changed_at(files.get(lesson.path, Path(lesson.path))), verified,
                                        carried.get(slug, ()))
            self.snapshot = Snapshot(library, published(library), info, broken, tuple(library.problems),
                                     old.version + 1)
        logger.info("loaded %d lessons from %s (%d problems)", len(library.lessons), self.content_dir,
                    len(library.problems))
        return library

    def info(self, slug: str) -> LessonInfo | None:
        return self.snapshot.info.get(slug)
