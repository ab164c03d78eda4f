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
        "ORDER setting briefing schedule on the motion to dismiss. The motion to dismiss is granted leave to exceed page limits.",
        "ORDER: Defendants' motion to dismiss is granted an extension of time for the reply.",
        "ORDER granting 31 Motion to Stay Discovery Pending Ruling on 18 MOTION to Dismiss for Failure to State a Claim",
        "ORDER: The joint motion to stay discovery pending resolution of the motion to dismiss is GRANTED.",
        "ORDER granting 15 Motion to Stay all deadlines pending the Court's decision on the motion to dismiss",
    ],
)
def test_stay_of_discovery_pending_a_motion_to_dismiss_neither_dismisses_nor_stays_the_case(
    text: str,
) -> None:
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


# --------------------------------------------------------------------------- (b) the families of item 3


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        (
            "ORDER granting 15 Motion for Default Judgment. Signed by Judge Kimba M. Wood on 3/1/2022.",
            None,
            "default",
        ),
        (
            "DEFAULT JUDGMENT. Signed by Judge Kimba M. Wood on 3/2/2022. (Civil Case Terminated)",
            None,
            "default",
        ),
        ("", "Default Judgment", "default"),  # RSS event name
        ("CONSENT DECREE. Signed by Judge Ann Aldrich on 5/4/2019.", None, "consent"),
        ("CONSENT JUDGMENT. Signed by Judge Freda L. Wolfson on 1/2/2020.", None, "consent"),
        ("STIPULATED JUDGMENT. Signed by Judge X.", None, "consent"),
        ("AGREED FINAL JUDGMENT. Signed by Judge X.", None, "consent"),
        ("CONSENT ORDER AND FINAL JUDGMENT. Signed by Judge X.", None, "consent"),
        (
            "CONSENT DECREE AND PERMANENT INJUNCTION against Defendants. Signed by Judge X.",
            None,
            "consent",
        ),
        (
            "ORDER granting 40 Motion to Enter Consent Decree; the Consent Decree is approved and entered.",
            None,
            "consent",
        ),
        ("FINAL JUDGMENT AND PERMANENT INJUNCTION. Signed by Judge X.", None, "other"),
        (
            "ORDER OF PERMANENT INJUNCTION. The Clerk shall close this case. Signed by Judge X.",
            None,
            "other",
        ),
        (
            "JUDGMENT ON JURY VERDICT in favor of defendant Acme. Signed by Judge X.",
            None,
            "verdict",
        ),
        (
            "JUDGMENT entered on the verdict in favor of defendants and against plaintiff.",
            None,
            "verdict",
        ),
        ("CLERK'S JUDGMENT in favor of defendant. (Case closed)", None, "clerk"),
        ("JUDGMENT BY THE CLERK pursuant to Rule 58.", None, "clerk"),
        ("", "Clerk's Judgment", "clerk"),
    ],
)
def test_judgments_of_every_kind_close_the_case(text: str, name: str | None, kind: str) -> None:
    x = c(text, name)
    assert (x.type, x.judgment, x.scope) == ("judgment.entered", kind, "whole"), x.rule


@pytest.mark.parametrize(
    "text",
    [
        "MOTION for Default Judgment as to Acme Widgets, Inc. by John Doe. (Attachments: # 1 Proposed Order)",
        "Clerk's ENTRY OF DEFAULT as to Acme Widgets, Inc.",
        "CLERK'S ENTRY OF DEFAULT against Acme.",
        "ORDER denying 15 Motion for Default Judgment. Signed by Judge Kimba M. Wood.",
        "REPORT AND RECOMMENDATION re 15 Motion for Default Judgment",
        "NOTICE of Lodging Proposed Consent Decree by United States of America",
        "MOTION to Enter Consent Decree by United States of America",
        "Letter from Defendant Anora Pharma Private Limited, et al., re consent order on briefing schedule.",  # njd_509180.json [69]
        "CONSENT ORDER granting extension of time to answer. Signed by Judge X.",
        "ORDER granting 20 Motion for Preliminary Injunction. Signed by Judge X.",
        "MOTION for Permanent Injunction by Acme",
        "JURY VERDICT in favor of Plaintiff.",
        "Minute Entry for Jury Trial completed on 5/5/2020. Jury returned verdict for defendant.",
    ],
)
def test_their_twins_requests_defaults_and_verdicts_are_not_judgments(text: str) -> None:
    assert c(text).type == "docket.entry", c(text).rule


def test_permanent_injunction_granted_by_order_is_a_medium_confidence_judgment() -> None:
    x = c("ORDER granting 20 Motion for Permanent Injunction. Signed by Judge X.")
    assert (x.type, x.confidence) == ("judgment.entered", "medium")
    y = c("ORDER OF PERMANENT INJUNCTION. The Clerk shall close this case. Signed by Judge X.")
    assert y.confidence == "high"  # the entry itself says the case ends


@pytest.mark.parametrize(
    ("text", "days"),
    [
        (
            "ORDER OF DISMISSAL: The Court having been advised that the action has been settled, it is ORDERED that this action is DISMISSED without prejudice to the right to reopen within 60 days if settlement is not consummated.",
            60,
        ),
        (
            "ORDER: The Court having been advised by counsel that this action has been settled, IT IS ORDERED that this action is hereby dismissed and discontinued without costs, and without prejudice to the right to reopen the action within thirty (30) days if the settlement is not consummated.",
            30,
        ),
        (
            "ORDER: the action is dismissed without prejudice to reopening within sixty days upon a showing that settlement was not consummated.",
            60,
        ),
        (
            "Order of Conditional Dismissal: The parties having settled, the action is conditionally dismissed; any party may move to reopen within 45 days.",
            45,
        ),
    ],
)
def test_settlement_dismissal_with_a_reopening_window_closes_and_records_the_window(
    text: str, days: int
) -> None:
    x = c(text)
    assert closes(x) and x.type == "case.settled"
    assert x.reopen_within_days == days
    assert (
        x.prejudice == "unknown"
    )  # "without prejudice to the right to reopen" is not a dismissal's prejudice


def test_its_twin_an_order_to_file_dismissal_papers_is_only_a_settlement_notice() -> None:
    x = c(
        "ORDER: the parties having reported that the case has settled, the parties shall file a stipulation of dismissal within 30 days."
    )
    assert (x.type, x.settlement_closes_case) == ("case.settled", False)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("", "Stipulation and Order"),  # nyed_1.xml event names
        ("Stipulation and Order", None),
        (
            "STIPULATION AND ORDER. Signed by Judge Joan M. Azrack on 4/2/2018. (Ramsay, Heather)",
            None,
        ),
    ],
)
def test_a_bare_stipulation_and_order_is_a_medium_dismissal_that_needs_a_settlement(
    text: str, name: str | None
) -> None:
    x = c(text, name)
    assert (x.type, x.dismissal, x.confidence, x.closes_after_settlement) == (
        "case.dismissed",
        "stipulated",
        "medium",
        True,
    )


def test_its_twins_a_stipulation_and_order_that_says_what_it_does() -> None:
    assert (
        c("STIPULATION AND ORDER extending time to answer. Signed by Judge X.").type
        == "docket.entry"
    )
    x = c(
        "STIPULATION AND ORDER OF DISCONTINUANCE: This action is discontinued, with prejudice"
    )  # nyed.json
    assert (x.type, x.confidence, x.closes_after_settlement) == ("case.dismissed", "high", False)


def test_a_settlement_conference_held_is_a_settlement_notice_and_a_failed_one_is_not() -> None:
    held = c(
        "Minute Entry for proceedings held before Magistrate Judge Peggy Kuo: Settlement Conference held on 3/3/2018."
    )
    assert (held.type, held.settlement_closes_case) == ("case.settled", False)
    assert (
        c("Minute Entry: Settlement Conference held on 3/3/2018. Settlement not reached.").type
        == "docket.entry"
    )
    # a pre-settlement conference is a scheduling call (nysd_4.json), so a later bare
    # "Stipulation and Order" must not read as the settlement's dismissal
    pre = "Minute Entry for proceedings held before Magistrate Judge Ona T. Wang: Pre-Settlement Conference held on 10/19/2022."
    assert c(pre).type == "docket.entry"
    assert c("Pre Settlement Conference held on 10/19/2022.").type == "docket.entry"


@pytest.mark.parametrize(
    "text",
    [
        "ORDER STAYING CASE pending arbitration.",
        "ORDER: The stay is extended for an additional 90 days. The parties shall file a joint status report by 6/1/2021.",
        "ORDER: This case shall remain stayed pending the resolution of the appeal.",
        "ORDER continuing stay. Signed by Judge X.",
        "ORDER granting 30 Joint Motion to Extend Stay. Signed by Judge X.",
        "ORDER granting 30 Motion to Stay Case pending inter partes review. Signed by Judge X.",
        "ORDER staying case; all discovery is stayed pending further order. Signed by Judge X.",
    ],
)
def test_stays_and_their_renewals_stay_the_case(text: str) -> None:
    assert c(text).type == "case.stayed", c(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 30 Motion to Stay Discovery. Signed by Judge X.",
        "ORDER staying all deadlines for 30 days. Signed by Judge X.",
        "ORDER: discovery in this case is stayed pending the Rule 16 conference.",
        "ORDER: the stay of discovery is extended to 6/1/2021.",
        "MOTION to Stay by Acme",
        "ORDER denying 30 Motion to Extend Stay. Signed by Judge X.",
    ],
)
def test_their_twins_a_stay_of_discovery_or_deadlines_is_not_a_case_stay(text: str) -> None:
    assert c(text).type == "docket.entry", c(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER lifting stay. Signed by Judge X.",
        "ORDER: The stay entered on 3/1/2021 is LIFTED. Signed by Judge X.",
        "The stay having expired, the case is restored to the active docket.",
        "ORDER: the stay is dissolved. Signed by Judge X.",
        "ORDER granting 31 Motion to Lift Stay. Signed by Judge X.",
    ],
)
def test_stays_lifted_by_order_or_by_their_condition(text: str) -> None:
    assert c(text).type == "stay.lifted", c(text).rule


def test_its_twins_a_motion_to_lift_and_a_lifted_discovery_stay() -> None:
    assert c("MOTION to Lift Stay by Acme").type == "docket.entry"
    assert c("ORDER: the stay of discovery is lifted.").type == "docket.entry"


@pytest.mark.parametrize(
    "text",
    [
        "ORDER remanding case to the Commissioner of Social Security for further proceedings pursuant to sentence four of 42 U.S.C. 405(g). Signed by Judge X.",
        "JUDGMENT: the decision of the Commissioner is REVERSED and the case is REMANDED pursuant to sentence four of 42 U.S.C. 405(g).",
        "ORDER granting 14 Consent Motion to Remand to Agency. Signed by Judge X.",
        "Order AND Stipulation and Order of Remand to SSA",  # nyed_1.xml
    ],
)
def test_sentence_four_remand_to_the_agency_closes(text: str) -> None:
    x = c(text)
    assert (x.type, x.remand_to) == ("case.remanded", "agency"), x.rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER remanding this case pursuant to sentence six of 42 U.S.C. 405(g). The Court retains jurisdiction. Signed by Judge X.",
        "ORDER: this matter is remanded to the Commissioner pursuant to sentence six of 42 U.S.C. § 405(g) for consideration of new evidence.",
    ],
)
def test_its_twin_a_sentence_six_remand_stays_the_case(text: str) -> None:
    x = c(text)
    assert x.type == "case.stayed", x.rule


def test_a_motion_for_a_sentence_four_remand_is_a_request() -> None:
    assert (
        c(
            "MOTION to Remand to the Commissioner of Social Security pursuant to sentence four by Jane Doe"
        ).type
        == "docket.entry"
    )


def test_mdl_conditional_transfer_out_vs_opposition_to_it() -> None:
    x = c(
        "CONDITIONAL TRANSFER ORDER (CTO-12) transferring case to the Northern District of California MDL No. 2420",
        None,
        30,
    )
    assert (x.type, x.mdl) == ("case.transferred", True)
    assert (
        c("NOTICE OF OPPOSITION to Conditional Transfer Order (CTO-12) by Acme", None, 31).type
        == "docket.entry"
    )


@pytest.mark.parametrize(
    "text",
    [
        "MOTION for Reconsideration re 40 Order on Motion to Dismiss by John Doe",
        "ORDER denying 45 Motion for Reconsideration. Signed by Judge X.",
        "MOTION for New Trial by Acme",
        "ORDER denying 46 Motion for New Trial. Signed by Judge X.",
        "MOTION to Alter or Amend Judgment by John Doe",
        "ORDER denying 47 Motion to Reopen Case. Signed by Judge X.",
        "ORDER granting 48 Motion for Attorney Fees. Signed by Judge X.",
        "BILL OF COSTS by Acme",
        "MANDATE of USCA: the judgment of the district court is AFFIRMED.",
        "USCA ORDER dismissing the appeal for lack of jurisdiction.",
    ],
)
def test_post_judgment_motions_and_appeals_do_not_reopen(text: str) -> None:
    x = c(text)
    assert x.type == "docket.entry", x.rule


def test_notice_of_appeal_is_only_a_flag() -> None:
    x = c("NOTICE OF APPEAL as to 40 Judgment by John Doe. Filing fee $ 505.")
    assert (x.type, x.appeal) == ("docket.entry", True)


@pytest.mark.parametrize(
    "text",
    [
        "MANDATE of USCA as to 50 Notice of Appeal: the judgment of the district court is REVERSED and the case is REMANDED for further proceedings.",
        "USCA JUDGMENT: AFFIRMED in part, REVERSED in part, and REMANDED to the district court for further proceedings.",
    ],
)
def test_mandates_that_reverse_and_remand_reopen(text: str) -> None:
    assert c(text).type == "case.reopened", c(text).rule


# --------------------------------------------------------------------------- (c) "as to X": naming some parties never closes


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 20 Motion to Dismiss as to defendant Acme Corp. Signed by Judge X.",
        "ORDER dismissing claims against Acme Corp. Signed by Judge X.",
        "ORDER granting 20 Motion to Dismiss. Defendant Acme Corp. is dismissed. Signed by Judge X.",
        "NOTICE of Voluntary Dismissal as to Defendant Hetero Labs Limited by CATALYST PHARMACEUTICALS, INC.",
        "NOTICE OF VOLUNTARY DISMISSAL of Defendant Acme Corp. by John Doe",
        "STIPULATION OF DISMISSAL of defendant Acme Corp. with prejudice",
        "ORDER granting 20 Motion to Dismiss; Acme Corp. terminated. Signed by Judge X.",
        "ORDER granting 20 Motion to Dismiss. Party Acme Corp. terminated.",
        "ORDER: This action is DISMISSED as to defendant Acme Corp. only.",
        "NOTICE of Dismissal of Defendant Acme Corp. Only",
        "ORDER granting 30 Stipulation of Dismissal as to defendant Beta LLC.",
        "DEFAULT JUDGMENT as to Acme Widgets, Inc. Signed by Judge X.",
        "ORDER granting 15 Motion for Default Judgment as to defendant Acme Widgets, Inc.",
    ],
)
def test_a_disposal_naming_some_parties_is_partial_and_never_closes(text: str) -> None:
    x = c(text)
    assert x.type in ("case.dismissed", "judgment.entered") and x.scope == "partial", x.rule
    assert not closes(x)


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 20 Motion to Dismiss as to all defendants. Case closed.",
        "ORDER dismissing the complaint as to defendant Acme Corp., the only remaining defendant. The Clerk is directed to close the case.",
        "ORDER granting Motion to Dismiss for Failure to State a Claim. Signed by Judge X.",
        "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
        "ORDER DISMISSING CASE without prejudice. Signed by Judge Helen G. Berrigan",
        "JUDGMENT in favor of plaintiff and against defendant Acme Corp. in the amount of $10,000.",
    ],
)
def test_its_twin_a_whole_action_phrase_or_no_party_qualifier_closes(text: str) -> None:
    x = c(text)
    assert x.scope == "whole" and closes(x), x.rule


def test_a_criminal_sentencing_judgment_still_closes_but_a_bare_judgment_as_to_a_name_does_not() -> (
    None
):
    # mowd.json [31]; txsd_1.json [14]
    assert (
        c(
            "JUDGMENT and COMMITMENT as to Daniel Beshears. Signed by District Judge Nanette K. Laughrey on 4/1/09."
        ).scope
        == "whole"
    )
    assert (
        c(
            "JUDGMENT as to Martin Arias-Hernandez ( Signed by Judge David S Morales) Parties notified."
        ).scope
        == "partial"
    )


@pytest.mark.parametrize(
    "text",
    [
        "CLERK'S JUDGMENT on costs taxed in favor of defendant.",
        "JUDGMENT for attorneys' fees in favor of plaintiff in the amount of $12,000.",
        "ABSTRACT OF JUDGMENT issued.",
        "SATISFACTION OF JUDGMENT by Acme Corp.",
        "WRIT OF EXECUTION issued.",
    ],
)
def test_post_judgment_papers_about_costs_fees_or_collection_are_not_judgments(text: str) -> None:
    assert c(text).type == "docket.entry", c(text).rule


def test_a_stay_or_a_lift_as_to_one_party_is_not_the_cases() -> None:
    assert (
        c(
            "ORDER: In light of the suggestion of bankruptcy, this action is STAYED as to Acme Corp. only."
        ).type
        == "docket.entry"
    )
    assert (
        c("ORDER: Proceedings as to defendant Acme Corp. are stayed pending bankruptcy.").type
        == "docket.entry"
    )
    assert c("ORDER: The stay is lifted as to defendant Beta LLC.").type == "docket.entry"
    assert (
        c("ORDER: all proceedings in this action are stayed until further order.").type
        == "case.stayed"
    )


def test_the_case_dismissed_after_no_amended_complaint_is_whole() -> None:
    x = c(
        "ORDER: Because plaintiff did not file an amended complaint, the case is dismissed with prejudice."
    )
    assert (x.type, x.scope, x.prejudice) == ("case.dismissed", "whole", "with")


# --------------------------------------------------------------------------- (rules-2.5) families the probe of real phrasing still missed


@pytest.mark.parametrize(
    "text",
    [
        "DEFAULT JUDGMENT HEARING set for 5/5/2022 before Judge X.",  # CM/ECF hearing event
        "Default Judgment Hearing held on 3/3/2022 before Judge X.",
        "JUDGMENT DEBTOR EXAMINATION set for 6/1/2022.",
    ],
)
def test_a_hearing_on_a_judgment_is_not_the_judgment(text: str) -> None:
    assert c(text).type == "docket.entry", c(text).rule


def test_its_twin_the_default_judgment_itself_closes() -> None:
    x = c("DEFAULT JUDGMENT entered against defendant Acme Corp. in the amount of $25,000.")
    assert (x.type, x.judgment, x.scope) == ("judgment.entered", "default", "whole")


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 30 Joint Motion for Entry of Consent Judgment. Signed by Judge X.",
        "ORDER approving and entering Consent Decree. Signed by Judge X.",
        "ORDER granting 12 Motion for Approval of Consent Decree. Signed by Judge X.",
    ],
)
def test_an_order_entering_a_consent_judgment_closes_as_a_consent_judgment(text: str) -> None:
    x = c(text)
    assert (x.type, x.judgment, x.scope) == ("judgment.entered", "consent", "whole"), x.rule


@pytest.mark.parametrize(
    "text",
    [
        "JOINT MOTION for Entry of Consent Judgment by Acme Corp.",
        "ORDER denying 15 Motion for Entry of Consent Judgment. Signed by Judge X.",
        "ORDER regarding proposed consent decree: the Court will hold a fairness hearing on 6/1/2022.",
    ],
)
def test_its_twins_the_motion_and_its_denial_are_not(text: str) -> None:
    assert not closes(c(text)), c(text).rule


def test_an_order_denying_an_administrative_closing_closes_nothing() -> None:
    assert c("ORDER denying 12 Motion to Administratively Close Case.").type == "docket.entry"
    x = c("ORDER ADMINISTRATIVELY CLOSING CASE pending arbitration. Signed by Judge X.")
    assert (x.type, x.rule) == ("case.closed", "administrative_closing")


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 33 Motion to Dismiss Third-Party Complaint.",
        "ORDER granting 12 Motion to Dismiss Counter-Complaint.",
        "ORDER dismissing John Doe defendants. Signed by Judge X.",
        "ORDER: Defendants Does 1-10 are dismissed without prejudice.",
        "JOINT STIPULATION of Dismissal of Plaintiff Mary Roe's claims",
        "ORDER dismissing the individual defendants. Signed by Judge X.",
        "ORDER: Plaintiff's claims against Defendant Acme Corp. are dismissed with prejudice. The case remains pending as to the other defendants.",
    ],
)
def test_dismissals_of_third_party_claims_doe_defendants_or_one_plaintiff_are_partial(
    text: str,
) -> None:
    x = c(text)
    assert (x.type, x.scope) == ("case.dismissed", "partial"), x.rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER dismissing the remaining defendants. Signed by Judge X.",
        "ORDER: all claims against all defendants are dismissed. The Clerk shall close the case.",
    ],
)
def test_their_twins_the_remaining_or_every_party_closes(text: str) -> None:
    assert closes(c(text)), c(text).rule


def test_an_order_vacating_a_dismissal_by_entry_number_strikes_it() -> None:
    x = c(
        "ORDER: the Court's prior Order of Dismissal (Doc. 30) is VACATED and the case is reopened."
    )
    assert (x.type, x.targets) == ("entry.stricken", (30,))
    y = c("ORDER: the Order of Dismissal is VACATED and the case is reopened.")
    assert y.type == "case.reopened"
    z = c("ORDER: the hearing on the Order of Dismissal (Doc. 30) is VACATED.")
    assert z.type == "entry.stricken" or not closes(z)


def test_a_brief_docketed_under_the_complaints_name_is_not_an_opening() -> None:
    text = "Complaint/Brief in Support of Plaintiff's MOTION for Preliminary Injunction by Lucas Joseph Roddy. (EDC)"  # lamd.json
    assert c(text).type == "docket.entry"
    assert c(text, doc=1).type == "case.filed", "as the docket's first paper it is the complaint"
    assert c("COMPLAINT against Acme Corp. / Jury Demand by John Doe.").type == "case.filed"


def test_a_reported_settlement_is_a_notice_and_the_remand_transmittal_a_remand() -> None:
    x = c(
        "ORDER: Parties having reported settlement, the parties shall file closing papers within 30 days."
    )
    assert (x.type, x.settlement_closes_case) == ("case.settled", False)
    assert c("Minute entry: the parties reported settlement negotiations are ongoing.").type == (
        "docket.entry"
    )
    y = c("Certified copy of Remand Order mailed to state court. (jd)")
    assert (y.type, y.remand_to) == ("case.remanded", "state_court")
    assert c("MOTION to Remand to State Court by John Doe").type == "docket.entry"


@pytest.mark.parametrize(
    "text",
    [
        "ORDER DISMISSING ACTION as moot. Signed by Judge X.",
        "ORDER: the petition is dismissed as moot.",
        "ORDER OF DISCONTINUANCE. Signed by Judge X.",
    ],
)
def test_an_action_dismissed_as_moot_or_discontinued_by_order_closes(text: str) -> None:
    assert closes(c(text)), c(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER: 20 Motion to Dismiss is DENIED as moot in light of the amended complaint.",
        "ORDER finding as moot 12 MOTION to Dismiss for Failure to State a Claim",
        "In light of the STIPULATION AND ORDER OF DISCONTINUANCE 13 the Status Conference set for 1/6/2016 before Magistrate Judge Peggy Kuo, is cancelled.",  # nyed.json
        "ORDER: all claims against Defendant Smith are DISMISSED. The remaining claims proceed.",
    ],
)
def test_their_twins_a_moot_motion_a_closing_named_as_a_reason_and_a_case_that_goes_on(
    text: str,
) -> None:
    assert not closes(c(text)), c(text).rule


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("", "Order Granting Default Judgment"),  # an RSS event name
        (
            "ORDER granting 15 Application for Default Judgment against Acme Corp. Signed by Judge X.",
            None,
        ),
    ],
)
def test_an_order_granting_default_judgment_without_the_word_motion_closes(
    text: str, name: str | None
) -> None:
    x = c(text, name)
    assert (x.type, x.judgment, x.scope) == ("judgment.entered", "default", "whole"), x.rule


def test_its_twins_the_application_its_denial_and_a_default_judgment_on_liability_only() -> None:
    assert c("APPLICATION for Default Judgment by John Doe").type == "docket.entry"
    assert c("ORDER denying 15 Application for Default Judgment.").type == "docket.entry"
    x = c("ORDER GRANTING DEFAULT JUDGMENT as to liability; damages inquest set for 5/5/2022.")
    assert not closes(x), x.rule


def test_an_interdistrict_transfer_in_opens_and_the_transfer_out_closes() -> None:
    x = c("", "Interdistrict Transfer - In")
    assert (x.type, x.opening) == ("case.filed", "transfer_in")
    assert closes(c("Interdistrict transfer to the District of Oregon."))


@pytest.mark.parametrize(
    "text",
    [
        "ORDER denying 1 Petition for Writ of Habeas Corpus (2254). Signed by Judge X.",
        "ORDER DENYING PETITION for writ of habeas corpus and denying certificate of appealability. Signed by Judge X.",
        "MEMORANDUM OPINION AND ORDER: the petition for a writ of habeas corpus is DENIED and a certificate of appealability will not issue.",
    ],
)
def test_an_order_denying_the_habeas_petition_decides_the_case_on_medium_evidence(
    text: str,
) -> None:
    x = c(text)
    assert (x.type, x.scope, x.confidence) == ("judgment.entered", "whole", "medium"), x.rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER denying 20 Motion for Appointment of Counsel in this habeas case.",
        "ORDER denying 15 Motion to Stay habeas proceedings.",
        "REPORT AND RECOMMENDATION that the petition for writ of habeas corpus be denied.",
        "ORDER denying petitioner's motion for leave to amend the petition for writ of habeas corpus.",
    ],
)
def test_its_twins_motions_in_a_habeas_case_and_a_recommendation_do_not(text: str) -> None:
    assert not closes(c(text)), c(text).rule


def test_a_named_movants_motion_to_dismiss_granted_and_a_stipulated_stay_granted() -> None:
    # the period of "Corp." no longer hides the motion the order grants
    assert closes(c("ORDER granting Defendant Acme Corp.'s 30 Motion to Dismiss."))
    x = c("ORDER granting 44 Stipulation to Stay Case pending mediation.")
    assert (x.type, x.reason) == ("case.stayed", "mediation")
    assert c("ORDER denying 44 Stipulation to Stay Case.").type == "docket.entry"


@pytest.mark.parametrize(
    "text",
    [
        "Case terminated as to defendant John Smith.",
        "ORDER: The Clerk shall close this case as to Defendant Smith only.",
        "ORDER: Upon filing of the stipulation of dismissal the Clerk shall close the case.",
        "ORDER: The Clerk is directed to close the case upon receipt of the dismissal papers.",
        "ORDER: If no objection is filed within 14 days, the Clerk shall close the case.",
        "ORDER: Plaintiff shall file a status report; failure to do so will result in the Clerk closing the case.",
        "ORDER: The Clerk shall terminate the pending motion and close the case in 30 days unless a party objects.",
        "ORDER: the motion to close the case is DENIED.",
        "Case closed in error; reopened.",
        "ORDER: If no party objects within 14 days, the Clerk shall administratively close the case.",
    ],
)
def test_a_closing_that_is_promised_conditional_for_one_party_denied_or_undone_closes_nothing(
    text: str,
) -> None:
    assert not closes(c(text)), c(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "~Util - Terminate Civil Case",
        "ORDER: The Clerk of Court is directed to close this case.",
        "ORDER: No objection having been filed, the Clerk shall close the case.",
        "ORDER: Upon consideration of the parties' joint notice, the Clerk shall close the case.",
        "ORDER: The Clerk shall administratively close this case pending arbitration.",
        "ORDER: This case is administratively closed; any party may move to reopen upon completion of the arbitration.",
    ],
)
def test_its_twins_the_clerks_closing_done_now_closes(text: str) -> None:
    assert closes(c(text)), c(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER: Absent a response by 5/1/2022, the case shall be dismissed for failure to prosecute.",
        "ORDER: This action shall be dismissed without prejudice unless the plaintiff serves the defendant within 30 days.",
        "ORDER: The case shall be dismissed unless the filing fee is paid within 21 days.",
        "ORDER: The Court will enter judgment upon receipt of the proposed judgment.",
        "ORDER: The Clerk shall enter judgment in 14 days unless an objection is filed.",
        "ORDER: The case may be transferred to the District of Colorado if no party objects.",
        "ORDER: The Court intends to remand the case to state court unless a party objects within 14 days.",
    ],
)
def test_a_disposition_announced_on_a_condition_is_a_warning(text: str) -> None:
    assert c(text).type == "docket.entry", c(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "ORDER granting 20 Motion to Dismiss. The case is dismissed. If plaintiff wishes to appeal, the notice of appeal shall be filed within 30 days.",
        "ORDER: This action is dismissed without prejudice to reinstatement if the settlement is not consummated within 60 days.",
        "ORDER: The Clerk shall enter judgment accordingly and close the case.",
        "ORDER granting motion to remand; the case is remanded to the Superior Court. The Clerk shall mail a certified copy of this order to the state court.",
    ],
)
def test_its_twins_the_act_done_now_with_a_condition_about_something_else(text: str) -> None:
    assert closes(c(text)), c(text).rule


def test_a_consolidation_closing_the_member_case_does_not_close_the_docket_it_is_copied_to() -> (
    None
):
    # consolidation orders are docketed in the lead case too
    text = "ORDER consolidating cases for all purposes. The Clerk shall administratively close the member case."
    assert c(text).type == "docket.entry"
    twin = "ORDER consolidating this case with 1:20-cv-1234; the Clerk shall administratively close this case."
    assert closes(c(twin))


def test_a_hearing_on_a_motion_for_judgment_on_the_pleadings_is_not_a_judgment() -> None:
    assert c("JUDGMENT on the pleadings hearing set for 5/5/2022").type == "docket.entry"
    assert c("JUDGMENT AS A MATTER OF LAW MOTION hearing held").type == "docket.entry"


def test_sdny_memo_endorsement_of_a_stipulation_of_dismissal_closes_and_its_twins_do_not() -> None:
    x = c(
        "MEMO ENDORSEMENT on re: 25 Stipulation of Voluntary Dismissal. ENDORSEMENT: SO ORDERED. (Signed by Judge X on 3/3/2021)"
    )
    assert (x.type, x.dismissal, x.scope) == ("case.dismissed", "stipulated", "whole")
    for twin in (
        "MEMO ENDORSEMENT on re: 25 Letter requesting extension to file stipulation of dismissal. ENDORSEMENT: Granted.",
        "MEMO ENDORSEMENT on re: 25 Stipulation of Dismissal. ENDORSEMENT: Denied; the parties shall file a corrected stipulation.",
        "MEMO ENDORSEMENT on re: 30 Stipulation of Dismissal as to Defendant Acme Corp. only. SO ORDERED.",
    ):
        assert not closes(c(twin)), twin
