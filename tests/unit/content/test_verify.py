"""Comparing what a lesson declares with what its code really printed (no runner needed)."""

import pytest

from app.content.parse import parse_lesson
from app.content.verify import compare, first_difference, matches, observed_output, programs
from app.runner.protocol import RunError, RunResult
from tests.helpers import fixture_text, line_of

PREDICT = '''### predict-prints [medium]

What does this program print?

```python
print("a")
print("b")
```

- [ ]
  ```output
  a
  ```
- [x]
  ```output
  a
  b
  ```
- [ ]
  ```output
  b
  a
  ```
- [ ]
  ```output
  <any>
  a
  ```

Solution:
1. Lines print in order.

Answer: `a` then `b`.

Quick check: Order is kept.

Hint: Read top to bottom.

Common mistakes:
- Reversing them

'''


def lesson_with_predict_question(option_d: str = "<any>\n  a"):
    text = fixture_text().replace("### t-00 [easy]", PREDICT.replace("<any>\n  a", option_d) + "### t-00 [easy]", 1)
    lesson, problems = parse_lesson(text, "lesson.md")
    assert not problems, problems
    return text, lesson


def result(stdout: str = "", stderr: str = "", status: str = "ok", error: RunError | None = None) -> RunResult:
    return RunResult(status=status, mode="graph", stdout=stdout, stderr=stderr, error=error)  # type: ignore[arg-type]


@pytest.mark.parametrize(("expected", "got"), [
    ("a\nb\n", "a\nb\n"),
    ("a\nb", "a   \nb\n\n\n"),  # trailing spaces and blank lines do not count
    ("took <any> ms\n", "took 12.5 ms\n"),
    ("start\n<any lines>\nend\n", "start\nx\ny\nend\n"),
    ("start\n<any lines>\nend\n", "start\nend\n"),
    ("<any>: <any>\n", "ValueError: bad\n"),
])
def test_outputs_that_match(expected: str, got: str):
    assert matches(expected, got)


@pytest.mark.parametrize(("expected", "got"), [
    ("a\nb\n", "a\nc\n"),
    ("a\n", "a\nb\n"),  # extra output is a difference
    ("a\nb\n", "a\n"),
    ("took <any> ms\n", "took 12.5 s\n"),
    ("<any>\n", "one\ntwo\n"),  # <any> never spans lines
    ("x.*\n", "xyz\n"),  # regex characters are literal
    ("  indented\n", "indented\n"),  # leading spaces count
])
def test_outputs_that_differ(expected: str, got: str):
    assert not matches(expected, got)


def test_first_difference_names_the_line_and_both_texts():
    assert first_difference("a\nb\nc\n", "a\nB\nc\n") == (1, "b", "B")
    assert first_difference("a\nb\n", "a\n") == (1, "b", "(end of output)")
    assert first_difference("a\n", "a\nextra\n") == (1, "(end of output)", "extra")


def test_an_uncaught_exception_reads_as_its_last_line():
    error = RunError(type="ValueError", message="bad value", line=3,
                     traceback='Traceback (most recent call last):\n  File "main.py", line 3\nValueError: bad value\n')
    got = observed_output(result("before\n", "warning\n" + error.traceback, "error", error))
    assert got == "before\nwarning\nValueError: bad value\n"


def test_every_example_the_sample_and_predict_questions_are_programs():
    text, lesson = lesson_with_predict_question()
    found = programs(lesson)
    assert [p.what for p in found] == [*(f"example '{e.description}'" for e in lesson.examples), "Sample Model",
                                       "question 'predict-prints'"]
    assert found[-1].line == line_of(text, "### predict-prints")


def test_a_wrong_example_output_is_reported_at_its_output_line():
    text, lesson = lesson_with_predict_question()
    example = programs(lesson)[0]
    problems = compare(example, result("something else\n"))
    assert len(problems) == 1
    first_output_line = example.line
    assert text.splitlines()[first_output_line - 1] == lesson.examples[0].output.splitlines()[0]
    assert problems[0].line == first_output_line
    assert f"expected {lesson.examples[0].output.splitlines()[0]!r} got 'something else'" in problems[0].message
    assert "--- expected" in problems[0].message


def test_the_option_marked_correct_must_be_the_real_output():
    _, lesson = lesson_with_predict_question()
    question = programs(lesson)[-1]
    assert compare(question, result("a\nb\n")) == []
    problems = compare(question, result("b\na\n"))
    assert len(problems) == 1
    assert "option B is marked correct" in problems[0].message and "option C matches it" in problems[0].message


def test_the_report_names_the_option_the_output_supports():
    _, lesson = lesson_with_predict_question()
    question = programs(lesson)[-1]
    assert "option D matches it" in compare(question, result("x\na\n"))[0].message
    assert "no option matches it" in compare(question, result("z\n"))[0].message


def test_another_option_fitting_the_real_output_too_is_reported():
    _, lesson = lesson_with_predict_question(option_d="<any>\n  <any>")
    problems = compare(programs(lesson)[-1], result("a\nb\n"))
    assert [p.message for p in problems] == [
        "question 'predict-prints': option(s) D also match the real output; exactly one option may"]


def test_a_run_that_did_not_finish_is_reported():
    _, lesson = lesson_with_predict_question()
    problems = compare(programs(lesson)[0], result(status="timeout", error=RunError(type="Timeout", message="10 s")))
    assert "did not run to the end: timeout (10 s)" in problems[0].message


def test_a_program_outside_the_examples_and_the_sample_is_checked_at_its_output_line():
    text = fixture_text().replace("```python\nx = 1\n```", "```python\nprint(7)\n```\n```output\n7\n```", 1)
    lesson, problems = parse_lesson(text, "lesson.md")
    assert not problems and lesson is not None
    syntax = next(p for p in programs(lesson) if p.what == "program in '## Syntax'")
    assert (syntax.code, syntax.expected, syntax.line) == ("print(7)\n", "7\n", line_of(text, "print(7)") + 3)
    [problem] = compare(syntax, result("8\n"))
    assert (problem.line, problem.message.splitlines()[0]) == (
        syntax.line, "program in '## Syntax': expected '7' got '8'")
