"""Notifier settings from a TOML file (通知配置), for ``govflow worker --notify FILE``.

```toml
consumer = "notify"          # the feed consumer's name (default "notify")
start = "end"                # where a new consumer begins: "beginning" (default) or "end"
max_attempts = 5
backoff_seconds = 30

[webhook]                    # optional
url = "https://oa.example.gov.cn/govflow/hook"
secret_env = "GOVFLOW_WEBHOOK_SECRET"   # the secret is read from this variable, never the file
timeout = 5

[email]                      # optional
host = "smtp.example.gov.cn"
port = 25
sender = "县政府办公室 <oa@example.gov.cn>"
starttls = false
username_env = "GOVFLOW_SMTP_USER"      # optional, as password_env
password_env = "GOVFLOW_SMTP_PASSWORD"

[contacts]                   # person = { email = "…" }
"grid.li" = { email = "li@example.gov.cn" }
```

Every configured channel gets the default rules. A file govflow cannot use is an `InvalidData`
naming what is wrong.
"""

from __future__ import annotations

import os
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govflow.errors import InvalidData
from govflow.notify.base import Channel
from govflow.notify.email import EmailChannel
from govflow.notify.notifier import Notifier

if TYPE_CHECKING:
    from govflow.engine import Engine


def _secret(section: dict[str, Any], key: str, where: str, *, required: bool) -> str | None:
    name = section.get(f"{key}_env")
    if name is None:
        if required:
            raise InvalidData(f"{where}: give {key}_env, the environment variable holding the {key}")
        return None
    value = os.environ.get(str(name))
    if not value:
        raise InvalidData(f"{where}: environment variable {name} ({key}) is not set")
    return value


def notifier_from_file(engine: Engine, path: str | Path) -> Notifier:
    """A `Notifier` over the channels the file configures."""
    where = str(path)
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidData(f"cannot read notification settings {where}: {exc}") from None
    channels: list[Channel] = []
    try:
        if "webhook" in doc:
            from govflow.notify.webhook import WebhookChannel

            hook = doc["webhook"]
            secret = _secret(hook, "secret", f"{where} [webhook]", required=True) or ""
            channels.append(WebhookChannel(str(hook["url"]), secret, timeout=float(hook.get("timeout", 5))))
        if "email" in doc:
            mail = doc["email"]
            channels.append(
                EmailChannel(
                    str(mail["host"]),
                    int(mail.get("port", 25)),
                    sender=str(mail["sender"]),
                    starttls=bool(mail.get("starttls", False)),
                    username=_secret(mail, "username", f"{where} [email]", required=False),
                    password=_secret(mail, "password", f"{where} [email]", required=False),
                    timeout=float(mail.get("timeout", 10)),
                )
            )
    except KeyError as exc:
        raise InvalidData(f"{where}: missing setting {exc}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidData(f"{where}: {exc}") from None
    if not channels:
        raise InvalidData(f"{where} configures no channel (add a [webhook] or [email] section)")
    contacts = {str(k): {str(c): str(a) for c, a in v.items()} for k, v in doc.get("contacts", {}).items()}
    return Notifier(
        engine,
        channels,
        consumer=str(doc.get("consumer", "notify")),
        start=str(doc.get("start", "beginning")),
        contacts=contacts,
        max_attempts=int(doc.get("max_attempts", 5)),
        backoff=timedelta(seconds=float(doc.get("backoff_seconds", 30))),
    )
