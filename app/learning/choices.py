"""Reading the option a learner chose."""

from app.content.schema import Question
from app.errors import InvalidInput


def normalize_choice(question: Question, choice: str) -> str:
    """The option key the learner meant ('b ' -> 'B'), or InvalidInput naming the valid keys."""
    key = choice.strip().upper()
    if key not in question.choice_keys():
        keys = ", ".join(question.choice_keys())
        raise InvalidInput(f"'{choice}' is not one of this question's options; choose one of {keys}.")
    return key
