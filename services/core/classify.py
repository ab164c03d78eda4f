"""Docket-text classifier: the clerk's words -> what the entry means for the case. Pure.

``classify(text, event_name, document_number)`` reads one docket entry and
returns a :class:`~services.core.classification.Classification`: the event type
(``case.dismissed``, ``judgment.entered``, ...), its parameters (dismissal kind,
prejudice, scope, judgment kind, remand target, ...) and ``rule``, the name of
the rule that decided, so the accuracy report and a curious user can see *why*.

How it reads
------------
An ordered rule table (``RULES``), first match wins. Each row has a name and
real example texts, which ``tests/unit/test_classify_rules.py`` runs through the
whole table, asserting that *that row* decides them. Rows are declarative
(:func:`row`: the patterns it matches in the entry's text, head or a named view
of it, the ``requires`` patterns that must also match, the ``unless`` guards
that veto it, the classification it builds with its confidence, and what it
reads from the text); adding a phrasing is one row plus its example. Three older
rows are still predicates (``Rule(name, examples, decide)``: strikes of earlier
entries, openings and amended pleadings, court dismissals) whose
``Classification.rule`` names the precise outcome inside them. Every reading
carries a ``confidence``:
``high`` when the words say it, ``medium`` when inferred (a bare "Stipulation
and Order", closing only after a reported settlement; a permanent injunction
granted by order). The order encodes the traps (DESIGN.md "Known traps"):

1. entries that void themselves ("FILED IN ERROR - ...", the clerk rewrote the
   entry) or earlier entries ("re [12] ... filed in error", "ORDER vacating 59
   Order") come first, because their words otherwise look like what they undo;
2. "remanded to the custody of the U.S. Marshal" is not a remand;
3. case openings (complaint, petition, notice of removal, transfer in) and
   amended pleadings, read from the entry's *head* (its first words), so an
   "ANSWER to Complaint" or "AFFIDAVIT of Service for Complaint" is not a filing;
4. appeals: a court of appeals "dismissing the appeal" or affirming is not a
   district-court disposition; its reversal and remand reopens the case; a
   notice of appeal is only a flag;
5. settlement: an order closing the case because it settled, vs. a mere notice;
6. party filings (MOTION, MEMORANDUM, REPLY, LETTER, REPORT AND RECOMMENDATION,
   proposed orders ...) never change status: "MOTION to dismiss" is a request;
7. dispositions, most specific first: notice of voluntary dismissal,
   stipulation of dismissal, an entry that *is* a judgment, court dismissal, an
   order directing judgment, transfer out / MDL, remand; then stays and lifts,
   reopening, administrative closing, and last the clerk's bare "Case
   terminated" / "JS-6" / "Close Bankruptcy Case" marker;
8. anything else is a plain ``docket.entry`` (kept on the timeline, no effect).

Decisions worth knowing
-----------------------
* Prejudice comes only from explicit words tied to a dismissal or judgment
  ("dismissed without prejudice"); a rule number (41(a)(1)(A)(i)) decides the
  *kind* of dismissal, never its prejudice. "Denied without prejudice" (a motion)
  and "without prejudice to the right ... to reopen" do not count. Mixed
  statements (with prejudice as to one defendant, without as to the others)
  give ``unknown``.
* Scope: a dismissal or judgment "as to" some parties, counts or claims, "in
  part", "partial" or under Rule 54(b) is ``partial`` unless the entry also
  says the whole case ends ("Case Terminated", "JS-6", "entire action").
* RSS items carry only an event name (``event_name``): the same rules read it
  when the text is empty or says nothing decisive. A bare SDNY relief label such
  as "Dismiss" names a *motion* and stays a plain entry.
* ``document_number`` 1 marks the first paper of a docket: a transfer order
  there opens the case (transfer in, e.g. the MDL court's first entry); it
  cannot be a transfer out.
* Parties: without a party list, a dismissal or judgment that names only some
  parties ("as to defendant X", "claims against X", "Acme Corp. terminated",
  "terminating party") is ``partial`` and never closes the case; only a
  whole-action phrase ("this action is dismissed", "Case Terminated", "as to
  all defendants") or a disposal with no party qualifier does.
* Criminal cases share the data: a sentencing judgment "JUDGMENT (and
  COMMITMENT) as to <defendant>, Count(s) 1, ... BOP" closes the criminal case
  (``judgment.entered``, kind ``other``); a bare "JUDGMENT as to <name>" is read
  like any judgment naming a party (partial). For a multi-defendant case the
  first sentencing closes it (known simplification).
* A JPML conditional transfer order (CTO) is an MDL transfer out; the Panel's
  order lifting the stay of a CTO and its notice of filing a CTO are not.

``CLASSIFIER_VERSION`` changes whenever the rules change, and is stamped on
every event so a rebuild can tell old readings from new.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from schemas.vocabulary import DismissalKind, JudgmentKind, OpeningKind, Prejudice, Scope
from services.core.classification import Classification

CLASSIFIER_VERSION: Final = "rules-2.5"

__all__ = [
    "CLASSIFIER_VERSION",
    "RULES",
    "Rule",
    "classify",
    "decided_by",
    "prejudice_of",
    "reopen_window",
    "row",
    "scope_of",
]

# --------------------------------------------------------------------------- normalising

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
_BRACKETED = re.compile(r"^\[(?P<inner>[^\[\]]*)\]$")
_LEAD_NOISE = re.compile(r"^(?:[\s*#~>-]|\(court only\)|\*+text only\*+)+")
# Attachment lists name other papers ("# 3 Proposed Order Dismissing Case"): not what the entry does.
_ATTACHMENTS = re.compile(
    r"\((?:additional\s+)?attachments?(?:\(s\))?(?:\s+added[^:]*)?:(?:[^()]|\([^()]*\))*\)",
    re.IGNORECASE,
)


def _norm(s: str | None) -> str:
    """Collapse whitespace, straighten quotes, unwrap an RSS ``[Event Name]``; keeps case."""
    out = _WS.sub(" ", (s or "").translate(_QUOTES)).strip()
    m = _BRACKETED.match(out)
    return m["inner"].strip() if m else out


@dataclass(frozen=True, slots=True)
class Entry:
    """One docket entry as the rules see it."""

    text: str
    """Lower-case normalised words (the docket text, or the event name when reading that)."""
    head: str
    """``text`` without leading asterisks/markers: where the docket event label sits."""
    original: str
    """Normalised words with their original case (for court names)."""
    document_number: int | None


def _entry(words: str, document_number: int | None) -> Entry:
    original = _ATTACHMENTS.sub(" ", _norm(words))
    original = _WS.sub(" ", original).strip()
    text = original.lower()
    head = _LEAD_NOISE.sub("", text).strip()
    return Entry(text=text, head=head, original=original, document_number=document_number)


# --------------------------------------------------------------------------- shared phrases


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


# Party filings: a request or a brief never changes status by itself.
_REQUEST_HEAD = _rx(
    r"""^(?:(?:joint|consent|unopposed|opposed|emergency|ex\s?parte(?:/consent)?|assented[- ]to|
          first|second|third|renewed|amended|supplemental|corrected|cross|counter|sealed|redacted|
          notice\s+(?:of\s+motion\s+)?and|plaintiffs?'?|defendants?'?|petitioners?'?|respondents?'?|
          pro\s+se|[a-z.]+'s|letter|[a-z]+\s+letter)[\s,/-]+)*
        (?:motions?\b|memorandum\b(?!\s+(?:and|&|opinion|decision|order|of\s+(?:decision|opinion)))|
           memo\b(?!\s*-?\s*endorse)|brief\b|response\b|reply\b|opposition\b|objections?\b|
           declaration\b|affidavit\b|affirmation\b|request\b|application\b|proposed\b|
           notice\s+of\s+motion\b|reports?\s+and\s+recommendations?\b|findings\s+and\s+recommendations?\b|
           transcript\b|sur-?reply\b|exhibits?\b|certificate\b|letter\b(?!\s+order)|
           appeal\s+(?:of|from)\s+(?:the\s+)?(?:\d+\s+)?(?:magistrate|report)|notice\s+of\s+hearing\b|
           statement\s+of\s+(?:facts|undisputed)|proposed\s+order\b|position\b|
           notice\s+of\s+(?:non-?)?(?:opposition|objection)\b)""",
)
_SHOW_CAUSE_HEAD = _rx(
    r"""^(?:order\s+to\s+show\s+cause|show\s+cause\s+order|notice\s+of\s+(?:intent|impending)\s+to\s+dismiss|
          letter\s+of\s+deficiency|notice\s+of\s+(?:additional\s+)?(?:filing\s+)?deficienc)""",
)


# Explicit prejudice tied to a dismissal/discontinuance/judgment, in either order.
_DENIED_WITHOUT = _rx(r"\b(?:deny|denies|denied|denying)\b[^.;]{0,80}?\bwithout\s+prejudice\b")
_PREJ_AFTER = _rx(
    r"""\b(?:dismiss(?:ed|es|ing|al)?|discontinu(?:ed|ance)|judgment)\b[^.;]{0,120}?
        \b(?P<p>with(?:out)?)\s+prejudice\b"""
)
_PREJ_BEFORE = _rx(r"\b(?P<p>with(?:out)?)\s+prejudice\b[^.;]{0,40}?\b(?:dismiss|discontinu)")
_PREJ_TO_RIGHT = _rx(
    r"\bwithout\s+prejudice\s+to\s+(?:the\s+)?(?:right|plaintiff|defendant|any|re-?open|reinstat|moving)"
)


def prejudice_of(text: str) -> Prejudice:
    """``with`` / ``without`` only from explicit words about a dismissal; else ``unknown``.

    The rule number never decides: a 41(a)(1)(A)(i) notice may be with or
    without prejudice. Mixed statements give ``unknown``.
    """
    t = _DENIED_WITHOUT.sub(" ", text.lower())
    t = _PREJ_TO_RIGHT.sub(" ", t)
    found = {m["p"] for m in _PREJ_AFTER.finditer(t)} | {m["p"] for m in _PREJ_BEFORE.finditer(t)}
    if found == {"with"}:
        return "with"
    if found == {"without"}:
        return "without"
    return "unknown"


# Whole-case words beat partial ones; partial ones beat the weak default.
_WHOLE_STRONG = _rx(
    r"""\b(?:entire\s+(?:action|case|complaint|lawsuit)|in\s+(?:its|their)\s+entirety|js-?6|
          (?:civil\s+)?case\s+(?:is\s+)?(?:hereby\s+)?(?:terminated|closed)|case\s+dismissed|
          dismiss(?:ing|ed)\s+(?:the\s+|this\s+)?case\b|(?:close|terminate)\s+(?:the|this)\s+(?:case|action)|
          all\s+(?:claims|defendants|parties|counts|causes\s+of\s+action|remaining\s+(?:claims|defendants))
            (?!\s+(?:against|of|by)\s+(?!all\b|(?:the\s+)?(?:remaining\s+)?(?:defendants|plaintiffs|parties)\b))|
          as\s+to\s+all\b|dismissed\s+in\s+full|
          (?:the|this)\s+(?:case|action|complaint)\s+(?:is|be|shall\s+be)\s+(?:hereby\s+)?dismissed\b
            (?!\s+(?:(?:with|without)\s+prejudice\s+)?(?:as\s+to|against|in\s+part|only)))"""
)
_PARTIAL = _rx(
    r"""\b(?:as\s+to\s+(?!all\b)|in\s+part\b|partial(?:ly)?\b|54\s*\(b\)|dismissing\s+part(?:y|ies)|
          parties\s+dismissed|dismiss(?:ed|ing|al\s+of)?\s+(?:defendants?|part(?:y|ies)|counts?|
            (?:the\s+)?claims?\s+(?:against|of)|(?:plaintiff'?s'?\s+)?[a-z-]+\s+claims?)\b|
          (?:counter|cross|third[- ]party\s+)claims?\b|claims?\s+against\s+(?!all\b)|counts?\s+[\divx]|
          third[- ]party\s+(?:complaint|defendants?|plaintiffs?)\b|(?:counter|cross)[- ]?complaint\b|
          \bdoes\s+(?:\d|[ivx]+\b)|\b(?:john|jane)\s+does?\s+(?:\d|[ivx]+\b|defendants?)|\bdoe\s+defendants?\b|
          (?:plaintiffs?|defendants?)\s+[a-z][a-z.' -]{1,60}?'s?\s+claims?\b|
          dismiss(?:ed|ing|al\s+of)\s+(?:the\s+)?(?!remaining\b|all\b)(?:individual|corporate|municipal|county|city|state|federal|moving|named|
            unserved|unknown|fictitious|non-?diverse|[a-z]+\s+county)\s+(?:defendants?|parties)\b|
          certain\s+(?:claims|defendants|parties)|(?:state|federal)[- ]law\s+claims?|
          (?:defendants?|part(?:y|ies)|plaintiffs?)\s+(?:(?!\b(?:case|action|complaint|matter|petition|did|not|shall|must|may|will|if|because|failed)\b)[a-z.,'&() -]){1,80}?
            \s+(?:is\s+|are\s+)?(?:hereby\s+)?(?:dismissed|terminated)|
          terminat(?:ed|ing)\s+(?:part(?:y|ies)|defendants?|plaintiffs?)\b|
          (?:inc|corp|co|llc|ltd|l\.?p|n\.?a|company|corporation|incorporated)\.?\s+(?:is\s+)?terminated\b|
          \bonly\b(?=[^.;]{0,10}$))"""
)


# "The remaining claims proceed", "the case remains pending as to the other defendants"
_CASE_GOES_ON = _rx(
    r"""\b(?:the\s+)?remaining\s+(?:claims?|defendants?|parties|counts?|plaintiffs?)\s+(?:shall\s+|will\s+|may\s+)?(?:proceed|remain)\b
      | \b(?:case|action|matter)\s+(?:shall\s+|will\s+)?(?:remains?|proceeds?|continues?)\s+(?:open|pending|active|to\s+proceed)?\s*(?:as\s+to|against)\b
      | \b(?:case|action)\s+(?:shall\s+|will\s+)?remains?\s+open\b"""
)
_DISPOSING = _rx(r"\b(?:dismiss\w*|discontinu\w*|judgment|terminat\w*)\b")


def scope_of(text: str) -> Scope:
    """``partial`` when the entry ends only some parties/claims and does not say the case ends.

    "Whole" words count anywhere in the entry ("... (Made JS-6. Case Terminated.)");
    "partial" words only in a clause that disposes of something, so a later
    sentence declining supplemental jurisdiction over "state law claims" does
    not make a dismissal of the complaint partial.
    """
    t = text.lower()
    if _CASE_GOES_ON.search(t) and not _CLOSE_WORDS.search(t):
        return "partial"
    if _WHOLE_STRONG.search(t):
        return "whole"
    disposing = [c for c in _clauses(t) if _DISPOSING.search(c)] or [t]
    return "partial" if any(_PARTIAL.search(c) for c in disposing) else "whole"


_REASONS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\b(?:failure|want|lack)\s+(?:of|to)\s+prosecut"), "want of prosecution"),
    (
        re.compile(r"\black\s+of\s+(?:subject[- ]matter\s+|personal\s+)?jurisdiction\b"),
        "lack of jurisdiction",
    ),
    (re.compile(r"\bfail(?:ure|s|ed)?\s+to\s+state\s+a\s+claim\b"), "failure to state a claim"),
    (
        re.compile(r"\bfail(?:ure|s|ed)?\s+to\s+(?:pay|comply|serve|exhaust|respond|appear)"),
        "failure to comply",
    ),
)


def _first_label(t: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> str | None:
    """The label of the first pattern in ``table`` found in ``t``."""
    return next((label for pattern, label in table if pattern.search(t)), None)


def _reason_of(t: str) -> str | None:
    """Why the court dismissed, in the words FJC codes use (prosecution -> 2, jurisdiction -> 3)."""
    return _first_label(t, _REASONS)


def _class_action(t: str) -> bool:
    return bool(
        re.search(
            r"\bclass[- ]action\b|\bputative\s+class\b|\bon\s+behalf\s+of\s+\w+(?:self|selves)?\s+and\s+all\s+others\b|\bsimilarly\s+situated\b",
            t,
        )
    )


# References to earlier docket entries ("re [12]", "Document No. 12", "12 Order").
_REF = _rx(
    r"""\[(?P<a>\d{1,6})\]
      | \b(?:re:?|regarding)\s+(?:doc(?:ument)?\.?\s*(?:no\.?\s*)?)?(?P<b>\d{1,6})\b(?![/:.]\d)
      | \b(?:document|doc\.?|docket\s+entry|docket\s+no\.?|dkt\.?|ecf|entry|r\.\s*doc\.?)\s*(?:no\.?|number|\#)?\s*(?P<c>\d{1,6})\b(?![/:]\d)
      | \bnumber\s+\[[a-z ]{1,30}\]\s*(?P<e>\d{1,6})\b
      | (?<![/\d.:$])\b(?P<d>\d{1,6})\s+(?:order|judgment|notice|stipulation|minute\s+(?:order|entry)|document|motion)\b"""
)


def _references(t: str, own: int | None) -> tuple[int, ...]:
    found: set[int] = set()
    for m in _REF.finditer(t):
        n = int(next(g for g in m.groups() if g is not None))
        if n > 0 and n != own:
            found.add(n)
    return tuple(sorted(found))


def _mentions(t: str, *words: str) -> bool:
    """Cheap substring guard run before a rule's regexes (most entries mention none of its words)."""
    return any(w in t for w in words)


# A period after a company suffix, an initial or "No" ends no clause: "Acme Corp. is dismissed".
_CLAUSE_END = re.compile(
    r"(?<!\binc)(?<!\bcorp)(?<!\bco)(?<!\bltd)(?<!\bl\.p)(?<!\bn\.a)(?<!\bjr)(?<!\bsr)(?<!\bno)(?<!\bst)"
    r"(?<!\bu\.s)(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)(?<!\bv)(?<!\bvs)(?<!\b[a-z])\.(?=\s|$)|;"
)


def _clauses(t: str) -> list[str]:
    return [c for c in _CLAUSE_END.split(t) if c.strip()]


def _ordered(
    pattern: re.Pattern[str], t: str, not_after: re.Pattern[str], window: int = 40
) -> bool:
    """``pattern`` occurs as something the entry *does*, not as context.

    A match counts unless the words just before it (``window`` characters)
    match ``not_after``: "As this matter is administratively closed, ...",
    "without prejudice to the right of the parties to reopen".
    """
    return any(
        not not_after.search(t[max(0, m.start() - window) : m.start()]) for m in pattern.finditer(t)
    )


def _court_name(original: str, pattern: re.Pattern[str]) -> str | None:
    m = pattern.search(original)
    if not m:
        return None
    name = _WS.sub(" ", m["court"]).strip(" .,;:-")
    return name[:120] or None


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the rule table: a name, real example texts, and how it decides.

    ``decide`` returns None when the row does not apply. A declarative row
    (built by :func:`row`) also keeps its data: ``when`` (patterns, any of which
    makes it apply), ``unless`` (guards that veto it) and ``builds`` (the
    classification it yields). ``tests/unit/test_classify_rules.py`` runs every
    row's ``examples`` through :func:`classify` and asserts that *this* row
    decides them.
    """

    name: str
    examples: tuple[str, ...]
    decide: Callable[[Entry], Classification | None]
    when: tuple[re.Pattern[str], ...] = ()
    unless: tuple[re.Pattern[str], ...] = ()
    builds: Classification | None = None
    examples_at: int | None = None
    """The document number the examples are read at (a row about a docket's first paper)."""

    @property
    def example(self) -> str:
        return self.examples[0]


Patterns = str | re.Pattern[str] | tuple[str | re.Pattern[str], ...]


def _patterns(p: Patterns) -> tuple[re.Pattern[str], ...]:
    return tuple(_rx(x) if isinstance(x, str) else x for x in (p if isinstance(p, tuple) else (p,)))


def row(
    name: str,
    *,
    when: Patterns,
    builds: Classification,
    examples: tuple[str, ...],
    unless: Patterns = (),
    requires: Patterns = (),
    requires_head: Patterns = (),
    unless_head: Patterns = (),
    on: Literal["text", "head"] | Callable[[Entry], str] = "text",
    reads: tuple[str, ...] = (),
    not_after: Patterns = (),
    window: int = 40,
    examples_at: int | None = None,
) -> Rule:
    """A declarative row: applies when any ``when`` pattern matches (in the entry's ``on``: its
    text, its head, or a named view of it such as the text without the motions it names), every
    ``requires`` pattern matches its text and every ``requires_head`` pattern its head, no
    ``unless`` pattern its text and no ``unless_head`` pattern its head; yields
    ``builds`` with ``rule=name``
    and the parameters named in ``reads`` read from the text (prejudice, scope,
    judgment kind, the reopening window). With ``not_after``, a match counts only
    when the ``window`` characters before it do not match (``_ordered``): "As this
    matter is administratively closed, ..." describes, it does not close."""
    whens = _patterns(when)
    unlesses = _patterns(unless)
    requireds = _patterns(requires)
    head_vetoes = _patterns(unless_head)
    head_requireds = _patterns(requires_head)
    template = replace(builds, rule=name)
    wanted = frozenset(reads)

    befores = _patterns(not_after)

    def matches(p: re.Pattern[str], where: str) -> bool:
        if not befores:
            return p.search(where) is not None
        return any(_ordered(p, where, b, window) for b in befores)

    def decide(e: Entry) -> Classification | None:
        where = on(e) if callable(on) else e.head if on == "head" else e.text
        if (
            not any(matches(p, where) for p in whens)
            or not all(r.search(e.text) for r in requireds)
            or not all(r.search(e.head) for r in head_requireds)
            or any(u.search(e.text) for u in unlesses)
            or any(u.search(e.head) for u in head_vetoes)
        ):
            return None
        return _built(template, wanted, e)

    return Rule(name, examples, decide, whens, unlesses, template, examples_at)


_REOPEN_WINDOW = _rx(
    r"""\b(?:re-?open|restore|reinstate)\w*\b[^.;]{0,80}?\bwithin\s+(?:(?P<word>thirty|forty-five|sixty|ninety)\s+)?\(?(?P<n>\d{1,3})?\)?\s*days?\b
      | \bwithin\s+(?:(?P<word2>thirty|forty-five|sixty|ninety)\s+)?\(?(?P<n2>\d{1,3})?\)?\s*days?\b[^.;]{0,80}?\b(?:re-?open|restore|reinstate)"""
)
_NUMBER_WORDS = {"thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90}


def reopen_window(text: str) -> int | None:
    """Days the parties have to reopen a case dismissed on settlement, when the entry says so."""
    m = _REOPEN_WINDOW.search(text.lower())
    if not m:
        return None
    n = m["n"] or m["n2"]
    if n:
        return int(n)
    word = m["word"] or m["word2"]
    return _NUMBER_WORDS.get(word) if word else None


def _built(template: Classification, reads: frozenset[str], e: Entry) -> Classification:
    t = e.text
    update: dict[str, Any] = {}
    if "prejudice" in reads:
        update["prejudice"] = prejudice_of(t)
    if "scope" in reads:
        update["scope"] = scope_of(t)
    if "judgment_kind" in reads:
        update["judgment"] = _judgment_kind(t)
    if "judgment_scope" in reads:
        update["scope"] = _judgment_scope(t)
    if "reason" in reads:
        update["reason"] = _reason_of(t)
    if "reopen_window" in reads:
        update["reopen_within_days"] = reopen_window(t)
    if "class_action" in reads:
        update["class_action"] = _class_action(t)
    if "to_court" in reads:
        update["to_court"] = _court_name(e.original, _TO_COURT)
    if "mdl" in reads:
        update["mdl"] = bool(_MDL.search(t))
    if "stay_reason" in reads:
        m = _PENDING_WHY.search(t)
        update["reason"] = m["why"].strip() if m else None
    if "confidence" in reads and (_CLOSE_WORDS.search(t) or _WHOLE_STRONG.search(t)):
        update["confidence"] = "high"  # the entry itself says the case ends
    return replace(template, **update) if update else template


_OWN_VOID = _rx(
    r"""^(?:(?:filed|entered|docketed|submitted)\s+in\s+error|entry\s+error|filing\s+error|docketing\s+error|
          deleted\s+(?:document|entry)(?!\s+number)|placed\s+in\s+file\s*-?\s*not\s+used|\**deficient\**|
          incorrect\s+entry|vacated|stricken|withdrawn|void(?:ed)?|wrong\s+(?:case|event|document))\b"""
)


_ERROR_MARK = _rx(
    r"""\b(?:filed|entered|docketed|submitted)\s+in\s+error\b|\bdocket(?:ing)?\s+error\b|\bincorrectly\s+filed\b
      | \bdeleted\s+document\s+number\b|\b(?:filed|docketed|entered)\s+in\s+(?:the\s+)?wrong\s+case\b"""
)
_STRIKE_MARK = _rx(
    r"""\bstricken\b|\bstruck\b|(?<!motion\sto\s)\bstrik(?:es|ing)\b(?!\s+(?:allegations|portions|affirmative|the\s+jury))
      | \b(?:clerk|court)\s+(?:shall|will|is\s+directed\s+to)\s+strike\b|\bvacat(?:es|ed|ing)\b|\bhereby\s+vacate\b
      | \bgranting\b(?:(?!\bmotions?\b)[^.;]){0,60}\bmotion\s+to\s+vacate\b|\brescind(?:s|ed|ing)\b|\bset\s+aside\b|\bwithdrawn\b
      | ^(?:notice\s+of\s+)?withdrawal\s+of\b"""
)
_CORRECTION = _rx(
    r"\b(?:correction|corrected|refiled|re-filed|replaced\s+by|re-?entered|see\s+(?:document|doc|entry))\b"
)
_SCHEDULE_WORDS = _rx(
    r"\b(?:hearing|conference|trial|deadline|schedul\w*|calendar|date|sentencing|appearance|argument|jury|bond|subpoena|deposition|conviction|seal)\b"
)
_UNDONE_OBJECT = _rx(
    r"\b(?:order|judgment|dismissal|notice|stipulation|entry|entries|document|filing|docket)\b"
)
_VACATE_CLOSURE = _rx(
    r"""\bvacat(?:e|es|ed|ing)\b[^.;]{0,80}\b(?:judgment|order\s+of\s+dismissal|dismissal|order\s+dismissing|
          order\s+closing|administrative\s+clos)
      | \b(?:judgment|dismissal)(?:\s+\([^()]{0,30}\))?\s+(?:is\s+|are\s+|be\s+|hereby\s+)*vacated\b"""
)


def _before_correction(t: str) -> str:
    """Text up to the clerk's "CORRECTION: refiled as 163" part, which names the good entry."""
    first_ref = _REF.search(t)
    if first_ref is None:
        return t
    m = _CORRECTION.search(t, first_ref.end())
    return t[: m.start()] if m else t


def _strikes_earlier(e: Entry) -> Classification | None:
    """An order/notice striking, vacating or marking as filed in error *earlier* entries."""
    t = e.text
    if not _mentions(
        t,
        "error",
        "strik",
        "struck",
        "vacat",
        "rescind",
        "set aside",
        "withdraw",
        "deleted",
        "incorrectly",
        "wrong case",
    ):
        return None
    if _REQUEST_HEAD.search(e.head) or re.search(
        r"\bdenying\b[^.;]{0,60}\bmotion\s+to\s+(?:strike|vacate|withdraw)", t
    ):
        return None
    marked = bool(_ERROR_MARK.search(t))
    if not marked:
        for clause in _clauses(t):
            if (
                _STRIKE_MARK.search(clause)
                and _UNDONE_OBJECT.search(clause)
                and not _SCHEDULE_WORDS.search(clause)
            ):
                marked = True
                break
    vacates_closure = bool(_VACATE_CLOSURE.search(t)) and not _SCHEDULE_WORDS.search(
        t.split("vacat", 1)[1][:60]
    )
    if not (marked or vacates_closure):
        return None
    targets = _references(_before_correction(t), e.document_number)
    if targets:
        return Classification(
            type="entry.stricken", rule="strikes_earlier_entries", targets=targets
        )
    if vacates_closure:
        # "ORDER vacating the judgment": no entry number to undo, but the closure is gone.
        return Classification(type="case.reopened", rule="vacates_closure_without_reference")
    return None


_APPEAL_CONTEXT = _rx(
    r"""\b(?:usca|u\.s\.c\.a\.?|court\s+of\s+appeals?|mandate|c/a\b|appellate\s+court|
          (?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|federal|d\.c\.)\s+circuit)"""
)
_APPELLATE_HEAD = _rx(
    r"""^(?:certified\s+(?:true\s+)?copy\s+of\s+)?(?:
          usca\b|u\.s\.c\.a\b|mandate\b|(?:court\s+)?order\s+on\s+mandate\b|
          (?:clerk\s+|court\s+)?(?:order|judgment|opinion|letter)\s+(?:\(copy\)\s+)?(?:of|from)\s+(?:the\s+)?(?:usca|u\.s\.\s+court\s+of\s+appeals|court\s+of\s+appeals|\w+\s+circuit)\b|
          (?:scheduling\s+)?letter\s+from\s+usca|clerk\s+order\s+dismissing\s+appeal|court\s+order\b[^.]{0,80}\bmandate|
          (?:electronic\s+)?(?:appeal\s+record|record\s+on\s+appeal)|certified\s+and\s+transmitted\s+record|
          transmission\s+of\s+notice\s+of\s+appeal|notification\s+of\s+appeal|usca\s+case\s+number|appeal\s+transcript|
          (?:original\s+)?appeal\s+brief|designated\s+clerk'?s\s+record|certificate\s+(?:of|regarding)\s+(?:appealability|notice\s+of\s+appeal)|
          notice\s+of\s+right\s+to\s+appeal|miscellaneous\s+document\s+briefing)"""
)
_APPEAL_DISMISSED = _rx(
    r"""\b(?:the\s+|this\s+|consolidated\s+|interlocutory\s+)?appeals?\s+(?:nos?\.?\s*[\d,\s-]+\s+)?(?:is|are|was|were)\s+(?:hereby\s+)?dismissed
      | \bdismiss(?:ing|ed|al\s+of)\s+(?:the\s+|this\s+)?appeals?\b|\bmotion\s+to\s+dismiss\s+(?:the\s+|this\s+)?appeal\b
      | \bstipulation\s+withdrawing\s+(?:this|the)\s+appeal\b"""
)
_REVERSED_REMANDED = _rx(
    r"""\b(?:revers|vacat)\w*\b[^.]{0,160}\bremand\w*\b[^.]{0,80}(?:district\s+court|further\s+proceedings|this\s+court)
      | \bremand\w*\s+to\s+the\s+(?:united\s+states\s+)?district\s+court\b"""
)
_NOTICE_OF_APPEAL = _rx(
    r"^(?:amended\s+|joint\s+|cross[- ])?notice,?\s+(?:of\s+)?(?:interlocutory\s+|cross[- ])?appeal\b"
)


_APPEAL_WORDS = r"appeal|usca|u\.s\.c\.a|mandate|circuit|c/a"
_AFFIRMED = r"\baffirmed\b(?![^.]{0,20}\bin\s+part)"

# The court of appeals' acts, copied onto the district docket, are not district dispositions;
# its reversal and remand reopens the case; a notice of appeal is only a flag.
_APPEAL_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "notice_of_appeal",
        on="head",
        when=_NOTICE_OF_APPEAL,
        builds=Classification(appeal=True),
        examples=("NOTICE OF APPEAL by John Doe. Filing fee $ 505, receipt number 0971-1.",),
    ),
    row(
        "appeal_reversed_and_remanded",
        when=_REVERSED_REMANDED,
        requires=(_APPEAL_WORDS, _APPEAL_CONTEXT),
        unless=_AFFIRMED,
        builds=Classification(type="case.reopened"),
        examples=(
            "USCA JUDGMENT ... the judgment of the District Court is reversed, and the cause is remanded to the District Court",
        ),
    ),
    row(
        "appellate_entry_reversed_and_remanded",
        on="head",
        when=_APPELLATE_HEAD,
        requires=(_APPEAL_WORDS, _REVERSED_REMANDED),
        unless=_AFFIRMED,
        builds=Classification(type="case.reopened"),
        examples=(
            "Certified and transmitted record: the decision below is vacated and the matter remanded for further proceedings. Appeal No. 21-1234.",
        ),
    ),
    row(
        "appellate_activity",
        on="head",
        when=_APPELLATE_HEAD,
        requires=_APPEAL_WORDS,
        builds=Classification(),
        examples=("MANDATE of USCA: the judgment of the district court is AFFIRMED.",),
    ),
    row(
        "appeal_dismissed_is_not_a_disposition",
        when=_APPEAL_DISMISSED,
        requires=_APPEAL_WORDS,
        builds=Classification(),
        examples=(
            "JUDGMENT JUDGMENT (cc)(*filed 4/24/2000) ORD appeal is dismissed. Cpys dist.",
        ),  # nvd_21855.json
    ),
)


_CUSTODY = _rx(
    r"""\bremand\w*\s+(?:\w+\s+){0,4}(?:to|into|in)\s+(?:the\s+)?(?:\w+\s+){0,3}custody\b
      | \bremand\w*\s+to\s+(?:the\s+)?(?:u\.?s\.?\s+)?(?:marshal|usms)"""
)


_COMPLAINT_PREFIX_WORDS = frozenset(
    [
        "class",
        "action",
        "verified",
        "original",
        "prisoner",
        "civil",
        "rights",
        "pro",
        "se",
        "received",
        "corrected",
        "redacted",
        "sealed",
        "shareholder",
        "derivative",
        "collective",
        "joint",
        "and",
        "or",
        "for",
        "jury",
        "demand",
        "plaintiff's",
        "plaintiffs'",
        "plaintiffs",
        "plaintiff",
        "petitioner's",
        "initial",
        "new",
        "emergency",
        "qui",
        "tam",
        "in",
        "rem",
        "interpleader",
    ]
)
_AMENDED_PREFIX_WORDS = _COMPLAINT_PREFIX_WORDS | frozenset(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "1st",
        "2nd",
        "3rd",
        "4th",
        "5th",
        "amended",
        "consolidated",
        "restated",
        "supplemental",
        "and",
    ]
)
_FIRST_WORDS = _rx(
    r"^(?P<prefix>(?:[a-z0-9'()]+[\s,]+){0,8}?)(?P<what>(?:amended\s+)?(?:complaint|petition)s?)\b"
)
_PLEADING_AFTER = _rx(
    r"^(?:\s*[(\[/,.;:-]|\s+(?:against|by|filed|for|of|with|\(|and|lodged|received|no\.|number|\-|–)|\s*$|\s+[a-z]+\s+(?:against|by))"
)


# "Complaint/Brief in Support of Plaintiff's MOTION for Preliminary Injunction" docketed again
# later (lamd.json): a brief under the pleading's name, not the pleading.
_SUPPORTING_PAPER_AFTER = _rx(
    r"^\s*/\s*(?:brief|memorandum|memo)\b|^\s+(?:brief\s+|memorandum\s+)?in\s+(?:support|opposition)\s+of\b"
)


def _pleading_head(e: Entry) -> tuple[str, bool] | None:
    """('complaint'|'petition', amended?) when the entry *is* a pleading, from its first words."""
    m = _FIRST_WORDS.search(e.head)
    if not m:
        return None
    words = [w.strip("(),") for w in m["prefix"].split()]
    amended = "amended" in m["what"] or "amended" in words
    allowed = _AMENDED_PREFIX_WORDS if amended else _COMPLAINT_PREFIX_WORDS
    if any(w and w not in allowed for w in words):
        return None
    rest = e.head[m.end() :]
    if not _PLEADING_AFTER.search(rest):
        return None
    if _SUPPORTING_PAPER_AFTER.search(rest) and e.document_number != 1:
        return (
            None  # at number 1 it is the docket's first paper: the complaint filed with its brief
        )
    kind = "petition" if m["what"].rstrip("s").endswith("petition") else "complaint"
    return kind, amended


_PETITION_OPENS = _rx(
    r"""\b(?:writ|habeas|voluntary\s+petition|chapter\s+\d+|to\s+(?:confirm|vacate|enforce|compel|quash|perpetuate|
          modify)|for\s+(?:review|removal|naturalization)|mandamus)"""
)


def _opening(e: Entry) -> Classification | None:
    h, t = e.head, e.text
    if re.match(r"^(?:notice\s+of\s+removal|petition\s+for\s+removal)\b", h):
        return Classification(
            type="case.filed",
            rule="notice_of_removal",
            opening="removal",
            class_action=_class_action(t),
        )
    if re.match(r"^adversary\s+(?:case|proceeding)\s+[\w:-]+\.?\s+complaint\b", h):
        return Classification(type="case.filed", rule="adversary_complaint", opening="complaint")
    if re.match(r"^(?:chapter\s+\d+\s+)?voluntary\s+petition\b", h):
        return Classification(type="case.filed", rule="voluntary_petition", opening="petition")
    pleading = _pleading_head(e)
    if pleading is not None:
        kind, amended = pleading
        class_action = _class_action(t)
        if amended:
            return Classification(
                type="complaint.amended", rule=f"amended_{kind}", class_action=class_action
            )
        if kind == "complaint":
            opening: OpeningKind = "class_action_complaint" if class_action else "complaint"
            return Classification(
                type="case.filed", rule="complaint", opening=opening, class_action=class_action
            )
        if _PETITION_OPENS.search(t) or e.document_number == 1:
            return Classification(
                type="case.filed", rule="petition", opening="petition", class_action=class_action
            )
    return None


_TRANSFER_IN = _rx(
    r"""\btransfer\s+in\s+(?:order|from)\b|\btransferred\s+in\b|\btransferred\s+(?:here\s+)?from\s+(?:the\s+)?[\w .]*district|
        \breceived\s+from\s+(?:the\s+)?[\w .]*district|\bcase\s+transferred\s+in\b|\btransfer\s+in\s+order\b|
        \b(?:interdistrict\s+)?transfer\s*-\s*in\b"""
)
_TRANSFER_WORDS = _rx(r"\btransfer(?:red|ring)?\b|\bcto\b|\bcto-\d+")


_MDL_CREATED = _rx(
    r"""\b(?:creating|establishing|centraliz\w*|consolidating)\s+(?:a\s+new\s+)?(?:mdl|multi-?\s?district\s+litigation)\b
      | \bnew\s+mdl\b|\btransferring\s+(?:\d+|[a-z]+)\s+actions\b"""
)
_THIS_CASE_MOVES = _rx(
    r"\b(?:this|the\s+(?:above[- ]captioned|instant))\s+(?:case|action|matter)\b|\bthe\s+action\s+is\s+transferred\b"
)


def _first_paper(e: Entry) -> str:
    """The text of the docket's first paper (document 1); nothing for any other entry."""
    return e.text if e.document_number == 1 else ""


_TRANSFER_IN_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "transfer_in",
        when=_TRANSFER_IN,
        requires=_TRANSFER_WORDS,
        unless_head=_REQUEST_HEAD,
        builds=Classification(type="case.filed", opening="transfer_in"),
        examples=("CERTIFIED TRUE COPY OF MDL TRANSFER IN ORDER FROM THE MDL PANEL",),
    ),
    row(
        # a transfer order as document 1 opens the case here (the MDL court's first entry)
        "transfer_order_as_first_paper",
        on=_first_paper,
        when=r"\b(?:transfer\s+order|order\s+(?:of\s+)?transfer|transferred\s+to|1407)\b",
        requires=_TRANSFER_WORDS,
        unless=r"conditional",
        unless_head=_REQUEST_HEAD,
        builds=Classification(type="case.filed", opening="transfer_in"),
        examples=(
            "TRANSFER ORDER from Judicial Panel on Multi District Litigation, pursuant to 28 U.S.C. 1407, that the action is transferred to the Northern District of California creating MDL No. 2420",
        ),
        examples_at=1,
    ),
    row(
        # The Panel's order creating an MDL and transferring "N actions" names no case of
        # this docket: neither an opening here nor a transfer out of here.
        "mdl_created_is_not_a_transfer_of_this_case",
        when=_MDL_CREATED,
        requires=_TRANSFER_WORDS,
        unless=_THIS_CASE_MOVES,
        unless_head=_REQUEST_HEAD,
        builds=Classification(),
        examples=(
            "ORDER creating MDL No. 3047 and transferring 5 actions to the Northern District of California for coordinated or consolidated pretrial proceedings",
        ),
    ),
)


_VOLUNTARY_NOTICE = _rx(
    r"""^(?:(?:plaintiffs?'?s?|joint|amended|corrected|[a-z.]+'s)\s+)*notice\b[^.;]{0,160}?\bof\s+(?:voluntary\s+)?dismissal\b
      | ^(?:plaintiffs?'?s?\s+)?voluntary\s+dismissal\b
      | ^notice\s+of\s+settlement\s+and\s+(?:notice\s+of\s+)?(?:voluntary\s+)?dismissal\b
      | ^notice\s+(?:of\s+)?(?:voluntary\s+)?dismissal\b"""
)
_RULE_41_I = _rx(r"(?<![\d.])41\s*\(a\)\s*\(1\)\s*\(a\)\s*\(i\)(?!i)")
_RULE_41_II = _rx(r"(?<![\d.])41\s*\(a\)\s*\(1\)\s*\(a\)\s*\(ii\)")


def _dismissal(kind: DismissalKind, rule: str, e: Entry) -> Classification:
    t = e.text
    return Classification(
        type="case.dismissed",
        rule=rule,
        dismissal=kind,
        prejudice=prejudice_of(t),
        scope=scope_of(t),
        reason=_reason_of(t) if kind == "court" else None,
        reopen_within_days=reopen_window(t),
    )


_DISMISSAL_READS = ("prejudice", "scope", "reopen_window")

_VOLUNTARY_ROWS: Final[tuple[Rule, ...]] = (
    row(
        # Bankruptcy noticing centre: "Notice of Dismissal (re: Order on Motion to Dismiss Case by Trustee)".
        "notice_of_court_dismissal",
        on="head",
        when=_VOLUNTARY_NOTICE,
        requires=r"\b(?:order|trustee)\b[^.]{0,40}\bdismiss",
        unless=r"\bvoluntar",
        builds=Classification(type="case.dismissed", dismissal="court"),
        reads=(*_DISMISSAL_READS, "reason"),
        examples=(
            "Notice of Dismissal (re: Order on Motion to Dismiss Case by Trustee). Notice Date 03/01/2019.",
        ),
    ),
    row(
        "joint_notice_of_dismissal",
        on="head",
        when=(r"^joint\b[^.;]{0,160}?\bdismissal\b",),
        requires_head=_VOLUNTARY_NOTICE,
        builds=Classification(type="case.dismissed", dismissal="stipulated"),
        reads=_DISMISSAL_READS,
        examples=("JOINT NOTICE OF DISMISSAL WITH PREJUDICE by all parties",),
    ),
    row(
        "joint_notice_of_dismissal_under_41_a_1_a_ii",
        on="head",
        when=_VOLUNTARY_NOTICE,
        requires=_RULE_41_II,
        builds=Classification(type="case.dismissed", dismissal="stipulated"),
        reads=_DISMISSAL_READS,
        examples=(
            "NOTICE of Dismissal pursuant to Fed. R. Civ. P. 41(a)(1)(A)(ii) signed by all parties",
        ),
    ),
    row(
        "notice_of_voluntary_dismissal",
        on="head",
        when=_VOLUNTARY_NOTICE,
        builds=Classification(type="case.dismissed", dismissal="voluntary"),
        reads=_DISMISSAL_READS,
        examples=("NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",),
    ),
)


_STIPULATION_HEAD = _rx(
    r"^(?:(?:joint|so[- ]ordered|proposed|amended|signed|consent)\s+)*(?:stipulat(?:ion|ed)|consent\s+order\s+of\s+dismissal)\b"
)
_STIPULATED_DISMISSAL = _rx(
    r"\b(?:dismissal|dismissed|dismissing|discontinuance|discontinued|discontinuing)\b|\bdismiss\s+(?:this|the|all|with|without)\b"
)


def _without_motions_to_dismiss(e: Entry) -> str:
    return re.sub(r"\bmotions?\s+to\s+dismiss\b", " ", e.text)


_STIPULATION_ROW: Final = row(
    "stipulation_of_dismissal",
    on=_without_motions_to_dismiss,
    when=_STIPULATED_DISMISSAL,
    requires_head=_STIPULATION_HEAD,
    builds=Classification(type="case.dismissed", dismissal="stipulated"),
    reads=_DISMISSAL_READS,
    examples=(
        "STIPULATION AND ORDER OF DISCONTINUANCE: This action is discontinued, with prejudice",
    ),
)


def _without_moot_clauses(t: str) -> str:
    """Drop clauses about motions "dismissed/denied/terminated as moot": they end a motion, not the case.

    A clause that is moot about the action itself ("ORDER DISMISSING ACTION as moot") stays.
    """
    if "moot" not in t:
        return t
    return ". ".join(c for c in _clauses(t) if not _MOOT_MOTION.search(c))


_MOOT_MOTION = _rx(
    r"""\bmoot\b(?=.*\b(?:motions?|requests?|applications?|objections?|appeals?|petitions?\s+for|\d+\s+\w+)\b)
      | \b(?:motions?|requests?|applications?|objections?|appeals?|petitions?\s+for|\[?\d+\]?\s+\w+)\b.*\bmoot\b"""
)


_COURT_DISMISS = _rx(
    r"""(?<!proposed\s)(?<!lodged\s)\border\s+(?:of|for)\s+(?:voluntary\s+)?(?:dismissal|discontinuance)\b
      | (?<!proposed\s)\border\s+dismissing\b|\bdismissal\s+order\b|\bjudgment\s+of\s+dismissal\b|\bcase\s+dismissed\b
      | \b(?:case|action|complaint|petition|suit|lawsuit|matter|proceeding|claims?|counts?|defendants?|parties|
           plaintiffs?|petitioners?)\b(?:\s+\([^)]{0,40}\))?
           \s+(?:(?:is|are|be|was|were|shall|hereby|herein|accordingly|therefore|also|now|each|both|conditionally|
                 and\s+(?:the\s+)?(?:same|it)|the\s+same)\s+){0,5}(?:dismissed|discontinued)\b
      | \bclaims?\s+against\s+[^;]{1,80}?\s+(?:is|are)\s+(?:hereby\s+)?dismissed\b
      | \bmemo\s*-?\s*endorse\w*\s+(?:order\s+)?(?:on\s+)?(?:re:?\s+)?(?:\[?\d+\]?\s+)?(?:joint\s+|proposed\s+)?(?:stipulation|notice)\s+
           (?:and\s+(?:proposed\s+)?order\s+)?(?:of|for)\s+(?:voluntary\s+)?dismissal\b
      | \b(?:defendants?\s+)?does\s+\d+\s*(?:-|through|to)\s*\d+\s+(?:is|are)\s+(?:hereby\s+)?dismissed\b
      | \bdismiss(?:es|ed|ing)\s+(?:without\s+prejudice\s+|with\s+prejudice\s+)?(?:the\s+|this\s+|plaintiffs?'?s?\s+|petitioners?'?s?\s+|
           his\s+|her\s+|their\s+|its\s+|all\s+|said\s+|entire\s+|remaining\s+|above[- ]captioned\s+|instant\s+)*
           (?:case|action|complaint|petition|claims?|suit|lawsuit|matter|proceeding|counts?)\b
      | \bgranting\s+(?:in\s+part\s+)?(?:(?!\bmotions?\b)(?:[^.;]|(?:(?<=inc)|(?<=corp)|(?<=co)|(?<=ltd)|(?<=llc)|(?<=\bu\.s)|(?<=\bn\.a))\.)){0,60}?
           \bmotions?\s+(?:for\s+(?:voluntary\s+)?dismissal|to\s+(?:voluntarily\s+)?dismiss)\b
      | \border\s+(?:on|re:?|approving|accepting|adopting|entering|so[- ]ordering)\s+(?:the\s+)?(?:parties'?\s+|joint\s+|plaintiffs?'?s?\s+)*
           (?:\[?\d+\]?\s+)?(?:stipulat\w*|notice)\s+(?:of|for|to)\s+(?:voluntary\s+)?dismiss
      | \bmotions?\s+to\s+dismiss\b[^.;]{0,80}(?<!\bbe\s)(?<!\bnot\s)\b(?:is\s+|are\s+|was\s+)?(?:hereby\s+)?granted\b
           (?![^.;]{0,20}\b(?:submit|proposed|to\s+follow|leave|an?\s+extension|additional\s+time))
      | \b(?:in\s+part\s+)?granting\s+(?:in\s+part\s+)?(?:the\s+)?(?:(?!motions?\s+(?!for\s+(?:voluntary\s+)?dismissal))[\w'\[\]#-]+\s+){0,5}dismissal\b"""
)
_DENIED_DISMISS = _rx(r"\b(?:deny|denies|denied|denying)\b[^.;]{0,60}\bmotions?\s+to\s+dismiss\b")
_LEAVE_TO_AMEND = _rx(
    r"""\bwith\s+leave\s+to\s+(?:amend|file\s+an\s+amended|replead)|\bleave\s+to\s+amend\s+(?:is\s+)?granted
      | \b(?:may|shall|must)\s+file\s+an\s+amended\s+(?:complaint|petition)\b|\bgranted\s+leave\s+to\s+(?:amend|file\s+an\s+amended)
      | \bgranting\b(?:(?!\bmotions?\b)[^.;]){0,60}\bmotion\s+for\s+leave\s+to\s+(?:amend|file\s+(?:an?\s+)?(?:first\s+|second\s+|third\s+)?amended)"""
)


_PENDING_DISMISSAL = _rx(
    r"""\b(?:pending|until|awaiting)\s+(?:the\s+)?(?:court'?s\s+)?(?:(?:resolution|ruling|decision|disposition|determination|
          adjudication)\s+(?:of|on)\s+)?(?:the\s+)?[^.;]{0,60}?\bmotions?\s+to\s+dismiss\b(?:[^.;]{0,40}?\bmotions?\b)?"""
)


_NAMES_AN_EARLIER_PAPER = _rx(
    r"""\b(?:in\s+light\s+of|in\s+view\s+of|given|due\s+to|because\s+of|pursuant\s+to|following|per|re:?)\s+
        (?:the\s+)?(?:court'?s\s+)?(?:so[- ]ordered\s+)?(?:stipulation\s+(?:and|&)\s+)?$"""
)


def _court_dismissal(e: Entry) -> Classification | None:
    if not _mentions(e.text, "dismiss", "discontinu"):
        return None
    # "stay discovery pending resolution of the motion to dismiss": the motion is context, not decided
    t = _PENDING_DISMISSAL.sub(" ", _without_moot_clauses(e.text))
    # "In light of the STIPULATION AND ORDER OF DISCONTINUANCE 13 the Status Conference ... is
    # cancelled" (nyed.json): the title of an earlier closing paper, named as the reason, is not one
    m = next(
        (
            m
            for m in _COURT_DISMISS.finditer(t)
            if not (
                m.group(0).startswith("order")
                and _NAMES_AN_EARLIER_PAPER.search(t[max(0, m.start() - 60) : m.start()])
            )
        ),
        None,
    )
    if not m or re.search(r"\bendorsement:?[^.;]{0,20}\bdenied\b", t):
        return None
    if _DENIED_DISMISS.search(t) and not re.search(r"\bgrant", t):
        return None
    if _LEAVE_TO_AMEND.search(t) and not _WHOLE_STRONG.search(t):
        return Classification(rule="dismissal_with_leave_to_amend_keeps_case_open")
    if _SUMMARY_JUDGMENT_GRANTED.search(t) and not re.search(r"\bin\s+part\b", t):
        # "granting ... motion for summary judgment and dismissing the complaint": decided on the merits.
        return _judgment(e)
    kind: DismissalKind
    if re.search(
        r"\bstipulat\w*|\bjoint\s+motion\s+(?:to\s+dismiss|for\s+(?:voluntary\s+)?dismissal)\b|\bagreed\s+order\s+of\s+dismissal\b",
        t,
    ):
        kind, rule = "stipulated", "order_on_stipulated_dismissal"
    elif re.search(r"\bvoluntar(?:y|ily)\b", t):
        kind, rule = "voluntary", "order_granting_voluntary_dismissal"
    else:
        kind, rule = "court", "court_dismissal"
    c = _dismissal(kind, rule, e)
    if (
        m.group(0).strip().startswith(("granting", "in part"))
        and re.search(r"\bin\s+part\b", t)
        and not _WHOLE_STRONG.search(t)
    ):
        c = replace(c, scope="partial")
    return c


_SETTLEMENT_CLOSES = _rx(
    r"""\b(?:dismiss\w*|clos\w*|terminat\w*|discontinu\w*)\b[^.;]{0,60}\b(?:in\s+(?:light|view)\s+of|upon|pursuant\s+to|
          by\s+reason\s+of|because\s+of|due\s+to|following|on\s+account\s+of|based\s+(?:up)?on)\s+(?:the\s+)?(?:parties'?\s+)?
          (?:notice\s+of\s+|reported\s+|report\s+of\s+)?settlement
      | \b(?:dismiss\w*|discontinu\w*|clos\w*)\b[^.]{0,200}\bsettlement\s+(?:is|was|has|had)\s+not\s+(?:been\s+)?consummated
      | \bsettled\s+and\s+dismissed\b|\bsettlement\s+(?:and|&)\s+dismissal\b|\b(?:30|45|60|90|thirty|sixty|ninety)[- ]day\s+order\b
      | \b(?:approving|approval\s+of)\s+(?:the\s+)?(?:class\s+action\s+|collective\s+action\s+)?settlement\b[^.]{0,120}\b(?:dismiss|clos|terminat|judgment)
      | \b(?:court|clerk)\s+(?:having\s+been|has\s+been|being)\s+(?:advised|informed|notified)\b[^.]{0,80}\b(?:settled|settlement)\b[^.]{0,120}\b(?:dismiss|clos|discontinu)"""
)
_SETTLEMENT_NOTICE = _rx(
    r"""\bnotice\s+of\s+(?:proposed\s+|pending\s+|tentative\s+)?settlement\b(?!\s+agreement\s+as\s+to)|
        \bsettlement\s+(?:has\s+been\s+|was\s+|had\s+been\s+)?reached\b|\breached\s+a\s+settlement\b|
        \b(?:case|action|matter|parties)\s+(?:has|have|had)\s+(?:been\s+)?settled\b|\bcase\s+settled\b|
        \bsettled\s+in\s+principle\b|\breport\s+of\s+settlement\b|\bnotice\s+of\s+settlement\b
        |\b(?:having\s+)?report(?:ed|s|ing)\s+(?:a\s+|the\s+|that\s+(?:the\s+)?(?:case|action|matter)\s+(?:has\s+)?)?settle(?:ment|d)\b
          (?!\s+(?:negotiations|discussions|talks|conference|efforts|status))"""
)
_NO_SETTLEMENT = _rx(
    r"\b(?:unable|not|no|failed|fail|without)\b[^.;]{0,40}\bsettle|\brestitution\b|\bgarnishment\b"
)


_SETTLED = _rx(
    r"""\bsettled\b|\bsettlement\s+(?:has\s+been\s+|was\s+|had\s+been\s+)?reached\b|\breached\s+a\s+settlement\b
      | \b(?:upon|in\s+light\s+of|in\s+view\s+of|pursuant\s+to|following|because\s+of|due\s+to|based\s+(?:up)?on)\s+(?:the\s+)?
          (?:parties'?\s+)?(?:notice\s+of\s+|reported\s+|report\s+of\s+)?settlement\b
      | \b(?:approving|approval\s+of)\s+(?:the\s+)?(?:proposed\s+)?(?:class\s+action\s+|collective\s+action\s+|flsa\s+)?settlement\b"""
)


_JUDGMENT_HEAD = _rx(
    r"""^(?:(?:final|amended|corrected|partial|default|consent|agreed|stipulated|clerk'?s|clerks|summary|declaratory|
          separate|rule\s+58|civil|criminal|order\s+(?:and|&)|memorandum\s+(?:opinion\s+)?(?:and|&)|opinion\s+(?:and|&)|
          ruling\s+(?:and|&)|decision\s+(?:and|&)|findings\s+of\s+fact,?\s+(?:and\s+)?conclusions\s+of\s+law,?\s+and|
          unpublished\s+(?:per\s+curiam\s+)?opinion\s+and|\w+\s+-)\s+)*judgments?\b(?!\s+(?:returned|debtor|creditor|
          of\s+(?:the\s+)?usca|from\s+(?:the\s+)?usca|lien|interest|roll|hearings?|inquest|conference|
          (?:on\s+the\s+pleadings|as\s+a\s+matter\s+of\s+law)\s+(?:hearing|motion)))"""
)
_JUDGMENT_ENTERED = _rx(
    r"""(?<!separate\s)\bjudgment\s+(?:is\s+|shall\s+be\s+|be\s+|hereby\s+|will\s+be\s+|is\s+hereby\s+)*entered\b
      | (?<!separate\s)\bjudgment\s+shall\s+(?:enter|issue)\b
      | \b(?:clerk|court)\b[^.;]{0,40}\b(?:shall|to|will|is\s+directed\s+to|is\s+ordered\s+to)\s+enter\s+(?:final\s+|a\s+|default\s+)?judgment\b
      | \bgranting\s+(?:(?!\bmotions?\b)[^.;]){0,60}?\b(?:motion|application|request)\s+for\s+(?:entry\s+of\s+)?(?:a\s+)?(?:final\s+)?default\s+judgment\b
      | \b(?:order|court)\s+(?:hereby\s+)?grant(?:ing|s)\s+(?:a\s+|final\s+)*default\s+judgment\b
      | \bcase\s+termination\s+for\s+(?:opinion|order\s+and\s+judgment)\b"""
)


_JUDGMENT_KINDS: Final[tuple[tuple[re.Pattern[str], JudgmentKind], ...]] = (
    (re.compile(r"\bdefault\b"), "default"),
    (re.compile(r"\bconsent\b|\bagreed\s+judgment\b|\bstipulated\s+judgment\b"), "consent"),
    (re.compile(r"\bsummary\s+judgment\b"), "summary"),
    (
        re.compile(
            r"\bverdict\b|\bjury\b|\bafter\s+(?:a\s+)?(?:bench\s+)?trial\b|\bbench\s+trial\b"
        ),
        "verdict",
    ),
    (
        re.compile(r"\bclerk'?s?\s+judgment\b|\bjudgment\s*-\s*clerk\b|\bby\s+the\s+clerk\b"),
        "clerk",
    ),
)


def _judgment_kind(t: str) -> JudgmentKind:
    return next((kind for pattern, kind in _JUDGMENT_KINDS if pattern.search(t)), "other")


_SUMMARY_JUDGMENT_GRANTED = _rx(
    r"""\bgranting\b(?:(?!\bmotions?\b)[^.;]){0,80}\bmotions?\s+for\s+summary\s+judgment\b|\bsummary\s+judgment\s+(?:is\s+|be\s+)?(?:hereby\s+)?granted\b"""
)
_CLOSE_WORDS = _rx(
    r"\b(?:close|terminate)\s+(?:the|this)\s+(?:case|action)|\bcase\s+(?:is\s+)?(?:closed|terminated)\b|\bjs-?6\b"
)


# "DEFAULT JUDGMENT as to Acme Corp.": without the party list, a judgment naming only some
# parties never closes the case. A criminal judgment "as to <defendant>, Count(s) 1, ... BOP"
# sentences the defendant and closes the criminal case (known simplification, module docstring).
_JUDGMENT_AS_TO_PARTY = _rx(
    r"""\bas\s+to\s+(?!all\b|counts?\b|claims?\b|\d+\s+notice)|\bclaims?\s+against\s+(?!all\b|defendants\b|the\s+defendants\b)
      | \bterminat(?:ed|ing)\s+(?:part(?:y|ies)|defendants?)\b"""
)
_CRIMINAL_SENTENCE = _rx(
    r"\bcount\(?s?\)?\b|\bbop\b|\bcommitment\b|\bimprison\w*|\bprobation\b|\bsupervised\s+release\b|\bsentenc\w*|\bguilty\b"
)


_COSTS_OR_FEES_JUDGMENT = _rx(
    r"""\bjudgment\s+(?:on|of|for|as\s+to)\s+(?:the\s+)?(?:taxed\s+)?(?:costs|attorneys?'?\s+fees|fees)\b
      | \bcosts?\s+(?:are\s+|is\s+)?taxed\b|\bbill\s+of\s+costs\b"""
)


_JUDGMENT_DENIED = r"^(?!.*\bgranting\b).*\bdenying\b[^.;]{0,60}\bjudgment\b"


def _judgment_scope(t: str) -> Scope:
    """A judgment is partial on some claims, counts or parties (not a criminal sentence), or 54(b)."""
    partial = bool(
        re.search(r"\bpartial\b|\b54\s*\(b\)|\bin\s+part\b|\bas\s+to\s+(?:count|claim)s?\b", t)
        or (_JUDGMENT_AS_TO_PARTY.search(t) and not _CRIMINAL_SENTENCE.search(t))
    ) and not _WHOLE_STRONG.search(t)
    return "partial" if partial else "whole"


_JUDGMENT_READS = ("judgment_kind", "prejudice", "judgment_scope")
_JUDGMENT = Classification(type="judgment.entered")


def _judgment(e: Entry) -> Classification | None:
    """An order dismissing on summary judgment is a judgment (``court_dismissal`` asks)."""
    if _COSTS_OR_FEES_JUDGMENT.search(e.text) and not _CLOSE_WORDS.search(e.text):
        return Classification(rule="judgment_on_costs_or_fees_is_not_the_merits")
    if re.search(_JUDGMENT_DENIED, e.text):
        return None
    return _built(replace(_JUDGMENT, rule="judgment"), frozenset(_JUDGMENT_READS), e)


# "CLERK'S JUDGMENT on costs taxed" follows the merits judgment, never is it.
_JUDGMENT_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "judgment_on_costs_or_fees_is_not_the_merits",
        on="head",
        when=_JUDGMENT_HEAD,
        requires=_COSTS_OR_FEES_JUDGMENT,
        unless=_CLOSE_WORDS,
        builds=Classification(),
        examples=("CLERK'S JUDGMENT on costs taxed in favor of defendant.",),
    ),
    row(
        # the entry *is* a judgment: "JUDGMENT ...", "CLERK'S JUDGMENT", "DEFAULT JUDGMENT", "Judgment - Consent"
        "judgment",
        on="head",
        when=_JUDGMENT_HEAD,
        unless=_JUDGMENT_DENIED,
        builds=_JUDGMENT,
        reads=_JUDGMENT_READS,
        examples=(
            "JUDGMENT - Ordered that plaintiff Milan Dediol's claims against defendants are DISMISSED with prejudice.",
        ),
    ),
)
# an order that enters or directs judgment ("The Clerk shall enter judgment and close the case")
_JUDGMENT_DIRECTED_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "directed_judgment_on_costs_or_fees_is_not_the_merits",
        when=_JUDGMENT_ENTERED,
        requires=_COSTS_OR_FEES_JUDGMENT,
        unless=_CLOSE_WORDS,
        builds=Classification(),
        examples=(
            "ORDER granting 60 Bill of Costs. The Clerk shall enter judgment for costs of $1,250.",
        ),
    ),
    row(
        "judgment_directed",
        when=_JUDGMENT_ENTERED,
        unless=_JUDGMENT_DENIED,
        builds=_JUDGMENT,
        reads=_JUDGMENT_READS,
        examples=(
            "ORDER granting motion for default judgment ... The Clerk shall enter judgment and close the case",
        ),
    ),
    row(
        "summary_judgment_closes_the_case",
        when=_SUMMARY_JUDGMENT_GRANTED,
        requires=_CLOSE_WORDS,
        unless=_JUDGMENT_DENIED,
        builds=_JUDGMENT,
        reads=_JUDGMENT_READS,
        examples=(
            "ORDER granting 25 Motion for Summary Judgment. Signed by Judge X. (Case closed)",
        ),
    ),
)


_TO_COURT = re.compile(
    r"\bto\s+(?:the\s+)?(?P<court>(?:united\s+states\s+district\s+court\s+(?:for\s+)?(?:the\s+)?)?"
    r"(?:(?:northern|southern|eastern|western|middle|central)\s+)?district\s+of\s+[A-Za-z .]+?)(?=[,.;(]|\s+(?:for|pursuant|with|and)\b|$)",
    re.IGNORECASE,
)
_MDL = _rx(
    r"\bconditional\s+transfer\s+order\b|\bcto-?\s*\d+|\bmdl\b|\bmulti-?\s?district\s+litigation\b|\bjudicial\s+panel\b|\b1407\b"
)
_TRANSFER_OUT = _rx(
    r"""\border\s+of\s+transfer\b|\btransfer\s+order\b|\border\s+transferring\b|\btransferring\s+(?:this\s+|the\s+)?(?:case|action|matter|venue)\b
      | \binterdistrict\s+transfer\b|\b(?:case|action|matter)\s+(?:is\s+|has\s+been\s+)?(?:hereby\s+)?(?:electronically\s+)?transferred\b
      | \btransfer(?:red)?\s+(?:of\s+case\s+)?to\s+(?:the\s+)?(?:united\s+states\s+district\s+court|u\.?s\.?\s+district\s+court|
           (?:(?:northern|southern|eastern|western|middle|central)\s+)?district\s+of)\b
      | \btransfer\s+of\s+case\s+to\b|\btransferred\s+out\b
      | \bgranting\s+(?:(?!\bmotions?\b)[^.;]){0,80}?\bmotion\s+to\s+(?:change\s+venue|transfer)\b"""
)
_NOT_A_CASE_TRANSFER = _rx(
    r"""\btransfer\s+(?:agreement|of\s+claim)|\b3001\s*\(e\)|\b(?:probation|supervised\s+release|supervision)\b|\btransfer\s+of\s+jurisdiction\b
      | \bdenying\b[^.;]{0,60}\btransfer\b|\border\s+denying\s+transfer\b|\bnotice\s+of\s+filing\s+of\s+(?:cto|conditional)
      | \blifting\s+(?:the\s+)?stay\s+of\s+(?:the\s+)?(?:panel'?s\s+)?conditional\s+transfer\b|\bvacating\b[^.;]{0,40}\btransfer\s+order\b
      | \bhearing\s+order\b|\bshow\s+cause\b"""
)


_TO_A_JUDGE = _rx(
    r"""\btransfer\w*\s+(?:\w+\s+){0,4}?to\s+(?:the\s+)?(?:hon\.?|honorable|judge|magistrate|chief\s+judge|district\s+judge|
          senior\s+judge|calendar|docket\s+of|court\s+of\s+judge)\b|\btransferred\s+from\s+judge\b"""
)


_TRANSFERS_OUT = (_TRANSFER_OUT, r"\bconditional\s+transfer\s+order\b|\bcto-?\s*\d+")

_TRANSFER_OUT_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "not_a_transfer_of_this_case",
        when=_TRANSFERS_OUT,
        requires=_NOT_A_CASE_TRANSFER,
        builds=Classification(),
        examples=(
            "CERTIFIED TRUE COPY OF MDL ORDER FROM THE MDL PANEL LIFTING STAY OF CONDITIONAL TRANSFER ORDER... that the stay of the Panel's conditional transfer order is lifted",  # nysd_1.json
            "PROBATION JURISDICTION (PROBATION 22 Out) TRANSFERRED to Northern District of CA as to Pouriya Mozaffary.",  # caed_2.json
        ),
    ),
    row(
        "reassignment_to_a_judge_is_not_a_transfer_out",
        when=_TRANSFERS_OUT,
        requires=_TO_A_JUDGE,
        unless=r"\bdistrict\s+of\b|\binterdistrict\b",
        builds=Classification(),
        examples=("ORDER transferring case to Judge Jane Smith for all further proceedings.",),
    ),
    row(
        "intradistrict_transfer_is_not_a_transfer_out",
        when=_TRANSFERS_OUT,
        requires=r"\bdivision\b",
        unless=r"\bdistrict\s+of\b|\bdistrict\s+court\b|\binterdistrict\b|\b[a-z]+\s+district\b",
        builds=Classification(),
        examples=(
            "Case transferred to Western Division (Springfield) (McKillop, Matthew)",
        ),  # mad_193254.json
    ),
    row(
        "mdl_transfer",
        when=_TRANSFERS_OUT,
        requires=_MDL,
        builds=Classification(type="case.transferred", mdl=True),
        reads=("to_court",),
        examples=(
            "CONDITIONAL TRANSFER ORDER (CTO-12) transferring case to the Northern District of California MDL No. 2420",
        ),
    ),
    row(
        "transfer_out",
        when=_TRANSFERS_OUT,
        builds=Classification(type="case.transferred"),
        reads=("to_court",),
        examples=(
            "ORDER Granting 2 Unopposed MOTION to Transfer Case to Northern District of Texas",
        ),
    ),
)


_REMAND_AGENCY = _rx(
    r"""\bremand\w*\b[^.;]{0,60}\bto\s+(?:the\s+)?(?:ssa|social\s+security|commissioner|agency|secretary|administrative\s+law\s+judge|
          alj|board|immigration|department|bureau|u\.?s\.?\s+citizenship)\b
      | \bsentence\s+(?:four|4|six|6)\s+remand\b|\bremand\s+to\s+ssa\b|\bfurther\s+administrative\s+proceedings\b"""
)
_REMAND_STATE = _rx(
    r"""\bremand\w*\s+(?:(?:this|the|said|instant)\s+(?:case|action|matter|proceeding)\s+|it\s+)?(?:back\s+)?to\s+(?:the\s+)?
          (?:[\w.'-]+\s+){0,8}?(?:state|superior|circuit|county|chancery|family|common\s+pleas|district\s+court\s+of\s+[\w ]+\s+county|
          parish|municipal|probate|justice)\b
      | \border\s+(?:of\s+remand|remanding)\b|\b(?:case|action|matter)\s+(?:is\s+|be\s+|hereby\s+)*remanded\b
      | \bgranting\s+(?:(?!\bmotions?\b)[^.;]){0,60}?\bmotion\s+to\s+remand\b|\bremanded\s+to\s+state\s+court\b
      | \b(?:order\s+of\s+)?remand(?:\s+order)?\s+(?:was\s+|has\s+been\s+)?(?:mailed|sent|transmitted|forwarded)\s+to\b"""
)


_REMAND_MOTION = _rx(r"\bmotions?\s+(?:\w+\s+){0,2}(?:to|for)\s+remand\w*\b[^.;]*")
_REMAND_GRANTED = _rx(
    r"\bgranting\s+(?:(?!\bmotions?\b)[^.;]){0,60}?\bmotions?\s+(?:\w+\s+){0,2}(?:to|for)\s+remand"
)


def _without_remand_requests(e: Entry) -> str:
    """The text without the motions to remand it names, unless it grants one.

    "Motion Hearing held re ... MOTION to Remand to State Court": a request, not a remand.
    """
    t = e.text
    return t if _REMAND_GRANTED.search(t) else _REMAND_MOTION.sub(" ", t)


_REMAND_DENIED = r"^(?!.*\bgrant).*\b(?:deny|denies|denied|denying)\b[^.;]{0,60}\bremand\b"

_REMAND_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "remand_denied",
        when=_REMAND_DENIED,
        builds=Classification(),
        examples=("ORDER denying 8 Motion to Remand. Signed by Judge X.",),
    ),
    row(
        "remand_to_agency",
        on=_without_remand_requests,
        when=_REMAND_AGENCY,
        builds=Classification(type="case.remanded", remand_to="agency"),
        examples=("Order AND Stipulation and Order of Remand to SSA",),  # nyed_1.xml
    ),
    row(
        "remand_to_bankruptcy_court",
        on=_without_remand_requests,
        when=_REMAND_STATE,
        requires=r"\bbankruptcy\s+court\b",
        builds=Classification(type="case.remanded", remand_to="other"),
        examples=(
            "ORDER granting 5 Motion to Remand. This adversary proceeding is remanded to the Bankruptcy Court.",
        ),
    ),
    row(
        "remand_to_state_court",
        on=_without_remand_requests,
        when=_REMAND_STATE,
        builds=Classification(type="case.remanded", remand_to="state_court"),
        examples=(
            "ORDER REMANDING CASE to State Court. Signed by Judge X.",
            "Certified copy of Remand Order mailed to state court. (jd)",
        ),
    ),
)


_STAY_LIFTED = _rx(
    r"""\bstay\s+(?:is\s+|shall\s+be\s+|be\s+|are\s+|is\s+hereby\s+|hereby\s+)*(?:lifted|dissolved|vacated|terminated)\b
      | \blift(?:ing|s)?\s+(?:the\s+)?stay\b|\border\s+lifting\s+stay\b|\b(?:case|action)\s+(?:is\s+)?(?:restored|returned)\s+to\s+(?:the\s+)?active\b"""
)
_CASE_STAYED = _rx(
    r"""\b(?:order\s+)?staying\s+(?:all\s+)?(?:the\s+|this\s+)?(?:case|action|proceedings?|matter|litigation|lawsuit)\b
      | \b(?:case|action|proceedings?|matter|litigation|lawsuit)\s+(?:is\s+|are\s+|shall\s+be\s+|be\s+|is\s+hereby\s+|are\s+hereby\s+|hereby\s+)+stayed\b
      | \b(?:case|action)\s+stayed\b|\bgranting\s+(?:(?!\bmotions?\b)[^.;]){0,60}?\b(?:motion|stipulation|request|application)\s+to\s+stay\s+(?:the\s+|this\s+|all\s+)?(?:case|action|proceedings?|litigation|matter)\b"""
)
_NOT_CASE_STAY = _rx(
    r"""\brelief\s+from\s+(?:the\s+)?(?:automatic\s+)?stay\b|\bautomatic\s+stay\s+(?:shall|will|is|remains?|does)\b
      | \bstay\s+of\s+(?:execution|removal|deportation|the\s+panel)|\bconditional\s+transfer\b"""
)


_PENDING_WHY = _rx(
    r"\bpending\s+(?:the\s+)?(?P<why>[a-z' -]{3,60}?)(?=[.,;()]|\s+(?:in|of|before|by|and)\b|$)"
)
_STAY_DENIED = r"^(?!.*\bgrant).*\b(?:deny|denies|denied|denying)\b[^.;]{0,60}\bstay\b"


_REOPEN = _rx(
    r"""\b(?:case|action|matter|proceedings?)\s+(?:is\s+|are\s+|be\s+|shall\s+be\s+|hereby\s+|is\s+hereby\s+)*(?:re-?opened|reinstated)\b
      | \border\s+(?:re-?opening|reinstating)\b|\b(?:ordered|directed|instructed)\s+to\s+re-?open\b|\bcase\s+re-?opened\b
      | \bre-?open(?:s|ing)?\s+(?:the\s+|this\s+|these\s+|said\s+)?(?:case|action|matter|proceedings?)\b
      | \brestored\s+to\s+(?:the\s+)?(?:active\s+)?(?:docket|calendar)\b|\bgranting\s+(?:(?!\bmotions?\b)[^.;]){0,60}?\bmotion\s+to\s+re-?open\b"""
)
_REOPEN_NOT_ORDERED = _rx(
    r"""\b(?:right|motion|move|moves|request|may|permit|leave|seek|apply|application|petition|until|if|unless|date|when|
          once|after|should|would|could)\b[^.;]{0,40}$|\b(?:deny|denies|denied|denying)\b[^.;]{0,40}$"""
)


_ADMIN_CLOSE = _rx(
    r"""\badministrativ\w*\s+(?:clos\w*|terminat\w*|dismiss\w*)|\b(?:clos\w*|terminat\w*)\s+(?:\w+\s+){0,3}administrativ\w*
      | \bstatistical(?:ly)?\s+(?:clos|terminat)\w*|\b(?:terminated|closed)\s+for\s+statistical\s+purposes"""
)


_DESCRIBED_BEFORE = _rx(
    r"\b(?:as|since|because|while|was|been|remains?|previously|were)\s+(?:\w+\s+){0,3}$"
)


_CASE_CLOSED = _rx(
    r"""\b(?:civil\s+)?case\s+(?:is\s+)?(?:hereby\s+)?(?:terminated|closed)\b|\bjs-?6\b|\bterminate\s+civil\s+case\b
      | \b(?:close|terminate)\s+(?:the|this)\s+(?:case|action|matter)\b|\bclosing\s+(?:the\s+|this\s+)?case\b
      | \bclose\s+(?:bankruptcy|adversary)\s+case\b|\badversary\s+(?:case|proceeding)\s+[\w:()-]+\s+(?:closed|terminated)\b
      | \bfinal\s+decree\b|\bcase\s+termination\s+without\s+a\s+panel\b"""
)


# A closing that is only promised, conditional, for one party, denied or undone: "upon receipt of
# the dismissal papers the Clerk shall close the case", "If no objection is filed within 14 days,
# the Clerk shall close the case", "Case terminated as to defendant X", "the motion to close the
# case is DENIED", "Case closed in error".
_CLOSE_PHRASE = (
    r"(?:clos\w*|terminat\w*)\s+(?:the\s+|this\s+)?(?:civil\s+)?(?:case|action|matter)\b"
)
_CLOSING_NOT_DONE = (
    r"\b(?:if|unless|once|until|should)\b[^.;]{0,120}\b" + _CLOSE_PHRASE,
    r"\bupon\s+(?:the\s+)?(?:filing|receipt|submission|entry|expiration)\s+of\b[^.;]{0,120}\b"
    + _CLOSE_PHRASE,
    r"\b"
    + _CLOSE_PHRASE
    + r"[^.;]{0,80}\b(?:if|unless|upon\s+(?:the\s+)?(?:filing|receipt|submission|entry)|once|absent|in\s+\d+\s+days|within\s+\d+\s+days)\b",
    r"\bfail\w*\b[^.;]{0,120}\b(?:will|may|shall|could)\s+(?:result|lead)\b",
    r"\b(?:case|action)\s+(?:is\s+)?(?:terminated|closed)\s+as\s+to\s+(?!all\b)|\b"
    + _CLOSE_PHRASE
    + r"\s+as\s+to\s+(?!all\b)",
    r"\bmotion\s+to\s+close\b[^.;]{0,40}\b(?:is\s+|are\s+)?(?:hereby\s+)?denied\b|\b(?:deny|denies|denying)\b[^.;]{0,60}\bclose\b",
    r"\b(?:closed|terminated)\s+in\s+error\b",
    # a consolidation order docketed in the lead case too: "close the member case" is not this one
    r"\bmember\s+(?:case|action)s?\b",
)

_NOT_DONE_BEFORE = _rx(
    r"""\b(?:as|since|because|was|been|previously|if|unless|not|may|will|should|notice\s+of\s+hearing\s+on)
        \s+(?:\w+\s+){0,3}$"""
)


_GRANTING_MOTION = r"\bgranting\s+(?:in\s+part\s+)?(?:(?!\bmotions?\b)[^.;]){0,60}?\bmotions?\s+"
_DENIED = r"\b(?:deny|denies|denied|denying)\b"

_FUTURE_DISPOSAL = r"(?:will|shall|may|would)\s+(?:be\s+)?(?:hereby\s+)?(?:dismiss\w*|entered|enter\s+(?:final\s+|default\s+)?judgment|transferr?\w*|remand\w*|clos\w*|terminat\w*)"
_CONDITION = r"""(?:unless|absent|if\s+no\b|upon\s+(?:the\s+)?(?:filing|receipt|submission)\s+of
    |if\s+(?:the\s+)?(?:plaintiffs?|defendants?|petitioners?|parties|a\s+party|any\s+party)\b[^.;]{0,40}\b(?:fails?|does\s+not|do\s+not|object\w*))"""

# "Absent a response by 5/1/2022, the case shall be dismissed", "This action shall be dismissed
# unless the plaintiff serves the defendant within 30 days", "The Clerk shall enter judgment in
# 14 days unless an objection is filed", "The Court intends to remand": a warning, not the act.
_CONDITIONAL_DISPOSAL: Final = row(
    "conditional_disposition_is_a_warning",
    when=(
        r"\b" + _CONDITION + r"[^.;]{0,120}\b" + _FUTURE_DISPOSAL + r"\b",
        r"\b" + _FUTURE_DISPOSAL + r"\b[^.;]{0,80}\b" + _CONDITION,
        r"\b(?:clerk|court)\s+(?:shall|will|may)\s+enter\s+(?:final\s+|default\s+)?judgment\b[^.;]{0,80}\b(?:in|within)\s+\d+\s+days\b",
        r"\b(?:intends?|inclined|proposes?|plans?)\s+to\s+(?:dismiss|transfer|remand|close|enter\s+(?:final\s+)?judgment)\b",
    ),
    unless=r"\b(?:case|action)\s+(?:is\s+)?(?:hereby\s+)?(?:closed|terminated)\b|\bjs-?6\b",
    builds=Classification(),
    examples=(
        "ORDER: Absent a response by 5/1/2022, the case shall be dismissed for failure to prosecute.",
        "ORDER: This action shall be dismissed without prejudice unless the plaintiff serves the defendant within 30 days.",
        "ORDER: The Clerk shall enter judgment in 14 days unless an objection is filed.",
        "ORDER: The Court intends to remand the case to state court unless a party objects within 14 days.",
    ),
)

_FAMILY_ROWS_BEFORE_DISMISSALS: Final[tuple[Rule, ...]] = (
    row(
        "settlement_conference_held",
        when=r"\bsettlement\s+conference\s+(?:was\s+)?(?:held|conducted)\b",
        unless=(
            r"\b(?:not|no|unable|failed|impasse|unsuccessful|did\s+not|continued|reset|cancel+ed|adjourned)\b",
            # a pre-settlement conference is a scheduling call, not a negotiation that may have settled
            r"\bpre[-\s]?settlement\b",
        ),
        builds=Classification(
            type="case.settled", settlement_closes_case=False, confidence="medium"
        ),
        examples=(
            "Minute Entry for proceedings held before Magistrate Judge Peggy Kuo: Settlement Conference held on 3/3/2018.",
        ),
    ),
    row(
        "sentence_six_remand_keeps_jurisdiction",
        when=r"\bsentence\s+(?:six|6)\b",
        unless=(_DENIED, r"\bsentence\s+(?:four|4)\b"),
        builds=Classification(type="case.stayed", reason="sentence six remand to the agency"),
        examples=(
            "ORDER remanding this case pursuant to sentence six of 42 U.S.C. 405(g). The Court retains jurisdiction. Signed by Judge X.",
        ),
    ),
    row(
        "sentence_four_remand_to_agency",
        when=(
            r"\bsentence\s+(?:four|4)\b",
            r"\b(?:revers\w*|remand\w*)\b[^.;]{0,80}\bto\s+the\s+(?:acting\s+)?commissioner\b",
        ),
        unless=_DENIED,
        builds=Classification(type="case.remanded", remand_to="agency"),
        examples=(
            "JUDGMENT: the decision of the Commissioner is REVERSED and the case is REMANDED pursuant to sentence four of 42 U.S.C. 405(g).",
            "ORDER remanding case to the Commissioner of Social Security for further proceedings pursuant to sentence four of 42 U.S.C. 405(g).",
        ),
    ),
    row(
        "consent_decree_or_judgment",
        on="head",
        when=(
            r"^(?:(?:final|amended|modified|signed|so[- ]ordered)\s+)*(?:consent|stipulated|agreed)\s+(?:final\s+)?(?:decree|judgment)\b",
            r"^(?:consent|agreed|stipulated)\s+order\s+(?:and|&|of|for)\s+(?:final\s+|permanent\s+)?(?:judgment|decree|injunction)\b",
        ),
        unless=(r"\bproposed\b|\blodg\w*|\bnotice\s+of\s+filing\b",),
        builds=Classification(type="judgment.entered", judgment="consent"),
        reads=("prejudice", "scope"),
        examples=(
            "CONSENT DECREE. Signed by Judge Ann Aldrich on 5/4/2019.",
            "CONSENT DECREE AND PERMANENT INJUNCTION against Defendants. Signed by Judge X.",
            "AGREED FINAL JUDGMENT. Signed by Judge X.",
        ),
    ),
    row(
        "consent_decree_entered_by_order",
        when=(
            r"""\border\s+(?:(?:entering|approving)(?:\s+(?:and|&)\s+(?:entering|approving))?
                 |granting\s+(?:(?!\bmotions?\b)[^.;]){0,40}?\bmotions?\s+(?:to\s+(?:enter|approve)|for\s+(?:entry|approval)\s+of))
                \s+(?:the\s+)?(?:parties'?\s+)?(?:proposed\s+)?(?:final\s+)?(?:consent|stipulated|agreed)\s+(?:final\s+)?(?:decree|judgment)\b""",
            r"\bconsent\s+decree\s+(?:is\s+|shall\s+be\s+|is\s+hereby\s+)?(?:approved\s+and\s+)?entered\b",
        ),
        unless=_DENIED,
        builds=Classification(type="judgment.entered", judgment="consent"),
        reads=("prejudice", "scope"),
        examples=(
            "ORDER granting 40 Motion to Enter Consent Decree; the Consent Decree is approved and entered. Signed by Judge X.",
            "ORDER granting 30 Joint Motion for Entry of Consent Judgment. Signed by Judge X.",
            "ORDER approving and entering Consent Decree. Signed by Judge X.",
        ),
    ),
    row(
        "permanent_injunction_as_final_judgment",
        on="head",
        when=(
            r"^(?:(?:final|amended|default)\s+)?(?:order\s+(?:of|for|granting|entering)\s+(?:a\s+)?)?permanent\s+injunction\b",
            _GRANTING_MOTION
            + r"(?:for|to\s+enter)\s+(?:a\s+)?(?:default\s+judgment\s+and\s+)?permanent\s+injunction\b",
        ),
        unless=(
            r"\bproposed\b|\bpreliminary\b|\btemporary\s+restraining\b",
            _DENIED + r"(?![^.;]{0,60}\bgrant)",
        ),
        builds=Classification(type="judgment.entered", judgment="other", confidence="medium"),
        reads=("prejudice", "scope", "confidence"),
        examples=(
            "ORDER OF PERMANENT INJUNCTION. The Clerk shall close this case. Signed by Judge X.",
            "ORDER granting 20 Motion for Permanent Injunction. Signed by Judge X.",
        ),
    ),
)

_HABEAS_PETITION = r"(?:(?:amended|corrected|second|successive)\s+)?(?:\d+\s+)?(?:petition\s+(?:for\s+(?:a\s+)?)?writ\s+of\s+habeas\s+corpus|habeas\s+(?:corpus\s+)?petition|(?:§\s*)?225[45]\s+petition)"

_HABEAS_DENIED: Final = row(
    # the petition is the action: an order denying it decides the case (the judgment usually follows)
    "habeas_petition_denied",
    when=(
        r"\b(?:deny|denies|denied|denying)\s+(?:the\s+|petitioner'?s\s+)?(?:(?:pro\s+se|amended)\s+)?"
        + _HABEAS_PETITION,
        r"\b"
        + _HABEAS_PETITION
        + r"(?:\s+\([^()]{0,20}\))?\s+(?:is|be|shall\s+be|are)\s+(?:hereby\s+)?denied\b",
    ),
    unless=(r"\brecommend", r"\bmotion\s+(?:to|for)\s+(?:stay|appoint|extension|leave|amend)"),
    builds=Classification(type="judgment.entered", judgment="other", confidence="medium"),
    reads=("prejudice", "scope", "confidence"),
    examples=(
        "ORDER denying 1 Petition for Writ of Habeas Corpus (2254). Signed by Judge X.",
        "ORDER DENYING PETITION for writ of habeas corpus and denying certificate of appealability. Signed by Judge X.",
        "MEMORANDUM OPINION AND ORDER: the petition for a writ of habeas corpus is DENIED and a certificate of appealability will not issue.",
    ),
)

_BARE_STIPULATION_AND_ORDER: Final = row(
    "bare_stipulation_and_order_after_settlement",
    on="head",
    when=r"""^(?:so[- ]ordered\s+)?stipulation\s+(?:and|&)\s+order\W*
             (?:(?:signed|so\s+ordered|entered)\s+by\s+[a-z.,' -]{0,80}?(?:\s+on\s+[\d/]+)?)?\W*(?:\([^()]*\)\W*)*$""",
    builds=Classification(
        type="case.dismissed",
        dismissal="stipulated",
        confidence="medium",
        closes_after_settlement=True,
    ),
    examples=(
        "Stipulation and Order",
        "STIPULATION AND ORDER. Signed by Judge Joan M. Azrack on 4/2/2018. (Ramsay, Heather)",
    ),
)
"""A "Stipulation and Order" whose text is only that title closes the case only after a reported
settlement (the fold decides, ``closes_after_settlement``), and then on ``medium`` evidence."""

_NOT_A_CASE_STAY_OBJECT = r"""\bstay(?:ing|ed|s)?\s+(?:of\s+)?(?:all\s+)?(?:the\s+)?(?:discovery|deadlines?|execution|removal|deportation|enforcement)\b
      | \b(?:discovery|deadlines?)\s+(?:in\s+(?:this|the)\s+(?:case|action|matter)\s+)?(?:is\s+|are\s+|be\s+|shall\s+be\s+|hereby\s+|remains?\s+)*stayed\b
      | \bstayed\s+(?:as\s+to|with\s+respect\s+to)\s+(?:discovery|deadlines?)\b
      | \b(?:stay|stayed|lifted)\b[^.;]{0,20}?\bas\s+to\s+(?!all\b)|\bas\s+to\s+(?:defendants?|plaintiffs?|part(?:y|ies))\b[^.;]{0,60}\bstay"""

_NOT_STAYED_OBJECT = _rx(_NOT_A_CASE_STAY_OBJECT)

_STAY_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "stay_renewed",
        when=(
            r"\bstay\s+(?:is\s+|shall\s+be\s+|be\s+|is\s+hereby\s+|hereby\s+)*(?:extended|continued|renewed)\b",
            r"\b(?:extend|extending|extends|continu\w*|renew\w*)\s+(?:the\s+)?stay\b",
            r"\b(?:case|action|matter|proceedings?|litigation)\s+(?:shall\s+|will\s+|is\s+to\s+|to\s+)?(?:remains?|continues?\s+to\s+be)\s+stayed\b",
            r"\b(?:case|action|matter|proceedings?|litigation)\s+(?:shall\s+|will\s+)?(?:remain|continue)\s+(?:in\s+)?stay(?:ed)?\b",
        ),
        unless=(
            _NOT_A_CASE_STAY_OBJECT,
            _DENIED + r"[^.;]{0,60}\bstay\b",
            r"\bmotion\s+to\s+lift\b",
        ),
        builds=Classification(type="case.stayed", reason="stay renewed"),
        examples=(
            "ORDER: The stay is extended for an additional 90 days. The parties shall file a joint status report by 6/1/2021.",
            "ORDER: This case shall remain stayed pending the resolution of the appeal.",
            "ORDER granting 30 Joint Motion to Extend Stay. Signed by Judge X.",
        ),
    ),
    row(
        "stay_lifted_by_order_or_condition",
        when=(
            r"\bstay\b[^.;]{0,60}?\b(?:is|are|be|shall\s+be|hereby|has\s+been)\s+(?:hereby\s+)?(?:lifted|dissolved|vacated|terminated)\b",
            r"\bstay\s+(?:has\s+)?(?:expired|ended)\b|\bstay\s+having\s+(?:expired|ended|been\s+lifted)\b",
            r"\b(?:removed|released)\s+from\s+(?:the\s+)?(?:suspense|inactive)\s+(?:docket|calendar)\b",
        ),
        unless=(_NOT_A_CASE_STAY_OBJECT, _DENIED + r"[^.;]{0,60}\bstay\b", r"\bre-?open"),
        builds=Classification(type="stay.lifted"),
        examples=("ORDER: The stay entered on 3/1/2021 is LIFTED. Signed by Judge X.",),
    ),
)


def _clauses_staying_the_case(e: Entry) -> str:
    """The clauses that do not stay only discovery, deadlines or one party.

    "ORDER staying case; all discovery is stayed" stays the case; "discovery in this case is
    stayed" or a stay of deadlines does not.
    """
    return ". ".join(c for c in _clauses(e.text) if not _NOT_STAYED_OBJECT.search(c))


_CASE_STAY_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "stay_lifted",
        when=_STAY_LIFTED,
        # a stay of discovery, or a stay as to one party, lifted: the case stays as it was;
        # "lifting the stay and reopening the case": the reopening row decides
        unless=(_NOT_CASE_STAY, _STAY_DENIED, _NOT_STAYED_OBJECT, r"\bre-?open"),
        builds=Classification(type="stay.lifted"),
        examples=("ORDER lifting stay. Signed by Judge X.",),
    ),
    row(
        "case_stayed",
        on=_clauses_staying_the_case,
        when=_CASE_STAYED,
        unless=(_NOT_CASE_STAY, _STAY_DENIED, _STAY_LIFTED),
        builds=Classification(type="case.stayed"),
        reads=("stay_reason",),
        examples=("Order Staying Case", "ORDER STAYING CASE pending arbitration."),
    ),
)


def _without_moot_motions(e: Entry) -> str:
    return _without_moot_clauses(e.text)


# A party's notice or stipulation *of dismissal* that mentions a settlement is left to the
# dismissal rows: the dismissal is what closes the case. So is a motion.
_NOT_A_SETTLEMENT_HEAD = (r"^(?:\w+\s+){0,3}motions?\b", _VOLUNTARY_NOTICE, _STIPULATION_HEAD)
_SETTLEMENT_CLOSING = Classification(type="case.settled")
_SETTLEMENT_ROWS: Final[tuple[Rule, ...]] = (
    row(
        "settlement_closes_case",
        when=_SETTLEMENT_CLOSES,
        requires=r"settle",
        unless=_NO_SETTLEMENT,
        unless_head=(*_NOT_A_SETTLEMENT_HEAD, _REQUEST_HEAD),
        builds=_SETTLEMENT_CLOSING,
        reads=("class_action", "reopen_window"),
        examples=(
            "ORDER OF DISMISSAL: The Court having been advised that the case has been settled, this action is dismissed without prejudice to the right, upon good cause shown within 60 days, to reopen the action if settlement is not consummated.",
        ),
    ),
    row(
        "settled_and_dismissed",
        on=_without_moot_motions,
        when=_COURT_DISMISS,
        requires=(r"settle", _SETTLED),
        unless=_NO_SETTLEMENT,
        unless_head=(*_NOT_A_SETTLEMENT_HEAD, _REQUEST_HEAD),
        builds=_SETTLEMENT_CLOSING,
        reads=("class_action", "reopen_window"),
        examples=("ORDER: The case having settled, this action is hereby dismissed.",),
    ),
    row(
        "settled_and_closed",
        when=(_CLOSE_WORDS, r"\bdiscontinu"),
        requires=(r"settle", _SETTLED),
        unless=_NO_SETTLEMENT,
        unless_head=(*_NOT_A_SETTLEMENT_HEAD, _REQUEST_HEAD),
        builds=_SETTLEMENT_CLOSING,
        reads=("class_action", "reopen_window"),
        examples=(
            "Minute Entry ... Negotiations were successful and a settlement was reached. Case closed.",
        ),
    ),
    row(
        "notice_of_settlement_only",
        when=_SETTLEMENT_NOTICE,
        requires=r"settle",
        unless=_NO_SETTLEMENT,
        unless_head=_NOT_A_SETTLEMENT_HEAD,
        builds=Classification(type="case.settled", settlement_closes_case=False),
        examples=("Minute Entry ... Negotiations were successful and a settlement was reached.",),
    ),
)


RULES: Final[tuple[Rule, ...]] = (
    # The clerk rewrote this entry's own text: it no longer means what it said.
    # ("Deleted document number 2" is a separate clerk entry about document 2.)
    row(
        "own_text_marked_void",
        on="head",
        when=_OWN_VOID,
        unless=r"\bdeleted\s+document\s+number\b",
        builds=Classification(),
        examples=("ENTERED IN ERROR.....TRANSCRIPT OF STATUS CONFERENCE",),
    ),
    Rule(
        "strikes_earlier_entries",
        ("NOTICE OF DOCKET ERROR re: 160 Notice of Attorney Appearance",),
        _strikes_earlier,
    ),
    row(
        "remanded_to_custody_is_not_a_remand",
        when=_CUSTODY,
        builds=Classification(),
        examples=("Defendant remanded to the custody of the US Marshal.",),
    ),
    *_TRANSFER_IN_ROWS,
    Rule(
        "opening_and_amended_pleadings",
        ("CLASS ACTION COMPLAINT against LinkedIn Corporation",),
        _opening,
    ),
    *_APPEAL_ROWS,
    *_SETTLEMENT_ROWS,
    row(
        "party_filing_is_not_a_disposition",
        on="head",
        when=_REQUEST_HEAD,
        builds=Classification(),
        examples=("MOTION to Dismiss for Failure to State a Claim by Ricky Babin.",),
    ),
    row(
        "show_cause_or_deficiency_is_a_warning",
        on="head",
        when=_SHOW_CAUSE_HEAD,
        builds=Classification(),
        examples=(
            "ORDER to Show Cause why the case should not be dismissed for failure to prosecute.",
        ),
    ),
    _CONDITIONAL_DISPOSAL,
    *_FAMILY_ROWS_BEFORE_DISMISSALS,
    _HABEAS_DENIED,
    *_VOLUNTARY_ROWS,
    _STIPULATION_ROW,
    _BARE_STIPULATION_AND_ORDER,
    *_JUDGMENT_ROWS,
    Rule(
        "court_dismissal",
        ("ORDER DISMISSING CASE without prejudice. Signed by Judge Helen G. Berrigan",),
        _court_dismissal,
    ),
    *_JUDGMENT_DIRECTED_ROWS,
    *_TRANSFER_OUT_ROWS,
    *_REMAND_ROWS,
    *_STAY_ROWS,
    *_CASE_STAY_ROWS,
    row(
        "case_reopened",
        when=_REOPEN,
        not_after=_REOPEN_NOT_ORDERED,
        window=60,
        builds=Classification(type="case.reopened"),
        examples=("the Clerk of Court is ordered to reopen these proceedings",),
    ),
    row(
        "administrative_closing",
        when=_ADMIN_CLOSE,
        not_after=_DESCRIBED_BEFORE,
        # "ORDER denying 12 Motion to Administratively Close Case": the case stays as it was
        unless=(
            _DENIED + r"[^.;]{0,60}\badministrativ",
            *_CLOSING_NOT_DONE[:4],
            _CLOSING_NOT_DONE[-1],
        ),
        builds=Classification(
            type="case.closed", closed_disposition="other", reason="administrative closing"
        ),
        examples=("The Clerk shall administratively terminate this action in his records",),
    ),
    row(
        "case_terminated_marker",
        when=_CASE_CLOSED,
        not_after=_NOT_DONE_BEFORE,
        unless=_CLOSING_NOT_DONE,
        builds=Classification(
            type="case.closed", closed_disposition="other", reason="case terminated"
        ),
        examples=("~Util - Terminate Civil Case",),
    ),
)
"""The rule table, in order. The first rule returning a classification decides."""

_DEFAULT = Classification(rule="default")


def _decide(words: str, document_number: int | None) -> tuple[Rule | None, Classification]:
    e = _entry(words, document_number)
    if not e.text:
        return None, _DEFAULT
    for rule in RULES:
        c = rule.decide(e)
        if c is not None:
            return rule, c
    return None, _DEFAULT


def _read(words: str, document_number: int | None) -> Classification:
    return _decide(words, document_number)[1]


def decided_by(text: str, document_number: int | None = None) -> str | None:
    """The name of the table row that decides ``text`` (None when no row applies): for tests and explanations."""
    rule, _ = _decide(_norm(text), document_number)
    return None if rule is None else rule.name


def _read_event_name(name: str, document_number: int | None) -> Classification:
    """RSS event names; several events merged with " AND " -> the most telling part."""
    parts = [p for p in re.split(r"\s+AND\s+", name) if p.strip()] or [name]
    readings = [_read(p, document_number) for p in parts]
    telling = [c for c in readings if c.type != "docket.entry" or c.appeal or c.class_action]
    return telling[0] if telling else readings[0]


def classify(
    text: str, event_name: str | None = None, document_number: int | None = None
) -> Classification:
    """What one docket entry means for its case.

    ``text`` is the docket text (may be only the event name for RSS stubs),
    ``event_name`` the source's short event label, ``document_number`` the
    entry's number. The text decides when it says something; the event name is
    read when the text is empty or falls through every rule. Never raises on
    odd input; unknown phrasing is a plain ``docket.entry``.
    """
    words = _norm(text)
    name = _norm(event_name)
    if words and words.lower() != name.lower():
        c = _read(words, document_number)
        if c.rule != "default" or not name:
            return c
        named = _read_event_name(name, document_number)
        if named.rule == "default":
            return c
        return replace(named, rule=f"event_name:{named.rule}")
    if name:
        return _read_event_name(name, document_number)
    return _read(words, document_number)
