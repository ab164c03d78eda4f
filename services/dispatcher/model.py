"""Subscription records: what a subscriber asked for, and its lifecycle state.

A subscription is stored as its *latest full record* on a compacted Kafka
topic (key = subscription id, tombstone = deleted), so the API and every
dispatcher fold the same log into the same view. Records carry a ``revision``
that each writer increments; the fold keeps the record with the highest
revision, so a stale write read late can never resurrect an older state.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.alerts import AlertType
from services.core.docket_numbers import DocketNumberError, make_case_id, normalise_court_id

SUBSCRIPTION_RECORD_VERSION: Literal[1] = 1
DELETED_KEY_PREFIX = "deleted/"
"""Key prefix of deletion marks on the subscriptions topic (``deleted/{id}``)."""
SubscriptionState = Literal["active", "paused", "disabled"]

_STATUS_WORDS = ("open", "stayed", "closed")
FROM_WORDS = ("any", "new", *_STATUS_WORDS)
"""``new`` = the case's first appearance (an alert without a from-status)."""
TO_WORDS = ("any", *_STATUS_WORDS)
_TRANSITION = re.compile(r"^\s*([a-z]+)\s*(?:->|→)\s*([a-z]+)\s*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def parse_transition(text: str) -> tuple[str, str]:
    """``"any -> closed"`` -> ``("any", "closed")``; raises ``ValueError`` on anything else."""
    m = _TRANSITION.match(text.lower())
    if not m or m.group(1) not in FROM_WORDS or m.group(2) not in TO_WORDS:
        raise ValueError(
            f"transition {text!r} must look like FROM->TO with FROM in {'|'.join(FROM_WORDS)} "
            f"and TO in {'|'.join(TO_WORDS)}"
        )
    return m.group(1), m.group(2)


class SubscriptionFilters(_Frozen):
    """What a subscriber wants. Every filter is optional; filters combine with AND,
    the values inside one list with OR. Values are normalised on the way in so
    matching compares canonical forms (``cand:5:25-CV-709`` -> ``cand:5:25-cv-00709``)."""

    case_ids: tuple[str, ...] = Field(default=(), max_length=10_000)
    courts: tuple[str, ...] = Field(default=(), max_length=500)
    query: str | None = Field(
        default=None, max_length=200, description="Words that must all occur in the case name."
    )
    nature_of_suit: tuple[str, ...] = Field(
        default=(), max_length=200, description="NOS codes (`890`) or words (`securities`)."
    )
    class_action_only: bool = False
    alert_types: tuple[AlertType, ...] = Field(default=(), max_length=10)
    transitions: tuple[str, ...] = Field(
        default=(), max_length=50, description="`FROM->TO`, e.g. `any->closed`, `closed->open`."
    )

    @field_validator("case_ids")
    @classmethod
    def _canonical_case_ids(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for raw in v:
            court, sep, number = raw.strip().partition(":")
            if not sep:
                raise ValueError(f"not a case id (court:docket): {raw!r}")
            try:
                out.append(make_case_id(court, number))
            except DocketNumberError as exc:
                raise ValueError(str(exc)) from exc
        return tuple(dict.fromkeys(out))

    @field_validator("courts")
    @classmethod
    def _canonical_courts(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return tuple(dict.fromkeys(normalise_court_id(c) for c in v))
        except DocketNumberError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("query")
    @classmethod
    def _blank_query_is_none(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None

    @field_validator("nature_of_suit")
    @classmethod
    def _nos_nonblank(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(s.strip() for s in v)
        if any(not s for s in cleaned):
            raise ValueError("nature_of_suit entries must not be blank")
        return cleaned

    @field_validator("transitions")
    @classmethod
    def _canonical_transitions(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys("->".join(parse_transition(t)) for t in v))


class Subscription(_Frozen):
    """The latest full record of one subscription (the value on the compacted topic).

    ``secret`` is the Standard Webhooks signing secret (``whsec_`` + base64); it
    is shown to the subscriber once, at creation, and never returned again.
    ``owner`` is the caller identity (a digest of the API token), never the token.
    """

    id: str
    owner: str
    url: str
    filters: SubscriptionFilters = SubscriptionFilters()
    secret: str
    previous_secret: str | None = None
    """The secret before the last rotation, still signed with until ``previous_secret_until``."""
    previous_secret_until: dt.datetime | None = None
    state: SubscriptionState = "active"
    state_reason: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int = Field(default=1, ge=1)
    record_version: Literal[1] = SUBSCRIPTION_RECORD_VERSION

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets a delivery at ``now`` is signed with: the current one, and the
        previous one during a rotation's overlap."""
        if (
            self.previous_secret is not None
            and self.previous_secret_until is not None
            and now < self.previous_secret_until
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]

    def with_new_secret(self, secret: str, overlap: dt.timedelta, now: dt.datetime) -> Subscription:
        """The next revision signed with ``secret``; the current one is kept for ``overlap``."""
        return self.model_copy(
            update={
                "secret": secret,
                "previous_secret": self.secret if overlap > dt.timedelta(0) else None,
                "previous_secret_until": now + overlap if overlap > dt.timedelta(0) else None,
                "updated_at": now,
                "revision": self.revision + 1,
            }
        )

    def with_state(
        self, state: SubscriptionState, reason: str | None, now: dt.datetime
    ) -> Subscription:
        """The next revision of this record in ``state`` (a new value; records are frozen)."""
        return self.model_copy(
            update={
                "state": state,
                "state_reason": reason,
                "updated_at": now,
                "revision": self.revision + 1,
            }
        )


class SubscriptionDeleted(_Frozen):
    """The mark that a subscription was deleted, for good.

    Written under its own key (``deleted/{id}``) that nothing ever writes again, so
    log compaction -- which keeps the *last* record per key -- always keeps it: a
    late record on the subscription's own key (a write from a copy read before the
    delete) can never bring the subscription back, before or after compaction.
    """

    id: str
    deleted_at: dt.datetime
    record_version: Literal[1] = SUBSCRIPTION_RECORD_VERSION
