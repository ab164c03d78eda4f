"""The verification example in docs/webhooks.md works against our real signatures."""

from __future__ import annotations

import re
import time
from pathlib import Path

from services.dispatcher.payload import delivery_body
from services.dispatcher.signing import new_secret, webhook_headers
from tests.webhook_util import make_alert

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def test_documented_verification_example_accepts_ours_and_rejects_forgeries() -> None:
    [code] = [
        b
        for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
        if "handle_delivery" in b
    ]
    secret = new_secret()
    namespace: dict[str, object] = {}
    exec(code.replace('SECRET = "whsec_..."', f"SECRET = {secret!r}"), namespace)  # noqa: S102
    handle = namespace["handle_delivery"]
    alert = make_alert()
    body = delivery_body(alert)
    headers = webhook_headers(secret, alert.id, int(time.time()), body)
    assert handle(body, headers) == 204  # type: ignore[operator]
    assert handle(body, headers) == 204  # type: ignore[operator]  # duplicate: acknowledged again
    assert handle(body + b" ", headers) == 400  # type: ignore[operator]
    forged = webhook_headers(new_secret(), alert.id, int(time.time()), body)
    assert handle(body, forged) == 400  # type: ignore[operator]
