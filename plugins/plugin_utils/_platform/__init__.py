# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side code of the shared filters, ``platform_ops.aws.*`` of ``plugins/filter/platform.py``.

Ansible loads every ``.py`` file in ``plugins/filter/`` as a filter plugin file, so helpers of
``plugins/filter/platform.py`` that are large enough to stand alone live here; that file maps the filter
names to them and stays the interface. Private to the collection: import from ``plugins/filter/platform.py``.
"""

from __future__ import annotations
