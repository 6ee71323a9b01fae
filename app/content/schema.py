"""The content model: what a parsed lesson is, as immutable pydantic objects."""

from typing import Literal

from pydantic import BaseModel, ConfigDict

Difficulty = Literal["easy", "medium", "hard"]
Mode = Literal["graph", "eager"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
CHOICE_KEYS = ("A", "B", "C", "D")

REQUIRED_SECTIONS = (
    "Introduction",
    "Syntax",
    "Examples",
    "Sample Model",
    "Important Notes",
    "Summary",
    "Practice",
    "Test",
)
OPTIONAL_SECTIONS = ("Flashcards",)
# Every section a lesson may have, in the order it must have them.
SECTIONS = (*REQUIRED_SECTIONS[:REQUIRED_SECTIONS.index("Practice")], *OPTIONAL_SECTIONS,
            *REQUIRED_SECTIONS[REQUIRED_SECTIONS.index("Practice"):])
QUESTION_SECTIONS = ("Practice", "Test")
MIN_FLASHCARDS = 8
PRACTICE_SIZE = 5
TEST_SIZE = 10


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FrontMatter(Frozen):
    slug: str
    title: str
    topic: str
    category: str
    minutes: int
    order: int
    tags: tuple[str, ...] = ()
    mode: Mode = "graph"
    draft: bool = False


REQUIRED_FRONT_MATTER = ("slug", "title", "topic", "category", "minutes", "order", "tags")


class Choice(Frozen):
    key: str
    text: str
    html: str
    output: str | None = None  # set on predict-the-output questions: the output this option claims


class Question(Frozen):
    id: str
    difficulty: Difficulty
    line: int
    prompt: str
    prompt_html: str
    choices: tuple[Choice, ...]
    correct_choice: str
    solution: tuple[str, ...]
    solution_html: tuple[str, ...]
    final_answer: str
    final_answer_html: str
    quick_check: str
    quick_check_html: str
    hint: str
    hint_html: str
    common_mistakes: tuple[str, ...]
    common_mistakes_html: tuple[str, ...]
    code: str | None = None  # the prompt's python program, if it has one

    @property
    def predicts_output(self) -> bool:
        """A "what does this print" question: its options are outputs, and `check` runs its code."""
        return self.code is not None and any(choice.output is not None for choice in self.choices)

    def choice_keys(self) -> tuple[str, ...]:
        return tuple(choice.key for choice in self.choices)


class Example(Frozen):
    description: str
    code: str
    output: str
    line: int
    output_line: int  # file line of the output block's first line


class Listing(Frozen):
    """A ```python block directly followed by an ```output block, anywhere in a lesson: a program and what
    the lesson says it prints, which `check` runs and compares."""

    where: str  # how `check` names it: "example '...'", "Sample Model", "program in '## Syntax'", ...
    code: str
    output: str
    line: int  # file line of the ```python fence
    output_line: int  # file line of the output block's first line


class Section(Frozen):
    id: str
    title: str
    html: str


class Flashcard(Frozen):
    """One card of a lesson's deck: a cue and its answer, rendered."""

    id: str
    line: int
    front_html: str
    back_html: str


class Note(Frozen):
    """One labelled point of Important Notes ("Time cost", "Common mistake", ...), for the recap."""

    label: str
    html: str


class Lesson(Frozen):
    slug: str
    title: str
    topic: str
    category: str
    minutes: int
    order: int
    tags: tuple[str, ...]
    mode: Mode
    draft: bool
    path: str
    sections: tuple[Section, ...]
    examples: tuple[Example, ...]
    sample: Example
    practice: tuple[Question, ...]
    test_bank: tuple[Question, ...]
    fingerprint: str
    listings: tuple[Listing, ...] = ()  # every program with its output, in reading order
    notes: tuple[Note, ...] = ()  # the labelled points of Important Notes, in order
    flashcards: tuple[Flashcard, ...] = ()
    links: tuple[tuple[int, str], ...] = ()  # (file line, href) of every link, for the library's link check

    def question(self, question_id: str) -> Question | None:
        """The practice or test question with this id, if the lesson has one."""
        for question in (*self.practice, *self.test_bank):
            if question.id == question_id:
                return question
        return None

    def practice_question(self, question_id: str) -> Question | None:
        return next((q for q in self.practice if q.id == question_id), None)

    def flashcard(self, card_id: str) -> Flashcard | None:
        return next((card for card in self.flashcards if card.id == card_id), None)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def test_question(self, question_id: str) -> Question | None:
        return next((q for q in self.test_bank if q.id == question_id), None)
