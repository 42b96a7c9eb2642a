# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's input rules (private: import them through ``module_utils.platform_rules``)."""

from __future__ import annotations
