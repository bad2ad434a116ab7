"""The one place everything the proxy writes passes through: answers, recording lines, the summary and messages
lose every apikey they hold, as sent, URL-encoded or JSON-escaped (in a JSON answer, escaped in any way: the
proxy re-encodes a parsed answer that held one). An upstream that writes the key it was sent in some other
code (base64, say) is beyond any proxy: the upstream holds that key."""
from __future__ import annotations

import json
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

SECRET_PARAMS = ("apikey", "partner_key")
REDACTED = "***"
# a shorter key is replaced only where it is a whole value: inside text it would match innocent words
MIN_LENGTH = 6


def forms(secret: str) -> set[str]:
    """The spellings of `secret` that text can carry: as sent, URL-encoded (both ways), JSON-escaped (also as
    PHP's json_encode writes '/'). Other escapes are caught in the parsed answer (`ProxyApp` re-encodes it)."""
    escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return {secret, quote(secret, safe=""), quote_plus(secret, safe=""), *escaped,
            *(e.replace("/", "\\/") for e in escaped)}


class Redactor:
    """Knows the proxy's standing secrets (the key map, the shadow's key); each call may add the request's own."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets = frozenset(s for s in secrets if s)

    def _keys(self, extra: Iterable[str]) -> tuple[frozenset[str], list[str]]:
        keys = self.secrets | {s for s in extra if s}
        texts = sorted({f for k in keys if len(k) >= MIN_LENGTH for f in forms(k)}, key=len, reverse=True)
        return keys, texts

    def clean(self, value: Any, extra: Iterable[str] = ()) -> Any:
        """`value` (JSON-like: dicts, lists, strings, numbers) with every secret replaced by ***."""
        keys, texts = self._keys(extra)
        return _clean(value, keys, texts)

    def holds(self, value: Any, extra: Iterable[str] = ()) -> bool:
        """True when `value` carries a secret somewhere."""
        return self.clean(value, extra) != value

    def body(self, body: bytes, extra: Iterable[str] = ()) -> bytes:
        """Answer bytes with every secret's spellings replaced (the rest byte for byte)."""
        keys, texts = self._keys(extra)
        for text in texts:
            body = body.replace(text.encode("utf-8"), REDACTED.encode())
        return REDACTED.encode() if body.decode("utf-8", "replace") in keys else body


def _clean(value: Any, keys: frozenset[str], texts: list[str]) -> Any:
    if isinstance(value, str):
        if value in keys:
            return REDACTED
        for text in texts:
            if text in value:
                value = value.replace(text, REDACTED)
        return value
    if isinstance(value, (list, tuple)):
        return [_clean(v, keys, texts) for v in value]
    if isinstance(value, dict):
        return {_clean(str(k), keys, texts): (REDACTED if k in SECRET_PARAMS and isinstance(v, str) and v
                                              else _clean(v, keys, texts))
                for k, v in value.items()}
    return value
