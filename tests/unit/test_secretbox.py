"""Signing secrets at rest: sealed with Fernet, old plaintext read as it is."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from services.dispatcher.model import Subscription
from services.dispatcher.secretbox import (
    SEALED_PREFIX,
    SecretBox,
    SecretBoxError,
    key_file_key,
    secret_box,
)
from services.settings import load_settings

T0 = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)


def sub() -> Subscription:
    return Subscription(
        id="sub_a",
        owner="o",
        url="https://93.184.215.14/h",
        secret="whsec_cur",
        previous_secret="whsec_old",
        previous_secret_until=T0,
        created_at=T0,
        updated_at=T0,
    )


def test_seal_hides_every_secret_and_open_restores_them() -> None:
    box = SecretBox([Fernet.generate_key()])
    sealed = box.seal(sub())
    assert sealed.secret.startswith(SEALED_PREFIX) and "whsec" not in sealed.model_dump_json()
    assert box.open(sealed) == sub()
    assert box.seal(sealed) == sealed  # sealing twice changes nothing


def test_a_plaintext_secret_from_before_encryption_opens_as_it_is() -> None:
    assert SecretBox([Fernet.generate_key()]).open(sub()) == sub()


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed_with_old = SecretBox([old]).seal(sub())
    assert SecretBox([new, old]).open(sealed_with_old) == sub()
    with pytest.raises(SecretBoxError, match="no configured key"):
        SecretBox([new]).open(sealed_with_old)


def test_a_bad_key_is_refused() -> None:
    with pytest.raises(SecretBoxError, match="Fernet key"):
        SecretBox([b"not-a-key"])


def test_without_a_setting_a_key_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    first = key_file_key(tmp_path)
    assert key_file_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "subscription-secret.key").stat().st_mode) == 0o600
    sealed = secret_box(load_settings(data_dir=tmp_path)).seal(sub())
    assert SecretBox([first]).open(sealed) == sub()
