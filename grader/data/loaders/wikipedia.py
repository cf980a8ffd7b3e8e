"""Wikipedia: MediaWiki XML export dumps to plain article text.

``read_dump(path)`` parses a ``pages-articles`` XML export (plain or .bz2) and
returns the articles of the main namespace, redirects left out, as
``Article(id, title, text)`` with the wiki markup stripped to plain text:
templates, tables, references, comments, files and categories dropped; links
kept as their visible text; headings kept as their own lines; the trailing
"References"/"External links"/... sections cut off.

``load_excerpt(split=...)`` is the offline pack ``wiki-excerpt``: the real
English Wikipedia excerpt that gensim ships as test data.
"""

from __future__ import annotations

import bz2
import html
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import CourseError

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class Article:
    id: int
    title: str
    text: str


# ---------------------------------------------------------------- markup ---

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_REF_SELF = re.compile(r"<ref[^>/]*/>", re.I)
_REF = re.compile(r"<ref[^>]*>.*?</ref\s*>", re.I | re.S)
_DROP_TAGS = re.compile(r"<(math|gallery|timeline|score|syntaxhighlight|source|pre|imagemap|chem|hiero)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EXT_LINK_LABEL = re.compile(r"\[(?:https?|ftp)://[^\s\]]+\s+([^\]]*)\]")
_EXT_LINK_BARE = re.compile(r"\[(?:https?|ftp)://[^\s\]]+\]")
_URL = re.compile(r"https?://\S+")
_BOLD_ITALIC = re.compile(r"'{2,}")
_HEADING = re.compile(r"^(={1,6})\s*(.*?)\s*\1\s*$", re.M)
_MAGIC = re.compile(r"__[A-Z]+__")
_LIST_MARK = re.compile(r"^[*#:;]+\s*", re.M)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")
_EMPTY_PARENS = re.compile(r"\(\s*[,;]?\s*\)")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:])")
_DROP_LINK_NS = ("file:", "image:", "category:", "media:", "wikipedia:", "wp:", "help:", "template:", "portal:", "special:")
_INTERWIKI = re.compile(r"^[a-z]{2,3}(-[a-z]+)?:")
_END_SECTIONS = {"references", "external links", "see also", "further reading", "notes", "bibliography",
                 "sources", "footnotes", "citations", "notes and references", "references and notes"}


def _strip_balanced(text: str, open_: str, close: str) -> str:
    """Remove every (possibly nested) ``open_ ... close`` span; an unclosed one runs to the end."""
    if open_ not in text:
        return text
    token = re.compile(re.escape(open_) + "|" + re.escape(close))
    out, depth, start = [], 0, 0
    for m in token.finditer(text):
        if m.group() == open_:
            if depth == 0:
                out.append(text[start:m.start()])
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                start = m.end()
    if depth == 0:
        out.append(text[start:])
    return "".join(out)


_LINK_TOKEN = re.compile(r"\[\[|\]\]")


def _link_text(inner: str) -> str:
    low = inner.lstrip().lower()
    if low.startswith(_DROP_LINK_NS) or _INTERWIKI.match(low):
        return ""
    label = inner.rsplit("|", 1)[-1] if "|" in inner else inner
    return label[1:] if label.startswith(":") else label


def _links(text: str) -> str:
    """``[[target|label]]`` -> label, ``[[target]]`` -> target; files, categories and interwiki links dropped.

    Links nest (a file caption holds links): inner links are resolved first, so
    a dropped file takes its caption with it.
    """
    if "[[" not in text:
        return text
    stack: list[list[str]] = [[]]
    pos = 0
    for m in _LINK_TOKEN.finditer(text):
        stack[-1].append(text[pos:m.start()])
        pos = m.end()
        if m.group() == "[[":
            stack.append([])
        elif len(stack) > 1:
            inner = "".join(stack.pop())
            stack[-1].append(_link_text(inner))
        else:
            stack[-1].append("]]")
    stack[-1].append(text[pos:])
    while len(stack) > 1:  # unclosed links: keep their text
        inner = "".join(stack.pop())
        stack[-1].append(inner)
    return "".join(stack[0])


def strip_markup(wikitext: str) -> str:
    """Plain text from MediaWiki markup (a practical cleaner, not a full parser)."""
    t = html.unescape(wikitext)  # a second level of escaping is common inside the XML text
    t = _COMMENT.sub("", t)
    t = _REF_SELF.sub("", t)
    t = _REF.sub("", t)
    t = _DROP_TAGS.sub("", t)
    t = _strip_balanced(t, "{{", "}}")
    t = _strip_balanced(t, "{|", "|}")
    t = _links(t)
    t = _EXT_LINK_LABEL.sub(r"\1", t)
    t = _EXT_LINK_BARE.sub("", t)
    t = _TAG.sub("", t)
    t = _URL.sub("", t)
    t = _BOLD_ITALIC.sub("", t)
    t = _MAGIC.sub("", t)
    lines = []
    for line in t.split("\n"):
        m = _HEADING.match(line)
        if m:
            title = m.group(2).strip()
            if title.lower() in _END_SECTIONS and len(m.group(1)) == 2:
                break
            lines.append("")
            lines.append(title)
            continue
        s = line.strip()
        if s.startswith(("|", "!", "{", "}")):  # table debris
            continue
        lines.append(_LIST_MARK.sub("", s))
    t = "\n".join(lines)
    t = _EMPTY_PARENS.sub("", t)
    t = _SPACES.sub(" ", t)
    t = _SPACE_BEFORE_PUNCT.sub(r"\1", t)
    t = "\n".join(line.strip() for line in t.split("\n"))
    t = _BLANKS.sub("\n\n", t)
    return t.strip()


# ------------------------------------------------------------------ dumps ---

def _open(path: Path):
    if path.suffix == ".bz2" or path.name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return path.open("rb")


def read_dump(path: str | Path, *, min_chars: int = 1) -> list[Article]:
    """Articles (namespace 0, no redirects) of a MediaWiki XML export, markup stripped, in file order."""
    import xml.etree.ElementTree as ET

    path = Path(path)
    articles: list[Article] = []
    try:
        with _open(path) as fh:
            title = ns = pid = text = None
            redirect = False
            depth_page = False
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                tag = elem.tag.rsplit("}", 1)[-1]
                if event == "start":
                    if tag == "page":
                        title = ns = pid = text = None
                        redirect = False
                        depth_page = True
                    elif tag == "revision":
                        depth_page = False
                    continue
                if tag == "title":
                    title = elem.text or ""
                elif tag == "ns":
                    ns = (elem.text or "").strip()
                elif tag == "id" and depth_page and pid is None:
                    pid = (elem.text or "").strip()
                elif tag == "redirect":
                    redirect = True
                elif tag == "text":
                    text = elem.text or ""
                    if text.lstrip().upper().startswith("#REDIRECT"):
                        redirect = True
                elif tag == "page":
                    if title is None or text is None:
                        raise CourseError(f"{path}: a <page> without a <title> or <text> (page id {pid}).",
                                          "The file is not a MediaWiki pages-articles export, or it is damaged.")
                    if ns in (None, "0") and not redirect:
                        plain = strip_markup(text)
                        if len(plain) >= min_chars:
                            try:
                                ident = int(pid) if pid else -1
                            except ValueError:
                                raise CourseError(f"{path}: page {title!r} has a non-numeric id {pid!r}.") from None
                            articles.append(Article(ident, title, plain))
                    elem.clear()
    except ET.ParseError as exc:
        raise CourseError(f"{path}: not well-formed XML ({exc}).",
                          "The file is truncated or damaged; fetch it again.") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise CourseError(f"{path}: could not be read ({exc}).", "The file is truncated or damaged; fetch it again.") from None
    return articles


def split_of(article_id: int) -> str:
    """The fixed split of an article: ids ending in 0-7 train, 8 valid, 9 test (stable under any subset)."""
    r = article_id % 10
    return "test" if r == 9 else "valid" if r == 8 else "train"


def select(articles: list[Article], split: str | None) -> list[Article]:
    if split is None or split == "all":
        return list(articles)
    if split not in SPLITS:
        raise CourseError(f"Unknown split {split!r}.", f"Use one of {', '.join(SPLITS)} or None for every article.")
    return [a for a in articles if split_of(a.id) == split]


# ---------------------------------------------------------- the offline pack ---

PARSER_VERSION = 1


def load_excerpt(src, split: str | None = None) -> list[Article]:
    """The ``wiki-excerpt`` pack: gensim's English Wikipedia excerpt as plain-text articles.

    ``split``: 'train' (ids ending 0-7), 'valid' (8), 'test' (9), or None for all
    106 articles, in dump order. Parsed once, then read from the cache folder.
    """
    from grader.data import cache

    fname = src.entry.files[0].path.rsplit("/", 1)[-1]
    path = src.file(fname)
    key = f"wiki-excerpt-{src.entry.files[0].sha256[:12]}-v{PARSER_VERSION}"
    rows = cache.derived(key, lambda: [[a.id, a.title, a.text] for a in read_dump(path)])
    try:
        articles = [Article(int(i), str(t), str(x)) for i, t, x in rows]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise CourseError(f"The cached parse of {path} is damaged.", f"Delete {cache.cache_dir() / 'derived'} and load again.") from None
    if len(articles) != 106 or not all(a.text for a in articles):
        raise CourseError(f"{path}: expected 106 non-empty articles, read {len(articles)}.",
                          f"Delete {cache.cache_dir() / 'derived'} and load again; if it persists, reinstall gensim.")
    return select(articles, split)
