"""Tickets that only seem to exist: what a robot gets for filling the honeypot.

A robot must not learn that it was caught, or it would simply leave the
hidden field empty next time. So it is answered as a person would be: a
ticket number, and for the plain form a redirect to a confirmation page.
Nothing is stored for it; the status token it gets instead carries a
signature, by which the confirmation page recognises the decoy and shows its
number. The token has the length and alphabet of a real one.

The signing key lives in the memory of one process: behind a load balancer
the confirmation page of a decoy made by another copy is a "not found" page,
and so is every decoy's after a restart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from ticket_schema.intake.storage import NUMBER_ALPHABET, NUMBER_GROUPS, STATUS_TOKEN_BYTES

# A real token is STATUS_TOKEN_BYTES random bytes; a decoy's is as many,
# split between a random part and its signature.
_NONCE_BYTES = 16
_SIGNATURE_BYTES = STATUS_TOKEN_BYTES - _NONCE_BYTES


class Decoys:
    """Makes and recognises decoy tickets for the languages of one definition."""

    def __init__(self, languages: Sequence[str]) -> None:
        self._languages = tuple(languages)
        self._key = secrets.token_bytes(32)

    def make(self, lang: str) -> tuple[str, str]:
        """A new decoy in `lang`: its status token and its ticket number."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        raw = nonce + self._signature(nonce, lang)
        token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return token, self._number(nonce)

    def read(self, token: str) -> tuple[str, str] | None:
        """The number and language of the decoy with this token, or None for any other token."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != STATUS_TOKEN_BYTES:
            return None
        nonce, signature = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        for lang in self._languages:
            if hmac.compare_digest(signature, self._signature(nonce, lang)):
                return self._number(nonce), lang
        return None

    def _signature(self, nonce: bytes, lang: str) -> bytes:
        message = b"token:" + nonce + b":" + lang.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def _number(self, nonce: bytes) -> str:
        # Worked out from the token with the key instead of being kept: the
        # same link always shows the same number, and the number gives
        # nothing of the key away.
        digest = hmac.new(self._key, b"number:" + nonce, hashlib.sha256).digest()
        symbols = [NUMBER_ALPHABET[byte % len(NUMBER_ALPHABET)] for byte in digest]
        groups, start = [], 0
        for size in NUMBER_GROUPS:
            groups.append("".join(symbols[start : start + size]))
            start += size
        return "-".join(groups)
