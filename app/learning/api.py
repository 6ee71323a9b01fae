"""The learning JSON API: thin routes over the practice, quiz and progress services."""

from fastapi import APIRouter

from app.deps import CurrentLesson, CurrentLibrary, DbSession, LearnerId
from app.learning import events, practice, progress, quiz
from app.learning.schemas import (
    AnswerIn,
    Feedback,
    HintRevealed,
    LessonDetail,
    LessonProgress,
    LessonSummary,
    ProgressOut,
    QuestionOut,
    TestIn,
    TestOut,
    TestResult,
)

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
