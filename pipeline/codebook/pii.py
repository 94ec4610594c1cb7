"""Removing personal data from free text before it reaches the warehouse.

Whole PII columns (names, e-mails, phone numbers, IP addresses) are dropped at ingest by the codebook. Free text
can still carry an e-mail address or a phone number typed by the respondent; those are replaced by ``[fjernet]``.
"""

from __future__ import annotations

import re

REDACTED = "[fjernet]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Norwegian phone numbers: 8 digits, optionally +47/0047, optionally grouped by spaces (e.g. "+47 22 33 44 55").
PHONE = re.compile(r"(?:(?:\+|\b00)47 ?)?(?<![\d-])(?:\d{8}|\d{2} \d{2} \d{2} \d{2}|\d{3} \d{2} \d{3})(?![\d-])")
IPV4 = re.compile(r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)")


def scrub_text(text: str) -> tuple[str, int]:
    """Text with e-mail addresses, phone numbers and IP addresses replaced; and how many were replaced."""
    count = 0
    for pattern in (EMAIL, IPV4, PHONE):
        text, n = pattern.subn(REDACTED, text)
        count += n
    return text, count


def contains_pii(text: str) -> bool:
    """True when free text still holds something that looks like an e-mail, phone number or IP address."""
    return bool(EMAIL.search(text) or PHONE.search(text) or IPV4.search(text))
