"""`tfpatterns check` really runs lesson code in the sandbox and catches a wrong output or answer key."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.cli import main
from app.settings import PROJECT_ROOT
from tests.helpers import line_of, write_lesson

LESSON = PROJECT_ROOT / "content" / "eager-vs-graph.md"


def renamed_copy(suffix: str) -> str:
    """The first lesson under a new slug and new question ids, so copies can be checked side by side."""
    text = LESSON.read_text()
    text = text.replace("slug: eager-vs-graph", f"slug: eager-vs-graph-{suffix}")
    return re.sub(r"^### (\S+) \[(easy|medium|hard)\]$", rf"### \1-{suffix} [\2]", text, flags=re.MULTILINE)


def test_check_runs_the_code_and_reports_wrong_outputs_and_answer_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    wrong_output = renamed_copy("output").replace("[ 6 15 24]\n", "[ 6 15 25]\n", 1)
    output_path = write_lesson(tmp_path, "wrong-output.md", wrong_output)
    repr_option = "\n  ```output\n  tf.Tensor(12, shape=(), dtype=int32)"
    wrong_key = renamed_copy("key").replace("- [ ]" + repr_option, "- [x]" + repr_option).replace(
        "- [x]\n  ```output\n  12\n", "- [ ]\n  ```output\n  12\n")
    key_path = write_lesson(tmp_path, "wrong-key.md", wrong_key)
    write_lesson(tmp_path, "good.md", renamed_copy("good"))

    # In a thread of its own, as from a shell: the browser tests' sync Playwright may keep an event loop
    # running in this one, and the command starts its own with asyncio.run().
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(main, ["check", str(tmp_path)]).result() == 1
    captured = capsys.readouterr()
    reported = [line for line in captured.out.splitlines() if not line.startswith(" ")]
    assert sorted(reported) == sorted([
        f"{output_path}:{line_of(wrong_output, '[ 6 15 25]')}: example 'Eager operations run immediately and hold "
        "concrete values': expected '[ 6 15 25]' got '[ 6 15 24]'",
        f"{key_path}:{line_of(wrong_key, '### eager-tensor-numpy-value-key')}: question "
        "'eager-tensor-numpy-value-key': option C is marked correct, but the program prints something else "
        "(option B matches it): expected 'tf.Tensor(12, shape=(), dtype=int32)' got '12'",
    ])
    assert "-[ 6 15 25]\n    +[ 6 15 24]" in captured.out  # the short diff
    assert re.search(r"good\.md: 12 programs, all outputs match", captured.err)
    assert "TensorFlow 2." in captured.err
