# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side code of the ecs_service role's filters, ``platform_ops.aws.ecs_*``.

Ansible loads every ``.py`` file in ``plugins/filter/`` as a filter plugin file, so the code of
``plugins/filter/ecs.py`` lives here, one module per part of the role; that file maps the filter names
to it and stays the interface. Private to the collection: import from ``plugins/filter/ecs.py``.
"""

from __future__ import annotations
