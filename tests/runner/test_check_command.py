"""`tfpatterns check` really runs lesson code in the sandbox and catches a wrong output or answer key."""

import contextlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main
from app.content.library import load_library
from app.content.verify import programs
from app.settings import PROJECT_ROOT
from tests.helpers import line_of, write_lesson

LESSON = PROJECT_ROOT / "content" / "eager-vs-graph.md"


def renamed_copy(suffix: str) -> str:
    """The first lesson under a new slug and new question ids, so copies can be checked side by side."""
    text = LESSON.read_text()
    text = text.replace("slug: eager-vs-graph", f"slug: eager-vs-graph-{suffix}")
    return re.sub(r"^### (\S+) \[(easy|medium|hard)\]$", rf"### \1-{suffix} [\2]", text, flags=re.MULTILINE)


@dataclass
class CheckRun:
    folder: Path
    texts: dict[str, str]
    out: str
    err: str
    exit_code: int

    def reported(self, name: str) -> list[str]:
        """The `path:line: message` lines reported for one file (not the indented diffs under them)."""
        return [line for line in self.out.splitlines() if line.startswith(f"{self.folder / name}:")]


@pytest.fixture(scope="module")
def check_run(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    """One `check` over a good copy of the first lesson and copies broken in one way each: the sandbox takes
    seconds to start, so they share the run."""
    folder = tmp_path_factory.mktemp("lessons")
    repr_option = "\n  ```output\n  tf.Tensor(12, shape=(), dtype=int32)"
    texts = {
        "good.md": renamed_copy("good"),
        "wrong-output.md": renamed_copy("output").replace("[ 6 15 24]\n", "[ 6 15 25]\n", 1),
        "wrong-key.md": renamed_copy("key").replace("- [ ]" + repr_option, "- [x]" + repr_option).replace(
            "- [x]\n  ```output\n  12\n", "- [ ]\n  ```output\n  12\n"),
        "wrong-syntax-output.md": renamed_copy("syntax").replace("tf.Tensor(7,", "tf.Tensor(8,", 1),
    }
    for name, text in texts.items():
        write_lesson(folder, name, text)
    out, err = io.StringIO(), io.StringIO()
    # In a thread of its own, as from a shell: the browser tests' sync Playwright may keep an event loop
    # running in this one, and the command starts its own with asyncio.run().
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), ThreadPoolExecutor(1) as pool:
        exit_code = pool.submit(main, ["check", str(folder)]).result()
    return CheckRun(folder, texts, out.getvalue(), err.getvalue(), exit_code)


def test_check_fails_when_any_lesson_has_a_wrong_output(check_run: CheckRun):
    assert check_run.exit_code == 1


def test_a_wrong_example_output_is_reported_at_its_line_with_a_diff(check_run: CheckRun):
    text = check_run.texts["wrong-output.md"]
    assert check_run.reported("wrong-output.md") == [
        f"{check_run.folder / 'wrong-output.md'}:{line_of(text, '[ 6 15 25]')}: example 'Eager operations run "
        "immediately and hold concrete values': expected '[ 6 15 25]' got '[ 6 15 24]'",
    ]
    assert "-[ 6 15 25]\n    +[ 6 15 24]" in check_run.out


def test_a_wrong_answer_key_names_the_option_the_real_output_supports(check_run: CheckRun):
    text = check_run.texts["wrong-key.md"]
    assert check_run.reported("wrong-key.md") == [
        f"{check_run.folder / 'wrong-key.md'}:{line_of(text, '### eager-tensor-numpy-value-key')}: question "
        "'eager-tensor-numpy-value-key': option C is marked correct, but the program prints something else "
        "(option B matches it): expected 'tf.Tensor(12, shape=(), dtype=int32)' got '12'",
    ]


def test_a_wrong_output_in_the_syntax_section_is_reported(check_run: CheckRun):
    text = check_run.texts["wrong-syntax-output.md"]
    assert check_run.reported("wrong-syntax-output.md") == [
        f"{check_run.folder / 'wrong-syntax-output.md'}:{line_of(text, 'tf.Tensor(8,')}: program in '## Syntax': "
        "expected 'tf.Tensor(8, shape=(), dtype=int32)' got 'tf.Tensor(7, shape=(), dtype=int32)'",
    ]


def test_a_lesson_whose_outputs_all_match_is_reported_as_such(check_run: CheckRun):
    assert check_run.reported("good.md") == []
    count = len(programs(load_library([LESSON]).lessons["eager-vs-graph"]))  # every program the lesson has
    assert re.search(rf"good\.md: {count} programs, all outputs match", check_run.err)
    assert "TensorFlow 2." in check_run.err
