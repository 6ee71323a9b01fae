"""The 10-question test: drawing questions from a lesson's bank, grading, keeping attempts."""

import random
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.schema import DIFFICULTIES, TEST_SIZE, Lesson, Question
from app.errors import InvalidInput, NotFound
from app.identity import ensure_learner
from app.learning.models import TestAnswer, TestAttempt, TestDraw
from app.learning.practice import normalize_choice
from app.learning.schemas import DifficultyScore, ResultItem, Strength, TestResult

STRONG_RATIO = 0.8
DEVELOPING_RATIO = 0.5


def pick_questions(lesson: Lesson, rng: random.Random, size: int = TEST_SIZE) -> list[Question]:
    """`size` questions from the bank with every difficulty present, ordered easy to hard."""
    bank = list(lesson.test_bank)
    chosen: list[Question] = []
    for difficulty in DIFFICULTIES:
        of_level = [q for q in bank if q.difficulty == difficulty]
        if of_level:
            chosen.append(rng.choice(of_level))
    rest = [q for q in bank if q not in chosen]
    chosen += rng.sample(rest, k=max(0, min(size, len(bank)) - len(chosen)))
    rank = {d: i for i, d in enumerate(DIFFICULTIES)}
    position = {q.id: i for i, q in enumerate(lesson.test_bank)}
    return sorted(chosen, key=lambda q: (rank[q.difficulty], position[q.id]))


def draw_test(
    *, db: Session, learner_id: uuid.UUID, lesson: Lesson, rng: random.Random | None = None
) -> list[Question]:
    """A fresh set of test questions, remembered so that grading knows which were skipped."""
    questions = pick_questions(lesson, rng or random.Random())
    ensure_learner(db=db, learner_id=learner_id)
    db.add(TestDraw(learner_id=learner_id, lesson_slug=lesson.slug, question_ids=[q.id for q in questions]))
    return questions


def latest_draw(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> list[str] | None:
    """The question ids of the learner's most recent draw for this lesson, if any."""
    draw = db.scalars(
        select(TestDraw)
        .where(TestDraw.learner_id == learner_id, TestDraw.lesson_slug == lesson.slug)
        .order_by(TestDraw.id.desc())
        .limit(1)
    ).first()
    return list(draw.question_ids) if draw else None


def strength_of(score: int, total: int) -> Strength:
    ratio = score / total if total else 0.0
    if ratio >= STRONG_RATIO:
        return "strong"
    if ratio >= DEVELOPING_RATIO:
        return "developing"
    return "weak"


def _question_set(lesson: Lesson, answers: Mapping[str, str], asked: Sequence[str] | None) -> list[Question]:
    unknown = [qid for qid in answers if lesson.test_question(qid) is None]
    if unknown:
        raise InvalidInput(
            f"Lesson '{lesson.slug}' has no test question {', '.join(repr(u) for u in unknown)}; "
            f"answer the questions from GET /api/lessons/{lesson.slug}/test."
        )
    ids = list(asked) if asked is not None and set(answers) <= set(asked) else list(answers)
    if not ids:
        raise InvalidInput("No answers were sent; answer at least one test question.")
    return [q for qid in ids if (q := lesson.test_question(qid)) is not None]


def grade_test(
    *, db: Session, learner_id: uuid.UUID, lesson: Lesson, answers: Mapping[str, str],
    asked: Sequence[str] | None = None,
) -> tuple[TestResult, int]:
    """Grade and store an attempt; unanswered questions of the draw count as wrong.

    `asked` is the list of questions the learner was shown; when omitted, the
    learner's latest draw is used, and without one just the answered questions.
    Returns the result and the stored attempt's id.
    """
    if asked is None:
        asked = latest_draw(db=db, learner_id=learner_id, lesson=lesson)
    questions = _question_set(lesson, answers, asked)
    keys = {q.id: normalize_choice(q, answers[q.id]) for q in questions if q.id in answers}

    by_difficulty = {d: DifficultyScore(correct=0, total=0) for d in DIFFICULTIES}
    results: list[ResultItem] = []
    stored: list[TestAnswer] = []
    for position, question in enumerate(questions):
        choice = keys.get(question.id)
        correct = choice == question.correct_choice
        level = by_difficulty[question.difficulty]
        level.total += 1
        level.correct += correct
        results.append(ResultItem(id=question.id, correct=correct, correct_choice=question.correct_choice))
        stored.append(TestAnswer(position=position, question_id=question.id, difficulty=question.difficulty,
                                 choice=choice, correct=correct))
    score = sum(r.correct for r in results)
    total = len(results)
    ensure_learner(db=db, learner_id=learner_id)
    attempt = TestAttempt(learner_id=learner_id, lesson_slug=lesson.slug, score=score, total=total, answers=stored)
    db.add(attempt)
    db.flush()
    result = TestResult(score=score, total=total, by_difficulty=by_difficulty,
                        strength=strength_of(score, total), results=results)
    return result, attempt.id


def stored_attempt(*, db: Session, learner_id: uuid.UUID, lesson: Lesson, attempt_id: int) -> TestAttempt:
    """One of this learner's attempts at this lesson's test; someone else's is NotFound."""
    attempt = db.get(TestAttempt, attempt_id)
    if attempt is None or attempt.learner_id != learner_id or attempt.lesson_slug != lesson.slug:
        raise NotFound("That test attempt does not exist.")
    return attempt


def result_of(attempt: TestAttempt, lesson: Lesson) -> TestResult:
    """The TestResult of a stored attempt, as it was graded, with today's answer keys."""
    by_difficulty = {d: DifficultyScore(correct=0, total=0) for d in DIFFICULTIES}
    for answer in attempt.answers:
        level = by_difficulty.setdefault(answer.difficulty, DifficultyScore(correct=0, total=0))
        level.total += 1
        level.correct += answer.correct
    return TestResult(
        score=attempt.score, total=attempt.total, by_difficulty=by_difficulty,
        strength=strength_of(attempt.score, attempt.total),
        results=[
            ResultItem(id=a.question_id, correct=a.correct, correct_choice=q.correct_choice)
            for a in attempt.answers
            if (q := lesson.test_question(a.question_id)) is not None
        ],
    )
