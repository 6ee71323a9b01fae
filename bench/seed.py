"""Fill a database with a realistic learning history, for the admin dashboard's benchmark.

Run from the project root:

    .venv/bin/python bench/seed.py [--learners 10000] [--answers 1000000] [--days 90] [--seed 1]
                                   [--database-url URL] [--reset]

The database is --database-url, else TFP_DATABASE_URL, else the app's own SQLite file (data/). It is
migrated first. The script refuses to touch a database that already has learners unless --reset is
given, which deletes every row of every table first.

What it writes, over the last --days days, across the lessons in TFP_CONTENT_DIR (default content/):

- --learners learners; a quarter of them with an account (learner-00042@example.org, password
  `seeded-password`), a few authors; each has an ability drawn from a normal distribution;
- lesson opens: early lessons are opened more often than late ones, strong learners go further;
- practice answers and test attempts (10 answers each) until there are --answers answers in all.
  Whether an answer is right follows a two-parameter logistic model (ability minus the question's
  difficulty, times its discrimination): strong learners are right more often, some questions barely
  tell strong from weak learners, and about one question in six has a misleading distractor that draws
  most wrong answers. A wrong practice answer is often retried; a failed test is often retaken;
- hint reveals (weak learners reveal more), and runs per lesson in both modes, with lesson-specific
  error types, some timeouts and limit hits, and a log-normal duration.

Rows go in with Core `insert()` executemany in chunks (ids assigned here, in time order, so that ids grow
with time as they do in the app). It prints the counts and how long generating and inserting took.
Learners that come after the answer budget is spent only open lessons (many learners only read).
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import Connection, Table, delete, func, insert, select, text  # noqa: E402

from app.content.library import load_library  # noqa: E402
from app.content.schema import Lesson, Question  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.migrate import upgrade_to_head  # noqa: E402
from app.models import (  # noqa: E402
    Base,
    HintReveal,
    Learner,
    LessonOpen,
    LessonState,
    PracticeAnswer,
    RunRecord,
    TestAnswer,
    TestAttempt,
)
from app.settings import Settings  # noqa: E402
from app.timeutil import utcnow  # noqa: E402

CHUNK = 20_000
SEEDED_PASSWORD = "seeded-password"
DIFFICULTY_B = {"easy": -1.2, "medium": -0.2, "hard": 0.8}
ERROR_TYPES = ["TypeError", "ValueError", "InvalidArgumentError", "NameError", "AttributeError",
               "OperatorNotAllowedInGraphError", "ResourceExhaustedError", "IndexError", "FailedPreconditionError",
               "StagingError", "ZeroDivisionError", "KeyError"]
LIMIT_STATUSES = [("timeout", 0.02), ("memory_limit", 0.008), ("output_limit", 0.006), ("crashed", 0.003)]


@dataclass
class QuestionModel:
    """How a seeded question behaves: difficulty b, discrimination a, and maybe a misleading distractor."""

    lesson: str
    id: str
    difficulty: str
    correct: str
    wrong: list[str]
    a: float
    b: float
    trap: str | None = None

    def p_right(self, ability: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.a * (ability - self.b)))

    def wrong_choice(self, rng: random.Random) -> str:
        if self.trap is not None and rng.random() < 0.75:
            return self.trap
        return rng.choice(self.wrong)


def model_of(lesson: Lesson, question: Question, rng: random.Random) -> QuestionModel:
    wrong = [key for key in question.choice_keys() if key != question.correct_choice]
    model = QuestionModel(lesson=lesson.slug, id=question.id, difficulty=question.difficulty,
                          correct=question.correct_choice, wrong=wrong, a=rng.uniform(0.9, 2.2),
                          b=DIFFICULTY_B[question.difficulty] + rng.gauss(0, 0.35))
    luck = rng.random()
    if luck < 0.17:
        model.trap = rng.choice(wrong)
        model.b += 0.9
    elif luck < 0.27:
        model.a = rng.uniform(0.0, 0.25)  # right or wrong whatever the learner knows
    return model


@dataclass
class LessonModel:
    lesson: Lesson
    practice: list[QuestionModel]
    bank: list[QuestionModel]
    errors: list[tuple[str, float]]


@dataclass
class Rows:
    learners: list[dict[str, Any]] = field(default_factory=list)
    opens: list[dict[str, Any]] = field(default_factory=list)
    hints: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    practice: list[tuple[Any, ...]] = field(default_factory=list)  # (at, learner, slug, qid, choice, right, first)
    attempts: list[tuple[Any, ...]] = field(default_factory=list)  # (at, learner, slug, score, total, answers)
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def answers(self) -> int:
        return len(self.practice) + sum(len(attempt[5]) for attempt in self.attempts)


class Generator:
    def __init__(self, lessons: Sequence[Lesson], days: int, seed: int, answer_budget: int) -> None:
        self.rng = random.Random(seed)
        self.now = utcnow()
        self.start = self.now - timedelta(days=days)
        self.budget = answer_budget
        self.rows = Rows()
        self.lessons = []
        for lesson in lessons:
            errors = self.rng.sample(ERROR_TYPES, 5)
            weights = [0.45, 0.25, 0.15, 0.1, 0.05]
            self.lessons.append(LessonModel(
                lesson=lesson,
                practice=[model_of(lesson, q, self.rng) for q in lesson.practice],
                bank=[model_of(lesson, q, self.rng) for q in lesson.test_bank],
                errors=list(zip(errors, weights, strict=True)),
            ))

    def at(self, after: datetime, seconds: float) -> datetime:
        return min(after + timedelta(seconds=seconds), self.now - timedelta(seconds=1))

    def learner(self, number: int, password_hash: str) -> None:
        rng = self.rng
        learner_id = uuid.uuid4()
        ability = rng.gauss(0, 1)
        # More learners joined recently than long ago.
        created = self.start + (self.now - self.start) * (1 - rng.random() ** 1.6)
        last_seen = created
        signed_up = rng.random() < 0.25
        for position, model in enumerate(self.lessons):
            keep_going = 0.95 if position == 0 else 0.9 + 0.04 * max(-2.0, min(2.0, ability))
            if rng.random() > keep_going:
                break
            span = (self.now - created).total_seconds()
            opened_at = self.at(created, span * (position / len(self.lessons)) * rng.random() + rng.uniform(5, 600))
            self.rows.opens.append({"learner_id": learner_id, "lesson_slug": model.lesson.slug,
                                    "opened_at": opened_at})
            last_seen = max(last_seen, self.lesson_activity(learner_id, ability, model, opened_at))
        self.rows.learners.append({
            "id": learner_id, "created_at": created, "last_seen_at": last_seen,
            "email": f"learner-{number:05d}@example.org" if signed_up else None,
            "password_hash": password_hash if signed_up else None,
            "role": "author" if signed_up and number % 997 == 0 else "learner",
            "session_version": 1 if signed_up else 0,
            "signed_up_at": self.at(created, 60) if signed_up else None,
        })

    def lesson_activity(self, learner_id: uuid.UUID, ability: float, model: LessonModel,
                        opened_at: datetime) -> datetime:
        """Practice, tests and runs in one lesson; returns the time of the last thing done."""
        rng, rows = self.rng, self.rows
        slug = model.lesson.slug
        clock = self.at(opened_at, rng.uniform(120, 900))  # reading first
        self.runs(learner_id, model, opened_at, clock)
        finished = True
        if self.budget > 0 and rng.random() < 0.88:
            for question in model.practice:
                if self.budget <= 0 or rng.random() < 0.07:
                    finished = False
                    break
                if rng.random() < min(0.8, max(0.05, 0.3 - 0.18 * ability)):
                    clock = self.at(clock, rng.uniform(10, 60))
                    rows.hints.append({"learner_id": learner_id, "lesson_slug": slug, "question_id": question.id,
                                       "revealed_at": clock})
                for attempt in range(3):
                    clock = self.at(clock, rng.uniform(15, 120))
                    right = rng.random() < (question.p_right(ability) if attempt == 0 else 0.8)
                    choice = question.correct if right else question.wrong_choice(rng)
                    rows.practice.append((clock, learner_id, slug, question.id, choice, right, attempt == 0))
                    self.budget -= 1
                    if right or rng.random() < 0.45 or self.budget <= 0:
                        break
        else:
            finished = False
        if rng.random() < 0.01:
            rows.states.append({"learner_id": learner_id, "lesson_slug": slug, "reset_at": self.at(clock, 30)})
        if rng.random() > (0.85 if finished else 0.2):
            return clock
        skill = ability
        for _attempt in range(4):
            if self.budget < 10:
                break
            clock = self.at(clock, rng.uniform(60, 600))
            drawn = self.draw(model.bank)
            answers = []
            for position, question in enumerate(drawn):
                if rng.random() < 0.02:
                    answers.append((position, question.id, question.difficulty, None, False))
                    continue
                right = rng.random() < question.p_right(skill)
                choice = question.correct if right else question.wrong_choice(rng)
                answers.append((position, question.id, question.difficulty, choice, right))
            score = sum(answer[4] for answer in answers)
            rows.attempts.append((clock, learner_id, slug, score, len(answers), answers))
            self.budget -= len(answers)
            if (score >= 0.7 * len(answers)) != (rng.random() < 0.12) or rng.random() < 0.2:
                break
            skill += 0.35
            clock = self.at(clock, rng.uniform(3600, 5 * 86400))
        return clock

    def draw(self, bank: list[QuestionModel]) -> list[QuestionModel]:
        chosen = []
        for difficulty in DIFFICULTY_B:
            of_level = [q for q in bank if q.difficulty == difficulty]
            if of_level:
                chosen.append(self.rng.choice(of_level))
        rest = [q for q in bank if q not in chosen]
        chosen += self.rng.sample(rest, k=max(0, min(10, len(bank)) - len(chosen)))
        return chosen

    def runs(self, learner_id: uuid.UUID, model: LessonModel, start: datetime, end: datetime) -> None:
        rng = self.rng
        count = min(12, int(rng.expovariate(1 / 3.2)))
        for _ in range(count):
            status, error_type = "ok", None
            luck = rng.random()
            for limit, share in LIMIT_STATUSES:
                if luck < share:
                    status = limit
                    break
                luck -= share
            else:
                if luck < 0.16:
                    status = "error"
                    error_type = rng.choices([e for e, _ in model.errors], [w for _, w in model.errors])[0]
            duration = 10_000.0 if status == "timeout" else min(9_500.0, rng.lognormvariate(math.log(420), 0.7))
            at = self.at(start, rng.uniform(0, max(60.0, (end - start).total_seconds() + 3600)))
            self.rows.runs.append({
                "learner_id": learner_id, "lesson_slug": model.lesson.slug if rng.random() < 0.93 else None,
                "mode": rng.choice(("eager", "graph")), "status": status, "error_type": error_type,
                "duration_ms": round(duration, 1), "created_at": at,
            })


def chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert_all(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in chunks(rows):
        connection.execute(insert(table), list(chunk))


def write(connection: Connection, rows: Rows) -> dict[str, int]:
    """Insert everything; practice answers and attempts get ids in time order."""
    insert_all(connection, Learner.__table__, rows.learners)
    insert_all(connection, LessonOpen.__table__, rows.opens)
    insert_all(connection, HintReveal.__table__, rows.hints)
    insert_all(connection, LessonState.__table__, rows.states)
    rows.practice.sort(key=lambda row: row[0])
    practice_id = (connection.scalar(select(func.max(PracticeAnswer.id))) or 0) + 1
    for offset, chunk in enumerate(chunks(rows.practice)):
        first = practice_id + offset * CHUNK
        connection.execute(insert(PracticeAnswer.__table__), [
            {"id": first + i, "created_at": at, "learner_id": learner, "lesson_slug": slug, "question_id": qid,
             "choice": choice, "correct": right, "first_try": first_try}
            for i, (at, learner, slug, qid, choice, right, first_try) in enumerate(chunk)
        ])
    rows.attempts.sort(key=lambda row: row[0])
    attempt_id = (connection.scalar(select(func.max(TestAttempt.id))) or 0) + 1
    answer_id = (connection.scalar(select(func.max(TestAnswer.id))) or 0) + 1
    test_answers = 0
    for offset, chunk in enumerate(chunks(rows.attempts, CHUNK // 10)):
        first = attempt_id + offset * (CHUNK // 10)
        connection.execute(insert(TestAttempt.__table__), [
            {"id": first + i, "created_at": at, "learner_id": learner, "lesson_slug": slug, "score": score,
             "total": total}
            for i, (at, learner, slug, score, total, _answers) in enumerate(chunk)
        ])
        answer_rows = []
        for i, (*_head, answers) in enumerate(chunk):
            for position, qid, difficulty, choice, right in answers:
                answer_rows.append({"id": answer_id, "attempt_id": first + i, "position": position,
                                    "question_id": qid, "difficulty": difficulty, "choice": choice,
                                    "correct": right})
                answer_id += 1
        connection.execute(insert(TestAnswer.__table__), answer_rows)
        test_answers += len(answer_rows)
    rows.runs.sort(key=lambda row: row["created_at"])
    insert_all(connection, RunRecord.__table__, rows.runs)
    if connection.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("practice_answers", "test_attempts", "test_answers", "runs"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    return {"learners": len(rows.learners), "lesson opens": len(rows.opens), "hint reveals": len(rows.hints),
            "lesson resets": len(rows.states), "practice answers": len(rows.practice),
            "test attempts": len(rows.attempts), "test answers": test_answers, "runs": len(rows.runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=1_000_000, help="practice + test answers in all")
    parser.add_argument("--days", type=int, default=90, help="spread the history over this many days")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: TFP_DATABASE_URL, else the app's SQLite")
    parser.add_argument("--reset", action="store_true", help="delete every row of every table first")
    args = parser.parse_args(argv)
    if args.learners < 1 or args.answers < 0 or args.days < 1:
        parser.error("need --learners >= 1, --answers >= 0 and --days >= 1")

    settings = Settings()
    url = args.database_url or settings.database_url
    logging.getLogger("app.content").setLevel(logging.ERROR)
    library = load_library([settings.content_dir])
    lessons = [lesson for lesson in library.in_catalog_order() if not lesson.draft]
    if not lessons:
        print(f"bench/seed.py: no valid lesson in {settings.content_dir}", file=sys.stderr)
        return 1

    began = time.perf_counter()
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            existing = connection.scalar(select(func.count()).select_from(Learner.__table__)) or 0
        if existing and not args.reset:
            print(f"bench/seed.py: the database already has {existing} learners; pass --reset to delete every "
                  f"row first ({engine.url.render_as_string(hide_password=True)})", file=sys.stderr)
            return 1

        from pwdlib import PasswordHash

        password_hash = PasswordHash.recommended().hash(SEEDED_PASSWORD)
        generator = Generator(lessons, args.days, args.seed, args.answers)
        numbers = list(range(1, args.learners + 1))
        generator.rng.shuffle(numbers)
        for number in numbers:
            generator.learner(number, password_hash)
        generated = time.perf_counter()
        print(f"generated {generator.rows.answers:,} answers for {args.learners:,} learners in "
              f"{generated - began:.1f} s", file=sys.stderr, flush=True)

        with engine.begin() as connection:
            if args.reset:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(delete(table))
            counts = write(connection, generator.rows)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # fresh statistics for the query planner (both databases)
        done = time.perf_counter()
    finally:
        engine.dispose()

    print(f"database         : {engine.url.render_as_string(hide_password=True)}")
    print(f"lessons          : {len(lessons)} from {settings.content_dir}")
    for name, count in counts.items():
        print(f"{name:<17}: {count:,}")
    print(f"answers          : {counts['practice answers'] + counts['test answers']:,} (practice + test)")
    print(f"time             : {done - began:.1f} s in all ({generated - began:.1f} s generating, "
          f"{done - generated:.1f} s inserting and ANALYZE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
