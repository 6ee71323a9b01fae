"""Parse one lesson file into a Lesson, collecting every problem with its file line.

The parser reads the file once with markdown-it-py and works on its top-level
blocks, so headings inside code fences are never mistaken for structure and
every problem can name the line an author has to fix.
"""

import difflib
import hashlib
import re
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from markdown_it.token import Token
from pydantic import ValidationError

from app.content import render
from app.content.schema import (
    CHOICE_KEYS,
    DIFFICULTIES,
    MIN_FLASHCARDS,
    PRACTICE_SIZE,
    QUESTION_SECTIONS,
    REQUIRED_FRONT_MATTER,
    REQUIRED_SECTIONS,
    SECTIONS,
    TEST_SIZE,
    Choice,
    Example,
    Flashcard,
    FrontMatter,
    Lesson,
    Listing,
    Note,
    Question,
    Section,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUESTION_HEADING_RE = re.compile(r"^(?P<id>\S+)\s+\[(?P<difficulty>[A-Za-z]+)\]$")
CHECKBOX_RE = re.compile(r"^\[(?P<mark>[ xX])\]\s*(?P<text>.*)$", re.DOTALL)
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s?")
FIELD_LABELS = ("Solution", "Answer", "Quick check", "Hint", "Common mistakes")
LIST_FIELDS = {"Solution": "numbered", "Common mistakes": "bulleted"}  # fields written as a list, and its kind
FIELD_RE = re.compile(rf"^(?P<label>{'|'.join(FIELD_LABELS)}):\s*(?P<rest>.*)$")
NOTE_LABELS = ("Time cost", "Space cost", "Common mistake", "When to use")
NOTE_RE = re.compile(r"^\*\*([^*]+?):?\*\*:?\s*(.*)$", re.S)
PROSE_WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 20  # python lines; output blocks are read at a glance and not counted
MINUTES_TOLERANCE = 2.0  # `minutes` may be up to this factor away from the estimate
ANCHOR_RE = re.compile(r'\bid="([^"]+)"')
FRONT_MATTER_KEYS = tuple(FrontMatter.model_fields)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Block:
    """A top-level Markdown block with its 0-based line range inside the body."""

    kind: str
    tag: str
    start: int
    end: int
    tokens: list[Token]

    @property
    def heading_text(self) -> str:
        return self.tokens[1].content.strip() if self.kind == "heading_open" else ""

    @property
    def fence_language(self) -> str:
        return fence_language(self.tokens[0])


@dataclass
class _Option:
    line: int
    checked: bool | None  # None: the item does not start with '[ ]' or '[x]'
    text: str
    output: str | None  # the option's ```output block, on predict-the-output questions


def _option(line: int, item: str) -> _Option:
    box = CHECKBOX_RE.match(item)
    if not box:
        return _Option(line, None, item, None)
    text = box["text"].strip()
    return _Option(line, box["mark"] in "xX", text, option_output(text))


@dataclass
class _Field:
    line: int
    lines: list[str]  # the text after the label, and any lines and code blocks under it
    items: list[str] | None = None  # the list under a Solution: or Common mistakes: label

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class _QuestionParts:
    """A question as written, before anything is checked; lines are 0-based body lines."""

    heading: int
    qid: str
    difficulty: str
    prompt: str = ""
    code: str | None = None  # the prompt's first python block
    options_line: int | None = None  # None: no option list was found
    options: list[_Option] = field(default_factory=list)
    fields: dict[str, _Field] = field(default_factory=dict)
    repeated: list[tuple[int, str]] = field(default_factory=list)  # (line, label) written a second time
    unlabelled: list[int] = field(default_factory=list)  # paragraphs after the options before any label
    unexpected: list[int] = field(default_factory=list)  # blocks no label can hold


@dataclass
class _Parser:
    path: str
    text: str
    problems: list[Problem] = field(default_factory=list)
    body_lines: list[str] = field(default_factory=list)
    body_offset: int = 0
    minutes_line: int = 1
    tokens: list[Token] = field(default_factory=list)

    def problem(self, body_line: int | None, message: str, *, file_line: int | None = None) -> None:
        line = file_line if file_line is not None else self.body_offset + (body_line or 0) + 1
        self.problems.append(Problem(self.path, line, message))

    def source(self, start: int, end: int) -> str:
        return "\n".join(self.body_lines[start:end]).strip("\n")

    def block_source(self, blocks: list[Block]) -> str:
        return self.source(blocks[0].start, blocks[-1].end) if blocks else ""

    def front_matter(self) -> FrontMatter | None:
        lines = self.text.splitlines()
        if not lines or lines[0].strip() != "---":
            self.problem(None, "the file must start with front matter between two '---' lines", file_line=1)
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            self.problem(None, "front matter is not closed: add a line '---' after it", file_line=1)
            return None
        self.body_lines = lines[end + 1 :]
        self.body_offset = end + 1
        raw = "\n".join(lines[1:end])
        try:
            data = yaml.safe_load(raw) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = 2 + (mark.line if mark else 0)
            reason = getattr(error, "problem", None) or str(error)
            self.problem(None, f"front matter is not valid YAML: {reason}", file_line=line)
            return None
        if not isinstance(data, dict):
            self.problem(None, "front matter must be 'key: value' lines", file_line=2)
            return None

        def key_line(key: str) -> int:
            for i in range(1, end):
                if re.match(rf"^{re.escape(str(key))}\s*:", lines[i]):
                    return i + 1
            return 1

        ok = True
        for key in data:
            if key not in FRONT_MATTER_KEYS:
                close = difflib.get_close_matches(str(key), FRONT_MATTER_KEYS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; allowed: {', '.join(FRONT_MATTER_KEYS)}"
                self.problem(None, f"unknown front-matter key '{key}'{hint}", file_line=key_line(key))
                ok = False
        for key in REQUIRED_FRONT_MATTER:
            if key not in data:
                self.problem(None, f"front matter is missing '{key}'", file_line=1)
                ok = False
        if not ok:
            return None
        if isinstance(data.get("tags"), str):
            data["tags"] = [data["tags"]]
        try:
            meta = FrontMatter.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                key = str(detail["loc"][0]) if detail["loc"] else "front matter"
                self.problem(None, f"front matter '{key}': {detail['msg']}", file_line=key_line(key))
            return None
        if not SLUG_RE.match(meta.slug):
            self.problem(
                None, f"slug '{meta.slug}' must be lowercase letters, digits and hyphens",
                file_line=key_line("slug"),
            )
        self.minutes_line = key_line("minutes")
        if meta.minutes <= 0:
            self.problem(None, "minutes must be a positive whole number", file_line=self.minutes_line)
        if not meta.title.strip():
            self.problem(None, "title must not be empty", file_line=key_line("title"))
        return meta

    def blocks(self) -> list[Block]:
        tokens = self.tokens = render.markdown().parse("\n".join(self.body_lines))
        blocks: list[Block] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.level != 0 or token.nesting == -1 or token.map is None:
                i += 1
                continue
            j = i
            if token.nesting == 1:
                j = i + 1
                while not (tokens[j].level == 0 and tokens[j].nesting == -1):
                    j += 1
            blocks.append(Block(token.type, token.tag, token.map[0], token.map[1], tokens[i : j + 1]))
            i = j + 1
        for block in blocks:
            if block.kind == "fence" and not block.fence_language:
                self.problem(
                    block.start, "code block has no language: write ```python, ```output or ```text"
                )
        return blocks

    def split_by_heading(self, blocks: list[Block], tag: str) -> tuple[list[Block], list[tuple[Block, list[Block]]]]:
        """Blocks before the first `tag` heading, and each heading with the blocks under it."""
        lead: list[Block] = []
        parts: list[tuple[Block, list[Block]]] = []
        for block in blocks:
            if block.kind == "heading_open" and block.tag == tag:
                parts.append((block, []))
            elif parts:
                parts[-1][1].append(block)
            else:
                lead.append(block)
        return lead, parts

    def sections(self, blocks: list[Block]) -> dict[str, tuple[Block, list[Block]]]:
        lead, parts = self.split_by_heading(blocks, "h2")
        if lead:
            self.problem(lead[0].start, "text before the first section: start the body with '## Introduction'")
        found: dict[str, tuple[Block, list[Block]]] = {}
        for heading, content in parts:
            title = heading.heading_text
            if title not in SECTIONS:
                close = difflib.get_close_matches(title, SECTIONS, n=1)
                hint = f" (did you mean '## {close[0]}'?)" if close else ""
                self.problem(
                    heading.start,
                    f"unknown section '## {title}'{hint}; sections are: {', '.join(SECTIONS)}",
                )
                continue
            if title in found:
                self.problem(heading.start, f"section '## {title}' appears twice")
                continue
            found[title] = (heading, content)
        last_line = len(self.body_lines)
        previous_index = -1
        for title, (heading, _) in found.items():
            index = SECTIONS.index(title)
            if index < previous_index:
                self.problem(
                    heading.start,
                    f"section '## {title}' is out of order; the order is: {', '.join(SECTIONS)}",
                )
            previous_index = max(previous_index, index)
        for title in REQUIRED_SECTIONS:
            if title not in found:
                self.problem(last_line, f"missing section '## {title}'")
        return found

    def code_pair(self, blocks: list[Block], what: str, line: int) -> tuple[str, str, int] | None:
        """The first python block and the output block that follows it."""
        code_index = next(
            (i for i, b in enumerate(blocks) if b.kind == "fence" and b.fence_language == "python"), None
        )
        if code_index is None:
            self.problem(line, f"{what} has no ```python code block")
            return None
        output = next(
            (b for b in blocks[code_index + 1 :] if b.kind == "fence" and b.fence_language == "output"), None
        )
        if output is None:
            self.problem(blocks[code_index].start, f"{what} has no ```output block after its code")
            return None
        # the file line of the output's first line (the one after the ```output fence)
        return blocks[code_index].tokens[0].content, output.tokens[0].content, self.body_offset + output.start + 2

    def examples(self, heading: Block, blocks: list[Block]) -> list[Example]:
        _, parts = self.split_by_heading(blocks, "h3")
        if not parts:
            self.problem(heading.start, "Examples needs at least one '### description' with code and output")
        examples = []
        for example_heading, content in parts:
            description = example_heading.heading_text
            pair = self.code_pair(content, f"example '{description}'", example_heading.start)
            if pair:
                code, output, output_line = pair
                examples.append(
                    Example(description=description, code=code, output=output,
                            line=self.body_offset + example_heading.start + 1, output_line=output_line)
                )
        return examples

    def sample(self, heading: Block, blocks: list[Block]) -> Example | None:
        pair = self.code_pair(blocks, "Sample Model", heading.start)
        if not pair:
            return None
        description = next((b for b in blocks if b.kind == "paragraph_open"), None)
        if description is None:
            self.problem(heading.start, "Sample Model needs a sentence saying what the program does")
            return None
        return Example(
            description=self.source(description.start, description.end),
            code=pair[0], output=pair[1], line=self.body_offset + heading.start + 1, output_line=pair[2],
        )

    def listings(self) -> list[Listing]:
        """Every ```python block directly followed by an ```output block, wherever it stands, is a program
        that `check` runs. Any other ```output block, bar a predict-the-output question's options (checked
        with their question), would be shown to learners unverified, so it is a problem."""
        found = []
        section = subheading = ""
        for i, token in enumerate(self.tokens):
            if token.type == "heading_open" and token.level == 0:
                if token.tag == "h2":
                    section, subheading = self.tokens[i + 1].content.strip(), ""
                elif token.tag == "h3":
                    subheading = self.tokens[i + 1].content.strip()
            if token.type != "fence" or fence_language(token) != "output" or token.map is None:
                continue
            before = self.tokens[i - 1] if i else None
            if before is not None and before.type == "fence" and fence_language(before) == "python" and before.map:
                found.append(Listing(
                    where=program_name(section, subheading), code=before.content, output=token.content,
                    line=self.body_offset + before.map[0] + 1, output_line=self.body_offset + token.map[0] + 2,
                ))
            elif not (section in QUESTION_SECTIONS and in_option(self.tokens, i)):
                self.problem(token.map[0], "this ```output block does not come right after a ```python block, so "
                             "`check` cannot verify it: put it directly below the code that prints it, or make it "
                             "a ```text block")
        return found

    def links(self, blocks: list[Block]) -> list[tuple[int, str]]:
        """(file line, href) of every Markdown link in these blocks."""
        found = []
        for block in blocks:
            for token in block.tokens:
                for child in token.children or ():
                    if child.type == "link_open":
                        start = token.map[0] if token.map else block.start
                        found.append((self.body_offset + start + 1, str(child.attrGet("href") or "")))
        return found

    def check_links(self, links: list[tuple[int, str]], anchors: set[str]) -> None:
        for line, href in links:
            if href.startswith("#") and href[1:] not in anchors:
                self.problem(None, f"link to '{href}': this page has no such anchor", file_line=line)
            elif not re.match(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", href):
                self.problem(None, f"link to '{href}': link to another lesson as /lessons/<slug>",
                             file_line=line)

    def check_minutes(self, meta: FrontMatter, found: dict[str, tuple[Block, list[Block]]]) -> None:
        """Flag a `minutes` far from what reading the page and doing the practice would take."""
        words = code_lines = 0
        for title, (_, content) in found.items():
            if title == "Test":  # learners see ten of these, after the lesson; not reading time
                continue
            for block in content:
                for token in block.tokens:
                    if token.type == "fence" and token.info.strip().startswith("python"):
                        code_lines += token.content.count("\n")
                    elif token.type == "inline":
                        words += len(token.content.split())
        estimate = words / PROSE_WORDS_PER_MINUTE + code_lines / CODE_LINES_PER_MINUTE
        rounded = max(1, round(estimate))
        if not rounded / MINUTES_TOLERANCE <= meta.minutes <= rounded * MINUTES_TOLERANCE:
            self.problem(None, f"minutes is {meta.minutes}, but reading this lesson and its practice takes about "
                         f"{rounded} ({words} words at {PROSE_WORDS_PER_MINUTE}/min, {code_lines} python lines at "
                         f"{CODE_LINES_PER_MINUTE}/min); set minutes near {rounded}", file_line=self.minutes_line)

    def check_prose_sections(self, found: dict[str, tuple[Block, list[Block]]]) -> None:
        if "Introduction" in found:
            heading, content = found["Introduction"]
            if not any(b.kind == "bullet_list_open" for b in content):
                self.problem(heading.start, "Introduction needs a bulleted list of when to use the pattern")
        if "Important Notes" in found:
            heading, content = found["Important Notes"]
            notes = self.block_source(content)
            for label in NOTE_LABELS:
                if not re.search(rf"\*\*{label}:?\*\*", notes, re.IGNORECASE):
                    self.problem(heading.start, f"Important Notes needs a point starting with **{label}:**")
        for title in ("Syntax", "Summary"):
            if title in found and not found[title][1]:
                self.problem(found[title][0].start, f"section '## {title}' is empty")

    def flashcards(self, heading: Block, blocks: list[Block], taken: set[str]) -> list[Flashcard]:
        """The deck: each '### card-id' with a 'Front:' paragraph (and what follows it) and a 'Back:' one."""
        _, parts = self.split_by_heading(blocks, "h3")
        cards = []
        for card_heading, content in parts:
            card_id = card_heading.heading_text
            if not SLUG_RE.match(card_id):
                self.problem(card_heading.start, f"flashcard heading '### {card_id}' must be '### card-id' "
                             "(lowercase words joined by hyphens)")
                continue
            if card_id in taken:
                self.problem(card_heading.start, f"id '{card_id}' is used twice in this lesson")
                continue
            taken.add(card_id)
            front, back = self.card_sides(content)
            if not front or not back:
                missing = " and ".join(side for side, text in (("'Front:'", front), ("'Back:'", back)) if not text)
                self.problem(card_heading.start, f"flashcard '{card_id}' needs a {missing} paragraph")
                continue
            cards.append(Flashcard(id=card_id, line=self.body_offset + card_heading.start + 1,
                                   front_html=render.render_block(front), back_html=render.render_block(back)))
        if len(parts) < MIN_FLASHCARDS:
            self.problem(heading.start, f"Flashcards needs at least {MIN_FLASHCARDS} cards ('### card-id'); "
                         f"it has {len(parts)}")
        return cards

    def card_sides(self, blocks: list[Block]) -> tuple[str, str]:
        """The Markdown of a card's front and back, without their labels."""
        sides = {"Front": "", "Back": ""}
        current: str | None = None
        for block in blocks:
            text = self.block_source([block])
            label = re.match(r"^(Front|Back):\s*", text) if block.kind == "paragraph_open" else None
            if label:
                current = label.group(1)
                text = text[label.end():]
            if current is not None:
                sides[current] = (sides[current] + "\n\n" + text).strip()
        return sides["Front"], sides["Back"]

    def notes(self, blocks: list[Block]) -> list[Note]:
        """The points of Important Notes that start with a bold label, such as **Common mistake:**."""
        notes = []
        for block in blocks:
            if block.kind != "bullet_list_open":
                continue
            for _, item in self.item_sources(block):
                labelled = NOTE_RE.match(item)
                if labelled:
                    notes.append(Note(label=labelled.group(1).strip(), html=render.render_block(labelled.group(2))))
        return notes

    def item_sources(self, block: Block) -> list[tuple[int, str]]:
        """(line, text) of each item of a list block, with its marker removed and its lines dedented."""
        items = []
        for token in block.tokens:
            if token.type == "list_item_open" and token.level == 1 and token.map:
                start, end = token.map
                lines = self.body_lines[start:end]
                first = LIST_MARKER_RE.sub("", lines[0], count=1)
                rest = textwrap.dedent("\n".join(lines[1:]))
                items.append((start, (first + ("\n" + rest if rest.strip() else "")).strip()))
        return items

    def is_option_list(self, block: Block) -> bool:
        if block.kind != "bullet_list_open":
            return False
        items = self.item_sources(block)
        return bool(items) and CHECKBOX_RE.match(items[0][1]) is not None

    def question(self, heading: Block, blocks: list[Block]) -> Question | None:
        """Read a question in three steps: collect its parts as written, check them (each problem at its line),
        and only then build and render the Question."""
        match = QUESTION_HEADING_RE.match(heading.heading_text)
        if not match:
            self.problem(
                heading.start,
                f"question heading '### {heading.heading_text}' must be '### question-id [easy|medium|hard]'",
            )
            return None
        parts = self.question_parts(heading, match["id"], match["difficulty"].lower(), blocks)
        problems_before = len(self.problems)
        self.check_question(parts)
        if len(self.problems) > problems_before:
            return None
        return build_question(parts, line=self.body_offset + heading.start + 1)

    def question_parts(self, heading: Block, qid: str, difficulty: str, blocks: list[Block]) -> _QuestionParts:
        """The prompt, options and labelled fields as written; nothing is judged here."""
        option_index = next((i for i, b in enumerate(blocks) if self.is_option_list(b)), None)
        parts = _QuestionParts(heading=heading.start, qid=qid, difficulty=difficulty)
        if option_index is None:
            return parts
        parts.prompt = self.block_source(blocks[:option_index])
        parts.code = next((b.tokens[0].content for b in blocks[:option_index]
                           if b.kind == "fence" and b.fence_language == "python"), None)
        parts.options_line = blocks[option_index].start
        parts.options = [_option(line, item) for line, item in self.item_sources(blocks[option_index])]
        self.collect_fields(parts, blocks[option_index + 1 :])
        return parts

    def collect_fields(self, parts: _QuestionParts, blocks: list[Block]) -> None:
        """Sort the blocks after the options under the label (`Solution:`, `Hint:`...) that precedes them."""
        current: str | None = None
        for block in blocks:
            if block.kind == "paragraph_open":
                for offset, line_text in enumerate(self.body_lines[block.start : block.end]):
                    field_match = FIELD_RE.match(line_text.strip())
                    if field_match:
                        current = field_match["label"]
                        if current in parts.fields:
                            parts.repeated.append((block.start + offset, current))
                        parts.fields[current] = _Field(block.start + offset, [field_match["rest"]])
                    elif current is not None:
                        parts.fields[current].lines.append(line_text)
                    else:
                        parts.unlabelled.append(block.start)
                        break
            elif block.kind in ("ordered_list_open", "bullet_list_open") and current in LIST_FIELDS and (
                parts.fields[current].items is None
            ):
                parts.fields[current].items = [text for _, text in self.item_sources(block)]
            elif block.kind == "fence" and current is not None and current not in LIST_FIELDS:
                parts.fields[current].lines.append(self.source(block.start, block.end))
            else:
                parts.unexpected.append(block.start)

    def check_question(self, parts: _QuestionParts) -> None:
        label = f"question '{parts.qid}'"
        if not SLUG_RE.match(parts.qid):
            self.problem(parts.heading, f"{label}: id must be lowercase letters, digits and hyphens")
        if parts.difficulty not in DIFFICULTIES:
            self.problem(parts.heading, f"{label}: difficulty '{parts.difficulty}' must be easy, medium or hard")
        if parts.options_line is None:
            self.problem(
                parts.heading, f"{label} has no options: write four '- [ ] option' lines, one as '- [x]'"
            )
            return
        if not parts.prompt:
            self.problem(parts.heading, f"{label} has no prompt before its options")
        self.check_options(parts, label)
        for line in parts.unlabelled:
            self.problem(line, f"{label}: text after the options must start with a label "
                         "such as 'Solution:' or 'Hint:'")
        for line in parts.unexpected:
            self.problem(line, f"{label}: unexpected block after the options; "
                         "use 'Solution:', 'Answer:', 'Quick check:', 'Hint:', 'Common mistakes:'")
        self.check_fields(parts, label)

    def check_fields(self, parts: _QuestionParts, label: str) -> None:
        for line, name in parts.repeated:
            self.problem(line, f"{label}: '{name}:' appears twice")
        for name in FIELD_LABELS:
            found = parts.fields.get(name)
            if found is None:
                self.problem(parts.heading, f"{label} is missing '{name}:'")
            elif name in LIST_FIELDS:
                kind = LIST_FIELDS[name]
                if found.text:
                    self.problem(found.line, f"{label}: put the {kind} of '{name}:' in a list on the next lines")
                if not found.items or not all(item.strip() for item in found.items):
                    self.problem(found.line, f"{label}: '{name}:' needs a {kind} list with no empty items")
            elif not found.text:
                self.problem(found.line, f"{label}: '{name}:' is empty")

    def check_options(self, parts: _QuestionParts, label: str) -> None:
        for n, option in enumerate(parts.options):
            if option.checked is None:
                self.problem(option.line, f"{label}: every option must start with '[ ]' or '[x]'")
            elif not option.text:
                self.problem(option.line, f"{label}: option {n + 1} is empty")
        boxed = [option for option in parts.options if option.checked is not None]
        if len(boxed) != len(CHOICE_KEYS):
            self.problem(parts.options_line, f"{label} has {len(boxed)} options; it needs exactly 4")
        outputs = [option.output for option in boxed]
        if any(o is not None for o in outputs):
            if not all(o is not None for o in outputs):
                self.problem(parts.options_line, f"{label}: some options are ```output blocks and some "
                             "are not; in a predict-the-output question every option is an ```output block")
            if parts.code is None:
                self.problem(parts.heading, f"{label}: its options are outputs, so its prompt needs the "
                             "```python program they are the output of")
        correct = sum(1 for option in boxed if option.checked)
        if correct != 1:
            self.problem(
                parts.options_line, f"{label} has {correct} options marked [x]; exactly one must be correct"
            )

    def questions(self, title: str, heading: Block, blocks: list[Block]) -> list[Question]:
        lead, parts = self.split_by_heading(blocks, "h3")
        if lead:
            self.problem(lead[0].start, f"text under '## {title}' before its first question is not shown; "
                         "move it into a question or remove it")
        questions = [q for h, content in parts if (q := self.question(h, content))]
        if title == "Practice" and len(parts) != PRACTICE_SIZE:
            self.problem(heading.start, f"Practice has {len(parts)} questions; it needs exactly {PRACTICE_SIZE}")
        if title == "Test":
            if len(parts) < TEST_SIZE:
                self.problem(heading.start, f"Test has {len(parts)} questions; it needs at least {TEST_SIZE}")
            present = {q.difficulty for q in questions}
            for difficulty in DIFFICULTIES:
                if difficulty not in present and len(questions) == len(parts):
                    self.problem(heading.start, f"Test has no {difficulty} question; it needs all three difficulties")
        return questions

    def parse(self) -> Lesson | None:
        meta = self.front_matter()
        if meta is None:
            return None
        blocks = self.blocks()
        found = self.sections(blocks)
        self.check_prose_sections(found)
        self.check_minutes(meta, found)

        sections = []
        for title in REQUIRED_SECTIONS:
            if title in found and title not in QUESTION_SECTIONS:
                _, content = found[title]
                section_id = title.lower().replace(" ", "-")
                sections.append(Section(id=section_id, title=title,
                                        html=render.render_block(self.block_source(content))))
        examples = self.examples(*found["Examples"]) if "Examples" in found else []
        sample = self.sample(*found["Sample Model"]) if "Sample Model" in found else None
        practice = self.questions("Practice", *found["Practice"]) if "Practice" in found else []
        test_bank = self.questions("Test", *found["Test"]) if "Test" in found else []

        flashcards = (self.flashcards(*found["Flashcards"], {q.id for q in (*practice, *test_bank)})
                      if "Flashcards" in found else [])

        seen: dict[str, int] = {}
        for question in (*practice, *test_bank):
            if question.id in seen:
                self.problem(None, f"question id '{question.id}' is used twice in this lesson "
                             f"(first at line {seen[question.id]})", file_line=question.line)
            seen.setdefault(question.id, question.line)

        anchors = {title.lower().replace(" ", "-") for title in REQUIRED_SECTIONS}
        anchors.update(anchor for section in sections for anchor in ANCHOR_RE.findall(section.html))
        links = self.links(blocks)
        self.check_links(links, anchors)
        listings = self.listings()
        notes = self.notes(found["Important Notes"][1]) if "Important Notes" in found else []

        if self.problems or sample is None:
            return None
        return Lesson(
            **meta.model_dump(),
            path=self.path,
            sections=tuple(sections),
            examples=tuple(examples),
            sample=sample,
            practice=tuple(practice),
            test_bank=tuple(test_bank),
            fingerprint=hashlib.sha256(self.text.encode()).hexdigest()[:16],
            listings=tuple(listings),
            links=tuple(links),
            notes=tuple(notes),
            flashcards=tuple(flashcards),
        )


def build_question(parts: _QuestionParts, *, line: int) -> Question:
    """The Question, rendered, from parts that passed `check_question`."""
    choices = tuple(
        Choice(key=key, text=option.text, output=option.output,
               html=render.render_block(option.text) if option.output is not None
               else render.render_inline(option.text))
        for key, option in zip(CHOICE_KEYS, parts.options, strict=True)
    )
    correct = next(key for key, option in zip(CHOICE_KEYS, parts.options, strict=True) if option.checked)
    steps = parts.fields["Solution"].items or []
    mistakes = parts.fields["Common mistakes"].items or []
    final_answer, quick_check, hint = (parts.fields[name].text for name in ("Answer", "Quick check", "Hint"))
    return Question(
        id=parts.qid,
        difficulty=parts.difficulty,  # type: ignore[arg-type]  # check_question made it one of DIFFICULTIES
        line=line,
        prompt=parts.prompt,
        prompt_html=render.render_block(parts.prompt),
        choices=choices,
        correct_choice=correct,
        solution=tuple(steps),
        solution_html=tuple(render.render_inline(step) for step in steps),
        final_answer=final_answer,
        final_answer_html=render.render_inline(final_answer),
        quick_check=quick_check,
        quick_check_html=render.render_inline(quick_check),
        hint=hint,
        hint_html=render.render_inline(hint),
        common_mistakes=tuple(mistakes),
        common_mistakes_html=tuple(render.render_inline(m) for m in mistakes),
        code=parts.code,
    )


def fence_language(token: Token) -> str:
    info = token.info.strip()
    return info.split(maxsplit=1)[0].lower() if info else ""


def program_name(section: str, subheading: str) -> str:
    """How `check` names a program: by its example or question where it has one, else by its section."""
    if section == "Examples" and subheading:
        return f"example '{subheading}'"
    if section == "Sample Model":
        return "Sample Model"
    if section in QUESTION_SECTIONS and subheading:
        match = QUESTION_HEADING_RE.match(subheading)
        return f"program in question '{match['id'] if match else subheading}'"
    return f"program in '## {section}'"


def in_option(tokens: list[Token], index: int) -> bool:
    """Does the block at `index` stand in a task-list item (`- [x] ...`), the way an option does?"""
    level = tokens[index].level
    opener = next((j for j in range(index - 1, -1, -1) if tokens[j].nesting == 1 and tokens[j].level < level), None)
    if opener is None or tokens[opener].type != "list_item_open":
        return False
    first = tokens[opener + 2]  # list_item_open, paragraph_open, inline
    return first.type == "inline" and CHECKBOX_RE.match(first.content) is not None


def option_output(text: str) -> str | None:
    """The content of an option's ```output block, or None when the option is prose."""
    for token in render.markdown().parse(text):
        if token.type == "fence" and token.info.strip().split(maxsplit=1)[:1] == ["output"]:
            return token.content
    return None


def parse_lesson(text: str, path: str) -> tuple[Lesson | None, list[Problem]]:
    """Parse one lesson file's text; the lesson is None whenever there is any problem."""
    lesson, problems = _parse_cached(text, path)
    return lesson, list(problems)


@lru_cache(maxsize=256)
def _parse_cached(text: str, path: str) -> tuple[Lesson | None, tuple[Problem, ...]]:
    """Parsing and rendering is pure, and the slow part of a reload: saving one lesson in authoring mode
    re-parses only that one (the result is immutable, so sharing it is safe)."""
    parser = _Parser(path=path, text=text)
    lesson = parser.parse()
    problems = tuple(sorted(set(parser.problems)))
    return (lesson if not problems else None), problems
