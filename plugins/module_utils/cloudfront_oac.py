# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rule for a CloudFront origin access control's configuration: what the cloudfront_origin_access_control
module converges and what the ecs_service role's read-once plan compares (plugins/filter/plans.py)."""

from __future__ import annotations

CONFIG_KEYS = ("Name", "Description", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType")


def normalise(item):
    """An OriginAccessControlSummary (or Id + OriginAccessControlConfig) with every config key present."""
    out = {key: item.get(key) or "" for key in CONFIG_KEYS}
    if item.get("Id"):
        out = {"Id": item["Id"], **out}
    return out


def desired_config(name, description, signing_protocol, signing_behavior, origin_type):
    return {
        "Name": name,
        "Description": description or "",
        "SigningProtocol": signing_protocol,
        "SigningBehavior": signing_behavior,
        "OriginAccessControlOriginType": origin_type,
    }


def named(items, name):
    """The summaries (ListOriginAccessControls' Items) named ``name``, normalised."""
    return [normalise(item) for item in items or [] if item.get("Name") == name]


def converged(current, desired):
    """Whether the control ``current`` (normalised, or None) already has the ``desired`` configuration."""
    return current is not None and all(current[key] == desired[key] for key in CONFIG_KEYS)
