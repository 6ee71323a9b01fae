"""Spaced review: a learner's flashcards (from lessons they opened) and the questions they got wrong,
scheduled with FSRS (the maintained `fsrs` package), across every lesson."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.content.library import Library
from app.content.schema import Flashcard, Lesson, Question
from app.db import failure_of
from app.errors import InvalidInput, NotFound
from app.identity import ensure_learner
from app.learning.choices import normalize_choice
from app.learning.models import ReviewItem
from app.learning.schemas import Feedback
from app.timeutil import as_utc, utcnow

logger = logging.getLogger(__name__)
RatingName = Literal["again", "hard", "good", "easy"]
RATINGS: dict[str, Rating] = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
# No fuzzing: the next due time is exactly what FSRS computes, so learners and tests can rely on it.
SCHEDULER = Scheduler(enable_fuzzing=False)
MAX_DUE = 50


def card_item_id(lesson: Lesson, card: Flashcard) -> str:
    return f"card:{lesson.slug}:{card.id}"


def question_item_id(lesson: Lesson, question: Question) -> str:
    return f"question:{lesson.slug}:{question.id}"


def _new_item(learner_id: uuid.UUID, item_id: str, kind: str, lesson: Lesson, now: datetime) -> ReviewItem:
    card = Card(due=now)
    return ReviewItem(learner_id=learner_id, item_id=item_id, kind=kind, lesson_slug=lesson.slug,
                      state=card.to_dict(), due_at=now, reviews=0, added_at=now)


def add_lesson_cards(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> None:
    """Put the lesson's flashcards into the learner's review, due now (those already there stay as they are).

    Best effort: opening a lesson must work even when the database cannot save.
    """
    if not lesson.flashcards:
        return
    wanted = {card_item_id(lesson, card) for card in lesson.flashcards}
    have = set(db.scalars(select(ReviewItem.item_id).where(ReviewItem.learner_id == learner_id,
                                                           ReviewItem.item_id.in_(wanted))))
    if not wanted - have:
        return
    now = utcnow()
    try:
        with db.begin_nested():
            ensure_learner(db=db, learner_id=learner_id)
            db.add_all(_new_item(learner_id, item, "card", lesson, now) for item in sorted(wanted - have))
            db.flush()
    except DBAPIError as error:
        if failure_of(error) is None:
            raise
        logger.warning("could not put a lesson's cards into review (%s)", failure_of(error))


def add_question(*, db: Session, learner_id: uuid.UUID, lesson: Lesson, question: Question) -> None:
    """Put a question the learner got wrong into their review, due now, unless it is there already."""
    item_id = question_item_id(lesson, question)
    if db.get(ReviewItem, (learner_id, item_id)) is None:
        db.add(_new_item(learner_id, item_id, "question", lesson, utcnow()))


@dataclass(frozen=True)
class Due:
    """One item to review now, with the lesson content it refers to."""

    item: ReviewItem
    lesson: Lesson
    card: Flashcard | None = None
    question: Question | None = None


def resolve(library: Library, item: ReviewItem) -> Due | None:
    """The lesson content a review item refers to; None when the lesson or the card is gone."""
    kind, slug, content_id = item.item_id.split(":", 2)
    lesson = library.get(slug)
    if lesson is None:
        return None
    if kind == "card":
        card = lesson.flashcard(content_id)
        return Due(item, lesson, card=card) if card else None
    question = lesson.question(content_id)
    return Due(item, lesson, question=question) if question else None


@dataclass(frozen=True)
class Queue:
    due: list[Due]
    due_count: int
    next_due_at: datetime | None


def queue(*, db: Session, learner_id: uuid.UUID, library: Library) -> Queue:
    """What is due now (oldest first), how much in all, and when the next item falls due."""
    now = utcnow()
    items = db.scalars(select(ReviewItem).where(ReviewItem.learner_id == learner_id, ReviewItem.due_at <= now)
                       .order_by(ReviewItem.due_at, ReviewItem.item_id)).all()
    due = [d for item in items if (d := resolve(library, item)) is not None]
    upcoming = db.scalar(select(func.min(ReviewItem.due_at)).where(ReviewItem.learner_id == learner_id,
                                                                   ReviewItem.due_at > now))
    return Queue(due=due[:MAX_DUE], due_count=len(due), next_due_at=as_utc(upcoming) if upcoming else None)


def find(*, db: Session, learner_id: uuid.UUID, library: Library, item_id: str) -> Due | None:
    """One item of the learner's review, due or not."""
    item = db.get(ReviewItem, (learner_id, item_id))
    return resolve(library, item) if item is not None else None


@dataclass(frozen=True)
class Reviewed:
    next_due_at: datetime
    feedback: Feedback | None = None


def review(*, db: Session, learner_id: uuid.UUID, library: Library, item_id: str,
           rating: str | None = None, choice: str | None = None) -> Reviewed:
    """Record one review: a rating for a card, an answer for a question (right is "good", wrong "again")."""
    due = find(db=db, learner_id=learner_id, library=library, item_id=item_id)
    if due is None:
        raise NotFound("That item is not in your review; GET /api/review lists what is due.")
    feedback = None
    if due.card is not None:
        if rating not in RATINGS:
            raise InvalidInput("Rate the card with one of: again, hard, good, easy.")
        grade = RATINGS[rating]
    else:
        assert due.question is not None
        if not choice:
            raise InvalidInput("Answer the question with one of its options (A, B, C or D).")
        key = normalize_choice(due.question, choice)
        feedback = Feedback.of(due.question, key)
        grade = Rating.Good if feedback.correct else Rating.Again
    now = utcnow()
    item = due.item
    card, _ = SCHEDULER.review_card(Card.from_dict(item.state), grade, now)  # type: ignore[arg-type]
    item.state = card.to_dict()
    item.due_at = card.due
    item.reviews += 1
    return Reviewed(next_due_at=card.due, feedback=feedback)
