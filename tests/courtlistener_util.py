"""CourtListener docket-alert webhook bodies and docket JSON shaped like the real ones.

Field names and shapes follow CourtListener's webhook docs (event_type 1,
``payload.results`` of ``DocketEntry`` objects with nested ``recap_documents``)
and its REST API v4 docket serializer. The reference case: *De La Torre v.
LinkedIn Corporation*, N.D. Cal. 5:25-cv-00709; the CourtListener docket id is
invented.
"""

from __future__ import annotations

from typing import Any

import orjson

REF_DOCKET_ID = 69603546
REF_CASE_ID = "cand:5:25-cv-00709"

REF_DOCKET: dict[str, Any] = {
    "resource_uri": f"https://www.courtlistener.com/api/rest/v4/dockets/{REF_DOCKET_ID}/",
    "id": REF_DOCKET_ID,
    "court": "https://www.courtlistener.com/api/rest/v4/courts/cand/",
    "court_id": "cand",
    "case_name": "De La Torre v. LinkedIn Corporation",
    "case_name_short": "De La Torre",
    "docket_number": "5:25-cv-00709",
    "docket_number_core": "2500709",
    "pacer_case_id": "443061",
    "date_filed": "2025-01-21",
    "date_terminated": None,
    "cause": "28:1332 Diversity-Breach of Contract",
    "nature_of_suit": "890 Other Statutory Actions",
    "jury_demand": "Plaintiff",
    "jurisdiction_type": "Diversity",
    "source": 1,
}

COMPLAINT_TEXT = (
    "CLASS ACTION COMPLAINT against LinkedIn Corporation ( Filing fee $ 405, receipt number "
    "ACANDC-20298436.). Filed by Alessandro De La Torre. (Attachments: # 1 Civil Cover Sheet, "
    "# 2 Summons)(Ling, Jenny) (Filed on 1/21/2025)"
)
DISMISSAL_TEXT = "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre"


def recap_document(
    number: str, description: str, pacer_doc_id: str, attachment: int | None = None
) -> dict[str, Any]:
    return {
        "id": 400000000 + int(pacer_doc_id[-6:]) + (attachment or 0),
        "tags": [],
        "absolute_url": f"/docket/{REF_DOCKET_ID}/{number}/de-la-torre-v-linkedin-corporation/",
        "date_created": "2025-01-30T16:02:11.482265-08:00",
        "date_modified": "2025-01-30T16:02:11.482265-08:00",
        "date_upload": None,
        "document_type": 1 if attachment is None else 2,
        "document_number": number,
        "attachment_number": attachment,
        "pacer_doc_id": pacer_doc_id,
        "is_available": False,
        "sha1": "",
        "page_count": None,
        "file_size": None,
        "filepath_local": None,
        "filepath_ia": "",
        "ia_upload_failure_count": None,
        "thumbnail": None,
        "thumbnail_status": 0,
        "plain_text": "",
        "ocr_status": None,
        "is_free_on_pacer": None,
        "is_sealed": None,
        "description": description,
    }


def complaint_entry(docket: int = REF_DOCKET_ID) -> dict[str, Any]:
    return {
        "id": 4105550001,
        "docket": docket,
        "date_created": "2025-01-21T18:30:02.118420-08:00",
        "date_modified": "2025-01-21T18:30:02.118420-08:00",
        "date_filed": "2025-01-21",
        "time_filed": None,
        "entry_number": 1,
        "recap_sequence_number": "2025-01-21.001",
        "pacer_sequence_number": 1,
        "description": COMPLAINT_TEXT,
        "tags": [],
        "recap_documents": [
            recap_document("1", "Complaint", "035125112340"),
            recap_document("1", "Civil Cover Sheet", "035125112341", attachment=1),
            recap_document("1", "Summons", "035125112342", attachment=2),
        ],
    }


def dismissal_entry(docket: int = REF_DOCKET_ID) -> dict[str, Any]:
    return {
        "id": 4107770012,
        "docket": docket,
        "date_created": "2025-01-30T16:02:11.469801-08:00",
        "date_modified": "2025-01-30T16:02:11.469801-08:00",
        "date_filed": "2025-01-30",
        "time_filed": None,
        "entry_number": 12,
        "recap_sequence_number": "2025-01-30.001",
        "pacer_sequence_number": 41,
        "description": DISMISSAL_TEXT,
        "tags": [],
        "recap_documents": [
            recap_document("12", "Notice of Voluntary Dismissal", "035125168812"),
        ],
    }


def webhook_body(*entries: dict[str, Any], event_type: int = 1) -> dict[str, Any]:
    return {
        "payload": {"results": list(entries)},
        "webhook": {
            "version": 2,
            "event_type": event_type,
            "date_created": "2024-11-18T10:21:44.102933-08:00",
            "deprecation_date": None,
        },
    }


def webhook_bytes(*entries: dict[str, Any], event_type: int = 1) -> bytes:
    return orjson.dumps(webhook_body(*entries, event_type=event_type))
