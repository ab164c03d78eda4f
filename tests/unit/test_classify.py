"""The docket-text classifier, specified with real clerk phrasing.

Phrases are copied from entries in ../shared/data/juriscraper (docket JSON,
NEF e-mails, RSS event names); the file each comes from is named next to it.
Where the shared data holds no example of a disposition the brief requires,
the phrase is the standard CM/ECF wording and is marked "CM/ECF form".
These tests never read the shared data: they are pure and run in milliseconds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from services.core.classification import Classification
from services.core.classify import CLASSIFIER_VERSION, RULES, classify, prejudice_of, scope_of
from services.core.evolve import project
from tests.unit.core_builders import complaint, event


def c(text: str, name: str | None = None, doc: int | None = None) -> Classification:
    return classify(text, name, doc)


def is_plain_entry(x: Classification) -> bool:
    return x.type == "docket.entry"


# --------------------------------------------------------------------------- the reference case


def test_reference_voluntary_dismissal_notice_closes_without_prejudice_for_the_whole_action() -> (
    None
):
    x = c("NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre")
    assert (x.type, x.dismissal, x.prejudice, x.scope) == (
        "case.dismissed",
        "voluntary",
        "without",
        "whole",
    )
    assert x.rule == "notice_of_voluntary_dismissal"


def test_reference_class_action_complaint_opens_a_class_action() -> None:
    x = c(
        "CLASS ACTION COMPLAINT against LinkedIn Corporation (Filing fee $ 405). Filed by Alessandro De La Torre."
    )
    assert (x.type, x.opening, x.class_action) == ("case.filed", "class_action_complaint", True)


def test_rss_event_name_notice_of_voluntary_dismissal_alone_has_unknown_prejudice() -> None:
    for text, name in (
        ("", "Notice of Voluntary Dismissal"),
        ("[Notice of Voluntary Dismissal]", None),
    ):
        x = c(text, name)
        assert (x.type, x.dismissal, x.prejudice, x.scope) == (
            "case.dismissed",
            "voluntary",
            "unknown",
            "whole",
        )


def test_full_text_arriving_later_refines_the_same_reading_to_without_prejudice() -> None:
    stub = c("Notice of Voluntary Dismissal", "Notice of Voluntary Dismissal", 12)
    full = c(
        "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
        "Notice of Voluntary Dismissal",
        12,
    )
    assert (stub.type, stub.prejudice) == ("case.dismissed", "unknown")
    assert (full.type, full.prejudice) == ("case.dismissed", "without")


# --------------------------------------------------------------------------- DESIGN.md traps


def test_341a_meeting_notice_is_not_a_voluntary_dismissal() -> None:
    # alnb_1.json [8]; nysb_1.xml event name; pamb_4 NEF
    assert is_plain_entry(
        c(
            "Meeting of Creditors with 341(a) meeting to be held on 01/31/2017 at 09:00 AM at 3rd Floor Courtroom (CRJ) Florence. Confirmation hearing to be held on 03/08/2017"
        )
    )
    assert is_plain_entry(c("", "341(a) Notice (Chapter 7 Individual) (BNC)"))
    assert is_plain_entry(
        c(
            "BNC Certificate of Notice (341 Meeting Notice (Chapter 13)) (RE: related document(s)[7]). Notice Date 04/19/2024. (Admin.)"
        )
    )


def test_rule_41a_number_decides_the_kind_of_dismissal_but_never_its_prejudice() -> None:
    # cacd.json [41]
    x = c(
        "STIPULATION AND ORDER for voluntary dismissal of the entire action pursuant to FRCP 41(a)(1) by Judge S. James Otero :(bp, )"
    )
    assert (x.type, x.dismissal, x.prejudice, x.scope) == (
        "case.dismissed",
        "stipulated",
        "unknown",
        "whole",
    )


def test_remanded_to_the_custody_of_the_us_marshal_is_not_a_remand() -> None:
    # hid.json [5], txsd_1.json, mowd.json [10]
    assert is_plain_entry(
        c(
            "Detention Hearing set for 11:30 6/10/04, LEK. Defendant remanded to the custody of the US Marshal."
        )
    )
    assert is_plain_entry(
        c(
            "Minute Entry for proceedings held before Judge David S Morales: Sentencing held on 4/15/2020. Deft remanded to custody of USMS, filed.(arodriguez, 2)"
        )
    )
    x = c(
        "ORDER REMANDING DEFENDANT BACK TO STATE CUSTODY pending trial in this case as to Daniel Beshears Signed by Magistrate Judge William A. Knox on 4/7/08."
    )
    assert x.rule == "remanded_to_custody_is_not_a_remand" and is_plain_entry(x)


def test_motion_dismissed_or_denied_as_moot_is_not_a_case_termination() -> None:
    # txwd_2 NEF; ncwd_1.json
    assert is_plain_entry(
        c(
            "ORDER GRANTING [11] Motion for Leave to File First Amended Answer of Defendants Amistad Homecare, Inc. and Rebecca Diego. IT IS FURTHER ORDERED that the Motion to Dismiss Counterclaims (docket 10) is DISMISSED as moot. Signed by Judge Fred Biery. (rg)"
        )
    )
    assert is_plain_entry(
        c(
            "ORDER denying as moot 139 Motion to Amend/Correct as to Robert Warren (1), Viki Warren (2). Signed by Judge Lacy Thornburg"
        )
    )


def test_terminating_deadlines_parties_or_motions_is_not_terminating_the_case() -> None:
    # nyed_1.xml / sdny_1.xml event names
    assert is_plain_entry(c("", "1 - Terminate Deadlines and Hearings"))
    assert is_plain_entry(c("", "~Util - Add and Terminate Parties"))
    assert is_plain_entry(c("", "Notice of Hearing on Closing (Form 423) (BNC)"))


def test_rss_item_merging_two_events_with_and_is_read_by_its_telling_part() -> None:
    # nyed_1.xml, sdny_1.xml
    x = c("", "Order AND Stipulation and Order of Remand to SSA")
    assert (x.type, x.remand_to) == ("case.remanded", "agency")
    assert c("", "Order Dismissing Case AND Order(Other)").type == "case.dismissed"
    assert is_plain_entry(c("", "Order AND Scheduling Order"))


def test_entry_whose_own_text_is_marked_filed_in_error_is_a_plain_entry() -> None:
    # nysd_4.json [2]: the reference "re: 1 Complaint" must not void the complaint
    x = c(
        "FILING ERROR - SUMMONS REQUEST PDF ERROR - REQUEST FOR ISSUANCE OF SUMMONS as to Hornblower Group, Inc, re: 1 Complaint. Document filed by Lenny Molina."
    )
    assert x.rule == "own_text_marked_void" and is_plain_entry(x) and x.targets == ()
    # dcd_3.json [324]
    assert is_plain_entry(
        c(
            "ENTERED IN ERROR.....TRANSCRIPT OF STATUS CONFERENCE VIA ZOOM PROCEEDINGS before Judge Amit P. Mehta held on March 9, 2022; Page Numbers: 1-72."
        )
    )
    # the reference dismissal after the clerk marks it
    assert is_plain_entry(
        c(
            "FILED IN ERROR - NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
            "Notice of Voluntary Dismissal",
            12,
        )
    )


def test_dismissal_whose_text_becomes_filed_in_error_no_longer_closes_the_case() -> None:
    original = "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre"
    marked = "FILED IN ERROR - " + original
    first = event(12, "2025-01-30", original, c(original, None, 12))
    updated = event(
        12, "2025-01-30", marked, c(marked, None, 12), time=dt.datetime(2025, 1, 31, tzinfo=dt.UTC)
    )
    state = project([complaint(), first, updated])
    assert state is not None and state.status == "open" and state.disposition is None


def test_clerk_entry_marking_an_earlier_entry_as_in_error_strikes_that_entry() -> None:
    # ncwd_1.json: the corrected refiling (163) is not struck
    x = c(
        "NOTICE OF DOCKET ERROR by USA as to Robert Warren re: 160 Notice of Attorney Appearance - Defendant CORRECTION: Atty for USA refiled 163 Notice of Appearance showing correct party appearing for."
    )
    assert (x.type, x.targets) == ("entry.stricken", (160,))
    # nysd_441170.json
    x = c(
        "***DELETED DOCUMENT. Deleted document number [ORDER] 2. The document was incorrectly filed in this case. (kgo) (Entered: 04/09/2018)"
    )
    assert (x.type, x.targets) == ("entry.stricken", (2,))


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        # CM/ECF forms of the three reference styles the brief names
        (
            "NOTICE of Docket Correction re [12] Notice of Voluntary Dismissal: document filed in error.",
            (12,),
        ),
        ("ORDER STRIKING Document No. 12 from the record. Signed by Judge X.", (12,)),
        ("MINUTE ORDER: [45] Order was entered in error and is VACATED.", (45,)),
        ("ORDER vacating 59 Order Dismissing Case. Signed by Judge Helen G. Berrigan.", (59,)),
    ],
)
def test_struck_or_vacated_entries_are_named_by_their_document_numbers(
    text: str, targets: tuple[int, ...]
) -> None:
    x = c(text, None, 70)
    assert (x.type, x.targets) == ("entry.stricken", targets)


def test_vacated_or_stricken_hearing_dates_strike_nothing() -> None:
    # utd.json [45], casd_4.json [63], cacd.json [18]
    assert is_plain_entry(
        c(
            "DOCKET TEXT ORDER granting 44 Motion to Continue as to Brian David Mitchell (1). The hearing scheduled for April 8, 2009, is hereby stricken, and the matter continued to April 30, 2009"
        )
    )
    assert is_plain_entry(
        c(
            "ORDER on 61 Joint Stipulation to Continue Sentencing Hearing. The sentencing hearing currently scheduled for September 28, 2012, be vacated and rescheduled to December 7, 2012"
        )
    )
    assert is_plain_entry(
        c(
            "MINUTES: Plaintiff having complied with the court's order re filing of proof of service, the court vacates the order to show cause hearing set on 5/10/06."
        )
    )


def test_a_motion_to_strike_mentioned_in_an_order_strikes_nothing() -> None:
    # mad_193254.json [26]
    x = c(
        "Magistrate Judge Katherine A. Robertson: ELECTRONIC ORDER entered granting 21 - Plaintiff's Motion for Extension of Time to File Response/Reply re 17 MOTION to Intervene for Purposes of Supporting Defendant's Local Rule 7.2 Motion to Impound and Rule 12(f) Motion to Strike and for Rule 5.2(e) Protective Order."
    )
    assert is_plain_entry(x)


def test_deficiency_notice_does_not_void_the_deficient_document() -> None:
    # nysd_4.json: the clerk marks the document itself "FILING ERROR"; the notice voids nothing
    assert is_plain_entry(
        c(
            "***NOTICE TO ATTORNEY REGARDING DEFICIENT CIVIL COVER SHEET. Notice to attorney Jonathan Shalom to RE-FILE Document No. 5 Civil Cover Sheet. The filing is deficient for the following reason(s): Courthouse Assignment code was not selected"
        )
    )


# --------------------------------------------------------------------------- requests are not dispositions


@pytest.mark.parametrize(
    "text",
    [
        "MOTION to Dismiss for Failure to State a Claim by Dow Jones & Company, Inc.. (Attachments: # 1 Proposed Order)(Kelley, Matthew)",  # vaed.json [22]
        "NOTICE OF MOTION AND MOTION to Dismiss for lack of personal jurisdiction filed by defendants' Daffy's Inc.",  # cacd.json [30]
        "Unopposed MOTION for Extension of Time to File Joint Stipulation of Dismissal by Lumnui Didler. (Attachments: (1) Proposed Order)(Wiley, Josh)",  # txwd_4 NEF
        "REPORT AND RECOMMENDATIONS regarding 31 MOTION to Dismiss for Failure to State a Claim filed by Ricky Babin. It is the recommendation of the Magistrate Judge that the 31 Motion to Dismiss be GRANTED and his federal claims be DISMISSED WITH PREJUDICE",  # lamd.json [35]
        "Notice and Motion to Convert Case to Chapter 7 . Fee Amount $15, or in the alternative Motion to Dismiss Case Filed by U. S. Trustee for Region Four. (Attachments: (1) Notice of Motion and Hearing (2) Proposed Order Converting Case (3) Proposed Order Dismissing Case)",  # dcb_3 NEF
        "MOTION for Summary Judgment by Best Chevrolet Inc, Donald Clay. Motion Hearing set for 2/17/2010",  # laed_127926.json [19]
        "Joint MOTION for Entry of Judgment under Rule 54(b)",  # cand_3 NEF
        "Unopposed MOTION to Transfer Case to Northern District of Texas, Fort Worth Division by Cheyenne Petroleum Company, filed.",  # txsd.json [2]
    ],
)
def test_motions_briefs_and_recommendations_are_not_dispositions(text: str) -> None:
    assert is_plain_entry(c(text))


def test_order_denying_a_motion_to_dismiss_does_not_dismiss() -> None:
    # hid.json [37]
    assert is_plain_entry(
        c(
            "ORDER denying defendant Jason Furtado's motion to dismiss no. 1 [22-1] by Judge David A. Ezra (cc: all counsel)"
        )
    )


def test_court_refusing_a_lodged_stipulation_of_dismissal_does_not_dismiss() -> None:
    # cacd.json [39] and the unnumbered entry after it
    assert is_plain_entry(
        c(
            'MINUTES: The court is in receipt of the lodged "Stipulation and Proposed Order for Dismissal as to the Entire Action Pursuant to FRCP 41(a)(1). The court DENIES the lodged stipulation without prejudice to refile a second stipulation consistent with this order.'
        )
    )
    assert is_plain_entry(
        c(
            "PLACED IN FILE - NOT USED re stipulation and proposed order for dismissal as to the entire action pursuant to FRCP 41(a)(1) submitted by plaintiff LA Printex Industries Inc."
        )
    )


def test_bare_sdny_relief_label_dismiss_names_a_motion() -> None:
    # sdny_1.xml: motions are listed by the relief asked for
    assert is_plain_entry(c("", "Dismiss"))
    assert is_plain_entry(c("", "Motion, Dismiss Case"))  # nysb_1.xml


# --------------------------------------------------------------------------- openings and amended pleadings


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        (
            "COMPLAINT against AAA Cooper Transporation (Filing fee $350.00 receipt number 4602007136), filed by Joyce Efurd.",
            "complaint",
        ),  # almd.json
        (
            "PRISONER CIVIL RIGHTS COMPLAINT against Rennick, Bott, Palmer, W Williams, Demery by Corey Mitchell.",
            "complaint",
        ),  # caed.json
        (
            "RECEIVED Complaint and no copies by Patrick Pursley (Envelope postmark 5/12/15)",
            "complaint",
        ),  # ilnd_310470.json
        (
            "Complaint ( Filing fee $ 400, receipt number 0422-6656561.), filed by Svetlana Lokhova.",
            "complaint",
        ),  # vaed.json
        (
            "PETITION for Writ of Habeas Corpus (ifpp). Filed byJohn Michael Balbo. (sis, COURT STAFF)",
            "petition",
        ),  # cand.json
        (
            "NOTICE OF REMOVAL by Provident Life and Accident Company, UNUM from Circuit Court of Mobile County, Alabama, case number CV-2008-901567.",
            "removal",
        ),  # alsd.json
        (
            "CERTIFIED TRUE COPY OF MDL TRANSFER IN ORDER FROM THE MDL PANEL... that pursuant to 28 U.S.C. 1407, the actions listed on the attached schedule A",
            "transfer_in",
        ),  # nysd_1.json [1]
        (
            "Case transferred in from District of Massachusetts; Case Number 1:20-cv-11234. Original file certified copy of transfer order and docket sheet received.",
            "transfer_in",
        ),  # CM/ECF form
    ],
)
def test_opening_events_open_the_case(text: str, opening: str) -> None:
    x = c(text, None, 1)
    assert (x.type, x.opening) == ("case.filed", opening)


def test_first_paper_that_is_a_jpml_transfer_order_is_a_transfer_in() -> None:
    # cand_263146.json [1]: the MDL court's own docket starts with the Panel's order
    x = c(
        "TRANSFER ORDER from Judicial Panel on Multi District Litigation, pursuant to 28 U.S.C. 1407, that the action is transferred to the Northern District of California creating MDL No. 2420",
        None,
        1,
    )
    assert (x.type, x.opening) == ("case.filed", "transfer_in")


@pytest.mark.parametrize(
    "text",
    [
        "AFFIDAVIT of Service for Complaint for declaratory judgment; and summons served on Matthew Brent Gifford on 12/30/08",  # akd.json
        "ANSWER to 1 Complaint by Best Chevrolet, Donald Clay.(Carver, Mark)",  # laed_127926.json
        "Summons Issued re First Amended Complaint, 5 as to Castle Hill Apparel, Inc., Daffy's Inc",  # cacd.json
        "NOTICE of notice of filing of notice of removal by Texaco Inc. (sn)",  # nysd_4606.json [3]
        "NOTICE OF MOTION AND MOTION for Leave to to amend complaint filed by plaintiff LA Printex Industries Inc.",  # cacd.json [24]
        "ANSWER to First Amended Complaint, 5 filed by defendant Castle Hill Apparel, Inc..",  # cacd.json [25]
    ],
)
def test_papers_about_a_pleading_are_not_the_pleading(text: str) -> None:
    assert c(text).type == "docket.entry"


@pytest.mark.parametrize(
    "text",
    [
        "First AMENDED COMPLAINT against all defendants. Filed byJames Brady, Travis Call, Sarah Cavanagh.",  # cand_2.json [3]
        "SECOND AMENDED COMPLAINT against defendants' Burlington Coat Factory Warehouse Corporation, Express Male, Inc",  # cacd.json [36]
        "AMENDED COMPLAINT against United Parcel Service Inc, filed by Jared Santiago(Qualls, Colby)",  # ared_3 NEF
    ],
)
def test_amended_complaint_is_an_amended_pleading_not_an_opening(text: str) -> None:
    assert c(text).type == "complaint.amended"


def test_motion_for_leave_to_file_an_amended_complaint_is_not_an_amended_complaint() -> None:
    # cacd.json [34]: the order granting leave is not the pleading either; [36] is
    assert (
        c(
            "ORDER: Plaintiff's motion for leave to file second amended complaint is GRANTED. Judge S. James Otero, 24"
        ).type
        == "docket.entry"
    )


def test_intradistrict_division_transfer_is_not_a_transfer_out() -> None:
    # mad_193254.json [2]
    x = c(
        "Case transferred to Western Division (Springfield) (McKillop, Matthew) (Entered: 10/25/2017)"
    )
    assert is_plain_entry(x) and x.rule == "intradistrict_transfer_is_not_a_transfer_out"


def test_forfeited_asset_transfer_in_kind_is_not_a_transfer_in() -> None:
    # ncwd_1.json [294]
    assert is_plain_entry(
        c(
            "NOTICE of Transfer in Kind of Forfeited Asset to Victim by USA as to Robert Warren, Viki Warren"
        )
    )


# --------------------------------------------------------------------------- dismissals


def test_stipulation_of_dismissal_without_prejudice_words_has_unknown_prejudice() -> None:
    # nyed.json [12]
    x = c("STIPULATION of Dismissal by Samuel Weber (Fishbein, Adam) (Entered: 10/12/2015)")
    assert (x.type, x.dismissal, x.prejudice, x.scope) == (
        "case.dismissed",
        "stipulated",
        "unknown",
        "whole",
    )


def test_so_ordered_stipulation_of_discontinuance_with_prejudice() -> None:
    # nyed.json [13]
    x = c(
        "STIPULATION AND ORDER OF DISCONTINUANCE: This action is discontinued, with prejudice, and without costs. Ordered by Judge William F. Kuntz, II."
    )
    assert (x.type, x.dismissal, x.prejudice) == ("case.dismissed", "stipulated", "with")


def test_stipulation_dismissing_all_defendants_with_mixed_prejudice_ends_the_case_with_unknown_prejudice() -> (
    None
):
    # cacd.json [40]: "as to defendant ..." would be partial, but the clerk marks the case terminated
    x = c(
        "STIPULATION AND ORDER that this action is to be dismissed with prejudice as to defendant Castle Hill Apparel, Inc., This action is to be dismissed without prejudice as to Daffy's, Inc., Mervyn's LLC. and all Doe defendants. Each party is to bear its own costs and fees by Judge S. James Otero :, (Made JS-6. Case Terminated.)(bp, )"
    )
    assert (x.type, x.dismissal, x.prejudice, x.scope) == (
        "case.dismissed",
        "stipulated",
        "unknown",
        "whole",
    )


def test_rss_stipulation_event_names_are_stipulated_dismissals() -> None:
    # sdny_1.xml
    for name in (
        "Stipulation of Voluntary Dismissal",
        "Stipulation and Order of Voluntary Dismissal",
        "Stipulation and Order of Dismissal",
    ):
        assert (c("", name).type, c("", name).dismissal) == ("case.dismissed", "stipulated")


def test_court_order_dismissing_case_without_prejudice() -> None:
    # laed_127926.json [59]
    x = c(
        "ORDER DISMISSING CASE without prejudice. Signed by Judge Helen G. Berrigan on 11/23/11.(plh, )"
    )
    assert (x.type, x.dismissal, x.prejudice, x.scope) == (
        "case.dismissed",
        "court",
        "without",
        "whole",
    )


def test_court_dismissal_of_the_complaint_is_whole_even_when_it_declines_state_law_claims() -> None:
    # lamd.json [42]
    x = c(
        "RULING AND ORDER Adopting 35 Report and Recommendation of the U.S. Magistrate Judge; granting 31 Motion to Dismiss for Failure to State a Claim. Plaintiff's Complaint is DISMISSED WITH PREJUDICE for the reasons explained in the Magistrate Judge's Report and Recommendation (Doc. 35). The Court declines to exercise supplemental jurisdiction over any state law claims. A separate judgment shall be issued."
    )
    assert (x.type, x.dismissal, x.prejudice, x.scope, x.reason) == (
        "case.dismissed",
        "court",
        "with",
        "whole",
        "failure to state a claim",
    )


def test_rss_order_dismissing_parties_is_a_partial_dismissal() -> None:
    # nyed_1.xml
    x = c("", "Order Dismissing Parties")
    assert (x.type, x.dismissal, x.scope) == ("case.dismissed", "court", "partial")


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        (
            "NOTICE of Voluntary Dismissal as to Defendant Hetero Labs Limited by CATALYST PHARMACEUTICALS, INC.",
            "partial",
        ),  # CM/ECF form
        (
            "ORDER granting in part and denying in part 31 Motion to Dismiss for Failure to State a Claim.",
            "partial",
        ),  # CM/ECF form
        (
            "ORDER for dismissal by Judge David A. Ezra case dismissed as to Jason Furtado (1) count(s) 1. Order for Dismissal., case terminated by USA",
            "whole",
        ),  # hid.json [46]
    ],
)
def test_dismissal_scope_follows_the_words_about_parties_claims_and_the_case(
    text: str, scope: str
) -> None:
    x = c(text)
    assert (x.type, x.scope) == ("case.dismissed", scope)


def test_dismissal_with_leave_to_amend_keeps_the_case_open() -> None:
    x = c(
        "ORDER granting 22 Motion to Dismiss for Failure to State a Claim with leave to amend within 21 days."
    )  # CM/ECF form
    assert is_plain_entry(x)


def test_dismissal_for_failure_to_prosecute_names_the_reason() -> None:
    x = c("ORDER DISMISSING CASE for failure to prosecute. Signed by Judge X.")  # CM/ECF form
    assert (x.type, x.reason) == ("case.dismissed", "want of prosecution")


def test_order_granting_a_stipulation_of_dismissal_is_a_stipulated_dismissal() -> None:
    x = c("ORDER granting [22] Stipulation of Dismissal. Signed by Judge X.")  # CM/ECF form
    assert (x.type, x.dismissal) == ("case.dismissed", "stipulated")


def test_notice_of_voluntary_dismissal_signed_event_name() -> None:
    # sdny_1.xml item merged with "~Util - Add and Terminate Parties"
    x = c("", "Notice of Voluntary Dismissal - Signed AND ~Util - Add and Terminate Parties")
    assert (x.type, x.dismissal) == ("case.dismissed", "voluntary")


# --------------------------------------------------------------------------- settlement


def test_notice_of_settlement_alone_does_not_close_the_case() -> None:
    # alsd_3 NEF, laed_127926.json [58]
    for text in (
        "NOTICE of Settlement , Joint by Ethan Autrey (Lowery, Courtney)",
        "Minute Entry for proceedings held before Magistrate Judge Karen Wells Roby: Settlement Conference held on 11/22/2011. Negotiations were successful and a settlement was reached.",
    ):
        x = c(text)
        assert (x.type, x.settlement_closes_case) == ("case.settled", False)


@pytest.mark.parametrize(
    "text",
    [
        "Minute Entry for proceedings held before Magistrate Judge Sally Shushan: Settlement Conference held on 5/4/2010. Following settlement discussions, the parties advised they are unable to negotiate a settlement of the case at this time.",  # laed_127926.json [37]
        "ORDER Preliminarily Approving Class Action Settlement. Signed by Judge Mark H. Cohen on 7/30/2021. (dob)",  # gand_1 NEF
        "Document endorsed NOTED by Magistrate Judge Katherine P. Nelson: [22] Position Regarding Settlement filed by Gunite Pros, LLC",  # alsd_1 NEF
        "NOTICE of Settlement Agreement as to Restitution and Garnishment by USA as to Robert Warren, Viki Warren",  # ncwd_1.json [300]
    ],
)
def test_settlement_talk_that_is_not_a_settlement(text: str) -> None:
    assert c(text).type != "case.settled"


@pytest.mark.parametrize(
    "text",
    [
        "ORDER of dismissal upon settlement. Signed by Judge X.",  # brief / CM/ECF form
        "ORDER: Case dismissed in light of settlement. The Clerk is directed to close the case.",  # CM/ECF form
        "ORDER OF DISMISSAL: The Court having been advised by counsel that this action has been settled, IT IS ORDERED that this action is hereby dismissed without costs and without prejudice to the right, upon good cause shown within 60 days, to reopen the action if settlement is not consummated.",  # SDNY 30/60-day order form
    ],
)
def test_settlement_closure_closes_the_case_as_settled(text: str) -> None:
    x = c(text)
    assert (x.type, x.settlement_closes_case) == ("case.settled", True)


# --------------------------------------------------------------------------- judgments


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        (
            "JUDGMENT - Ordered that plaintiff Milan Dediol's claims against defendants are DISMISSED with prejudice. FURTHER ORDERED that plaintiff's state law assault claim is DISMISSED without prejudice.",
            None,
            "other",
        ),  # laed_127926.json [41]
        ("", "Judgment - Clerk", "clerk"),  # nyed_1.xml
        ("", "Judgment - Consent", "consent"),  # sdny_1.xml
        (
            "DEFAULT JUDGMENT entered against Hornblower Group, Inc. Signed by Judge X.",
            None,
            "default",
        ),  # CM/ECF form
        (
            "ORDER granting 19 Motion for Summary Judgment. The Clerk is directed to enter judgment for defendants and close the case.",
            None,
            "summary",
        ),  # CM/ECF form
        (
            "JUDGMENT ON THE JURY VERDICT in favor of plaintiff. Signed by Judge X.",
            None,
            "verdict",
        ),  # CM/ECF form
        ("", "Judgment", "other"),  # cafc.xml
    ],
)
def test_judgments_close_the_case_with_their_kind(text: str, name: str | None, kind: str) -> None:
    x = c(text, name)
    assert (x.type, x.judgment, x.scope) == ("judgment.entered", kind, "whole")


def test_judgment_with_mixed_prejudice_has_unknown_prejudice() -> None:
    # laed_127926.json [41]
    x = c(
        "JUDGMENT - Ordered that plaintiff Milan Dediol's claims against defendants are DISMISSED with prejudice. FURTHER ORDERED that plaintiff's state law assault claim is DISMISSED without prejudice."
    )
    assert x.prejudice == "unknown"


def test_partial_judgment_under_rule_54b_is_partial() -> None:
    x = c(
        "PARTIAL JUDGMENT pursuant to Rule 54(b) as to Count I. Signed by Judge X."
    )  # CM/ECF form
    assert (x.type, x.scope) == ("judgment.entered", "partial")


def test_criminal_judgment_as_to_the_defendant_closes_the_criminal_case() -> None:
    # casd_5.json [30]
    x = c(
        "JUDGMENT as to Johnny Eduardo Cabrera (1), Count(s) 1, Custody of the BOP for thirty-six months, supervised release for three with conditions. No fine. $100.00 penalty assessment."
    )
    assert (x.type, x.scope) == ("judgment.entered", "whole")


def test_judgment_returned_executed_and_entry_of_default_are_not_judgments() -> None:
    # casd_4.json [74]; nyed_1.xml "Clerks Entry of Default"
    assert is_plain_entry(
        c("Judgment Returned Executed as to Elias Torres Alcazar Jr on 5/3/2013. (vam)(jrl).")
    )
    assert is_plain_entry(c("", "Clerks Entry of Default"))
    assert is_plain_entry(c("", "Order on Motion for Default Judgment"))


# --------------------------------------------------------------------------- transfers and MDL


def test_order_of_transfer_transfers_the_case_out() -> None:
    # cand.json [3]
    x = c(
        "ORDER OF TRANSFER. Signed by Judge William Alsup on 1/17/08. (Attachments: # 1 Certificate of Service)(dt, COURT STAFF)"
    )
    assert (x.type, x.mdl) == ("case.transferred", False)


def test_order_granting_motion_to_transfer_names_the_receiving_court() -> None:
    # txsd.json [4]
    x = c(
        "ORDER Granting 2 Unopposed MOTION to Transfer Case to Northern District of Texas, Fort Worth Division. IT IS SO ORDERED. (Signed by Judge Diana Saldana)"
    )
    assert (x.type, x.to_court) == ("case.transferred", "Northern District of Texas")
    assert (
        c(
            "Interdistrict transfer to Northern District of Texas, Fort Worth Division. Case transferred electronically, filed."
        ).type
        == "case.transferred"
    )


def test_jpml_conditional_transfer_order_is_an_mdl_transfer() -> None:
    # jpml_1551542.json [1]
    x = c(
        "CONDITIONAL TRANSFER ORDER FILED TODAY (CTO-112) - 5 action(s) Signed by Clerk of the Panel John W. Nichols on 12/8/2022. Associated Cases: MDL No. 2873, MA/1:22-cv-12025",
        None,
        1,
    )
    assert (x.type, x.mdl) == ("case.transferred", True)


@pytest.mark.parametrize(
    "text",
    [
        "***TEXT ONLY NOTICE***NOTICE OF FILING OF CTO AND PUBLICATION OF BRIEFING SCHEDULE (CTO-112) re: pldg. (1 in MA/1:22-cv-12025). Oppositions due on or before 12/15/2022.",  # jpml_1551542.json [2]
        'CERTIFIED TRUE COPY OF MDL ORDER FROM THE MDL PANEL LIFTING STAY OF CONDITIONAL TRANSFER ORDER... that the stay of the Panel\'s conditional transfer order designated as "CTO-1", filed on 8/25/08, is LIFTED and the action is transferred to the United States District Court - Southern District of New York',  # nysd_1.json [35]
        "PROBATION JURISDICTION (PROBATION 22 Out) TRANSFERRED to Northern District of CA as to Pouriya Mozaffary.",  # caed_2.json [17]
        "ORDER DENYING TRANSFER -- (re: pldg. 3 ) Green, ALN 1:10-259 & Manard, GAM 4:10-15",  # jpml.json [10]
    ],
)
def test_jpml_notices_stay_lifts_and_probation_transfers_do_not_transfer_the_case(
    text: str,
) -> None:
    x = c(text, None, 35)
    assert x.type not in ("case.transferred", "stay.lifted", "case.stayed")


def test_conditional_mdl_transfer_in_order_keeps_the_case_here() -> None:
    # nysd.json [17]
    x = c(
        "CERTIFIED TRUE COPY OF CONDITIONAL MDL TRANSFER IN ORDER FROM THE MDL PANEL... that pursuant to 28 U.S.C. 1407, the action(s) listed... be, and the same hereby are... with consent of that court, assigned to the Honorable George B. Daniels",
        None,
        17,
    )
    assert (x.type, x.opening) == ("case.filed", "transfer_in")


# --------------------------------------------------------------------------- remands


def test_stipulated_remand_to_ssa_is_a_remand_to_an_agency() -> None:
    # nyed_1.xml
    x = c("", "Stipulation and Order of Remand to SSA")
    assert (x.type, x.remand_to) == ("case.remanded", "agency")


def test_order_remanding_case_to_state_court_is_a_remand() -> None:
    x = c(
        "ORDER REMANDING CASE to Superior Court of California, County of Los Angeles. Case Terminated. Signed by Judge X."
    )  # CM/ECF form
    assert (x.type, x.remand_to) == ("case.remanded", "state_court")
    assert (
        c("ORDER granting 12 Motion to Remand to State Court. Signed by Judge X.").type
        == "case.remanded"
    )  # CM/ECF form


def test_hearing_on_a_motion_to_remand_is_not_a_remand() -> None:
    # cand_3 NEF; sdny_1.xml event name
    assert (
        c(
            "Minute Entry for proceedings held before Judge William Alsup: Motion Hearing held on 9/28/2022 re [409][341] Joint MOTION for Entry of Judgment under Rule 54(b); [342][286] MOTION to Remand to State Court. Parties stated appearances and proffered argument. Court takes motions under submission."
        ).type
        == "docket.entry"
    )
    assert c("", "Order on Motion to Remand to State Court").type == "docket.entry"


def test_court_of_appeals_reversal_and_remand_reopens_the_case_instead_of_remanding_it() -> None:
    # laed_127926.json [53]
    x = c(
        "USCA JUDGMENT issued as mandate on 10/4/11 as to 42 Notice of Appeal filed by Milan Dediol. Ordered that the judgment of the District Court is reversed, and the cause is remanded to the District Court for further proceedings in accordance with the opinion of this Court."
    )
    assert (x.type, x.rule) == ("case.reopened", "appeal_reversed_and_remanded")


# --------------------------------------------------------------------------- stays, reopening, administrative closing


def test_order_staying_case_stays_it() -> None:
    assert c("", "Order Staying Case").type == "case.stayed"  # nyed_1.xml
    x = c("ORDER: This action is STAYED pending arbitration. Signed by Judge X.")  # CM/ECF form
    assert (x.type, x.reason) == ("case.stayed", "arbitration")


def test_motion_to_stay_is_not_a_stay() -> None:
    assert c("", "Order on Motion to Stay").type == "docket.entry"  # nyed_1.xml: granted or denied?
    assert (
        c("MOTION to Stay Case pending arbitration by Defendant.").type == "docket.entry"
    )  # CM/ECF form


def test_staying_removal_of_petitioners_is_not_a_stay_of_the_case() -> None:
    # njd_365922.json [2]
    assert (
        c(
            "ORDER that Respondents'/Defendants are temporarily enjoined and prohibited from removing or causing the removal-or transferring or causing the transfer-from the United States of all named Petitioners/Plaintiffs in this action who have final orders of removal. Any such removals or transfers now pending are STAYED and shall NOT proceed until further Order of this Court"
        ).type
        == "docket.entry"
    )


def test_bankruptcy_automatic_stay_is_not_a_case_stay() -> None:
    # pamb_2 NEF, ianb NEF
    assert (
        c(
            "Hearing held and continued. The automatic stay shall remain in effect through the conclusion of the continued hearing. IT IS SO ORDERED"
        ).type
        == "docket.entry"
    )
    assert (
        c("Motion for Relief from Stay . Fee Amount $199. Filed by Corporation").type
        == "docket.entry"
    )


def test_stay_lifted_reopens_the_active_case() -> None:
    assert (
        c("ORDER lifting stay. The stay entered on 3/1/2021 is LIFTED. Signed by Judge X.").type
        == "stay.lifted"
    )  # CM/ECF form


def test_administrative_termination_is_an_administrative_closing() -> None:
    # lamd.json [24]
    x = c(
        "ORDER: The Clerk shall administratively terminate this action in his records, without prejudice to the right of the parties to reopen the proceedings. Signed by Magistrate Judge Erin Wilder-Doomes on 12/5/2019."
    )
    assert (x.type, x.closed_disposition, x.reason) == (
        "case.closed",
        "other",
        "administrative closing",
    )


def test_order_mentioning_that_the_case_is_administratively_closed_neither_closes_nor_reopens() -> (
    None
):
    # lamd.json [27]
    x = c(
        "ORDER: As this matter is administratively closed, the 26 Ex Parte First Motion for Extension of Time to file Responsive Pleadings is DENIED WITHOUT PREJUDICE. Responsive pleadings shall be filed within twenty-one (21) days from the date this action is reopened."
    )
    assert x.type == "docket.entry"


def test_order_to_reopen_the_proceedings_reopens_the_case() -> None:
    # lamd.json [30]
    x = c(
        "ORDER: On December 5, 2019, this case was administratively closed pending a mandate from the United States Court of Appeals for the Fifth Circuit. The Fifth Circuit issued a mandate on March 20, 2020 in that matter affirming this Courts denial of Plaintiff's Motion for Preliminary Injunction. Accordingly, the Clerk of Court is ordered to reopen these proceedings"
    )
    assert x.type == "case.reopened"


def test_motion_to_reopen_is_not_a_reopening() -> None:
    assert c("", "Motion, Reopen Chapter 7 Case").type == "docket.entry"  # nysb_1.xml
    assert (
        c("", "Order on Motion to Reopen Case").type == "docket.entry"
    )  # sdny_1.xml: granted or denied?


def test_clerks_terminate_civil_case_marker_closes_with_other_disposition() -> None:
    # nyed_1.xml, nysb_1.xml
    for name in ("~Util - Terminate Civil Case", "Close Bankruptcy Case"):
        x = c("", name)
        assert (x.type, x.closed_disposition) == ("case.closed", "other")


# --------------------------------------------------------------------------- appeals


def test_notice_of_appeal_is_a_flag_not_a_status_change() -> None:
    # lamd.json [43], nysd_4.json [56]
    for text in (
        "NOTICE OF APPEAL of 42 RULING AND ORDER Adopting Report and Recommendation by Lucas Joseph Roddy. (SWE)",
        "NOTICE OF INTERLOCUTORY APPEAL from 53 Order on Motion for Summary Judgment, Order on Motion to Preclude,,,,. Document filed by Hornblower Cruises and Events, LLC",
    ):
        x = c(text)
        assert (x.type, x.appeal) == ("docket.entry", True)


@pytest.mark.parametrize(
    "text",
    [
        "ORDER of USCA as to 42 Notice of Appeal - the appeal is dismissed as of 11/16/2010 for want of prosecution by Clerk, USCA at the direction of the Court",  # laed_127926.json [50]
        "CLERK ORDER dismissing appeal pursuant to 5th Circuit Rule 42 for failure to pay fee or file motion in district court for permission to appeal in forma pauperis (IFP).",  # lamd.json [46]
        "JUDGMENT JUDGMENT (cc)(*filed 4/24/2000) ORD appeal is dismissed. Cpys dist.",  # nvd_21855.json [20]
        "MANDATE of USCA as to 9 Notice of Appeal filed by Lucas Joseph Roddy the judgment of the District Court is affirmed.",  # lamd.json [28]
    ],
)
def test_appellate_dispositions_are_not_district_dispositions(text: str) -> None:
    assert c(text).type == "docket.entry"


# --------------------------------------------------------------------------- helpers, purity, version


def test_prejudice_comes_only_from_words_tied_to_the_dismissal() -> None:
    assert (
        prejudice_of(
            "ORDER denying 26 Motion for Extension of Time ... is DENIED WITHOUT PREJUDICE."
        )
        == "unknown"
    )
    assert (
        prejudice_of(
            "administratively terminate this action, without prejudice to the right of the parties to reopen"
        )
        == "unknown"
    )
    assert prejudice_of("Plaintiff's Complaint is DISMISSED WITH PREJUDICE") == "with"
    assert prejudice_of("NOTICE of dismissal pursuant to FRCP 41(a)(1)(A)(i)") == "unknown"


def test_scope_is_whole_when_the_clerk_marks_the_case_terminated() -> None:
    assert (
        scope_of(
            "dismissed with prejudice as to defendant Castle Hill Apparel, Inc. (Made JS-6. Case Terminated.)"
        )
        == "whole"
    )
    assert (
        scope_of("dismissed with prejudice as to defendant Castle Hill Apparel, Inc.") == "partial"
    )


@pytest.mark.parametrize("text", ["", "   ", "[]", "\u2014", "0", "(Entered: 01/01/2020)"])
def test_odd_input_is_a_plain_entry_and_never_raises(text: str) -> None:
    assert classify(text, None, None).type == "docket.entry"
    assert classify(text, "", 0).type == "docket.entry"


def test_every_rule_in_the_table_has_a_name_and_a_real_example() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(r.example.strip() for r in RULES)


def test_classifier_version_names_the_rule_table() -> None:
    assert CLASSIFIER_VERSION.startswith("rules-") and CLASSIFIER_VERSION != "kw-0.1"
