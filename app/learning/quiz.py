"""The 10-question test: drawing questions from a lesson's bank, grading, keeping attempts.

Each draw shows its questions in a random order and each question's options shuffled. The order is
stored with the draw and the attempt; answers are scored and stored by the option's own key, so the
letter an option was shown under never matters.
"""

import random
import string
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.schema import DIFFICULTIES, TEST_SIZE, Lesson, Question
from app.errors import InvalidInput, NotFound
from app.identity import ensure_learner
from app.learning import review
from app.learning.choices import normalize_choice
from app.learning.models import TestAnswer, TestAttempt, TestDraw
from app.learning.schemas import DifficultyScore, ResultItem, Strength, TestResult

STRONG_RATIO = 0.8
DEVELOPING_RATIO = 0.5


def pick_questions(lesson: Lesson, rng: random.Random, size: int = TEST_SIZE) -> list[Question]:
    """`size` questions from the bank with every difficulty present, in a random order."""
    bank = list(lesson.test_bank)
    chosen: list[Question] = []
    for difficulty in DIFFICULTIES:
        of_level = [q for q in bank if q.difficulty == difficulty]
        if of_level:
            chosen.append(rng.choice(of_level))
    rest = [q for q in bank if q not in chosen]
    chosen += rng.sample(rest, k=max(0, min(size, len(bank)) - len(chosen)))
    rng.shuffle(chosen)
    return chosen


def present(question: Question, order: Sequence[str] | None) -> Question:
    """The question as shown: its options in `order` (their own keys), labelled A, B, C... in that order."""
    if not order or sorted(order) != sorted(question.choice_keys()):
        return question
    by_key = {choice.key: choice for choice in question.choices}
    shown = tuple(by_key[key].model_copy(update={"key": label}) for label, key in zip(string.ascii_uppercase,
                                                                                          order, strict=False))
    return question.model_copy(update={"choices": shown,
                                       "correct_choice": string.ascii_uppercase[order.index(question.correct_choice)]})


def own_key(order: Sequence[str] | None, shown: str) -> str:
    """The option's own key behind the letter it was shown as."""
    return order[string.ascii_uppercase.index(shown)] if order else shown


@dataclass(frozen=True)
class Draw:
    """The questions handed to a learner, as shown, and how to read the letters they answer with."""

    id: int | None
    question_ids: list[str]
    option_orders: dict[str, list[str]]

    def questions(self, lesson: Lesson) -> list[Question]:
        return [present(q, self.option_orders.get(q.id)) for qid in self.question_ids
                if (q := lesson.test_question(qid)) is not None]


def draw_test(*, db: Session, learner_id: uuid.UUID, lesson: Lesson, rng: random.Random | None = None) -> Draw:
    """A fresh set of test questions in a random order with shuffled options, remembered for grading."""
    rng = rng or random.Random()
    questions = pick_questions(lesson, rng)
    orders = {q.id: rng.sample(list(q.choice_keys()), k=len(q.choices)) for q in questions}
    ensure_learner(db=db, learner_id=learner_id)
    row = TestDraw(learner_id=learner_id, lesson_slug=lesson.slug, question_ids=[q.id for q in questions],
                   option_orders=orders)
    db.add(row)
    db.flush()  # its id goes into the test form
    return Draw(row.id, row.question_ids, orders)


def stored_draw(*, db: Session, learner_id: uuid.UUID, lesson: Lesson, draw_id: int | None = None) -> Draw | None:
    """The learner's draw `draw_id` for this lesson, or their most recent one; None if there is none."""
    query = select(TestDraw).where(TestDraw.learner_id == learner_id, TestDraw.lesson_slug == lesson.slug)
    if draw_id is not None:
        query = query.where(TestDraw.id == draw_id)
    row = db.scalars(query.order_by(TestDraw.id.desc()).limit(1)).first()
    return Draw(row.id, list(row.question_ids), dict(row.option_orders or {})) if row else None


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


def grade_test(*, db: Session, learner_id: uuid.UUID, lesson: Lesson, answers: Mapping[str, str],
               draw: Draw | None = None) -> tuple[TestResult, int]:
    """Grade and store an attempt; unanswered questions of the draw count as wrong.

    `answers` name options by the letters they were shown under in `draw` (the learner's latest draw when
    omitted; without one, the questions answered, as written). Returns the result and the attempt's id.
    """
    if draw is None:
        draw = stored_draw(db=db, learner_id=learner_id, lesson=lesson)
    orders = draw.option_orders if draw and set(answers) <= set(draw.question_ids) else {}
    questions = [present(q, orders.get(q.id))
                 for q in _question_set(lesson, answers, draw.question_ids if draw else None)]
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
                                 choice=own_key(orders.get(question.id), choice) if choice else None,
                                 correct=correct))
    score = sum(r.correct for r in results)
    total = len(results)
    ensure_learner(db=db, learner_id=learner_id)
    for question in questions:
        if keys.get(question.id) not in (None, question.correct_choice):  # answered, and wrongly
            review.add_question(db=db, learner_id=learner_id, lesson=lesson, question=question)
    attempt = TestAttempt(learner_id=learner_id, lesson_slug=lesson.slug, score=score, total=total,
                          option_orders={q.id: orders[q.id] for q in questions if q.id in orders},
                          answers=stored)
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


@dataclass(frozen=True)
class Reviewed:
    """One answer of an attempt as the learner saw it: the letter chosen (None: unanswered)."""

    choice: str | None
    correct: bool


def review_of(attempt: TestAttempt, lesson: Lesson) -> list[tuple[Reviewed, Question]]:
    """Each answered question of an attempt, with its options in the order they were shown."""
    orders = attempt.option_orders or {}
    review = []
    for answer in attempt.answers:
        question = lesson.test_question(answer.question_id)
        if question is None:
            continue
        order = orders.get(question.id)
        shown = answer.choice
        if order and answer.choice in order:
            shown = string.ascii_uppercase[order.index(answer.choice)]
        review.append((Reviewed(shown, answer.correct), present(question, order)))
    return review


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
        results=[ResultItem(id=q.id, correct=reviewed.correct, correct_choice=q.correct_choice)
                 for reviewed, q in review_of(attempt, lesson)],
    )
