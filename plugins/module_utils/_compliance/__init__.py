# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's code (private: import it through ``module_utils.compliance``)."""

from __future__ import annotations
