# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's concurrency: its requests wait on AWS, one after the other within a control or a resource, so the
engine evaluates controls at once (``engine.WORKERS``) and a control its resources at once (``map_ordered``). The
auditor's client cache and memo are thread-safe (``client.Auditor``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

# Calls made at once by one map_ordered: few enough for AWS's request rates (AWSRetry backs off on throttling).
RESOURCE_WORKERS = 8


def map_ordered(function, items, workers=RESOURCE_WORKERS):
    """``[function(item) for item in items]``, the calls made on up to ``workers`` threads (they wait on AWS), the
    results in ``items``' order; the first exception, in that order, is raised."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))
