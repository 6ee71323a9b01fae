"""The learning JSON API: thin routes over the practice, quiz and progress services."""

from fastapi import APIRouter

from app.deps import CurrentLesson, CurrentLibrary, DbSession, LearnerId
from app.learning import events, practice, progress, quiz, review
from app.learning.schemas import (
    AnswerIn,
    Feedback,
    FlashcardOut,
    HintRevealed,
    LessonDetail,
    LessonProgress,
    LessonSummary,
    ProgressOut,
    QuestionOut,
    ReviewedOut,
    ReviewIn,
    ReviewItemOut,
    ReviewQueueOut,
    TestIn,
    TestOut,
    TestResult,
)
from app.web.openapi import errors

router = APIRouter(prefix="/api", tags=["learning"])


@router.get("/lessons")
def list_lessons(library: CurrentLibrary) -> list[LessonSummary]:
    """Every published lesson, in catalog order."""
    return [LessonSummary.of(lesson) for lesson in library.in_catalog_order()]


@router.get("/lessons/{slug}")
def get_lesson(lesson: CurrentLesson) -> LessonDetail:
    """A lesson's sections as HTML and its five practice questions, without their answers."""
    return LessonDetail.of(lesson)


@router.post("/lessons/{slug}/practice/{question_id}/answer")
def answer_practice(lesson: CurrentLesson, question_id: str, body: AnswerIn, db: DbSession,
                    learner_id: LearnerId) -> Feedback:
    """Record this learner's answer; the feedback says whether it was right and why."""
    return practice.record_answer(db=db, learner_id=learner_id, lesson=lesson, question_id=question_id,
                                  choice=body.choice)


@router.post("/lessons/{slug}/practice/{question_id}/hint")
def reveal_hint(lesson: CurrentLesson, question_id: str, db: DbSession, learner_id: LearnerId) -> HintRevealed:
    """Sent by the lesson page when a learner opens a practice question's hint (for question statistics)."""
    events.record_hint_reveal(db=db, learner_id=learner_id, lesson=lesson, question_id=question_id)
    return HintRevealed(question_id=question_id)


@router.get("/lessons/{slug}/test")
def get_test(lesson: CurrentLesson, db: DbSession, learner_id: LearnerId) -> TestOut:
    """Ten questions freshly drawn from the lesson's bank, every difficulty present, in a random order and
    with each question's options shuffled (answer with the letters shown here)."""
    draw = quiz.draw_test(db=db, learner_id=learner_id, lesson=lesson)
    return TestOut(questions=[QuestionOut.of(q) for q in draw.questions(lesson)])


@router.post("/lessons/{slug}/test")
def submit_test(lesson: CurrentLesson, body: TestIn, db: DbSession, learner_id: LearnerId) -> TestResult:
    """Grade the answers against the latest draw: its questions left unanswered count as wrong."""
    result, _ = quiz.grade_test(db=db, learner_id=learner_id, lesson=lesson, answers=body.answers)
    return result


@router.post("/lessons/{slug}/reset")
def reset_lesson(lesson: CurrentLesson, db: DbSession, learner_id: LearnerId) -> LessonProgress:
    """Make this learner's earlier answers in the lesson stop counting (they stay for question statistics)."""
    progress.reset_lesson(db=db, learner_id=learner_id, lesson=lesson)
    db.flush()
    return progress.lesson_progress(db=db, learner_id=learner_id, lesson=lesson)


@router.get("/progress")
def get_progress(library: CurrentLibrary, db: DbSession, learner_id: LearnerId) -> ProgressOut:
    """This learner's practice, best test and completion, per lesson."""
    lessons = library.in_catalog_order()
    return ProgressOut(lessons=progress.progress(db=db, learner_id=learner_id, lessons=lessons))


@router.get("/lessons/{slug}/flashcards")
def get_flashcards(lesson: CurrentLesson) -> list[FlashcardOut]:
    """The lesson's flashcard deck (front and back as HTML); empty for a lesson without one."""
    return [FlashcardOut(id=card.id, front=card.front_html, back=card.back_html) for card in lesson.flashcards]


def review_item_out(due: review.Due) -> ReviewItemOut:
    if due.card is not None:
        return ReviewItemOut(id=due.item.item_id, kind="flashcard", lesson=due.lesson.slug, front=due.card.front_html)
    assert due.question is not None
    return ReviewItemOut(id=due.item.item_id, kind="question", lesson=due.lesson.slug,
                         question=QuestionOut.of(due.question))


@router.get("/review")
def get_review(library: CurrentLibrary, db: DbSession, learner_id: LearnerId) -> ReviewQueueOut:
    """What is due in this learner's spaced review: flashcards of lessons they opened, questions they missed."""
    queue = review.queue(db=db, learner_id=learner_id, library=library)
    return ReviewQueueOut(due=[review_item_out(due) for due in queue.due], due_count=queue.due_count,
                          next_due_at=queue.next_due_at.isoformat() if queue.next_due_at else None)


@router.post("/review/{item_id}", responses=errors(404))
def post_review(item_id: str, body: ReviewIn, library: CurrentLibrary, db: DbSession,
                learner_id: LearnerId) -> ReviewedOut:
    """Rate a flashcard (again, hard, good, easy) or answer a question again; FSRS sets when it is due next."""
    done = review.review(db=db, learner_id=learner_id, library=library, item_id=item_id, rating=body.rating,
                         choice=body.choice)
    feedback = done.feedback.model_dump() if done.feedback else {}
    return ReviewedOut(next_due_at=done.next_due_at.isoformat(), **feedback)
