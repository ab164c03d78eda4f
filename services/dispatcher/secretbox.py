"""Subscription signing secrets encrypted at rest (Fernet, from ``cryptography``).

On the subscriptions topic a secret is ``fernet:`` + a Fernet token; in memory,
after ``open``, it is the ``whsec_...`` value the dispatcher signs with. Records
written before encryption (plaintext ``whsec_...``) are read as they are (the
upcast) and sealed when next written.

The key: ``DOCKETLINE_SUBSCRIPTION_SECRET_KEYS`` (comma-separated Fernet keys,
``SecretStr``; the first encrypts, every one decrypts, so a key is rotated by
putting the new one first). When it is unset, a key is generated once into
``{data_dir}/subscription-secret.key`` (mode 0600): enough when the API and the
dispatcher share a data directory (``docketline up``); set the setting when they
do not.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.dispatcher.model import Subscription
from services.settings import Settings

SEALED_PREFIX = "fernet:"
KEY_FILENAME = "subscription-secret.key"


class SecretBoxError(ValueError):
    """A sealed secret that no configured key opens, or an unusable key."""


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise SecretBoxError("no subscription secret key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            raise SecretBoxError(f"not a Fernet key (32 url-safe base64 bytes): {exc}") from exc

    def seal_value(self, plain: str) -> str:
        if plain.startswith(SEALED_PREFIX):
            return plain
        return SEALED_PREFIX + self._fernet.encrypt(plain.encode()).decode("ascii")

    def open_value(self, stored: str) -> str:
        if not stored.startswith(SEALED_PREFIX):
            return stored  # a record from before encryption at rest
        try:
            return self._fernet.decrypt(stored[len(SEALED_PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise SecretBoxError(
                "no configured key decrypts this signing secret (DOCKETLINE_SUBSCRIPTION_SECRET_KEYS)"
            ) from exc

    def seal(self, sub: Subscription) -> Subscription:
        """The record as stored: every secret sealed."""
        return sub.model_copy(
            update={
                "secret": self.seal_value(sub.secret),
                "previous_secret": None
                if sub.previous_secret is None
                else self.seal_value(sub.previous_secret),
            }
        )

    def open(self, sub: Subscription) -> Subscription:
        """The record as used: every secret in the clear (``SecretBoxError`` if it cannot be)."""
        return sub.model_copy(
            update={
                "secret": self.open_value(sub.secret),
                "previous_secret": None
                if sub.previous_secret is None
                else self.open_value(sub.previous_secret),
            }
        )


def key_file_key(data_dir: Path) -> bytes:
    """The generated key in ``data_dir`` (created, mode 0600, on first use)."""
    path = data_dir / KEY_FILENAME
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as f:
        f.write(key + b"\n")
    return key


def secret_box(settings: Settings) -> SecretBox:
    """The box for these settings: the configured keys, else the data directory's key file."""
    keys = [k.get_secret_value().encode() for k in settings.subscription_secret_keys]
    return SecretBox(keys or [key_file_key(settings.data_dir)])
