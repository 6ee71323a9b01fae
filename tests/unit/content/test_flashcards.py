"""A lesson's flashcard deck: '## Flashcards' between Summary and Practice, each '### card-id' with a
'Front:' and a 'Back:'; problems carry file:line."""

from app.content.parse import parse_lesson
from tests.helpers import fixture_text, line_of


def card(card_id: str, front: str = "What is it?", back: str = "It is this.") -> str:
    return f"### {card_id}\n\nFront: {front}\n\nBack: {back}\n"


def with_deck(cards: list[str], before: str = "\n## Practice") -> str:
    deck = "\n## Flashcards\n\n" + "\n".join(cards)
    return fixture_text().replace(before, deck + before, 1)


def problems_of(text: str) -> list[str]:
    return [str(problem) for problem in parse_lesson(text, "lesson.md")[1]]


def test_a_deck_of_eight_cards_is_parsed_with_its_sides_rendered():
    text = with_deck([card(f"card-{n}", front=f"What does `f({n})` print?") for n in range(7)]
                     + [card("with-code", back="This:\n\n```python\nx = 1\n```\n\nand more.")])
    lesson, problems = parse_lesson(text, "lesson.md")
    assert problems == [] and lesson is not None
    assert [c.id for c in lesson.flashcards] == [*(f"card-{n}" for n in range(7)), "with-code"]
    assert lesson.flashcards[0].front_html == "<p>What does <code>f(0)</code> print?</p>\n"
    assert "<pre" in lesson.flashcards[-1].back_html and "and more." in lesson.flashcards[-1].back_html
    assert lesson.flashcards[0].line == line_of(text, "### card-0")
    assert "flashcards" not in {section.id for section in lesson.sections}


def test_a_lesson_without_a_deck_is_still_valid():
    lesson, problems = parse_lesson(fixture_text(), "lesson.md")
    assert problems == [] and lesson is not None and lesson.flashcards == ()


def test_a_deck_needs_eight_cards():
    text = with_deck([card(f"card-{n}") for n in range(3)])
    assert problems_of(text) == [f"lesson.md:{line_of(text, '## Flashcards')}: Flashcards needs at least 8 "
                                 "cards ('### card-id'); it has 3"]


def test_a_card_without_a_back_says_which_side_is_missing():
    text = with_deck([card(f"card-{n}") for n in range(7)] + ["### lonely\n\nFront: Only a cue.\n"])
    assert problems_of(text) == [f"lesson.md:{line_of(text, '### lonely')}: flashcard 'lonely' needs a "
                                 "'Back:' paragraph"]


def test_a_card_id_may_not_repeat_a_question_id():
    text = with_deck([card(f"card-{n}") for n in range(7)] + [card("p-one")])
    assert problems_of(text) == [f"lesson.md:{line_of(text, '### p-one')}: id 'p-one' is used twice in this lesson"]


def test_the_deck_must_stand_between_summary_and_practice():
    text = with_deck([card(f"card-{n}") for n in range(8)], before="\n## Summary")
    assert any("'## Summary' is out of order" in p or "'## Flashcards' is out of order" in p
               for p in problems_of(text))
