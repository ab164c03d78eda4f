"""Federal Judicial Center IDB civil disposition codes (field DISP).

Researchers and the FJC's Integrated Database describe how a civil case ended
with these codes; every docketline disposition carries the closest one.

 0 transfer to another district        10 multi-district litigation transfer
 1 remanded to state court             11 remanded to U.S. agency
 2 want of prosecution                 12 voluntarily dismissed
 3 lack of jurisdiction                13 settled
 4 default                             14 other
 5 consent                             15 award of arbitrator
 6 motion before trial                 16 stayed pending bankruptcy
 7 jury verdict                        17 other (judgment)
 8 directed verdict                    18 statistical closing
 9 court trial                         19/20 appeal affirmed / denied (magistrate judge)
"""

from __future__ import annotations

FJC_DISPOSITION_CODES: dict[int, str] = {
    0: "transfer to another district",
    1: "remanded to state court",
    2: "want of prosecution",
    3: "lack of jurisdiction",
    4: "default",
    5: "consent",
    6: "motion before trial",
    7: "jury verdict",
    8: "directed verdict",
    9: "court trial",
    10: "multi-district litigation transfer",
    11: "remanded to U.S. agency",
    12: "voluntarily dismissed",
    13: "settled",
    14: "other",
    15: "award of arbitrator",
    16: "stayed pending bankruptcy",
    17: "other (judgment)",
    18: "statistical closing",
    19: "appeal affirmed (magistrate judge)",
    20: "appeal denied (magistrate judge)",
}

_JUDGMENT = {"default": 4, "consent": 5, "summary": 6, "verdict": 7, "clerk": 17, "other": 17}


def fjc_code(
    disposition: str,
    *,
    judgment: str | None = None,
    reason: str | None = None,
    mdl: bool = False,
    remand_to: str | None = None,
) -> int:
    """The FJC disposition code for a docketline disposition."""
    if disposition in ("voluntary_dismissal", "stipulated_dismissal"):
        return 12
    if disposition == "settled":
        return 13
    if disposition == "transferred":
        return 10 if mdl else 0
    if disposition == "remanded":
        return 11 if remand_to == "agency" else 1
    if disposition == "judgment":
        return _JUDGMENT.get(judgment or "other", 17)
    if disposition == "dismissed":
        r = (reason or "").lower()
        if "prosecut" in r:
            return 2
        if "jurisdiction" in r:
            return 3
        return 6
    if disposition == "other" and reason and "administrativ" in reason.lower():
        return 18
    return 14
