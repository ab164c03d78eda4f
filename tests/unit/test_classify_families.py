"""Families of docket phrasing the held-out dockets showed, each with its negative twin.

Issue 11 measured the classifier on federal civil dockets it had never seen and
found whole families of phrasing missed or misread. Each test here pins one
family with real phrasing (the shared-data file is named where the words come
from; "CM/ECF form" marks the standard wording of a CM/ECF event) and, beside
it, the twin that must read differently: the motion vs. the order granting it,
the stay of discovery vs. the stay of the case, the dismissal of one defendant
of two vs. of the whole action. Pure: no shared data is read.
"""

from __future__ import annotations

import pytest

from services.core.classification import Classification
from services.core.classify import classify


def c(text: str, name: str | None = None, doc: int | None = None) -> Classification:
    return classify(text, name, doc)


def closes(x: Classification) -> bool:
    """Whether the fold would close the case on this reading."""
    if x.type in ("case.dismissed", "judgment.entered"):
        return x.scope == "whole"
    if x.type == "case.settled":
        return x.settlement_closes_case
    return x.type in ("case.transferred", "case.remanded", "case.closed")


# --------------------------------------------------------------------------- (a) the probe's false closing and opening


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 24 Joint Motion to Stay Discovery pending resolution of the Motion to Dismiss. Signed by Judge Amos L. Mazzant on 3/2/2021.",
        "ORDER GRANTING JOINT MOTION TO STAY DISCOVERY PENDING RESOLUTION OF DEFENDANTS' MOTION TO DISMISS",
        "ORDER granting 31 Motion to Stay Discovery Pending Ruling on 18 MOTION to Dismiss for Failure to State a Claim",
        "ORDER: The joint motion to stay discovery pending resolution of the motion to dismiss is GRANTED.",
        "ORDER granting 15 Motion to Stay all deadlines pending the Court's decision on the motion to dismiss",
    ],
)
def test_stay_of_discovery_pending_a_motion_to_dismiss_neither_dismisses_nor_stays_the_case(text: str) -> None:
    x = c(text)
    assert x.type == "docket.entry", (x.type, x.rule)


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 12 Motion to Dismiss for Failure to State a Claim. This case is DISMISSED. Signed by Judge Amos L. Mazzant.",
        "ORDER granting 18 Defendant's Motion to Dismiss; the complaint is dismissed with prejudice.",
    ],
)
def test_its_twin_the_order_granting_the_motion_to_dismiss_dismisses(text: str) -> None:
    x = c(text)
    assert (x.type, x.scope) == ("case.dismissed", "whole")


@pytest.mark.parametrize(
    "text",
    [
        "ORDER creating MDL No. 3047 and transferring 5 actions to the Northern District of California for coordinated or consolidated pretrial proceedings",
        "TRANSFER ORDER - Creating MDL No. 2992 and transferring 4 action(s) to the Southern District of New York. Signed by Judge Karen K. Caldwell, Chair",
        "ORDER centralizing MDL No. 3060 in the Northern District of Illinois and transferring 12 actions",
    ],
)
def test_the_panel_creating_an_mdl_is_neither_an_opening_nor_a_transfer_out(text: str) -> None:
    for doc in (None, 7):
        x = c(text, None, doc)
        assert x.type == "docket.entry", (doc, x.type, x.rule)


def test_its_twins_the_mdl_court_first_paper_and_this_action_transferred() -> None:
    # cand_263146.json [1]: the MDL court's own docket starts with the Panel's order
    first = c(
        "TRANSFER ORDER from Judicial Panel on Multi District Litigation, pursuant to 28 U.S.C. 1407, that the action is transferred to the Northern District of California creating MDL No. 2420",
        None,
        1,
    )
    assert (first.type, first.opening) == ("case.filed", "transfer_in")
    out = c(
        "CERTIFIED COPY OF TRANSFER ORDER from the Judicial Panel on Multidistrict Litigation transferring this action to the Northern District of California, MDL No. 3047",
        None,
        14,
    )
    assert (out.type, out.mdl) == ("case.transferred", True)
