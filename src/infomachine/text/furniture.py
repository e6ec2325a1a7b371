"""Page furniture out of stored text: the rules that keep briefs quoting content.

``strip_furniture`` works on whole lines (and on blocks of lines) that have
the *shape* of furniture, never on a word: a sentence that merely mentions
"comment", "share" or "cookies" stays.  Removed are reader comments (and
their "N Responses" sections), bylines and credit lines, photo captions with
a credit, share / subscribe / follow / cookie / translation widgets,
related-links lists, bare timestamps and timestamps glued to the first
words, copyright footers, AI-summary preambles, repeated lines and teasers
that a full paragraph repeats.  ``unescape_markup`` turns text that still
carries escaped markup (``<\\/p>\\n&lt;p>``) into plain text first.

Each rule has a name; ``strip_furniture`` returns the names of the rules
that fired (kept as item metadata so a removal can be audited).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable

from infomachine.text.html import html_to_text

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?"
_DATE = (
    rf"(?:(?:{_WEEKDAY}\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
    rf"|(?:{_WEEKDAY}\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{4})"
)
_TZ = r"(?:\s+(?:[ECMP][SD]T|UTC|GMT|BST|CES?T|IST|JST|AEST|[A-Z]{2,4}T)\b)?"
_TIME = rf"(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s*(?:[ap]\.?m\.?|AM|PM)?{_TZ}|\d{{1,2}}\s*(?:[ap]\.?m\.?|AM|PM){_TZ})"
_STAMP_WORDS = (
    r"(?:(?:Published|Updated|Posted|Last\s+updated|Last\s+modified|First\s+published|Modified|"
    r"Date|Time|Created)(?:\s+(?:on|at))?\s*:?)"
)
# A line that is only a date/time stamp ("Published On 3 Sep 2025",
# "March 14, 2025 9:30 AM EST", "SAN JOSE, DEC. 17 — 12 AM EDT").
_STAMP_LINE = re.compile(
    rf"^(?:[A-Z][A-Z .'’-]{{1,40}},\s*)?(?:{_STAMP_WORDS}\s*)?"
    rf"(?:{_DATE}|{_TIME})(?:\s*(?:,|at|@|—|–|-|\||·)?\s*(?:{_STAMP_WORDS}\s*)?(?:{_DATE}|{_TIME}))*"
    r"\s*[.|]?$",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(rf"^{_DATE}$", re.IGNORECASE)
# A stamp glued to the first words: "date 2025-09-03 The ...", "December 31, 2025What ...".
_DATE_PREFIX = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+(?=\S)", re.IGNORECASE)
_GLUED_DATE = re.compile(rf"^({_DATE})(?=[A-Z][a-z])")

# Reader comments.
_COMMENT_META = re.compile(
    rf"^(?:{_DATE}(?:,?\s+(?:at\s+)?{_TIME})?\s*(?:\|\s*(?:Reply|Permalink|Report|Quote)\s*)+"
    rf"|{_DATE},?\s+at\s+{_TIME}"
    r"|Reply|Report(?: abuse)?|Permalink|Log in to Reply|Like|Reply\s*↓)$",
    re.IGNORECASE,
)
_COMMENTER = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s+(?:says|said|wrote|writes|commented)\s*:?$")
# A whole comment on one line: "Gwen Hale says: March 31, 2011 at 2:31 pm | Reply I have ...".
_COMMENT_GLUED = re.compile(
    rf"^(?:[-*•]\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s+(?:says|said|wrote|writes|commented)"
    rf"(?:\s*:\s*(?:on\s+)?{_DATE},?\s+(?:at\s+)?{_TIME}"
    rf"|\s+(?:on\s+)?{_DATE},?\s+(?:at\s+)?{_TIME}\s*\|\s*Reply\b)",
)
_COMMENT_BODY = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s+(?:says|wrote|writes)\s*:\s+\S")
_COMMENT_REMOVED = re.compile(
    r"^(?:This|The|Your) comment (?:was|has been|is) (?:removed|deleted|hidden|held)\b.{0,60}$", re.IGNORECASE
)
_COMMENT_HEADING = re.compile(
    r"^(?:(?:\d+|One|No|Two|Three)\s+(?:Responses?|Comments?|Replies|Reactions|Thoughts)(?:\s+(?:to|on)\b.{0,160})?"
    r"|(?:Reader\s+)?(?:Comments|Reactions|Responses)(?:\s*\(\d+\))?|Leave\s+a\s+(?:Reply|Comment|Response)"
    r"|Post\s+a\s+Comment|Add\s+(?:a|your)\s+comment|Join\s+the\s+(?:discussion|conversation)"
    r"|Sign\s+in\s+to\s+(?:comment|join\s+the\s+(?:discussion|conversation))|(?:Show|View|Load)\s+(?:all\s+)?comments"
    r"|Reader\s+reactions|Discussion|What\s+do\s+you\s+think\?)[.:]?$",
    re.IGNORECASE,
)

# Bylines and credit lines.
_NAME = r"[A-Z][\w.'’-]*"
_BYLINE = re.compile(
    rf"^(?:(?:Written|Posted|Reported|Words|Story|Text)\s+by|[Bb]y|BY)\s+(?:the\s+)?{_NAME}"
    rf"(?:\s+(?:and|&|of|the|de|van|von|{_NAME}))*\.?"
    rf"(?:\s*(?:,|\||·|•|—|–|-|/)\s*(?:{_NAME}(?:\s+(?:of|the|and|{_NAME}))*|{_DATE}|{_TIME}))*\s*$",
)
_GLUED_BYLINE = re.compile(
    rf"^(?:[Bb]y|BY)\s+{_NAME}(?:\s+{_NAME}){{0,3}}\s*(?:·|\||•|,)\s*{_NAME}(?:\s+{_NAME}){{0,4}}?(?<=[a-z])(?=[A-Z][a-z])",
)
_CREDIT = re.compile(
    r"^\(?(?:(?:With\s+)?(?:additional\s+)?(?:reporting|writing|editing|research|production)\s+(?:by|from)\s+[^.]{2,80}"
    r"(?:;\s*(?:additional\s+)?(?:reporting|writing|editing)\s+by\s+[^.;]{2,60})*)\.?\)?$",
    re.IGNORECASE,
)
_TWEET_ATTRIBUTION = re.compile(rf"^[—–-]\s*[^()]{{1,60}}\(@\w{{1,30}}\)\s*{_DATE}$", re.IGNORECASE)

# Captions: a line ending with a photo credit, or starting with a caption label.
_CAPTION = re.compile(
    r"(?:\((?:[A-Z]{2,10}\s+)?(?:Photos?|Image|Picture|Foto|Photograph|Credit)\b[^()]{0,80}\)\.?"
    r"|(?:Photo|Image|Picture|Photograph)(?:\s+credit)?\s*:\s*[A-Z][^.]{0,60}"
    r"|[/|]\s*(?:Getty Images|Reuters|AFP|AP|Shutterstock)\)?)\s*$",
)
_CAPTION_LABEL = re.compile(r"^(?:Photo|Image|Caption|Picture|Photograph)(?:\s+credit)?\s*:\s+\S", re.IGNORECASE)

# Widgets: share, follow, subscribe, print, cookie consent, translation.
_SOCIAL = (
    r"(?:Facebook|Twitter|X|LinkedIn|WhatsApp|Telegram|Reddit|Pinterest|Email|E-mail|Print|Threads|"
    r"Bluesky|Mastodon|Flipboard|Messenger|Copy\s+link|SMS|Tumblr|Pocket|Instagram|YouTube|TikTok)"
)
_WIDGET = re.compile(
    r"^(?:"
    r"(?:Share|Tweet|Pin|Email|Print|Save|Bookmark|Copy link|Gift (?:this )?article|Listen(?: to this article)?)"
    rf"(?:\s+(?:this|the)(?:\s+(?:article|story|post|page|link))?)?(?:\s+(?:on|via|to|with)\s+{_SOCIAL})?"
    r"(?:\s*\(Opens in new window\))?\s*[:!]?"
    rf"(?:\s*{_SOCIAL}(?:\s*[,·|•/]?\s*{_SOCIAL})*)?"
    rf"|Click to (?:share|email|print)\b.{{0,60}}"
    rf"|(?:{_SOCIAL}\s*[,·|•/]?\s*){{2,}}"
    r"|Copy the (?:URL|link) (?:and paste|below|to share)\b.{0,60}"
    r"|Link copied(?: to clipboard)?!?"
    r"|Follow (?:us|me|@\w+)(?: on [\w ,&]{2,60})?[.!]?"
    r"|(?:Subscribe|Sign up|Register)(?: now| today| for free)?(?: (?:to|for) (?:our|the|my)? ?[\w ’'-]{0,40}"
    r"(?:newsletter|updates|posts|emails?|alerts|podcast|channel)s?)?(?: by email)?[.!]?"
    r"|Subscribe to get new posts by email[.!]?"
    r"|(?:Get|Receive) (?:our|the) [\w ’'-]{0,40}newsletter\b.{0,60}"
    r"|Advertisement|ADVERTISEMENT|Skip advertisement|Story continues below(?: this)? ad(?:vertisement)?"
    r"|Sponsored(?: content)?|Continue reading(?: below)?|Read the full (?:story|article)(?: here)?[.:]?"
    r"|(?:Accept|Allow|Reject|Decline|Manage)(?: all)?(?: cookies| preferences| settings| choices)?"
    r"|Cookie (?:settings|preferences|policy)|Do not sell my (?:personal )?information"
    r"|Translate(?: this (?:page|article))?|Select (?:a )?language|Powered by Google Translate"
    r"|Read (?:this|it) in (?:English|[A-Z][a-z]+)|Show original|See original"
    r")$",
    re.IGNORECASE,
)
_COOKIE = re.compile(
    r"^(?:We use cookies|This (?:web)?site uses cookies|Our (?:web)?site uses cookies|We and our partners use"
    r"|By (?:continuing|using|browsing)(?: to (?:use|browse))?(?: this| our)? (?:site|website)[^.]{0,80}cookies"
    r"|We value your privacy|Your privacy choices)\b.{0,400}$",
    re.IGNORECASE,
)
_TRANSLATION = re.compile(
    r"(?:You can generate the full version in this language on demand"
    r"|This (?:article|page|text|content) (?:was|has been|is) (?:automatically |machine[- ])?translated"
    r"|This (?:article|page) is (?:also )?available in (?:other languages|[A-Z][a-z]+)"
    r"|Automatically translated(?: by| from)?|Machine translation\b"
    r"|Translated (?:automatically|by machine|with [A-Z]\w+))[^\n]{0,120}$",
    re.IGNORECASE,
)
# AI-written summaries and disclosures: the summary's meta sentence, not the summary.
_AI_PREAMBLE = re.compile(
    r"^(?:The|This) (?:provided |given |following )?(?:text|transcript|content|document|article|excerpt|passage)s?"
    r" (?:is|are|appears to be|seems to be|consists of|contains) (?:an? )?(?:excerpts?|transcripts?|summar(?:y|ies)|"
    r"segments?|portions?|parts?|collections?)\b[^.!?]*[.!?](?:\s+|$)",
    re.IGNORECASE,
)
_AI_DISCLOSURE = re.compile(
    r"^This (?:text|article|summary|content|post) (?:was|has been|is) (?:created|written|generated|produced)"
    r"(?: \(in whole or in part\)| in whole or in part| partly| partially)? (?:with the help of|by|using) "
    r"(?:an? )?(?:AI|artificial intelligence|generative AI|a language model)\b.{0,80}$",
    re.IGNORECASE,
)
_SOURCE_STAMP = re.compile(r"^(?:time|source|date|via)\s*:\s*(?:(?:time|source|date|via)\s*:\s*)*\S{0,60}$", re.I)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|Copyright\b).{0,160}$|^.{0,120}\bAll rights reserved\.?$", re.IGNORECASE
)
_RELATED_HEADING = re.compile(
    r"^(?:Related(?:\s+(?:articles|stories|posts|coverage|content|news|links|reading|topics))?"
    r"|Read (?:more|also|next)|More (?:from|on|in|about) .{1,50}|More (?:stories|news|articles)"
    r"|You (?:may|might) (?:also )?(?:like|enjoy|be interested in)|Recommended(?: for you| stories| reading)?"
    r"|Most (?:read|popular|viewed)|Trending(?: now| stories)?|Also read|See also|Further reading"
    r"|Latest (?:news|stories|posts)|Popular (?:posts|stories)|Don't miss|Top stories)\s*:?$",
    re.IGNORECASE,
)
_INLINE_RELATED = re.compile(
    r"^(?:Related|Read more|Read also|Also read|See also|More|Watch|Listen|READ MORE|RELATED)\s*:\s*\S.{0,160}$"
)
_LIST_MARK = re.compile(r"^(?:[-*•·]|\d+[.)])\s+")
_END_PUNCT = re.compile(r"[.!?…:;\"”’)]$")


def _words(line: str) -> int:
    return len(line.split())


def _is_link_like(line: str) -> bool:
    """A short headline-shaped line (a related link): no sentence end, few words."""
    body = _LIST_MARK.sub("", line)
    return 0 < _words(body) <= 16 and not re.search(r"[.!?]$", body)


# Literal tags in text that was HTML already (a feed's double-escaped body).
LITERAL_TAG = re.compile(r"</(?:p|div|span|a|li|ul|ol|strong|em|b|i|h[1-6]|blockquote|figure|figcaption)>", re.I)
# Escaped tags: JSON-escaped closing tags, entity-escaped (once or twice) tags.  Literal
# tags in plain text are text (a text/plain body stays as written).
_ESCAPED_TAG = re.compile(
    r"<\\/[a-zA-Z][\w-]*>|&(?:amp;)?lt;/?[a-zA-Z][\w-]*(?:\s[^<>]{0,200})?(?:>|&(?:amp;)?gt;)",
    re.IGNORECASE,
)


def unescape_markup(text: str) -> tuple[str, bool]:
    """Text that still shows escaped markup (``<\\/p>\\n&lt;p>``, ``&lt;p&gt;``) as plain text.

    Only text with an escaped *tag* is touched: JSON string escapes
    (``\\/``, ``\\n``, ``\\t``, ``\\"``) and entities are decoded, then any
    markup becomes text.  Returns the text and whether it changed.
    """
    if ("<\\/" not in text and "lt;" not in text) or not _ESCAPED_TAG.search(text):
        return text, False
    fixed = text
    for _ in range(3):  # double-escaped markup: &amp;lt;p&amp;gt;
        before = fixed
        fixed = fixed.replace("\\/", "/").replace("\\n", "\n").replace("\\t", " ").replace('\\"', '"')
        fixed = _html.unescape(fixed)
        if fixed == before:
            break
    fixed = re.sub(r"</?(p|div|br|li|h[1-6]|blockquote|ul|ol)\b[^>]*>", "\n", fixed, flags=re.I)
    if "<" in fixed:
        fixed = html_to_text(fixed)
    fixed = fixed.strip()
    return fixed, fixed != text


def _norm(line: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", line.lower()).split())


_LineRule = Callable[[str], bool]

# Single-line rules, in order, each for lines of at most so many words; the
# first that matches names the removal.
_LINE_RULES: tuple[tuple[str, int, _LineRule], ...] = (
    ("comment", 60, lambda s: bool(
        _COMMENT_META.match(s) or _COMMENTER.match(s) or _COMMENT_REMOVED.match(s) or _COMMENT_GLUED.match(s)
    )),
    ("comment-heading", 30, lambda s: bool(_COMMENT_HEADING.match(s))),
    ("timestamp", 14, lambda s: bool(_STAMP_LINE.match(s))),
    ("byline", 16, lambda s: bool(_BYLINE.match(s) or _CREDIT.match(s) or _TWEET_ATTRIBUTION.match(s))),
    # the credit ends the line: only its last characters are searched
    ("caption", 70, lambda s: bool(_CAPTION.search(s[-120:]) or _CAPTION_LABEL.match(s))),
    ("widget", 16, lambda s: bool(_WIDGET.match(_LIST_MARK.sub("", s)))),
    ("cookie", 70, lambda s: bool(_COOKIE.match(s))),
    ("translation", 40, lambda s: bool(_TRANSLATION.search(s))),
    ("ai-disclosure", 30, lambda s: bool(_AI_DISCLOSURE.match(s))),
    ("source-stamp", 6, lambda s: bool(_SOURCE_STAMP.match(s))),
    ("copyright", 30, lambda s: bool(_COPYRIGHT.match(s))),
    ("related", 30, lambda s: bool(_INLINE_RELATED.match(s))),
)


def _line_rule(line: str) -> str | None:
    words = line.count(" ") + 1
    if words > 70 or len(line) > 600:
        return None  # furniture is short; a long paragraph is content
    for name, most, rule in _LINE_RULES:
        if words <= most and rule(line):
            return name
    return None


def _fix_prefix(line: str, fired: list[str]) -> str:
    """Furniture glued to the first words of a line, cut off (the rest stays)."""
    m = _DATE_PREFIX.match(line) or _GLUED_DATE.match(line)
    if m:
        fired.append("glued-timestamp")
        line = line[m.end() :]
    m = _GLUED_BYLINE.match(line)
    if m:
        fired.append("glued-byline")
        line = line[m.end() :]
    m = _AI_PREAMBLE.match(line)
    if m and line[m.end() :].strip():
        fired.append("ai-preamble")
        line = line[m.end() :]
    elif m:
        fired.append("ai-preamble")
        line = ""
    return line


def strip_furniture(text: str, *, title: str | None = None) -> tuple[str, list[str]]:
    """``text`` without furniture lines and blocks; and the names of the rules that fired.

    Lines are kept in order; blank lines between kept paragraphs stay.
    ``title`` (the item's) lets a breadcrumb trail ending in it be recognised.
    """
    if not text:
        return text, []
    fired: list[str] = []
    glued: set[int] = set()  # lines that began with a glued date
    lines = text.split("\n")
    n = len(lines)
    drop = [False] * n
    stripped = [line.strip() for line in lines]
    for i, s in enumerate(stripped):
        if not s:
            continue
        fixed = _fix_prefix(s, fired)
        if fixed != s and _GLUED_DATE.match(s):
            glued.add(i)
        if fixed != s:
            stripped[i] = fixed = fixed.strip()
            lines[i] = fixed
            if not fixed:
                drop[i] = True
                continue
        name = _line_rule(fixed)
        if name:
            drop[i] = True
            fired.append(name)
    nonblank = [i for i in range(n) if stripped[i]]

    position = {i: pos for pos, i in enumerate(nonblank)}

    def neighbours(i: int, k: int) -> list[int]:
        pos = position[i]
        return nonblank[max(0, pos - k) : pos] + nonblank[pos + 1 : pos + 1 + k]

    meta = [
        i for i in nonblank
        if _COMMENT_META.match(stripped[i]) or _COMMENTER.match(stripped[i]) or _COMMENT_GLUED.match(stripped[i])
    ]
    # A "Name wrote: ..." line next to comment metadata is a comment.
    for i in nonblank:
        if not drop[i] and _COMMENT_BODY.match(stripped[i]) and any(j in meta for j in neighbours(i, 2)):
            drop[i] = True
            fired.append("comment")
    # A comments section (its heading, then comment metadata): everything after
    # the heading is comments; its lines go, up to the end of the text.
    for i in nonblank:
        if _COMMENT_HEADING.match(stripped[i]) and any(j > i for j in meta):
            for j in nonblank:
                if j > i and not drop[j]:
                    drop[j] = True
                    fired.append("comment-section")
            break
    # "Name says:" then its date line: the next line is that comment's text.
    for k, i in enumerate(nonblank[:-2]):
        j, body = nonblank[k + 1], nonblank[k + 2]
        if _COMMENTER.match(stripped[i]) and _COMMENT_META.match(stripped[j]) and not drop[body]:
            if _words(stripped[body]) <= 120:
                drop[body] = True
                fired.append("comment")
    # Related-links lists: a heading and the headline-shaped lines under it.
    for i in nonblank:
        if not _RELATED_HEADING.match(_LIST_MARK.sub("", stripped[i])):
            continue
        block = []
        for j in nonblank[position[i] + 1 :]:
            if drop[j] and _STAMP_LINE.match(stripped[j]):
                block.append(j)
                continue
            if not _is_link_like(stripped[j]):
                break
            block.append(j)
        if block:
            for j in [i, *block]:
                if not drop[j]:
                    drop[j] = True
                    fired.append("related")
    # Headline + date pairs (a related list without heading): two pairs or more.
    pairs = [
        i for k, i in enumerate(nonblank[:-1])
        if not drop[i] and _is_link_like(stripped[i])
        and (_DATE_ONLY.match(stripped[nonblank[k + 1]]) or nonblank[k + 1] in glued)
    ]
    if len(pairs) >= 2:
        for i in pairs:
            drop[i] = True
            fired.append("related")
    # A breadcrumb trail at the top: short list items, the last one the title.
    head = [i for i in nonblank[:8] if _LIST_MARK.match(stripped[i])]
    if len(head) >= 2 and head == nonblank[: len(head)]:
        last = _norm(_LIST_MARK.sub("", stripped[head[-1]]))
        after = nonblank[len(head)] if len(head) < len(nonblank) else None
        if all(_words(stripped[i]) <= 12 for i in head) and (
            (title and last == _norm(title)) or (after is not None and last == _norm(stripped[after]))
        ):
            for i in head:
                drop[i] = True
                fired.append("breadcrumb")
    # Repeats: a line equal to the previous kept line, or a teaser ("…") the next paragraph repeats.
    prev: int | None = None
    for i in nonblank:
        if drop[i]:
            continue
        if prev is not None:
            a, b = stripped[prev], stripped[i]
            if a == b:
                drop[i] = True
                fired.append("repeat")
                continue
            teaser = a.rstrip("…").removesuffix("...").rstrip()
            if teaser != a and len(teaser) >= 40 and b.startswith(teaser) and len(b) > len(teaser):
                drop[prev] = True
                fired.append("teaser")
        prev = i
    out: list[str] = []
    for i, line in enumerate(lines):
        if drop[i]:
            continue
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    return "\n".join(out).strip(), fired
