"""The lesson parser: every part of a lesson is read, and every problem names its line."""

import pytest

from app.content.parse import parse_lesson
from tests.helpers import fixture_text, line_of


def problems_of(text: str) -> list[str]:
    _, problems = parse_lesson(text, "lesson.md")
    return [str(p) for p in problems]


def test_a_complete_lesson_is_read_with_every_part():
    lesson, problems = parse_lesson(fixture_text(), "lesson.md")
    assert problems == []
    assert lesson is not None
    assert [s.title for s in lesson.sections] == [
        "Introduction", "Syntax", "Examples", "Sample Model", "Important Notes", "Summary",
    ]
    assert len(lesson.practice) == 5
    assert len(lesson.test_bank) == 12
    first = lesson.practice[0]
    assert (first.id, first.difficulty, first.correct_choice) == ("p-one", "easy", "A")
    assert [c.key for c in first.choices] == ["A", "B", "C", "D"]
    assert first.solution == ("First step for p-one.", "Second step for p-one.")
    assert first.hint == "hint for p-one"
    assert first.common_mistakes == ("mistake one for p-one", "mistake two for p-one")
    assert lesson.examples[0].output == "1\n"
    assert lesson.sample.code == "print(2)\n"


def test_code_is_highlighted_and_outputs_are_marked():
    lesson, _ = parse_lesson(fixture_text(), "lesson.md")
    assert lesson is not None
    examples = next(s for s in lesson.sections if s.id == "examples")
    assert '<span class="nb">print</span>' in examples.html
    assert '<pre class="output"' in examples.html


def test_a_missing_front_matter_key_is_reported():
    text = fixture_text().replace("minutes: 3\n", "")
    assert "lesson.md:1: front matter is missing 'minutes'" in problems_of(text)


def test_an_unknown_front_matter_key_suggests_the_nearest_valid_key():
    text = fixture_text().replace("title: Fixture lesson", "titel: Fixture lesson")
    assert "lesson.md:3: unknown front-matter key 'titel' (did you mean 'title'?)" in problems_of(text)


def test_malformed_front_matter_yaml_is_reported_at_its_line():
    text = fixture_text().replace("tags: [a]", "tags: [a")
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].startswith("lesson.md:") and "front matter is not valid YAML" in problems[0]


def test_a_file_without_front_matter_is_reported_at_line_one():
    assert problems_of("# Just a heading\n") == [
        "lesson.md:1: the file must start with front matter between two '---' lines"
    ]


def test_two_correct_options_are_reported_at_the_options():
    text = fixture_text().replace("- [ ] option c of p-two", "- [x] option c of p-two")
    line = line_of(text, "option a of p-two")
    assert f"lesson.md:{line}: question 'p-two' has 2 options marked [x]; exactly one must be correct" in (
        problems_of(text)
    )


def test_a_question_needs_four_options():
    text = fixture_text().replace("- [ ] option d of p-two\n", "")
    assert any("question 'p-two' has 3 options; it needs exactly 4" in p for p in problems_of(text))


def test_practice_needs_exactly_five_questions():
    text = fixture_text()
    start, end = text.index("### p-five"), text.index("## Test")
    text = text[:start] + text[end:]
    assert any("Practice has 4 questions; it needs exactly 5" in p for p in problems_of(text))


def test_the_test_bank_needs_every_difficulty():
    text = fixture_text()
    for number in range(8, 12):
        text = text.replace(f"### t-{number:02d} [hard]", f"### t-{number:02d} [medium]")
    assert any("Test has no hard question" in p for p in problems_of(text))


def test_the_test_bank_needs_at_least_ten_questions():
    text = fixture_text()
    text = text[: text.index("### t-09")]
    assert any("Test has 9 questions; it needs at least 10" in p for p in problems_of(text))


def test_question_ids_must_be_unique_in_a_lesson():
    text = fixture_text().replace("### t-00 [easy]", "### p-one [easy]")
    assert any("question id 'p-one' is used twice in this lesson" in p for p in problems_of(text))


def test_an_empty_hint_is_reported_at_its_line():
    text = fixture_text().replace("Hint: hint for p-three", "Hint:")
    line = line_of(text, "Quick check: check p-three") + 2
    assert f"lesson.md:{line}: question 'p-three': 'Hint:' is empty" in problems_of(text)


def test_a_solution_without_steps_is_reported():
    text = fixture_text().replace("1. First step for p-four.\n2. Second step for p-four.\n", "")
    assert any("question 'p-four': 'Solution:' needs a numbered list" in p for p in problems_of(text))


def test_a_missing_section_is_reported():
    text = fixture_text().replace("## Summary\n- s\n", "")
    assert any("missing section '## Summary'" in p for p in problems_of(text))


def test_sections_out_of_order_are_reported():
    text = fixture_text()
    syntax = text[text.index("## Syntax"): text.index("## Examples")]
    text = text.replace(syntax, "")
    text = text.replace("## Summary", syntax + "## Summary")
    assert any("section '## Syntax' is out of order" in p for p in problems_of(text))


def test_a_heading_inside_a_code_block_is_not_structure():
    text = fixture_text().replace("print(1)\n", "print(1)\n## Practice\n")
    assert problems_of(text) == []


def test_a_code_block_without_a_language_is_reported():
    text = fixture_text().replace("```python\nx = 1\n```", "```\nx = 1\n```")
    line = line_of(text, "x = 1") - 1
    assert f"lesson.md:{line}: code block has no language: write ```python, ```output or ```text" in (
        problems_of(text)
    )


def test_raw_html_in_a_lesson_is_shown_as_text_not_run():
    text = fixture_text().replace("Intro.", "Intro <script>alert(1)</script> <img src=x onerror=alert(1)>")
    lesson, _ = parse_lesson(text, "lesson.md")
    assert lesson is not None
    html = lesson.sections[0].html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_a_javascript_link_is_never_a_live_link():
    text = fixture_text().replace("Intro.", "[click](javascript:alert(1)) [ok](https://example.org)")
    lesson, _ = parse_lesson(text, "lesson.md")
    assert lesson is not None
    html = lesson.sections[0].html
    assert 'href="javascript:' not in html
    assert 'href="https://example.org"' in html


def test_mode_and_draft_are_optional_front_matter():
    lesson, _ = parse_lesson(fixture_text(), "lesson.md")
    assert lesson is not None and (lesson.mode, lesson.draft) == ("graph", False)
    text = fixture_text().replace("minutes: 3\n", "minutes: 3\nmode: eager\ndraft: true\n")
    lesson, problems = parse_lesson(text, "lesson.md")
    assert problems == [] and lesson is not None and (lesson.mode, lesson.draft) == ("eager", True)


def test_an_unknown_mode_is_reported_at_its_line():
    text = fixture_text().replace("minutes: 3\n", "minutes: 3\nmode: lazy\n")
    assert problems_of(text) == [f"lesson.md:{line_of(text, 'mode: lazy')}: front matter 'mode': "
                                 "Input should be 'graph' or 'eager'"]


OUTPUT_OPTIONS = """- [x]
  ```output
  1
  ```
- [ ]
  ```output
  2
  ```
- [ ]
  ```output
  3
  ```
- [ ] {last}"""


def predict_question(last: str, code: bool = True) -> str:
    text = fixture_text()
    options = "\n".join(f"- [{'x' if n == 0 else ' '}] option {c} of p-one" for n, c in enumerate("abcd"))
    assert options in text
    program = "```python\nprint(1)\n```\n\n" if code else ""
    return text.replace("- [x] option a of p-one", program + "- [x] option a of p-one").replace(
        options, OUTPUT_OPTIONS.format(last=last))


def test_options_written_as_output_blocks_make_a_predict_the_output_question():
    lesson, problems = parse_lesson(predict_question("\n  ```output\n  4\n  ```"), "lesson.md")
    assert problems == [] and lesson is not None
    question = lesson.practice[0]
    assert question.predicts_output and question.code == "print(1)\n"
    assert [c.output for c in question.choices] == ["1\n", "2\n", "3\n", "4\n"]
    assert '<pre class="output"' in question.choices[0].html


def test_mixing_output_and_prose_options_is_reported():
    text = predict_question("four")
    assert any("some options are ```output blocks and some are not" in p for p in problems_of(text))


def test_output_options_need_the_program_in_the_prompt():
    text = predict_question("\n  ```output\n  4\n  ```", code=False)
    assert any("its prompt needs the ```python program" in p for p in problems_of(text))


def test_variable_markers_show_as_an_ellipsis():
    text = fixture_text().replace("```output\n1\n```", "```output\ntook <any> ms\n<any lines>\n```", 1)
    lesson, problems = parse_lesson(text, "lesson.md")
    assert problems == [] and lesson is not None
    examples = next(s for s in lesson.sections if s.id == "examples")
    assert "took … ms\n…\n" in examples.html and "any" not in examples.html


def test_a_link_to_a_missing_anchor_or_a_relative_file_is_reported():
    text = fixture_text().replace("## Summary\n", "## Summary\n\nSee [notes](#nowhere) and [x](other.md), "
                                  "[ok](#examples) and [web](https://tensorflow.org).\n", 1)
    line = line_of(text, "See [notes]")
    assert problems_of(text) == [
        f"lesson.md:{line}: link to '#nowhere': this page has no such anchor",
        f"lesson.md:{line}: link to 'other.md': link to another lesson as /lessons/<slug>",
    ]


def test_minutes_far_from_the_length_of_the_lesson_is_reported():
    text = fixture_text().replace("minutes: 3\n", "minutes: 45\n")
    [problem] = problems_of(text)
    assert problem.startswith(f"lesson.md:{line_of(text, 'minutes: 45')}: minutes is 45, but reading this lesson")


SYNTAX_PAIR = "```python\nx = 1\n```\n```output\nunchecked\n```"


def test_a_python_block_right_before_an_output_block_is_a_program_wherever_it_stands():
    text = fixture_text().replace("```python\nx = 1\n```", SYNTAX_PAIR, 1).replace(
        "- **When to use:** d\n", "- **When to use:** d\n\n  ```python\n  print(3)\n  ```\n  ```output\n  3\n  ```\n")
    lesson, problems = parse_lesson(text, "lesson.md")
    assert problems == [] and lesson is not None
    found = [(p.where, p.code, p.output, p.output_line) for p in lesson.listings]
    assert found == [
        ("program in '## Syntax'", "x = 1\n", "unchecked\n", line_of(text, "unchecked")),
        ("example 'One'", "print(1)\n", "1\n", line_of(text, "print(1)") + 3),
        ("Sample Model", "print(2)\n", "2\n", line_of(text, "print(2)") + 3),
        ("program in '## Important Notes'", "print(3)\n", "3\n", line_of(text, "  3")),
    ]


def test_a_python_block_without_an_output_block_is_a_fragment_and_not_a_program():
    lesson, _ = parse_lesson(fixture_text(), "lesson.md")
    assert lesson is not None
    assert "program in '## Syntax'" not in [p.where for p in lesson.listings]


def test_a_program_in_a_question_is_named_after_the_question():
    text = fixture_text().replace("Answer: option a\n", "Answer: option a, since\n\n```python\nprint(4)\n```\n"
                                  "```output\n4\n```\n", 1)
    lesson, problems = parse_lesson(text, "lesson.md")
    assert problems == [] and lesson is not None
    assert ("program in question 'p-one'", "4\n") in [(p.where, p.output) for p in lesson.listings]


def test_an_output_block_that_does_not_follow_python_code_is_reported_at_its_line():
    text = fixture_text().replace("## Summary\n- s\n", "## Summary\n- s\n\nIt prints:\n\n```output\n5\n```\n", 1)
    line = line_of(text, "It prints:") + 2
    assert problems_of(text) == [
        f"lesson.md:{line}: this ```output block does not come right after a ```python block, so `check` cannot "
        "verify it: put it directly below the code that prints it, or make it a ```text block"
    ]


def test_an_example_output_separated_from_its_code_by_prose_is_reported():
    text = fixture_text().replace("print(1)\n```\n```output", "print(1)\n```\n\nThis prints:\n\n```output", 1)
    line = line_of(text, "This prints:") + 2
    assert any(p.startswith(f"lesson.md:{line}: this ```output block does not come right after") for p in
               problems_of(text))


def test_output_options_of_a_predict_the_output_question_are_not_stray_outputs():
    assert problems_of(predict_question("\n  ```output\n  4\n  ```")) == []


# question p-two written wrong in one way: (fixture text, written instead, text on the line to fix, problem)
QUESTION_MISTAKES = [
    ("### p-two [easy]", "### p-two easy", "### p-two",
     "question heading '### p-two easy' must be '### question-id [easy|medium|hard]'"),
    ("### p-two [easy]", "### P_two [easy]", "### P_two",
     "question 'P_two': id must be lowercase letters, digits and hyphens"),
    ("### p-two [easy]", "### p-two [tricky]", "### p-two",
     "question 'p-two': difficulty 'tricky' must be easy, medium or hard"),
    ("- [ ] option a of p-two\n- [x] option b of p-two\n- [ ] option c of p-two\n- [ ] option d of p-two\n",
     "", "### p-two",
     "question 'p-two' has no options: write four '- [ ] option' lines, one as '- [x]'"),
    ("Which option is right for `p-two`?\n\n", "", "### p-two", "question 'p-two' has no prompt before its options"),
    ("- [ ] option c of p-two", "- option c of p-two", "- option c of p-two",
     "question 'p-two': every option must start with '[ ]' or '[x]'"),
    ("- [ ] option a of p-two", "- [ ]", "- [ ]", "question 'p-two': option 1 is empty"),
    ("- [x] option b of p-two", "- [ ] option b of p-two", "option a of p-two",
     "question 'p-two' has 0 options marked [x]; exactly one must be correct"),
    ("Answer: option b\n", "Answer: option b\n\n> quoted\n", "> quoted",
     "question 'p-two': unexpected block after the options; use 'Solution:', 'Answer:', 'Quick check:', "
     "'Hint:', 'Common mistakes:'"),
    ("Hint: hint for p-two\n", "Hint: hint for p-two\n\nHint: again\n", "Hint: again",
     "question 'p-two': 'Hint:' appears twice"),
    ("Quick check: check p-two\n\n", "", "### p-two", "question 'p-two' is missing 'Quick check:'"),
    ("Solution:\n", "Solution: see below\n", "Solution: see below",
     "question 'p-two': put the numbered of 'Solution:' in a list on the next lines"),
    ("Common mistakes:\n- mistake one for p-two\n- mistake two for p-two\n", "Common mistakes:\n",
     "Common mistakes:", "question 'p-two': 'Common mistakes:' needs a bulleted list with no empty items"),
]


@pytest.mark.parametrize(("old", "new", "needle", "message"), QUESTION_MISTAKES)
def test_each_question_mistake_is_reported_at_the_line_to_fix(old: str, new: str, needle: str, message: str):
    text = fixture_text()
    start = text.index("### p-two")
    text = text[:start] + text[start:].replace(old, new, 1)
    line = text[:start].count("\n") + line_of(text[start:], needle)
    assert f"lesson.md:{line}: {message}" in problems_of(text)


def test_text_after_the_options_without_a_label_is_reported():
    text = fixture_text().replace("- [ ] option d of p-two\n\n", "- [ ] option d of p-two\n\nStray words.\n\n")
    assert f"lesson.md:{line_of(text, 'Stray words.')}: question 'p-two': text after the options must start with " \
        "a label such as 'Solution:' or 'Hint:'" in problems_of(text)


def test_a_question_with_a_problem_is_not_rendered(monkeypatch):
    from app.content import render

    rendered: list[str] = []
    for name in ("render_block", "render_inline"):
        real = getattr(render, name)
        monkeypatch.setattr(render, name, lambda source, real=real: rendered.append(source) or real(source))
    text = fixture_text().replace("- [ ] option c of p-two", "- [x] option c of p-two").replace(
        "Intro.", "Intro, not cached.")
    assert any("2 options marked [x]" in p for p in problems_of(text))
    assert not [source for source in rendered if "p-two" in source]
