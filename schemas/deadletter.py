"""The records on ``docket.events.dlq``: what the worker and the rebuild could not fold.

A dead letter keeps the original record whole (key and value as base64, so a
record that is not even UTF-8 survives) with where it came from and why it was
refused; ``docketline`` never drops a record it cannot read. Written by
``services.processor.step.DeadLetter.to_json``; ``tests/unit/test_deadletter_contract.py``
checks that what it writes is this model.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from schemas.events import Frozen


class DeadLetterRecord(Frozen):
    reason: str = Field(
        description="Short machine-readable cause, e.g. 'invalid_event', 'missing_key', 'internal_error'."
    )
    error: str = Field(description="The error as a sentence, for a human.")
    topic: str = Field(description="Topic of the refused record (docket.events).")
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    key_b64: str | None = Field(description="The record's key, base64; null when it had none.")
    value_b64: str | None = Field(description="The record's value, base64; null for a tombstone.")
    dead_lettered_at: dt.datetime
