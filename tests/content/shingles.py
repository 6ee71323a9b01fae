"""Fingerprints of a page's prose, to tell whether a lesson repeats it word for word without keeping its text.

A page's prose is its words (lowercase letters, digits and apostrophes) with code blocks left out. A
shingle is a run of SHINGLE_WORDS words in a row; its fingerprint is the blake2b hash (8 bytes, hex) of
the run joined by single spaces. Eight words in a row shared with another page is copying, not a common
phrase.

reference-shingles.txt beside this file holds the sorted fingerprints of the reference lesson page that
lessons must not copy from. That page is not part of the repository; whoever has it regenerates the file
with

    .venv/bin/python -m tests.content.shingles PATH-TO-THE-REFERENCE-PAGE > tests/content/reference-shingles.txt
"""

import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

SHINGLE_WORDS = 8
REFERENCE_SHINGLES = Path(__file__).with_name("reference-shingles.txt")


def prose_words(text: str) -> list[str]:
    without_code = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    return re.findall(r"[a-z0-9']+", without_code.lower())


def runs(text: str) -> list[str]:
    """Every run of SHINGLE_WORDS words of the text's prose, in order."""
    words = prose_words(text)
    return [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]


def fingerprint(run: str) -> str:
    return hashlib.blake2b(run.encode(), digest_size=8).hexdigest()


def fingerprints(text: str) -> list[str]:
    """The sorted, distinct fingerprints of every shingle of the text."""
    return sorted({fingerprint(run) for run in runs(text)})


def read_fingerprints(path: Path = REFERENCE_SHINGLES) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def copied_runs(text: str, known: Iterable[str]) -> list[str]:
    """The runs of the text's prose whose fingerprint is among the known ones."""
    known = set(known)
    return [run for run in runs(text) if fingerprint(run) in known]


if __name__ == "__main__":
    sys.stdout.write("".join(f"{line}\n" for line in fingerprints(Path(sys.argv[1]).read_text())))
