"""A realistic, deterministic federal civil docket workload.

``iter_entries(n_cases, seed)`` yields every docket entry of ``n_cases``
synthetic civil cases in filing-date order across cases (as a court's feed or a
bulk docket export would deliver them), each entry in the court's own phrasing;
``iter_events`` turns them into real :mod:`schemas.events` events through the
same path the ingesters use (:func:`services.core.classify.classify`, then
:func:`services.core.build.build_event`), so classification is part of the
cost of ingest.

Determinism: case ``i`` draws everything from ``random.Random(seed, i)``-style
integer seeding (no hash randomisation, no wall clock); docket sequence numbers
come from a counter walked in case order. The same ``(n_cases, seed)`` always
gives the same bytes (``tests/unit/test_bench_workload.py``).

How a case ends (the ``OUTCOMES`` weights)
------------------------------------------
Modelled on the Federal Judicial Center's Integrated Database (IDB) of civil
terminations and the Administrative Office's *Judicial Business* table C-4
("civil cases terminated, by nature of suit and action taken"), for private
non-prisoner civil cases. The IDB's ``DISP`` codes and their usual order of
magnitude there: voluntary dismissals (code 12) and settlements (13) together
are the majority of terminations; dismissals by the court (want of prosecution
2, lack of jurisdiction 3, other 14) are next; judgments (default 4, consent 5,
motion before trial 6) are a minority and trials (7, 8, 9) about 1 %;
transfers (0, 10) and remands (1) a few percent each. The weights below are
rounded approximations of those proportions, not a copy of any year's table;
re-derive them from the IDB (``DISP`` field) when precision matters. About a
tenth of the cases are still pending when the window ends.

Shape of a docket
-----------------
The median civil docket has a few dozen entries; short ones (early voluntary
dismissal) have a handful, litigated ones (summary judgment, trial) one to two
hundred. ``_middle_size`` draws the number of "ordinary" entries (motions,
orders, scheduling, discovery, notices) from a log-normal whose median depends
on how the case ends; the generated mean is ~25 entries per case, like the
dockets in ``../shared/data/juriscraper/dockets`` (median 8, mean 26 there,
including criminal and tiny dockets).

Other life-cycle features and their rates (per case): amended complaints
(~30 %: a first, sometimes a second), class action complaints (~4 %), removal
from state court (~8 %), stays (~7 %, most later lifted), notice of settlement
before the closing order (~70 % of settled cases), notices of appeal (~15 % of
judgments and court dismissals), reopenings (~3 % of closed cases, closed again
later), partial dismissals (~6 %), administrative closings (~1 %), and the
classifier's traps (motions "denied as moot", "terminated" motions).

Texts are written from templates modelled on the phrasing of real PACER
dockets (upper-case event names, ``Signed by Judge ... on M/D/YYYY``,
``(Attachments: # 1 ...)``, ``(Entered: MM/DD/YYYY)``); no real entry is copied.
Encoded events are 300-800 bytes (the envelope with the case header plus the
text), like events built from real dockets.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from schemas.codec import encode_event
from schemas.events import CaseInfo, DocketEvent, Entry, EventType
from services.core.build import build_event
from services.core.classify import CLASSIFIER_VERSION, classify
from services.core.docket_numbers import make_case_id
from services.core.ids import entry_key

SOURCE = "docketline/ingest/bench"
WINDOW_START = dt.date(2016, 1, 4)
WINDOW_DAYS = 8 * 365

# --------------------------------------------------------------------------- proportions

OUTCOMES: tuple[tuple[str, float], ...] = (
    ("voluntary_dismissal", 0.19),  # Rule 41(a)(1)(A)(i) notice           (IDB 12)
    ("stipulated_dismissal", 0.12),  # Rule 41(a)(1)(A)(ii) stipulation    (IDB 12)
    ("settled", 0.17),  # order of dismissal upon settlement               (IDB 13)
    ("court_dismissal", 0.15),  # 12(b)(6), jurisdiction, want of prosecution (IDB 2, 3, 14)
    ("default_judgment", 0.04),  # (IDB 4)
    ("consent_judgment", 0.02),  # (IDB 5)
    ("summary_judgment", 0.05),  # motion before trial                   (IDB 6)
    ("trial_judgment", 0.01),  # jury verdict / court trial                (IDB 7, 9)
    ("transferred", 0.035),  # 28 U.S.C. 1404(a) / 1406                    (IDB 0)
    ("mdl_transfer", 0.015),  # JPML transfer order                       (IDB 10)
    ("remanded", 0.04),  # 28 U.S.C. 1447(c)                              (IDB 1)
    ("administrative_closing", 0.01),  # (IDB 18)
    ("pending", 0.10),  # still open (or stayed) at the end of the window
)
"""How cases end; weights sum to 1 (see the module docstring for the sources)."""

OUTCOME_NAMES: tuple[str, ...] = tuple(name for name, _ in OUTCOMES)
_OUTCOME_WEIGHTS: tuple[float, ...] = tuple(w for _, w in OUTCOMES)

# The status an outcome leaves a case in, when the classifier reads it right.
FINAL_STATUS: dict[str, str] = {name: "closed" for name in OUTCOME_NAMES}
FINAL_STATUS["pending"] = "open"

# Median number of ordinary entries by outcome, and the spread (log-normal sigma).
_MIDDLE_MEDIAN: dict[str, float] = {
    "voluntary_dismissal": 5,
    "stipulated_dismissal": 16,
    "settled": 18,
    "court_dismissal": 14,
    "default_judgment": 6,
    "consent_judgment": 10,
    "summary_judgment": 45,
    "trial_judgment": 90,
    "transferred": 7,
    "mdl_transfer": 5,
    "remanded": 7,
    "administrative_closing": 10,
    "pending": 20,
}
_MIDDLE_SIGMA = 0.7
_MIDDLE_MAX = 220

P_AMENDED = 0.30
P_SECOND_AMENDED = 0.25  # of those amended once
P_CLASS_ACTION = 0.04
P_REMOVAL = 0.08
P_STAY = 0.07
P_STAY_LIFTED = 0.85
P_SETTLEMENT_NOTICE = 0.70
P_APPEAL = 0.15
P_REOPEN = 0.03
P_PARTIAL_DISMISSAL = 0.06

# --------------------------------------------------------------------------- vocabulary

COURTS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    # court id, divisional offices, relative civil caseload (approximate)
    ("nysd", (1,), 9.0),
    ("cacd", (2, 5, 8), 8.0),
    ("txsd", (4, 2, 7), 6.0),
    ("flsd", (0, 1, 9), 6.0),
    ("ilnd", (1,), 6.0),
    ("njd", (2, 3), 6.0),
    ("edpa", (2, 5), 5.0),
    ("cand", (3, 4, 5), 5.0),
    ("nyed", (1, 2), 5.0),
    ("txnd", (3, 4), 4.0),
    ("gand", (1,), 4.0),
    ("mad", (1, 3), 3.0),
    ("mied", (2, 4), 3.0),
    ("laed", (2,), 3.0),
    ("wawd", (2, 3), 2.0),
    ("azd", (2, 4), 2.0),
    ("cod", (1,), 2.0),
    ("vaed", (1, 2, 3), 2.0),
    ("mnd", (0,), 2.0),
    ("ohnd", (1, 5), 2.0),
)
_COURT_WEIGHTS = tuple(w for _, _, w in COURTS)

NATURES_OF_SUIT: tuple[tuple[str, str, str, float], ...] = (
    # nature of suit, cause, jurisdiction, weight
    ("190 Contract: Other", "28:1332 Diversity-Breach of Contract", "Diversity", 8),
    ("110 Insurance", "28:1332 Diversity-Insurance Contract", "Diversity", 5),
    ("360 P.I.: Other", "28:1332 Diversity-Personal Injury", "Diversity", 5),
    ("365 Personal Inj. Prod. Liability", "28:1332 Diversity-Product Liability", "Diversity", 6),
    ("442 Civil Rights: Jobs", "42:2000e Job Discrimination (Employment)", "Federal Question", 8),
    ("440 Civil Rights: Other", "42:1983 Civil Rights Act", "Federal Question", 8),
    (
        "445 Civil Rights: Americans with Disabilities - Employment",
        "42:12101 Americans with Disabilities Act",
        "Federal Question",
        3,
    ),
    (
        "446 Civil Rights: Americans with Disabilities - Other",
        "42:12182 Americans with Disabilities Act (Public Accommodations)",
        "Federal Question",
        5,
    ),
    ("710 Labor: Fair Standards", "29:201 Fair Labor Standards Act", "Federal Question", 7),
    ("791 Labor: E.R.I.S.A.", "29:1132 E.R.I.S.A.-Employee Benefits", "Federal Question", 4),
    ("480 Consumer Credit", "15:1692 Fair Debt Collection Act", "Federal Question", 6),
    (
        "485 Telephone Consumer Protection Act (TCPA)",
        "47:227 Telephone Consumer Protection Act",
        "Federal Question",
        3,
    ),
    ("830 Patent", "35:271 Patent Infringement", "Federal Question", 3),
    ("820 Copyright", "17:501 Copyright Infringement", "Federal Question", 3),
    ("840 Trademark", "15:1114 Trademark Infringement (Lanham Act)", "Federal Question", 2),
    ("370 Other Fraud", "28:1332 Diversity-Fraud", "Diversity", 3),
    ("890 Other Statutory Actions", "28:1331 Federal Question: Other", "Federal Question", 6),
    ("850 Securities/Commodities", "15:78m(a) Securities Exchange Act", "Federal Question", 2),
    ("375 False Claims Act", "31:3729 False Claims Act", "Federal Question", 1),
    (
        "863 Social Security: DIWC/DIWW",
        "42:405 Review of HHS Decision (DIWC)",
        "U.S. Government Defendant",
        4,
    ),
)
_NOS_WEIGHTS = tuple(w for *_, w in NATURES_OF_SUIT)

_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Maria",
    "Daniel",
    "Karen",
    "Matthew",
    "Nancy",
    "Anthony",
    "Lisa",
    "Mark",
    "Betty",
    "Donald",
    "Sandra",
    "Steven",
    "Ashley",
    "Andrew",
    "Kimberly",
    "Kenneth",
    "Emily",
    "Joshua",
    "Donna",
    "Kevin",
    "Michelle",
    "Brian",
    "Carol",
    "George",
    "Amanda",
    "Timothy",
    "Melissa",
    "Ronald",
    "Deborah",
    "Jorge",
    "Sonia",
    "Wei",
    "Mei",
    "Rajesh",
    "Priya",
]
_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Okafor",
    "Kowalski",
    "Chen",
    "Patel",
    "Schneider",
    "Dubois",
    "Rossi",
    "Murphy",
    "Sullivan",
    "O'Brien",
    "Fitzgerald",
    "Castillo",
    "Delgado",
    "Novak",
]
_CO_HEAD = [
    "Acme",
    "Apex",
    "Atlas",
    "Beacon",
    "Blue",
    "Ridge",
    "Cardinal",
    "Cedar",
    "Coastal",
    "Crescent",
    "Delta",
    "Eagle",
    "Evergreen",
    "Frontier",
    "Granite",
    "Harbor",
    "Heartland",
    "Horizon",
    "Keystone",
    "Liberty",
    "Lighthouse",
    "Meridian",
    "Northstar",
    "Pinnacle",
    "Pioneer",
    "Summit",
    "Sterling",
    "Redwood",
    "Riverside",
    "Silverline",
    "Titan",
    "Union",
    "Vanguard",
    "Westfield",
]
_CO_TAIL = (
    "Logistics",
    "Health Systems",
    "Financial Services",
    "Insurance Company",
    "Motors",
    "Technologies",
    "Foods",
    "Property Management",
    "Credit Union",
    "Adjusters",
    "Pharmaceuticals",
    "Hospitality Group",
    "Security Services",
    "Energy Partners",
    "Telecom",
    "Retail Stores",
)
_CO_FORM = ("Inc.", "LLC", "Corp.", "Co.", "L.P.", "Holdings, Inc.")
_AGENCIES = (
    "Commissioner of Social Security",
    "City of Springfield",
    "County of Riverside",
    "State Department of Corrections",
    "Board of Education",
)
_STATE_COURTS = (
    "Superior Court of California, County of Los Angeles",
    "Supreme Court of the State of New York, County of Kings",
    "District Court of Harris County, Texas",
    "Circuit Court of Cook County, Illinois",
    "Circuit Court of the Eleventh Judicial Circuit, Miami-Dade County",
    "Superior Court of New Jersey, Law Division",
)
_TRANSFEREE = (
    ("Northern District of California", "cand"),
    ("Southern District of New York", "nysd"),
    ("District of Delaware", "ded"),
    ("Eastern District of Texas", "txed"),
    ("Northern District of Illinois", "ilnd"),
    ("District of New Jersey", "njd"),
)


def _person(rng: random.Random) -> str:
    first = rng.choice(_FIRST)
    middle = f" {chr(65 + rng.randrange(26))}." if rng.random() < 0.3 else ""
    return f"{first}{middle} {rng.choice(_LAST)}"


def _company(rng: random.Random) -> str:
    return f"{rng.choice(_CO_HEAD)} {rng.choice(_CO_TAIL)}, {rng.choice(_CO_FORM)}"


def _us(d: dt.date) -> str:
    return f"{d.month}/{d.day}/{d.year}"


def _entered(d: dt.date) -> str:
    return f"(Entered: {d.month:02d}/{d.day:02d}/{d.year})"


def _clerk(rng: random.Random) -> str:
    return (
        "(" + "".join(chr(97 + rng.randrange(26)) for _ in range(rng.choice((2, 3, 3, 4)))) + ", )"
    )


# --------------------------------------------------------------------------- planned entries


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    """One docket entry of a generated case, in the court's words.

    ``kind`` is the generator's own label (what the entry *is*); ``expected``
    is the event type a correct classifier assigns to it (used to report the
    classifier's agreement, never to build the event).
    """

    date: dt.date
    document_number: int | None
    sequence: int
    kind: str
    expected: EventType
    text: str
    event_name: str | None = None


@dataclass(frozen=True, slots=True)
class CasePlan:
    index: int
    case: CaseInfo
    case_id: str
    outcome: str
    entries: tuple[PlannedEntry, ...]


class _Docket:
    """Accumulates a case's entries: document numbers, dates and PACER sequence numbers."""

    def __init__(self, rng: random.Random, filed: dt.date, judge: str, magistrate: str, plaintiff: str,
                 defendant: str, p_lawyer: str, d_lawyer: str) -> None:  # fmt: skip
        self.rng = rng
        self.date = filed
        self.doc = 0
        self.seq = 0
        self.entries: list[PlannedEntry] = []
        self.judge = judge
        self.magistrate = magistrate
        self.plaintiff = plaintiff
        self.defendant = defendant
        self.p_lawyer = p_lawyer
        self.d_lawyer = d_lawyer

    def advance(self, mean_days: float) -> dt.date:
        if mean_days > 0:
            self.date += dt.timedelta(days=max(0, round(self.rng.expovariate(1.0 / mean_days))))
        return self.date

    def add(self, kind: str, text: str, *, expected: EventType = "docket.entry", numbered: bool = True,
            event_name: str | None = None) -> int | None:  # fmt: skip
        self.seq += 1
        doc: int | None = None
        if numbered:
            self.doc += 1
            doc = self.doc
        entered = self.date + dt.timedelta(days=self.rng.choice((0, 0, 0, 1, 1, 2, 3)))
        full = f"{text} {_clerk(self.rng) if self.rng.random() < 0.5 else self._filer()} {_entered(entered)}"
        self.entries.append(
            PlannedEntry(self.date, doc, self.seq, kind, expected, full, event_name)
        )
        return doc

    def _filer(self) -> str:
        """ECF's filer stamp: ``(Last, First)`` of the filing attorney."""
        names = self.rng.choice((self.p_lawyer, self.d_lawyer)).split(" ")
        return f"({names[-1]}, {names[0]})"

    def signed(self, magistrate: bool = False) -> str:
        who = f"Magistrate Judge {self.magistrate}" if magistrate else f"Judge {self.judge}"
        return f"Signed by {who} on {_us(self.date)}."


def _middle_size(rng: random.Random, outcome: str) -> int:
    median = _MIDDLE_MEDIAN[outcome]
    n = round(math.exp(math.log(median) + rng.gauss(0.0, _MIDDLE_SIGMA)))
    return max(1, min(_MIDDLE_MAX, n))


def _ordinary(d: _Docket, open_motions: list[tuple[int, str]]) -> None:
    """One ordinary entry: motions and their orders, scheduling, discovery, notices."""
    rng = d.rng
    d.advance(9)
    roll = rng.random()
    p, dfd = d.plaintiff, d.defendant
    if roll < 0.22:
        what, by = rng.choice(
            (
                ("MOTION for Extension of Time to File Answer re 1 Complaint", dfd),
                ("MOTION for Extension of Time to Complete Discovery", p),
                ("Joint MOTION for Protective Order", p),
                ("MOTION to Compel Discovery Responses", p),
                (
                    "MOTION for Leave to Appear Pro Hac Vice Filing fee $ 150, receipt number 0"
                    + str(rng.randrange(100000, 999999)),
                    dfd,
                ),
                ("MOTION to Dismiss for Failure to State a Claim", dfd),
                ("MOTION to Continue Scheduling Conference", dfd),
                ("MOTION for Leave to File Excess Pages", p),
                ("MOTION to Seal Document", dfd),
            )
        )
        attach = (
            "(Attachments: # 1 Memorandum in Support, # 2 Proposed Order)"
            if rng.random() < 0.6
            else ""
        )
        doc = d.add("motion", f"{what} by {by}. {attach}".strip())
        assert doc is not None
        open_motions.append((doc, what.split(" Filing fee")[0]))
    elif roll < 0.42 and open_motions:
        doc, what = open_motions.pop(rng.randrange(len(open_motions)))
        verdict = rng.random()
        if verdict < 0.62:
            text = f"ORDER granting {doc} {what}. {d.signed(rng.random() < 0.4)}"
        elif verdict < 0.84:
            text = f"ORDER denying {doc} {what}. {d.signed(rng.random() < 0.4)}"
        elif verdict < 0.94:  # classifier trap: a motion mooted is not the case ending
            text = f"ORDER finding as moot {doc} {what}; the motion is DENIED AS MOOT in light of the amended pleading. {d.signed()}"
        else:  # trap: "terminated" motion
            text = f"***MOTION TERMINATED: {doc} {what}, terminated as moot per the Court's order. {d.signed()}"
        d.add("order_on_motion", text, numbered=rng.random() < 0.7)
    elif roll < 0.52:
        conf = d.date + dt.timedelta(days=rng.randrange(20, 120))
        d.add(
            "scheduling_order",
            f"SCHEDULING ORDER: Final Pretrial Conference set for {_us(conf)} 09:30 AM before Judge {d.judge}. "
            f"Discovery due by {_us(conf - dt.timedelta(days=45))}. Dispositive motions due by "
            f"{_us(conf - dt.timedelta(days=30))}. {d.signed()}",
        )
    elif roll < 0.62:
        d.add(
            "minute_entry",
            f"Minute Entry for proceedings held before Magistrate Judge {d.magistrate}: Telephone Status Conference held on "
            f"{_us(d.date)}. Counsel for all parties present. Discovery is proceeding.",
            numbered=False,
        )
    elif roll < 0.70:
        lawyer = rng.choice((d.p_lawyer, d.d_lawyer))
        side = d.plaintiff if lawyer == d.p_lawyer else d.defendant
        d.add("appearance", f"NOTICE of Appearance by {lawyer} on behalf of {side}")
    elif roll < 0.77:
        d.add(
            "discovery",
            f"CERTIFICATE OF SERVICE by {rng.choice((p, dfd))} of Initial Disclosures, First Set of Interrogatories "
            "and First Request for Production of Documents",
        )
    elif roll < 0.83:
        d.add(
            "status_report",
            f"Joint STATUS REPORT by {p}, {dfd}. The parties continue to confer regarding discovery.",
        )
    elif roll < 0.88:
        d.add(
            "letter",
            f"LETTER addressed to Judge {d.judge} from {d.d_lawyer} dated {_us(d.date)} re: request for a pre-motion "
            f"conference. Document filed by {dfd}.",
        )
    elif roll < 0.93:
        d.add(
            "response",
            f"RESPONSE in Opposition re pending motion filed by {rng.choice((p, dfd))}. (Attachments: # 1 Exhibit A, # 2 Exhibit B)",
        )
    elif roll < 0.97:
        d.add(
            "deadline",
            f"Set/Reset Deadlines: Responses due by {_us(d.date + dt.timedelta(days=14))}. Replies due by {_us(d.date + dt.timedelta(days=21))}.",
            numbered=False,
        )
    else:
        d.add(
            "protective_order",
            f"STIPULATED PROTECTIVE ORDER governing the exchange of confidential material. {d.signed(True)}",
        )


def _close(d: _Docket, outcome: str) -> None:
    """The entry (or entries) that end the case, as clerks phrase them."""
    rng = d.rng
    d.advance(20)
    dfd = d.defendant
    if outcome == "voluntary_dismissal":
        prejudice = rng.choices(("without prejudice", "with prejudice", ""), (0.7, 0.2, 0.1))[0]
        d.add(
            "voluntary_dismissal",
            f"NOTICE OF VOLUNTARY DISMISSAL {prejudice} pursuant to Fed. R. Civ. P. 41(a)(1)(A)(i) by {d.plaintiff}".replace(
                "  ", " "
            ),
            expected="case.dismissed",
            event_name="Notice of Voluntary Dismissal",
        )
        if rng.random() < 0.5:
            d.advance(3)
            d.add(
                "clerk_close",
                "Case closed per Notice of Voluntary Dismissal. Terminated parties.",
                numbered=False,
                expected="case.dismissed",
            )
    elif outcome == "stipulated_dismissal":
        doc = d.add(
            "stipulated_dismissal",
            f"STIPULATION of Dismissal with Prejudice pursuant to Fed. R. Civ. P. 41(a)(1)(A)(ii) by {d.plaintiff}, {dfd}. Each party to bear its own costs and attorneys' fees.",
            expected="case.dismissed",
        )
        d.advance(4)
        d.add(
            "order_stipulated_dismissal",
            f"ORDER granting {doc} Stipulation of Dismissal. This action is DISMISSED with prejudice. The Clerk is directed to close the case. {d.signed()}",
            expected="case.dismissed",
        )
    elif outcome == "settled":
        days = rng.choice((30, 45, 60))
        d.add(
            "settlement_dismissal",
            f"ORDER OF DISMISSAL UPON SETTLEMENT. The Court having been advised that this action has been settled, IT IS ORDERED that this action is DISMISSED "
            f"without costs and without prejudice to the right, upon good cause shown within {days} days, to reopen the action if settlement is not consummated. {d.signed()}",
            expected="case.settled",
        )
    elif outcome == "court_dismissal":
        why = rng.choices(
            (
                (
                    "for failure to state a claim",
                    "with prejudice",
                    "MEMORANDUM OPINION AND ORDER granting Motion to Dismiss. Plaintiff's claims are DISMISSED",
                ),
                (
                    "for lack of subject matter jurisdiction",
                    "without prejudice",
                    "ORDER granting Motion to Dismiss. This action is DISMISSED",
                ),
                (
                    "for failure to prosecute",
                    "without prejudice",
                    "ORDER OF DISMISSAL. Plaintiff has failed to respond to the Order to Show Cause; this action is DISMISSED",
                ),
            ),
            (0.55, 0.2, 0.25),
        )[0]
        d.add(
            "court_dismissal",
            f"{why[2]} {why[0]} {why[1]}. The Clerk shall close this case. {d.signed()}",
            expected="case.dismissed",
        )
    elif outcome in ("default_judgment", "consent_judgment", "summary_judgment", "trial_judgment"):
        if outcome == "default_judgment":
            d.add("clerk_default", f"Clerk's ENTRY OF DEFAULT as to {dfd}.", numbered=True)
            d.advance(30)
            text = f"DEFAULT JUDGMENT in favor of {d.plaintiff} against {dfd} in the amount of ${rng.randrange(5, 900) * 1000:,}.00, plus post-judgment interest. {d.signed()}"
        elif outcome == "consent_judgment":
            text = f"CONSENT JUDGMENT AND PERMANENT INJUNCTION entered as to {dfd}. {d.signed()}"
        elif outcome == "summary_judgment":
            winner = rng.choice((dfd, d.plaintiff))
            d.add(
                "sj_opinion",
                f"MEMORANDUM OPINION AND ORDER granting Motion for Summary Judgment filed by {winner}. {d.signed()}",
            )
            d.advance(2)
            text = f"FINAL JUDGMENT in favor of {winner}. It is ORDERED that judgment is entered pursuant to Fed. R. Civ. P. 58. {d.signed()}"
        else:
            d.add(
                "verdict",
                f"JURY VERDICT in favor of {rng.choice((dfd, d.plaintiff))}. Jury Trial completed on {_us(d.date)}.",
            )
            d.advance(3)
            text = f"JUDGMENT on the jury verdict. It is ORDERED AND ADJUDGED that judgment is entered in accordance with the verdict. {d.signed()}"
        d.add(outcome, text, expected="judgment.entered")
    elif outcome == "transferred":
        court, _ = rng.choice(_TRANSFEREE)
        d.add(
            "transfer_order",
            f"ORDER granting Motion to Transfer Case pursuant to 28 U.S.C. 1404(a). This case is TRANSFERRED to the {court}. {d.signed()}",
            expected="case.transferred",
        )
        d.advance(3)
        d.add(
            "transfer_clerk",
            f"Interdistrict transfer to the {court}. Case transferred electronically.",
            numbered=False,
            expected="case.transferred",
        )
    elif outcome == "mdl_transfer":
        mdl = rng.randrange(2700, 3150)
        d.add(
            "mdl_transfer",
            f"CONDITIONAL TRANSFER ORDER (CTO-{rng.randrange(1, 90)}) from the Judicial Panel on Multidistrict Litigation transferring this action to "
            f"the {rng.choice(_TRANSFEREE)[0]} for coordinated or consolidated pretrial proceedings in MDL No. {mdl}.",
            expected="case.transferred",
        )
    elif outcome == "remanded":
        d.add(
            "remand",
            f"ORDER granting Motion to Remand. This action is REMANDED to the {rng.choice(_STATE_COURTS)} pursuant to 28 U.S.C. 1447(c). {d.signed()}",
            expected="case.remanded",
        )
    elif outcome == "administrative_closing":
        d.add(
            "administrative_closing",
            f"ORDER ADMINISTRATIVELY CLOSING CASE pending resolution of the related bankruptcy proceeding of {dfd}. Any party may move to reopen. {d.signed()}",
            expected="case.closed",
        )
    else:  # pragma: no cover - pending has no closing entry
        raise ValueError(outcome)


def _plan(rng: random.Random, index: int, court: str, office: int, nos: str, cause: str, jurisdiction: str,
          outcome: str, docket_seq: int, filed: dt.date) -> CasePlan:  # fmt: skip
    plaintiff = _person(rng)
    if nos.startswith("863"):
        defendant = _AGENCIES[0]
    elif nos.startswith("440") and rng.random() < 0.5:
        defendant = rng.choice(_AGENCIES[1:])
    else:
        defendant = _company(rng)
    defendants = [defendant] + ([_company(rng)] if rng.random() < 0.3 else [])
    class_action = rng.random() < P_CLASS_ACTION
    removal = rng.random() < P_REMOVAL and not nos.startswith("863")
    case_name = f"{plaintiff.split(' ')[-1]} v. {defendant}"
    docket_number = f"{office}:{filed.year % 100:02d}-cv-{docket_seq:05d}"
    case = CaseInfo(
        court_id=court,
        docket_number=docket_number,
        case_name=case_name,
        nature_of_suit=nos,
        cause=cause,
        jurisdiction=jurisdiction,
        date_filed=filed,
        parties=(plaintiff, *defendants),
        class_action=class_action or None,
    )
    d = _Docket(
        rng, filed, _person(rng), _person(rng), plaintiff, defendant, _person(rng), _person(rng)
    )
    # -- opening
    receipt = f"receipt number 0{rng.randrange(100, 999)}-{rng.randrange(1000000, 9999999)}"
    against = ", ".join(defendants)
    if removal:
        d.add(
            "removal",
            f"NOTICE OF REMOVAL from {rng.choice(_STATE_COURTS)}, case number {rng.randrange(10, 24)}-CV-{rng.randrange(1000, 99999)} "
            f"(Filing fee $ 405, {receipt}) filed by {defendant}. (Attachments: # 1 Exhibit A - State Court Pleadings, # 2 Civil Cover Sheet)",
            expected="case.filed",
            event_name="Notice of Removal",
        )
    elif class_action:
        d.add(
            "class_action_complaint",
            f"CLASS ACTION COMPLAINT with Jury Demand against {against} (Filing fee $ 405, {receipt}) filed by {plaintiff}, "
            "individually and on behalf of all others similarly situated. (Attachments: # 1 Civil Cover Sheet, # 2 Summons)",
            expected="case.filed",
            event_name="Complaint",
        )
    else:
        jury = " with Jury Demand" if rng.random() < 0.6 else ""
        d.add(
            "complaint",
            f"COMPLAINT{jury} against {against} (Filing fee $ 405, {receipt}) filed by {plaintiff}. "
            "(Attachments: # 1 Civil Cover Sheet, # 2 Proposed Summons)",
            expected="case.filed",
            event_name="Complaint",
        )
    d.add(
        "assignment",
        f"Case assigned to Judge {d.judge} and referred to Magistrate Judge {d.magistrate}.",
        numbered=False,
    )
    if not removal:
        d.add("summons", f"Summons Issued as to {against}.")
    if rng.random() < 0.6 and defendant not in _AGENCIES:
        d.advance(12)
        d.add(
            "disclosure",
            f"Corporate Disclosure Statement by {defendant} identifying no parent corporation and no publicly held corporation owning 10% or more of its stock.",
        )

    # -- middle: ordinary entries, amended complaints, a stay
    n_middle = _middle_size(rng, outcome)
    amended = 0
    if rng.random() < P_AMENDED:
        amended = 2 if rng.random() < P_SECOND_AMENDED else 1
    amend_at = sorted(rng.randrange(0, n_middle + 1) for _ in range(amended))
    stay_at = rng.randrange(0, n_middle + 1) if rng.random() < P_STAY else None
    lifted = rng.random() < P_STAY_LIFTED
    partial_at = (
        rng.randrange(0, n_middle + 1)
        if rng.random() < P_PARTIAL_DISMISSAL and len(defendants) > 1
        else None
    )
    open_motions: list[tuple[int, str]] = []
    ordinal = ("First", "Second", "Third")
    n_amended = 0
    for i in range(n_middle + 1):
        while amend_at and amend_at[0] == i:
            amend_at.pop(0)
            d.advance(25)
            d.add(
                "amended_complaint",
                f"{ordinal[n_amended].upper()} AMENDED COMPLAINT{' - CLASS ACTION' if class_action else ''} against {against} filed by {plaintiff}. "
                "(Attachments: # 1 Exhibit A, # 2 Redline Comparison)",
                expected="complaint.amended",
                event_name="Amended Complaint",
            )
            n_amended += 1
        if stay_at == i:
            d.advance(15)
            mdoc = d.add(
                "stay_motion",
                f"MOTION to Stay Case pending resolution of related proceedings by {defendant}.",
            )
            d.advance(14)
            d.add(
                "stay",
                f"ORDER granting {mdoc} Motion to Stay. This action is STAYED pending further order of the Court. The parties shall file a joint status report every 90 days. {d.signed()}",
                expected="case.stayed",
            )
            if lifted or outcome != "pending":
                d.advance(120)
                d.add(
                    "stay_lifted",
                    f"ORDER LIFTING STAY. The stay entered in this action is hereby lifted and the case is restored to the active docket. {d.signed()}",
                    expected="stay.lifted",
                )
        if partial_at == i:
            d.advance(20)
            d.add(
                "partial_dismissal",
                f"ORDER granting in part Motion to Dismiss. All claims against {defendants[-1]} are DISMISSED with prejudice; the claims against {defendant} shall proceed. {d.signed()}",
                expected="case.dismissed",
            )
        if i < n_middle:
            _ordinary(d, open_motions)

    # -- the end
    if outcome == "settled" and rng.random() < P_SETTLEMENT_NOTICE:
        d.advance(20)
        d.add(
            "settlement_notice",
            f"NOTICE of Settlement by {plaintiff}. The parties have reached a settlement in principle and request that all deadlines be vacated.",
            expected="case.settled",
        )
    if outcome != "pending":
        _close(d, outcome)
        if (
            outcome in ("court_dismissal", "summary_judgment", "trial_judgment")
            and rng.random() < P_APPEAL
        ):
            d.advance(25)
            loser = (
                plaintiff if outcome == "court_dismissal" else rng.choice((plaintiff, defendant))
            )
            d.add(
                "appeal",
                f"NOTICE OF APPEAL to the U.S. Court of Appeals by {loser}. Filing fee $ 605, {receipt}.",
                event_name="Notice of Appeal",
            )
        elif (
            outcome in ("settled", "voluntary_dismissal", "court_dismissal")
            and rng.random() < P_REOPEN
        ):
            d.advance(60)
            mdoc = d.add(
                "reopen_motion",
                f"MOTION to Reopen Case by {plaintiff}; the settlement was not consummated.",
            )
            d.advance(10)
            d.add(
                "reopen",
                f"ORDER granting {mdoc} Motion to Reopen Case. The Clerk is directed to REOPEN this action. {d.signed()}",
                expected="case.reopened",
            )
            for _ in range(rng.randrange(2, 8)):
                _ordinary(d, open_motions)
            _close(d, "stipulated_dismissal")
    case_id = make_case_id(court, docket_number)
    return CasePlan(
        index=index, case=case, case_id=case_id, outcome=outcome, entries=tuple(d.entries)
    )


# --------------------------------------------------------------------------- the stream


def iter_plans(n_cases: int, seed: int, seq_base: int = 0) -> Iterator[CasePlan]:
    """Case plans in filing-date order; docket numbers unique per court, office and year.

    ``seq_base`` shifts every docket sequence number, so two workloads with
    different bases never share a case id (e.g. the latency phase's live cases).
    """
    counters: dict[tuple[str, int, int], int] = {}
    for index in range(n_cases):
        rng = random.Random(seed * 1_000_003 + index)
        court, offices, _ = rng.choices(COURTS, _COURT_WEIGHTS)[0]
        office = rng.choice(offices)
        nos, cause, jurisdiction, _ = rng.choices(NATURES_OF_SUIT, _NOS_WEIGHTS)[0]
        outcome = rng.choices(OUTCOME_NAMES, _OUTCOME_WEIGHTS)[0]
        filed = WINDOW_START + dt.timedelta(days=(index * WINDOW_DAYS) // max(n_cases, 1))
        key = (court, office, filed.year)
        counters[key] = counters.get(key, 0) + 1
        yield _plan(
            rng,
            index,
            court,
            office,
            nos,
            cause,
            jurisdiction,
            outcome,
            seq_base + counters[key],
            filed,
        )


@dataclass(frozen=True, slots=True)
class GeneratedEntry:
    plan: CasePlan
    entry: PlannedEntry


def iter_entries(n_cases: int, seed: int, seq_base: int = 0) -> Iterator[GeneratedEntry]:
    """Every entry of every case, ordered by (entry date, case index, position in the docket).

    Streams: only the cases still active at the current date are in memory.
    """
    heap: list[tuple[dt.date, int, int, PlannedEntry, CasePlan]] = []
    for plan in iter_plans(n_cases, seed, seq_base):
        start = plan.entries[0].date
        while heap and heap[0][0] < start:
            _, _, _, entry, p = heapq.heappop(heap)
            yield GeneratedEntry(p, entry)
        for pos, entry in enumerate(plan.entries):
            heapq.heappush(heap, (entry.date, plan.index, pos, entry, plan))
    while heap:
        _, _, _, entry, p = heapq.heappop(heap)
        yield GeneratedEntry(p, entry)


def to_event(g: GeneratedEntry) -> DocketEvent:
    """The docket event an ingester would publish for this entry (classified, built, validated)."""
    e = g.entry
    entry = Entry(
        entry_key=entry_key(
            g.plan.case_id,
            document_number=e.document_number,
            date_filed=e.date,
            pacer_seq_no=e.sequence,
            text=e.text,
        ),
        date_filed=e.date,
        date_entered=e.date,
        document_number=e.document_number,
        sequence=e.sequence,
        text=e.text,
        event_name=e.event_name,
        pacer_seq_no=e.sequence,
        source_ref=f"bench:{g.plan.index}/{e.sequence}",
    )
    c = classify(entry.text, entry.event_name, entry.document_number)
    time = dt.datetime.combine(e.date, dt.time(9 + e.sequence % 9, (e.sequence * 7) % 60), dt.UTC)
    return build_event(
        g.plan.case, entry, c, source=SOURCE, classifier_version=CLASSIFIER_VERSION, time=time
    )


def iter_events(n_cases: int, seed: int, seq_base: int = 0) -> Iterator[DocketEvent]:
    for g in iter_entries(n_cases, seed, seq_base):
        yield to_event(g)


def iter_records(
    n_cases: int,
    seed: int,
    *,
    seq_base: int = 0,
    limit: int | None = None,
    part: int = 0,
    parts: int = 1,
) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) Kafka records: key = case_id, value = the encoded event.

    ``part``/``parts`` select every ``parts``-th entry starting at ``part`` (to
    build the stream in several processes; interleaving the parts in order gives
    exactly the serial stream).
    """
    for n, g in enumerate(iter_entries(n_cases, seed, seq_base)):
        if limit is not None and n >= limit:
            return
        if n % parts != part:
            continue
        ev = to_event(g)
        yield ev.subject.encode(), encode_event(ev)


def cases_for_events(n_events: int, seed: int) -> int:
    """How many cases give at least ``n_events`` entries (plans are cheaper than events)."""
    n_cases = max(1, int(n_events / MEAN_ENTRIES_PER_CASE_ESTIMATE))
    while True:
        total = sum(len(p.entries) for p in iter_plans(n_cases, seed))
        if total >= n_events:
            return n_cases
        n_cases = int(n_cases * n_events / max(total, 1) * 1.02) + 1


MEAN_ENTRIES_PER_CASE_ESTIMATE = 24.0


def write_jsonl(path: Path, records: Iterable[tuple[bytes, bytes]]) -> int:
    """Write event values one per line (the native JSONL ingest format); returns the count."""
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for _, value in records:
            out.write(value)
            out.write(b"\n")
            n += 1
    return n
