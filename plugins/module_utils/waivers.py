# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every waiver of the collection shares (the compliance audit's, the image gate's): a
non-empty reason and an expiry date ``YYYY-MM-DD``, the last day the waiver applies."""

from __future__ import annotations

import datetime
import re

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def waiver_terms(waiver, where, errors):
    """``(reason, expiry date)`` of ``waiver``; appends to ``errors`` what is wrong. The date is
    ``None`` when it is not a valid ``YYYY-MM-DD`` (the waiver must then be left out)."""
    reason = str(waiver.get("reason") or "").strip()
    if not reason:
        errors.append(f"{where}: reason is required and must not be empty")
    expires = str(waiver.get("expires") or "").strip()
    try:
        if not _DATE_RE.match(expires):
            raise ValueError(expires)
        return reason, datetime.date.fromisoformat(expires)
    except ValueError:
        errors.append(f"{where}: expires must be a date YYYY-MM-DD, got {waiver.get('expires')!r}")
        return reason, None
