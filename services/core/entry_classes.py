"""Entry classes: what kind of paper or act each docket entry is. Pure.

The status classifier (:mod:`services.core.classify`) says what an entry does
to the *case* (opens, closes, stays it); most entries do nothing to it and are
a plain ``docket.entry``. An entry class says what the entry *is* — a motion to
dismiss, the order deciding it (granted, denied, granted in part), a scheduling
order, a notice of appeal — from one vocabulary of 33 classes
(:data:`ENTRY_CLASSES`, documented with its mapping to the SCALES ontology and
CourtListener's classifier project in ``docs/entry-classes.md``).

How it reads
------------
``classify_entry(text, event_name, document_number, event_type=...)``:

1. the status reading decides the classes it already knows (a dismissal, a
   judgment, a transfer, a remand, a stay and its lift, a reopening, a closing,
   a strike, an opening, an amended complaint), except that an *order granting
   a motion to dismiss or for summary judgment* stays the order on that motion
   (its outcome is what a watcher is told) and a mandate stays a mandate;
2. otherwise an ordered table of rows (``ROWS``), first match wins, each with a
   name, the class it yields, the patterns it matches in the entry's head
   (its first words, where the clerk's event label sits) or whole text, the
   guards that veto it, and real example texts that
   ``tests/unit/test_entry_classes.py`` runs, asserting that *that row*
   decides them. Settlement approvals and class certification come first
   (they are rare and matter most), then the orders on dispositive motions and
   the motions, appeals and mandates, scheduling, dates, hearings, service,
   appearances, pleadings, briefs, motions, orders; anything else is ``other``;
3. RSS items carry only an event name: the same rows read it.

Outcomes and citations
----------------------
An order on a motion (``order_on_motion_to_dismiss``,
``order_on_summary_judgment``, ``order_on_class_certification``) carries an
``outcome``: ``granted``, ``denied``, ``granted_in_part`` (granted in part and
denied in part), ``moot`` or ``unknown`` (the words do not say, e.g. the RSS
event "Order on Motion to Dismiss"). ``cites`` lists the docket numbers the
entry refers to ("granting 19 Motion", "re [12]", "Docket No. 12",
"ECF No. 12", "(Doc. 31)"), so an order's outcome links to the motion it
decides.

``ENTRY_CLASSIFIER_VERSION`` changes whenever the rows change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from schemas.events import EventType
from schemas.vocabulary import EntryClass, Outcome
from services.core.classify import classify

ENTRY_CLASSIFIER_VERSION: Final = "entry-classes-1.0"

__all__ = [
    "ENTRY_CLASSIFIER_VERSION",
    "MILESTONE_CLASSES",
    "ORDER_CLASSES",
    "ROWS",
    "EntryReading",
    "Row",
    "citations",
    "classify_entry",
    "outcome_of",
]

MILESTONE_CLASSES: Final[frozenset[EntryClass]] = frozenset(
    {
        "order_on_motion_to_dismiss",
        "order_on_summary_judgment",
        "order_on_class_certification",
        "preliminary_approval",
        "final_approval",
        "judgment",
        "notice_of_appeal",
        "mandate",
    }
)
"""The classes a watcher is told about (issue 16's ``milestone.reached``)."""

ORDER_CLASSES: Final[frozenset[EntryClass]] = frozenset(
    {"order_on_motion_to_dismiss", "order_on_summary_judgment", "order_on_class_certification"}
)
"""Orders on a motion: they carry an outcome."""


@dataclass(frozen=True, slots=True)
class EntryReading:
    entry_class: EntryClass
    rule: str
    """Name of the row (or ``status:<event type>``) that decided."""
    outcome: Outcome | None = None
    """Set for an order on a motion (ORDER_CLASSES)."""
    cites: tuple[int, ...] = ()
    """Docket numbers the entry refers to (the motion an order decides)."""


# --------------------------------------------------------------------------- reading the words

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_LEAD = re.compile(
    r"^(?:[\s*#~>\[\]-]|\(court only\)|text only|\*+text only\*+|deficient\b|notice:?\s*(?=\*))+",
    re.IGNORECASE,
)
_JUDGE_PREFIX = re.compile(
    r"^(?:(?:chief\s+)?(?:magistrate\s+|district\s+|senior\s+)?judge\s+[a-z.' -]{2,60}?:\s*)"
)


def _norm(s: str | None) -> str:
    return _WS.sub(" ", (s or "").translate(_QUOTES)).strip()


def _body(text: str) -> str:
    """The lower-cased words without leading markers and a "Judge X:" prefix."""
    return _JUDGE_PREFIX.sub("", _LEAD.sub("", text.lower()).strip())


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE | re.IGNORECASE)


_CITE = _rx(
    r"""\[(?P<a>\d{1,6})\]
      | \b(?:re:?|regarding)\s+(?:doc(?:ument)?\.?\s*(?:no\.?\s*)?)?(?P<b>\d{1,6})\b(?![/:.]\d)
      | \b(?:document|doc\.?|docket\s+entry|docket\s+no\.?|dkt\.?(?:\s+no\.?)?|ecf(?:\s+no\.?)?|r\.\s*doc\.?)\s*(?:no\.?|number|\#)?\s*(?P<c>\d{1,6})\b(?![/:]\d)
      | \b(?:granting|denying|terminating|adopting|finding\s+as\s+moot|mooting)(?:\s+(?:in\s+part|and|denying|granting))*\s+(?P<d>\d{1,6})\b(?![/:.]\d)
      | (?<![/\d.:$])\b(?P<e>\d{1,6})\s+(?:(?:joint|unopposed|consent|amended|renewed|sealed|emergency|first|second)\s+)*motion\b"""
)


def citations(text: str, own: int | None = None) -> tuple[int, ...]:
    """Docket numbers ``text`` refers to ("granting 19 Motion", "re [12]", "ECF No. 12"), sorted."""
    found = {int(next(g for g in m.groups() if g is not None)) for m in _CITE.finditer(text or "")}
    return tuple(sorted(n for n in found if n > 0 and n != own))


_GRANTED_IN_PART = _rx(
    r"\bgrant(?:ed|ing|s)?\s+in\s+part\b|\bin\s+part\b[^.;]{0,40}\bgrant|\bdenied\s+in\s+part\b|\bdenying\s+in\s+part\b"
)
_MOOT = _rx(r"\bmoot\b|\bwithdrawn\b|\bterminat(?:ed|ing)\s+(?:as\s+)?moot")
_GRANTED = _rx(r"\bgrant(?:ed|ing|s)?\b|\ballow(?:ed|ing)\b|\bsustain(?:ed|ing)\b|\badopting\b")
_DENIED = _rx(r"\bden(?:ied|ying|ies)\b|\boverrul(?:ed|ing)\b")


_CLAUSE = re.compile(r";|\.\s+(?=[A-Za-z])")
_MOTION_KIND: Final[dict[str, re.Pattern[str]]] = {
    "order_on_motion_to_dismiss": re.compile(r"\bdismiss"),
    "order_on_summary_judgment": re.compile(r"\bsummary\s+judgment"),
    "order_on_class_certification": re.compile(r"\bcertif|\bclass"),
}


def outcome_of(text: str, about: re.Pattern[str] | None = None) -> Outcome:
    """What an order did to the motion it decides, from its own words.

    With ``about`` (the motion's words), only the clauses that name the motion
    are read when one of them says granted or denied: "ORDER denying 40 Motion
    for Summary Judgment; granting 40 Motion to Preclude" denied the summary
    judgment.
    """
    t = text.lower()
    if about is not None:
        clauses = [c for c in _CLAUSE.split(t) if about.search(c)]
        told = [c for c in clauses if _GRANTED.search(c) or _DENIED.search(c) or _MOOT.search(c)]
        if told:
            t = " ; ".join(told)
    if _GRANTED_IN_PART.search(t):
        return "granted_in_part"
    granted, denied = bool(_GRANTED.search(t)), bool(_DENIED.search(t))
    if granted and denied:
        return "granted_in_part"
    if granted:
        return "granted"
    if denied:
        return "denied"
    if _MOOT.search(t):
        return "moot"
    return "unknown"


# --------------------------------------------------------------------------- rows


_HEAD_LENGTH: Final = 160
"""Characters of an entry that make its head (where the clerk's event label sits)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row: a name, the class it yields, when it applies, and real example texts.

    ``when`` patterns are searched in the entry's ``on`` (``head``: its first
    words, lower-cased; ``text``: all of it); any match applies the row unless
    an ``unless`` pattern matches the text. Both start after leading markers
    ("***", "~", "(Court only)") and a "Judge X:" prefix.
    """

    name: str
    entry_class: EntryClass
    when: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    unless: tuple[re.Pattern[str], ...] = ()
    on: Literal["head", "text"] = "head"

    def applies(self, body: str) -> bool:
        where = body[:_HEAD_LENGTH] if self.on == "head" else body
        return any(p.search(where) for p in self.when) and not any(
            u.search(body) for u in self.unless
        )


def _row(
    name: str,
    entry_class: EntryClass,
    when: str | tuple[str, ...],
    examples: tuple[str, ...],
    *,
    unless: str | tuple[str, ...] = (),
    on: Literal["head", "text"] = "head",
) -> Row:
    ws = (when,) if isinstance(when, str) else when
    us = (unless,) if isinstance(unless, str) else unless
    return Row(name, entry_class, tuple(map(_rx, ws)), examples, tuple(map(_rx, us)), on)


# An order: the head says the court decides ("ORDER granting", "MINUTE ORDER", "Memo Endorsement").
_ORDER = r"""^(?:(?:text|minute|electronic|letter|paperless|memorandum|memo|clerk'?s?|court|sealed|amended|opinion\s+and|ruling\s+and|
               order\s+and|memorandum\s+opinion\s+and|stipulation\s+and|consent|final|interim|further)\s+)*
             (?:order|ruling|opinion|memorandum\s+(?:and|&)\s+(?:opinion|order)|memo[- ]?endorse\w*|endorsed\s+letter|decision)\b"""
_MOTION = r"""^(?!(?:[a-z]+\s+){0,2}order\b)(?:(?:joint|consent|unopposed|opposed|emergency|ex\s?parte(?:/consent)?|assented\s+to|
              renewed|amended|supplemental|corrected|cross|counter|sealed|redacted|first|second|third|
              notice\s+of\s+motion\s+and|letter|partial|[a-z.&,' -]{2,60}'s)\s+)*(?:motion|request|application|petition|stipulation|notice\s+of\s+motion)\b(?!\s+and\s+order)"""
_NOT_ORDER_HEAD = r"^(?:motion|memorandum\s+(?:in|of\s+law)|brief|reply|response|opposition|proposed|notice\s+of\s+(?:motion|appeal))"


_TABLE: tuple[Row, ...] = (
    # ------------------------------------------------------------------ settlement approval and class certification
    _row(
        "fairness_hearing_set",
        "fairness_hearing_set",
        r"\b(?:fairness|final\s+approval|settlement\s+approval)\s+hearing\b[^.;]{0,40}\b(?:set|reset|scheduled|rescheduled|continued)\b",
        (
            "Final Approval Hearing set for 6/5/2025 10:00 AM in Courtroom 4, 5th Floor, San Jose before Judge Edward J. Davila.",
            "CLERK'S NOTICE: Fairness Hearing reset for 3/14/2024 01:30 PM before Judge Haywood S Gilliam Jr.",
        ),
        unless=r"\bprelim\w*\s+approv\w*\b[^.;]{0,40}\b(?:granted|granting)\b|^order\s+granting",
        on="text",
    ),
    _row(
        "preliminary_approval",
        "preliminary_approval",
        (
            _ORDER + r"[^.;]{0,120}\bprelim\w*\s+approv",
            r"^order\s+prelim\w*\s+approv",
        ),
        (
            "ORDER Preliminarily Approving Class Action Settlement. Signed by Judge Mark H. Cohen on 7/30/2021. (dob)",
            "ORDER GRANTING 58 Motion for Preliminary Approval of Class Action Settlement; Final Approval Hearing set for 6/5/2025 10:00 AM. Signed by Judge Edward J. Davila on 1/6/2025.",
        ),
        unless=r"\bden(?:ied|ying)\b[^.;]{0,40}\bprelim",
    ),
    _row(
        "final_approval",
        "final_approval",
        (
            _ORDER + r"[^.;]{0,120}\bfinal(?:ly)?\s+approv",
            r"^(?:final\s+)?(?:order\s+and\s+)?(?:final\s+)?judgment\s+(?:granting\s+final\s+approval|approving)",
        ),
        (
            "ORDER GRANTING 88 Motion for Final Approval of Class Action Settlement and Awarding Attorneys' Fees. Signed by Judge Lucy H. Koh on 9/2/2020.",
            "FINAL JUDGMENT APPROVING CLASS ACTION SETTLEMENT and dismissing the action with prejudice. Signed by Judge Jon S. Tigar.",
        ),
        unless=_NOT_ORDER_HEAD,
    ),
    _row(
        "order_on_class_certification",
        "order_on_class_certification",
        _ORDER
        + r"""[^;]{0,160}?(?:\bclass\s+certification\b|\bcertif(?:y|ying|ication\s+of)\s+(?:a\s+|the\s+)?(?:settlement\s+)?(?:class|collective)\b|\bdecertify)""",
        (
            "ORDER granting in part and denying in part 97 Motion to Certify Class. Signed by Judge Yvonne Gonzalez Rogers on 3/1/2022.",
            "MEMORANDUM OPINION AND ORDER granting 42 Opposed MOTION to Certify Class for approval and distribution of notice. Signed by Judge Andrew S. Hanen.",
            "Order on Motion to Certify Class",
        ),
        unless=r"^(?:order\s+on\s+)?motion\s+for\s+extension|extension\s+of\s+time\s+to\s+file\s+(?:a\s+)?(?:response|reply|opposition)",
    ),
    _row(
        "motion_for_class_certification",
        "motion_for_class_certification",
        (
            _MOTION
            + r"""[^;]{0,60}?(?:\bclass\s+certification\b|\bto\s+certify\s+(?:a\s+|the\s+)?(?:class|collective)|\bconditional\s+certification)""",
            r"^certify\s+class$",
        ),
        (
            "MOTION to Certify Class by Jane Roe. Motion Hearing set for 4/14/2022 02:00 PM. (Attachments: # 1 Memorandum)",
            "Opposed MOTION to Certify Class for approval and distribution of notice by Trendia Bailey. (Wiley, Josh)",
        ),
        unless=r"\bextension\s+of\s+time\b|\bresponse\b[^.;]{0,20}\bto\b",
    ),
    # ------------------------------------------------------------------ dispositive motions and the orders on them
    _row(
        "order_on_summary_judgment",
        "order_on_summary_judgment",
        (
            _ORDER + r".{0,200}?\bsummary\s+judgment\b",
            r"^order\s+on\s+motion\s+for\s+(?:partial\s+)?summary\s+judgment",
        ),
        (
            "ORDER & REASONS granting 19 Motion for Summary Judgment and plaintiff's state law assault claims is dismissed without prejudice. Signed by Judge Helen G. Berrigan on 7/20/10.",
            "ORDER denying 40 Motion for Summary Judgment; granting 40 Motion to Preclude. For the reasons stated on the record during the hearing held on September 22, 2022.",
            "Order on Motion for Summary Judgment",
        ),
        unless=(
            _NOT_ORDER_HEAD,
            r"\bextension\s+of\s+time\b|\bleave\s+to\s+file\b|\bhearing\s+set\s+for\b[^.;]*\bwill\s+be\s+on\s+the\s+briefs|\bwill\s+hold\s+a\s+(?:tele)?conference\b|\bbriefing\s+schedule\b",
        ),
    ),
    _row(
        "motion_for_summary_judgment",
        "motion_for_summary_judgment",
        (
            _MOTION + r"[^;]{0,40}?\bsummary\s+judgment\b",
            r"^(?:motion\s+for\s+)?(?:partial\s+)?summary\s+judgment$",
        ),
        (
            "MOTION for Summary Judgment by Best Chevrolet Inc, Donald Clay. Motion Hearing set for 2/17/2010 09:30 AM before Judge Helen G. Berrigan.",
            "MOTION for Partial Summary Judgment on Liability by United States of America, ex rel, filed. Motion Docket Date 8/31/2022.",
        ),
        unless=r"\bextension\s+of\s+time\b|\bleave\s+to\s+file\b|\bresponse\b|\bopposition\b|\breply\b",
    ),
    _row(
        "order_on_motion_to_dismiss",
        "order_on_motion_to_dismiss",
        (
            _ORDER + r".{0,200}?\bmotions?\s+to\s+dismiss\b",
            r"^order\s+on\s+motion\s+to\s+dismiss",
        ),
        (
            "RULING AND ORDER Adopting 35 Report and Recommendation of the U.S. Magistrate Judge; granting 31 Motion to Dismiss for Failure to State a Claim. Plaintiff's Complaint is DISMISSED WITH PREJUDICE.",
            "ORDER granting in part and denying in part 22 Motion to Dismiss for Failure to State a Claim. Signed by District Judge T. S. Ellis, III on 10/11/2019.",
            "Order on Motion to Dismiss/Lack of Jurisdiction",
        ),
        unless=(
            _NOT_ORDER_HEAD,
            r"\bextension\s+of\s+time\b|\bleave\s+to\s+(?:file|amend)\b|\brefer(?:ring|red)\b|\bhearing\s+(?:is\s+)?(?:set|reset)\b|\bbriefing\b",
        ),
    ),
    _row(
        "motion_to_dismiss",
        "motion_to_dismiss",
        (
            _MOTION + r"[^;]{0,30}?\bto\s+dismiss\b",
            r"^dismiss$",
        ),
        (
            "NOTICE OF MOTION AND MOTION to Dismiss for lack of personal jurisdiction filed by defendants' Daffy's Inc. Motion set for hearing on 6/26/2006.",
            "MOTION to Dismiss for Failure to State a Claim and Lack of Standing by Stefan A. Halper. (Attachments: # 1 Proposed Order)",
            "Dismiss",
        ),
        unless=r"\bextension\s+of\s+time\b|\bleave\s+to\s+file\b|^motions?\s*\(s\)\s+referred|\bto\s+dismiss\s+(?:the\s+)?appeal\b",
    ),
    # ------------------------------------------------------------------ appeals
    _row(
        "notice_of_appeal",
        "notice_of_appeal",
        r"^(?:amended\s+)?notice\s+of\s+(?:interlocutory\s+|cross[- ])?appeal\b",
        (
            "NOTICE OF APPEAL by Milan Dediol as to 41 Judgment,. (In Forma Pauperis status granted - Motion for IFP on appeal must be filed or fee paid.)",
            "NOTICE OF INTERLOCUTORY APPEAL from 53 Order on Motion for Summary Judgment. Document filed by Hornblower Cruises and Events, LLC. Filing fee $ 505.",
        ),
    ),
    _row(
        "mandate",
        "mandate",
        (
            r"^(?:certified\s+copy\s+of\s+)?mandate\b|^usca\s+judgment\s+issued\s+as\s+mandate|^order\s+on\s+mandate\b",
            r"^(?:usca\s+)?(?:judgment|mandate)\s+of\s+(?:the\s+)?(?:usca|court\s+of\s+appeals)\b[^.;]{0,80}\bmandate",
        ),
        (
            "MANDATE of USCA as to 9 Notice of Appeal filed by Lucas Joseph Roddy the judgment of the District Court is affirmed. (SWE)",
            "USCA JUDGMENT issued as mandate on 10/4/11 as to 42 Notice of Appeal filed by Milan Dediol. Ordered that the judgment of the District Court is reversed, and the cause is remanded.",
            "ORDER ON MANDATE ORDER that mandate be spread upon the records of this court. Cpys dist.",
        ),
        unless=r"\brecall\s+(?:the\s+)?mandate\b",
    ),
    # ------------------------------------------------------------------ schedules, dates and hearings
    _row(
        "scheduling_order",
        "scheduling_order",
        r"""^(?:[a-z]+\s+){0,4}?(?:scheduling\s+order|case\s+management\s+(?:and\s+scheduling\s+)?order|
              civil\s+case\s+management\s+plan\s+and\s+scheduling\s+order|pretrial\s+scheduling\s+order|
              scheduling\s+and\s+(?:case\s+management|discovery)\s+order)\b""",
        (
            "SCHEDULING ORDER: Final Pretrial Conference set for 11/12/2009 09:30 AM before Judge Helen G. Berrigan. Jury Trial set for 11/30/2009 10:00 AM.",
            "Initial Case Management Scheduling Order with ADR Deadlines: Case Management Statement due by 12/1/2023. Initial Case Management Conference set for 12/8/2023 02:00 PM.",
            "CIVIL CASE MANAGEMENT PLAN AND SCHEDULING ORDER: All parties do not consent to conducting all further proceedings before a United States Magistrate Judge.",
            "Scheduling Order",
        ),
        unless=r"^(?:motion|proposed|joint\s+(?:proposed|motion))",
    ),
    _row(
        "trial_schedule_order",
        "scheduling_order",
        r"^order:\s+a\s+jury\s+trial\s+in\s+this\s+matter\s+will\s+begin\b",
        (
            "ORDER: A jury trial in this matter will begin on Monday, June 26, 2023, at 9:00 a.m. The Court will hold a final pretrial conference in this case on Friday, May 26, 2023, at 1:00 p.m.",
        ),
    ),
    _row(
        "hearing_held",
        "hearing_held",
        (
            r"^(?:amended\s+)?minute\s+entry\b[^.;]{0,120}\b(?:held|proceedings)\b",
            r"^minutes?:?\s+[^.;]{0,80}\bheld\b",
            r"^(?:[a-z]+\s+){0,4}(?:conference|hearing|proceedings)\s+held\b",
            r"^minute\s+entry\s+for\b",
        ),
        (
            "Minute Entry for proceedings held before Judge Gregory H. Woods: Telephone Conference held on 3/30/2021. (Court Reporter present) (wv)",
            "MINUTES: Scheduling Conference held before Judge S. James Otero. Last day to amend or add parties 5/10/2006. Discovery cut-off 10/16/2006.",
            "Pretrial Conference held before Judge Shira A. Scheindlin . (jp) (Entered: 04/25/2000)",
        ),
        unless=(
            r"\bsettlement\s+(?:was\s+)?reached\b|\bnegotiations\s+were\s+successful\b|\bcase\s+(?:has\s+)?settled\b",
            r"^(?:\*?redacted\*?\s+)?transcript\b",
        ),
    ),
    _row(
        "settlement_reached",
        "settlement_notice",
        (
            r"^(?:joint\s+)?notice\s+of\s+(?:proposed\s+)?settlement\b",
            r"\bsettlement\s+(?:was\s+|has\s+been\s+)?reached\b|\bnegotiations\s+were\s+successful\b",
        ),
        (
            "NOTICE of Settlement , Joint by Ethan Autrey (Lowery, Courtney)",
            "Minute Entry for proceedings held before Magistrate Judge Karen Wells Roby: Settlement Conference held on 11/22/2011. Negotiations were successful and a settlement was reached.",
        ),
        unless=r"\bunable\s+to\s+(?:negotiate|reach)\b",
        on="text",
    ),
    _row(
        "date_set",
        "date_set",
        (
            r"^(?:~?util\s*-\s*)?(?:set/reset|set|reset)\s+(?:deadlines|hearings|motion)",
            r"^(?:\d\s*-\s*)?terminate\s+(?:deadlines|hearings)",
            r"^(?:clerk'?s\s+)?notice\s+(?:of\s+)?(?:hearing|setting|docket\s+call|scheduling|initial\s+pretrial|of\s+initial)",
            r"^notice\s+(?:of\s+)?(?:hearing\s+date|(?:scheduling|status)\s+conference)|^notice\s+[^.;]{0,40}\bset\s+for\b",
            r"^(?:[a-z0-9.-]+\s+){0,8}?(?:hearing|conference|trial|argument|docket\s+call)\s+(?:is\s+)?(?:hereby\s+)?(?:set|reset|scheduled|rescheduled|continued|adjourned|cancel+ed|vacated)\b",
            r"^(?:order\s+)?(?:setting|resetting)\s+(?:a\s+)?(?:hearing|scheduling\s+conference|status\s+conference|conference|trial)",
            r"^order\s+setting\s+hearing\s+on\s+motion|^order\s+for\s+initial\s+pretrial\s+conference",
            r"^(?:first|subsequent)\s+mediation\s+conference|^mediation\s+conference\s+(?:not\s+held|scheduled)",
            r"^notice\s+of\s+correction\s+re\s+\d+\s+notice\s+of\s+hearing",
            r"^(?:in\s+light\s+of\b[^.;]{0,80}\b(?:conference|hearing)\b[^.;]{0,80}\b(?:cancel+ed|vacated|adjourned))",
            r"^motions?\s+to\s+dismiss\s+and\s+motion\s+for\s+\w+\s+hearing\s+set",
            r"^motion\s+hearing\s+set\b",
            r"^(?:electronic\s+)?notice\s+setting\s+hearing",
            r"^notice\s+of\s+motion\s+by\b[^.;]{0,120}\bpresentment\b",
        ),
        (
            "Set/Reset Deadlines: Responses due by 2/4/2022. (mml) (Entered: 01/21/2022)",
            "~Util - Set Hearings",
            "1 - Terminate Deadlines and Hearings",
            "NOTICE of Hearing. Scheduling Conference set for 2/19/2009 10:30 AM before courtroom deputy by telephone, by Clerk.",
            "CLERKS NOTICE SETTING ZOOM HEARING. Motion Hearing set for 1/19/2023 02:00 PM in Oakland, - Videoconference Only before Judge Jon S. Tigar.",
            "Notice of Hearing Date set for August 30, 2019 re 22 MOTION to Dismiss for Failure to State a Claim (Kelley, Matthew)",
            "ORDER SETTING SCHEDULING CONFERENCE: Counsel are hereby notified that a Scheduling Conference has been set for Monday, April 10, 2006 at 8:30 a.m.",
            "SUBSEQUENT MEDIATION CONFERENCE. Mediation Conference scheduled for 7/12/2021 at 11:00 AM by video conference.(rpr)",
            "Order Setting Hearing on Motion",
            "ORDER Telephone Scheduling Conference reset for 9/10/2009 10:45 AM before case manager. Signed by Judge Helen G. Berrigan on 8/18/09.",
            "ORDER Settlement Conference set for 5/4/2010 09:30 AM before Magistrate Judge Sally Shushan.",
        ),
        unless=r"^(?:(?:consent|joint|unopposed)\s+)*(?:letter\s+)?motion\b",
    ),
    _row(
        "order_moving_a_date",
        "date_set",
        (
            _ORDER
            + r"""[^;]{0,200}?\b(?:hearing|conference|trial|docket\s+call)s?\b[^;]{0,80}?\b(?:is\s+|are\s+|be\s+)?(?:hereby\s+)?
                  (?:set|reset|continued|adjourned|rescheduled|vacated|cancel+ed|will\s+be\s+on\s+the\s+briefs)\b""",
            _ORDER
            + r"""[^;]{0,40}?\b(?:granting|grants)\b[^;]{0,40}?\bmotion\s+(?:to|for)\s+(?:continue|adjourn|pre[- ]?motion\s+conference)""",
            _ORDER
            + r"[^;]{0,60}?\b(?:a\s+|the\s+)?(?:status|settlement|scheduling|pre[- ]?motion|initial\s+pretrial|telephone)\s+conference\s+(?:is\s+|has\s+been\s+)?(?:scheduled|set)\b",
            _ORDER
            + r"[^;]{0,60}?\b(?:settlement|telephone\s+scheduling|scheduling|status)\s+conference\s+(?:set|reset)\s+for\b",
            _ORDER
            + r"[^;]{0,400}?\b(?:the\s+court\s+will\s+hold|the\s+parties\s+shall\s+appear\s+for)\s+a\s+(?:tele)?(?:conference|pre\s*motion\s+conference)",
            _ORDER
            + r"[^;]{0,80}?\bon\s+\d{1,2}/\d{1,2}/\d{4}\s+at\s+[\d:]+\s*[ap]\.?m\.?\s+there\s+shall\s+be\b",
            r"^minutes:[^;]{0,200}\b(?:vacates|hearing\s+date\s+is\s+vacated)",
        ),
        (
            "Magistrate Judge Katherine A. Robertson: ELECTRONIC ORDER entered granting 28 Motion to Continue the 2/7/2018 Motion Hearing. Hearing continued to 3/6/2018 at 11:30 A.M.",
            "TEXT ORDER: A status conference is scheduled for February 13, 2024, at 2:00 p.m. For the conference, please dial 973-437-5535.",
            "ORDER granting 11 Motion to Adjourn Conference. The Pre Motion Conference previously scheduled for September 30, 2015 is hereby adjourned to October 14, 2015 at 1:30 P.M.",
            "ORDER - that the pretrial conference previously set for May 11, 2010, at 9:30 a.m. and the trial set for June 1, 2010, are CONTINUED to be reset, if appropriate, after the pending motions have been resolved.",
            "MINUTES: The parties are advised that plaintiff's motion for leave to amend complaint, scheduled for hearing on 6/12/06, is taken under submission. Accordingly, the hearing date is vacated.",
            "LETTER ORDER Pursuant to Local Civil Rule 16.1. On 5/8/2023 at 10:30 AM there shall be an Initial Scheduling Conference before Magistrate Judge Jose R. Almonte, etc.",
        ),
        on="text",
        unless=r"^order\s+denying\b|\bden(?:ied|ying|ies)\b[^.;]{0,60}\b(?:adjourn|continu)|\bapplication\s+to\s+adjourn\b[^.;]{0,60}\bdenied\b",
    ),
    # ------------------------------------------------------------------ service, counsel, pleadings
    _row(
        "summons_and_service",
        "summons",
        (
            r"^(?:\d+\s+day\s+|e-gov\s+sealed\s+|electronic\s+|proposed\s+|alias\s+)?summons\b",
            r"^(?:request\s+for\s+issuance\s+of\s+summons|proof\s+of\s+service|waiver\s+of\s+service|return\s+of\s+service|affidavit\s+of\s+service)",
            r"^notice\s+and\s+acknowledgement\s+of\s+service\s+of\s+summons",
            r"^summons\s+returned\s+executed$|^affidavit\s+of\s+service\b",
        ),
        (
            "SUMMONS Returned Executed by CATALYST PHARMACEUTICALS, INC., SERB SA. ANNORA PHARMA PRIVATE LIMITED served on 3/13/2023, answer due 4/3/2023.",
            "WAIVER OF SERVICE Returned Executed; waiver sent to Best Chevrolet Inc on 12/8/2008, answer due 2/6/2009. (Wilson, John)",
            "REQUEST FOR ISSUANCE OF SUMMONS as to Hornblower New York, LLC, re: 1 Complaint. Document filed by Lenny Molina.",
            "AFFIDAVIT of Service for Complaint for declaratory judgment; and summons served on Matthew Brent Gifford on 12/30/08, filed by West American Insurance Company.",
        ),
    ),
    _row(
        "counsel",
        "appearance",
        (
            r"^(?:notice\s+of\s+(?:attorney\s+)?appearance|attorney\s+appearance)\b",
            r"\bpro\s+hac\s+vice\b",
            r"^(?:order\s+on\s+)?motion\s+to\s+withdraw\s+as\s+(?:attorney|counsel)|^notice\s+(?:of\s+withdrawal\s+of\s+(?:counsel|attorney)|to\s+be\s+terminated\s+and\s+withdraw)",
            r"^~?util\s*-\s*add\s+and\s+terminate\s+attorneys|^notice\s+by\s+[^.;]{0,80}\bof\s+change\s+of\s+lead\s+counsel|^(?:notice\s+of\s+)?substitution\s+of\s+(?:counsel|attorney)",
            r"^notice\s+of\s+motion\s+and\s+motion\s+to\s+withdraw\b",
        ),
        (
            "NOTICE of Appearance by DMITRY V. SHELHOFF on behalf of All Defendants (SHELHOFF, DMITRY) (Entered: 03/02/2023)",
            "ORDER granting 14 Motion for Leave to Appear Pro Hac Vice as to Attorneys ADAM C. LAROCK, JOSEPHINE KIM. Signed by Magistrate Judge Jose R. Almonte on 3/23/2023.",
            "Order on Motion to Withdraw as Attorney",
        ),
        unless=r"^(?:received|payment|fld\s+receipt|remark\s+from\s+cashiers)",
    ),
    _row(
        "answer",
        "answer",
        (
            r"^(?:[a-z0-9.,'&() -]{0,200}?'s\s+)?(?:first\s+|second\s+)?(?:amended\s+)?answer\b(?!\s+due)",
        ),
        (
            "ANSWER to 1 Complaint with JURY DEMAND. Document filed by Hornblower Cruises and Events, LLC, Hornblower Group, Inc.",
            "Yahoo's ANSWER to Complaint with Jury Demand and Affirmative Defenses, COUNTERCLAIM against CREATIVE INTERNET ADVERTISING CORPORATION by Yahoo! Inc.",
            "Answer to Crossclaim",
        ),
        unless=r"^(?:order|motion|\w+\s+motion)\b",
    ),
    # ------------------------------------------------------------------ what the parties file
    _row(
        "brief",
        "brief",
        (
            r"""^(?:(?:joint|supplemental|amended|corrected|letter|first|second|counter|cross|redacted|sealed)\s+){0,3}(?:memorandum(?!\s+(?:and|&)\s+(?:opinion|order))(?:\s+of\s+law)?\s+(?:in|of|by|to)|memorandum\s+by|
                  (?:letter\s+)?response\b|reply\b|opposition\b|brief\b|sur-?reply|objections?\s+to|
                  markman\s+(?:opening|response)\s+brief|original\s+appeal\s+brief|appeal\s+from\s+the\s+\d+\s+report)""",
            r"^memorandum\s+of\s+law\s+in\s+(?:support|opposition)|^reply\s+memorandum|^brief\s+in\s+support$",
            r"^memorandum$|^memorandum\s+in\s+repsonse",
        ),
        (
            "OPPOSITION to MOTION for Leave to to amend complaint 24 filed by defendants' Daffy's Inc. (bp, ) (Entered: 05/30/2006)",
            "Memorandum in Support re 22 MOTION to Dismiss for Failure to State a Claim filed by Dow Jones & Company, Inc..",
            "Reply Memorandum of Law in Support of Motion",
        ),
    ),
    _row(
        "motion",
        "motion",
        (
            _MOTION,
            r"""^(?:extension\s+of\s+time(?:\s+to\s+[\w/ ]{1,40})?|adjourn\s+conference|discovery|compel|strike|preclude|in\s+limine|
                  conference|leave\s+to\s+file\s+document|appear\s+by\s+telephone)$""",
            r"^(?:redacted\s+(?:document|public\s+version)\b[^.;]{0,40}\bmotion|appeal\s+of\s+magistrate\s+judge\s+decision|complaint/brief\s+in\s+support\s+of\s+plaintiff's\s+motion)",
            r"^request/statement\s+of\s+oral\s+argument",
            r"^motion\s+for\s+attorney\s+fees\b",
        ),
        (
            "EXPARTE/CONSENT MOTION to Continue Trial by Best Chevrolet Inc, Donald Clay. (Attachments: # 1 Memorandum in Support)",
            "LETTER MOTION to Adjourn Conference addressed to Judge Gregory H. Woods from Ryan E. Dempsey dated February 17, 2021.",
            "Extension of Time to File Answer",
        ),
        unless=r"^(?:motions?\s*\(s\)\s+referred|motions\s+no\s+longer\s+referred)",
    ),
    # ------------------------------------------------------------------ what the court does
    _row(
        "order",
        "order",
        (
            _ORDER,
            r"""^(?:report\s+and\s+recommendations?|findings\s+of\s+fact|general\s+order|protective\s+order|stipulation\s+and\s+order|
                (?:initial\s+)?standing\s+order|discovery\s+confidentiality\s+order|confidentiality\s+agreement\s+and\s+order|
                status\s+report\s+order|pretrial\s+order|mediation\s+referral\s+order|document\s+endorsed|memo\s+endorsement|
                cou?rt\s+order|order(?:\s*\(other\))?)\b""",
            r"^minutes:",
        ),
        (
            "ORDER granting 2 Motion for Leave to Proceed in forma pauperis. Signed by Magistrate Judge Sally Shushan on 8/22/08.",
            "REPORT AND RECOMMENDATIONS regarding 31 MOTION to Dismiss for Failure to State a Claim filed by Ricky Babin.",
            "Memo Endorsement",
            "Order(Other)",
        ),
        unless=r"^order\s+of\s+usca\b|^(?:usca|clerk)\s+order\b",
    ),
)
_ORDERING: Final = (
    "fairness_hearing_set",
    "preliminary_approval",
    "final_approval",
    "notice_of_appeal",
    "mandate",
    "date_set",
    "order_on_class_certification",
    "motion_for_class_certification",
    "order_on_summary_judgment",
    "motion_for_summary_judgment",
    "order_on_motion_to_dismiss",
    "motion_to_dismiss",
    "scheduling_order",
    "trial_schedule_order",
    "hearing_held",
    "settlement_reached",
    "order_moving_a_date",
    "summons_and_service",
    "counsel",
    "answer",
    "brief",
    "motion",
    "order",
)
_BY_NAME = {r.name: r for r in _TABLE}
assert sorted(_BY_NAME) == sorted(_ORDERING), "every row is placed exactly once"
ROWS: tuple[Row, ...] = tuple(_BY_NAME[n] for n in _ORDERING)
"""The ordered rows; the first that applies decides (the table above groups them by topic)."""
_DECIDING_ORDERS: Final = frozenset(
    {
        "preliminary_approval",
        "final_approval",
        "order_on_class_certification",
        "order_on_summary_judgment",
        "order_on_motion_to_dismiss",
    }
)
"""Rows whose class beats a dismissal or judgment read by the status classifier."""


# --------------------------------------------------------------------------- the status reading first

_MANDATE_HEAD = _rx(r"^(?:usca\s+judgment\s+issued\s+as\s+mandate|mandate\b)")
_STATUS_CLASS: Final[dict[str, EntryClass]] = {
    "case.filed": "complaint",
    "complaint.amended": "amended_complaint",
    "case.dismissed": "dismissal",
    "case.settled": "dismissal",
    "judgment.entered": "judgment",
    "case.transferred": "transfer",
    "case.remanded": "remand",
    "case.stayed": "stay",
    "stay.lifted": "stay_lifted",
    "case.reopened": "reopening",
    "case.closed": "termination",
    "entry.stricken": "stricken",
}
_OWN_ERROR = _rx(
    r"^(?:filing\s+error|(?:entered|filed|docketed)\s+in\s+error|\**\s*deleted\s+document|clerk'?s\s+quality\s+control\s+message\b[^.;]{0,120}\bdocketed\s+in\s+error)"
)
_TRANSFER_IN = _rx(r"\btransfer(?:red)?\b|\bmdl\b")
_SETTLEMENT_NOTICE_TYPES = ("case.settled",)


def _by_status(event_type: EventType, settlement_closes: bool, body: str) -> EntryReading | None:
    head = body[:_HEAD_LENGTH]
    if event_type == "docket.entry":
        return None
    if event_type == "case.filed" and _TRANSFER_IN.search(head) and "complaint" not in head:
        return EntryReading("transfer", "status:case.filed:transfer_in")
    if event_type == "case.reopened" and _MANDATE_HEAD.search(head):
        return None  # a mandate that reverses and remands is a mandate
    if event_type in _SETTLEMENT_NOTICE_TYPES and not settlement_closes:
        return EntryReading("settlement_notice", "status:case.settled:notice")
    if event_type in ("case.dismissed", "judgment.entered") and any(
        _BY_NAME[n].applies(body) for n in _DECIDING_ORDERS
    ):
        return None  # an order granting a dispositive motion: its outcome is the news
    return EntryReading(_STATUS_CLASS[event_type], f"status:{event_type}")


def classify_entry(
    text: str,
    event_name: str | None = None,
    document_number: int | None = None,
    *,
    event_type: EventType | None = None,
    settlement_closes_case: bool = True,
    inferred: bool = False,
) -> EntryReading:
    """The class of one docket entry, with the outcome of an order and the entries it cites.

    ``event_type`` is the status reading of the same entry (what
    :func:`services.core.classify.classify` said, with its
    ``settlement_closes_case`` and whether it was ``inferred``, i.e. of
    ``medium`` confidence); it is computed when not given. An inferred status
    reading (a bare "Stipulation and Order") does not decide the class: the
    words are read as they stand. Never raises; unknown phrasing is ``other``.
    """
    words = _norm(text)
    name = _norm(event_name)
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1].strip()
    if event_type is None:
        c = classify(text, event_name, document_number)
        event_type, settlement_closes_case = c.type, c.settlement_closes_case
        inferred = c.confidence == "medium"
    if inferred:
        event_type = "docket.entry"
    reading = _read(words, document_number, event_type, settlement_closes_case)
    if reading.entry_class == "other" and name and name.lower() != words.lower():
        named = _read(name, document_number, "docket.entry", True)
        if named.entry_class != "other":
            return EntryReading(
                named.entry_class,
                f"event_name:{named.rule}",
                named.outcome,
                reading.cites or named.cites,
            )
    return reading


def _read(
    words: str, document_number: int | None, event_type: EventType, settlement_closes: bool
) -> EntryReading:
    body = _body(words)
    cites = citations(body, document_number)
    if _OWN_ERROR.search(body[:_HEAD_LENGTH]):
        return EntryReading("stricken", "marked_in_error", cites=cites)
    by_status = _by_status(event_type, settlement_closes, body)
    if by_status is not None:
        return EntryReading(by_status.entry_class, by_status.rule, cites=cites)
    for row in ROWS:
        if row.applies(body):
            outcome = (
                outcome_of(body, _MOTION_KIND[row.entry_class])
                if row.entry_class in ORDER_CLASSES
                else None
            )
            return EntryReading(row.entry_class, row.name, outcome, cites)
    return EntryReading("other", "default", cites=cites)


def decided_by(text: str, event_type: EventType = "docket.entry") -> str:
    """The name of the row that decides ``text`` (for tests and explanations)."""
    return classify_entry(text, event_type=event_type).rule
