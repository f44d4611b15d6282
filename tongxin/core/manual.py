"""The 使用手册: the user pages of docs/ rendered as pages of the product.

Rendered on the server from the Markdown files in the checkout (markdown-it-py,
CommonMark with tables, raw HTML off so a page cannot carry script), once per
file version, so the manual works offline and cannot drift from the docs.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from markdown_it import MarkdownIt

# slug → file under docs/, in the order of the manual's contents. The first
# is the manual's front page.
PAGES = {
    "index": "manual.md",
    "people": "features/people.md",
    "imports": "features/imports.md",
    "engagement": "features/engagement.md",
    "evaluations": "features/evaluations.md",
    "levels": "features/levels.md",
    "dedupe": "features/dedupe.md",
    "service": "features/service.md",
    "portal": "features/portal.md",
    "analysis": "features/analysis.md",
    "reports": "features/reports.md",
    "printing": "features/printing.md",
    "settings": "features/settings.md",
}
# The first segment of a page's path → the manual page about it (the 使用手册
# link in the top bar opens the page about what the user is looking at).
SECTION_PAGES = {
    "persons": "people",
    "imports": "imports",
    "engagement": "engagement",
    "evaluations": "evaluations",
    "levels": "levels",
    "qualification": "levels",
    "dedupe": "dedupe",
    "service": "service",
    "portal": "portal",
    "analysis": "analysis",
    "reports": "reports",
    "settings": "settings",
}
# Sections of the feature docs written for developers (how it is counted,
# tested, benchmarked, run from the command line): left out of the manual.
_DEVELOPER_SECTION = re.compile(
    r"^#{2,6}\s.*(口径|设计决定|开销|测试|命令行|有界读取|中止后的恢复)"
)
# Inline code naming a function, a setting, a file or a command: a paragraph
# (or list item) that needs one is written for operators and developers.
_CODE_TALK = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]|/|\.py\b|^tongxin\s")
# Headings of the docs carry the issue they came from; users don't need it.
_ISSUE_NOTE = re.compile(r"\s*[（(]issue[^）)]*[）)]", re.IGNORECASE)


@dataclass(frozen=True)
class ManualPage:
    slug: str
    title: str
    html: str
    titled: bool  # the file opens with its own h1; otherwise the page adds one


def _docs_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs"


def page_for_path(path: str) -> str:
    section = path.strip("/").split("/", 1)[0]
    return SECTION_PAGES.get(section, "index")


def manual_page(slug: str) -> ManualPage | None:
    """The page `slug`, or None if the manual has no such page."""
    name = PAGES.get(slug)
    if name is None:
        return None
    path = _docs_dir() / name
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _render(slug, str(path), stamp)


def contents() -> list[ManualPage]:
    return [page for slug in PAGES if slug != "index" and (page := manual_page(slug))]


@lru_cache(maxsize=64)
def _render(slug: str, path: str, stamp: int) -> ManualPage:
    text = _for_users(Path(path).read_text(encoding="utf-8"))
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = _without_code_talk(markdown.parse(text))
    # The first heading names the page (some files start at ## as parts of a whole).
    headings = [
        (t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"
    ]
    title = _ISSUE_NOTE.sub("", headings[0][1]) if headings else slug
    titled = bool(headings) and headings[0][0] == "h1"
    for token in tokens:
        if token.type == "inline":
            for child in token.children or []:
                if child.type == "text":
                    child.content = _ISSUE_NOTE.sub("", child.content)
                elif child.type == "link_open":
                    child.attrSet("href", _link(Path(path).parent, child.attrGet("href") or ""))
                elif child.type == "image":
                    # Screenshots are in the docs, not served by the product.
                    child.type, child.content = "text", f"（图：{child.content}）"
    html = markdown.renderer.render(tokens, markdown.options, {})
    html = html.replace("<table>", '<table class="table table-sm table-bordered">')
    return ManualPage(slug, title, html, titled)


def _without_code_talk(tokens: list) -> list:
    """The tokens without each paragraph that names code, nor the list item it opens."""
    drop: set[int] = set()
    for i, token in enumerate(tokens):
        if token.type != "inline" or not any(
            child.type == "code_inline" and _CODE_TALK.search(child.content)
            for child in token.children or []
        ):
            continue
        start, end = i - 1, i + 1
        if start > 0 and tokens[start - 1].type == "list_item_open":
            start -= 1
            level = tokens[start].level
            end = next(
                j
                for j in range(i, len(tokens))
                if tokens[j].type == "list_item_close" and tokens[j].level == level
            )
        drop.update(range(start, end + 1))
    return [token for k, token in enumerate(tokens) if k not in drop]


def _for_users(text: str) -> str:
    """The Markdown without the developer sections (each up to the next
    heading of its level or above)."""
    kept, skipping = [], 0
    for line in text.splitlines():
        level = len(line) - len(line.lstrip("#")) if line.startswith("#") else 0
        if skipping and level and level <= skipping:
            skipping = 0
        if not skipping and level and _DEVELOPER_SECTION.match(line):
            skipping = level
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def _link(folder: Path, href: str) -> str:
    """A link to another page of the manual goes to its page in the product;
    a link to anything else under docs/ (or the code) to the manual's front."""
    if re.match(r"^[a-z]+:", href) or href.startswith("#"):
        return href
    target = (folder / href.split("#", 1)[0]).resolve()
    docs = _docs_dir().resolve()
    for slug, name in PAGES.items():
        if (docs / name).resolve() == target:
            return reverse("manual", args=[slug]) if slug != "index" else reverse("manual_index")
    return reverse("manual_index")
