"""AWS rules the local emulator enforces where moto is lenient (applied by scripts/moto_launcher.py).

Each entry of ``RULES`` is a named rule: a function that patches moto so that a request real AWS
refuses is refused here too, with AWS's error code and message. The launcher applies the rules
selected with ``PLATFORM_LOCAL_RULES`` (``all``, ``none`` or a comma list of names).
"""

from __future__ import annotations

from collections.abc import Callable

RULES: dict[str, Callable[[], None]] = {}
