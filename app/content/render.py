"""One configured Markdown renderer: markdown-it-py, Pygments highlighting, nh3 sanitizing.

This is the only producer of HTML that templates may mark safe.
"""

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

RUNNABLE_LANGUAGES = {"python"}

_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "div", "em", "h3", "h4", "h5", "hr", "li", "ol", "p",
    "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "div": {"class", "data-lang"},
    "h3": {"id"},
    "h4": {"id"},
    "pre": {"class", "data-lang"},
    "span": {"class"},
    "td": {"style"},
    "th": {"style"},
}
_FORMATTER = HtmlFormatter(nowrap=True)


def _render_fence(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
    source = token.content
    if language in ("output", "text", ""):
        kind = "output" if language == "output" else "text"
        shown = html.escape(source)
        if kind == "output":  # the check's variable-text markers read as an ellipsis on the page
            shown = shown.replace("&lt;any lines&gt;", "…").replace("&lt;any&gt;", "…")
        return f'<pre class="{kind}" data-lang="{kind}"><code>{shown}</code></pre>\n'
    try:
        lexer = get_lexer_by_name(language)
        body = highlight(source, lexer, _FORMATTER)
    except ClassNotFound:
        body = html.escape(source)
    runnable = " runnable" if language in RUNNABLE_LANGUAGES else ""
    return (
        f'<div class="code{runnable}" data-lang="{html.escape(language)}">'
        f'<pre class="highlight"><code class="language-{html.escape(language)}">{body}</code></pre></div>\n'
    )


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser/renderer: CommonMark plus tables, anchors on h3/h4, our code blocks."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.use(anchors_plugin, min_level=3, max_level=4)
    md.add_render_rule("fence", _render_fence)
    return md


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_block(source: str) -> str:
    """Markdown source -> sanitized HTML."""
    return sanitize(markdown().render(source))


_SINGLE_PARAGRAPH = re.compile(r"^<p>(.*)</p>\n?$", re.DOTALL)


def render_inline(source: str) -> str:
    """Markdown that should sit inside a line (an option, a hint) -> sanitized HTML without <p>."""
    rendered = markdown().render(source)
    match = _SINGLE_PARAGRAPH.match(rendered)
    if match and "<p>" not in match.group(1):
        rendered = match.group(1)
    return sanitize(rendered)


def pygments_css() -> str:
    return HtmlFormatter(style="friendly").get_style_defs(".highlight")
