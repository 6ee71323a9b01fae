"""Wire shapes of the learning API (fixed by the spec)."""

from typing import Literal

from pydantic import BaseModel, Field

from app.content.schema import Lesson, Question

Strength = Literal["strong", "developing", "weak"]
Difficulty = Literal["easy", "medium", "hard"]


class ChoiceOut(BaseModel):
    key: str
    text: str


class QuestionOut(BaseModel):
    id: str
    difficulty: Difficulty
    prompt: str
    choices: list[ChoiceOut]

    @classmethod
    def of(cls, question: Question) -> "QuestionOut":
        return cls(
            id=question.id,
            difficulty=question.difficulty,
            prompt=question.prompt,
            choices=[ChoiceOut(key=c.key, text=c.text) for c in question.choices],
        )


class LessonSummary(BaseModel):
    slug: str
    title: str
    topic: str
    category: str
    minutes: int

    @classmethod
    def of(cls, lesson: Lesson) -> "LessonSummary":
        return cls(slug=lesson.slug, title=lesson.title, topic=lesson.topic, category=lesson.category,
                   minutes=lesson.minutes)


class SectionOut(BaseModel):
    id: str
    title: str
    html: str


class LessonDetail(LessonSummary):
    sections: list[SectionOut]
    practice: list[QuestionOut]

    @classmethod
    def of(cls, lesson: Lesson) -> "LessonDetail":
        return cls(
            **LessonSummary.of(lesson).model_dump(),
            sections=[SectionOut(id=s.id, title=s.title, html=s.html) for s in lesson.sections],
            practice=[QuestionOut.of(q) for q in lesson.practice],
        )


class AnswerIn(BaseModel):
    choice: str = Field(max_length=8, description="The option's key: A, B, C or D.")


class Feedback(BaseModel):
    correct: bool
    correct_choice: str
    solution: list[str]
    final_answer: str
    quick_check: str
    hint: str
    common_mistakes: list[str]

    @classmethod
    def of(cls, question: Question, choice: str) -> "Feedback":
        return cls(
            correct=choice == question.correct_choice,
            correct_choice=question.correct_choice,
            solution=list(question.solution),
            final_answer=question.final_answer,
            quick_check=question.quick_check,
            hint=question.hint,
            common_mistakes=list(question.common_mistakes),
        )


class TestOut(BaseModel):
    questions: list[QuestionOut]


class TestIn(BaseModel):
    answers: dict[str, str] = Field(description="question id -> chosen key")


class DifficultyScore(BaseModel):
    correct: int
    total: int


class ResultItem(BaseModel):
    id: str
    correct: bool
    correct_choice: str


class TestResult(BaseModel):
    score: int
    total: int
    by_difficulty: dict[Difficulty, DifficultyScore]
    strength: Strength
    results: list[ResultItem]


class PracticeProgress(BaseModel):
    answered: int
    correct: int
    total: int


class TestProgress(BaseModel):
    best_score: int
    attempts: int


class LessonProgress(BaseModel):
    slug: str
    practice: PracticeProgress
    test: TestProgress | None
    completed: bool


class ProgressOut(BaseModel):
    lessons: list[LessonProgress]


class HintRevealed(BaseModel):
    question_id: str
    revealed: bool = True


class FlashcardOut(BaseModel):
    id: str
    front: str = Field(description="HTML")
    back: str = Field(description="HTML")


class ReviewItemOut(BaseModel):
    id: str = Field(description="Send it back to POST /api/review/{id}.")
    kind: Literal["flashcard", "question"]
    lesson: str
    front: str | None = Field(default=None, description="A flashcard's front (HTML); absent for questions.")
    question: QuestionOut | None = Field(default=None, description="A question to answer again; absent for cards.")


class ReviewQueueOut(BaseModel):
    due: list[ReviewItemOut]
    due_count: int
    next_due_at: str | None = Field(description="ISO 8601, when the next item not yet due falls due.")


class ReviewIn(BaseModel):
    rating: Literal["again", "hard", "good", "easy"] | None = Field(default=None, description="For a flashcard.")
    choice: str | None = Field(default=None, max_length=8, description="For a question: the option's key.")


class ReviewedOut(BaseModel):
    next_due_at: str
    correct: bool | None = None
    correct_choice: str | None = None
    solution: list[str] | None = None
    final_answer: str | None = None
    quick_check: str | None = None
    hint: str | None = None
    common_mistakes: list[str] | None = None
