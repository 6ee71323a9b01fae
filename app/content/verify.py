"""Executable checks: run a lesson's code in the learners' sandbox and compare what it really prints.

Every ```python block directly followed by an ```output block (the examples, the sample program, and any
other, wherever it stands) and every predict-the-output question is run through the same runner learners
use, in the lesson's mode. Outputs are compared line by line after trimming trailing whitespace;
`<any>` inside an expected line matches any text on that line, and a line that is exactly `<any lines>`
matches any number of whole lines.
"""

import asyncio
import difflib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.content.parse import Problem
from app.content.schema import Lesson, Question
from app.runner.client import Runner, RunnerBusy
from app.runner.protocol import RunRequest, RunResult

VARIABLE_TEXT = "<any>"
VARIABLE_LINES = "<any lines>"
DIFF_LINES = 12
BUSY_RETRY_S = 0.1


@dataclass(frozen=True)
class Program:
    """One piece of lesson code to run, and what the lesson says it prints."""

    lesson: Lesson
    what: str
    line: int
    code: str
    expected: str | None = None  # a program followed by its ```output block
    question: Question | None = None  # predict-the-output questions: the options are the expectations


@dataclass(frozen=True)
class LessonReport:
    lesson: Lesson
    programs: int
    problems: list[Problem]
    seconds: float


def programs(lesson: Lesson) -> list[Program]:
    """Every program with an output block (examples, the sample, and any in other sections or questions),
    then every predict-the-output question."""
    found = [Program(lesson, listing.where, listing.output_line, listing.code, listing.output)
             for listing in lesson.listings]
    for question in (*lesson.practice, *lesson.test_bank):
        if question.predicts_output and question.code is not None:
            found.append(Program(lesson, f"question '{question.id}'", question.line, question.code,
                                 question=question))
    return found


def lines_of(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@lru_cache(maxsize=1024)
def _line_pattern(expected_line: str) -> re.Pattern[str]:
    return re.compile("[^\n]*".join(re.escape(part) for part in expected_line.split(VARIABLE_TEXT)))


@lru_cache(maxsize=256)
def _pattern(expected: str) -> re.Pattern[str]:
    pieces = []
    for line in lines_of(expected):
        if line.strip() == VARIABLE_LINES:
            pieces.append("(?:[^\n]*\n)*")
        else:
            pieces.append(_line_pattern(line).pattern + "\n")
    return re.compile("".join(pieces))


def matches(expected: str, got: str) -> bool:
    """Does the real output `got` fit the declared `expected` output (with its variable markers)?"""
    text = "".join(line + "\n" for line in lines_of(got))
    return _pattern(expected).fullmatch(text) is not None


def first_difference(expected: str, got: str) -> tuple[int, str, str]:
    """(0-based expected line, expected text, real text) of the first line that does not fit."""
    want, have = lines_of(expected), lines_of(got)
    for i, line in enumerate(want):
        if line.strip() == VARIABLE_LINES:
            return i, line, have[i] if i < len(have) else "(end of output)"
        real = have[i] if i < len(have) else None
        if real is None:
            return i, line, "(end of output)"
        if not _line_pattern(line).fullmatch(real):
            return i, line, real
    return len(want), "(end of output)", have[len(want)] if len(have) > len(want) else "(end of output)"


def short_diff(expected: str, got: str) -> str:
    diff = list(difflib.unified_diff(lines_of(expected), lines_of(got), "expected", "got", lineterm="", n=1))
    if len(diff) > DIFF_LINES:
        diff = [*diff[:DIFF_LINES], f"... ({len(diff) - DIFF_LINES} more diff lines)"]
    return "\n".join("    " + line for line in diff)


def observed_output(result: RunResult) -> str:
    """What a reader of the lesson sees: stdout, then stderr with an uncaught traceback cut to one line."""
    stderr = result.stderr
    if result.error is not None:
        last = f"{result.error.type}: {result.error.message}".rstrip(": ") + "\n"
        if result.error.traceback and result.error.traceback in stderr:
            stderr = stderr.replace(result.error.traceback, last)
        else:
            stderr += last
    return result.stdout + stderr


def compare(program: Program, result: RunResult) -> list[Problem]:
    path = program.lesson.path
    if result.status not in ("ok", "error"):
        detail = f" ({result.error.message})" if result.error else ""
        return [Problem(path, program.line, f"{program.what} did not run to the end: {result.status}{detail}")]
    got = observed_output(result)
    if program.question is None:
        expected = program.expected or ""
        if matches(expected, got):
            return []
        index, want, have = first_difference(expected, got)
        return [Problem(path, program.line + index,
                        f"{program.what}: expected {want!r} got {have!r}\n{short_diff(expected, got)}")]

    question = program.question
    fitting = [choice.key for choice in question.choices if choice.output is not None and matches(choice.output, got)]
    problems = []
    correct = next(choice for choice in question.choices if choice.key == question.correct_choice)
    if correct.key not in fitting:
        supported = f"option {fitting[0]} matches it" if fitting else "no option matches it"
        index, want, have = first_difference(correct.output or "", got)
        problems.append(Problem(
            path, question.line,
            f"{program.what}: option {correct.key} is marked correct, but the program prints something else "
            f"({supported}): expected {want!r} got {have!r}\n{short_diff(correct.output or '', got)}",
        ))
    others = [key for key in fitting if key != correct.key]
    if correct.key in fitting and others:
        problems.append(Problem(path, question.line, f"{program.what}: option(s) {', '.join(others)} also match "
                                "the real output; exactly one option may"))
    return problems


async def _run(runner: Runner, code: str, mode: str) -> RunResult:
    while True:
        try:
            return await runner.run(RunRequest(code=code, mode=mode))  # type: ignore[arg-type]
        except RunnerBusy:
            await asyncio.sleep(BUSY_RETRY_S)


async def verify_lessons(
    lessons: Sequence[Lesson], runner: Runner, *, concurrency: int,
    on_lesson: Callable[[LessonReport], None] = lambda report: None,
) -> list[LessonReport]:
    """Run every lesson's programs, `concurrency` at a time; report each lesson as soon as it is done."""
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()

    async def run_program(program: Program) -> list[Problem]:
        async with gate:
            result = await _run(runner, program.code, program.lesson.mode)
        return compare(program, result)

    async def run_lesson(lesson: Lesson) -> LessonReport:
        found = programs(lesson)
        results = await asyncio.gather(*(run_program(program) for program in found))
        report = LessonReport(lesson, len(found), sorted(p for problems in results for p in problems),
                              time.monotonic() - started)
        on_lesson(report)
        return report

    return list(await asyncio.gather(*(run_lesson(lesson) for lesson in lessons)))
