"""Fixtures of the AWX tests: the data of awx/*.yml."""

from __future__ import annotations

import pytest
from awx_support import awx_data as _awx_data


@pytest.fixture(scope="session")
def awx_data() -> dict:
    return _awx_data()
