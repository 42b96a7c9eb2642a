# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules on AWS regions (``platform_region``, ``platform_dr_region``) and on the API endpoint
(``platform_aws_endpoint_url``: https://, or http:// to a loopback host only)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# --- regions and endpoints ---------------------------------------------------------------------

# AWS region names (partitions aws, aws-cn, aws-us-gov, aws-eusc); botocore's offline partition
# data is added at run time so a newer botocore knows newer regions.
AWS_REGIONS = {
    "aws": (
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
        "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
        "us-west-1", "us-west-2",
    ),
    "aws-cn": ("cn-north-1", "cn-northwest-1"),
    "aws-us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "aws-eusc": ("eusc-de-east-1",),
}  # fmt: skip


def region_partitions():
    """``{region: partition}`` of every known AWS region (the list above and botocore's data, offline)."""
    regions = {region: partition for partition, names in AWS_REGIONS.items() for region in names}
    try:
        import botocore.session  # noqa: PLC0415 - optional, offline partition data

        session = botocore.session.Session()
        for partition in session.get_available_partitions():
            for region in session.get_available_regions("ec2", partition_name=partition):
                regions.setdefault(region, partition)
    except Exception:  # noqa: BLE001, S110 - the static list stands alone
        pass
    return regions


def region_errors(region, dr_region=""):
    """``platform_region`` and ``platform_dr_region``: real AWS region names, the DR region another
    region of the same partition."""
    known = region_partitions()
    errors = []
    if not isinstance(region, str) or region not in known:
        errors.append(f"platform_region {region!r} is not an AWS region name (e.g. us-east-1)")
    dr = dr_region or ""
    if dr:
        if not isinstance(dr, str) or dr not in known:
            errors.append(f"platform_dr_region {dr!r} is not an AWS region name (e.g. us-west-2), or leave it empty")
        elif dr == region:
            errors.append(
                f"platform_dr_region {dr!r} equals platform_region: the DR copies must live in another region "
                "(or leave platform_dr_region empty)"
            )
        elif region in known and known[dr] != known[region]:
            errors.append(
                f"platform_dr_region {dr!r} is in partition {known[dr]}, platform_region {region!r} in "
                f"{known[region]}: replication works within one partition only"
            )
    return errors


def is_loopback_host(host):
    """True for ``localhost``, 127.0.0.0/8 and ::1: traffic that never leaves the control node."""
    host = str(host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_url_errors(url, env, allow_insecure=False):
    """``platform_aws_endpoint_url``: empty (AWS), an https:// URL, or http:// to a loopback host only
    (the local emulator). In prod, even loopback http:// needs ``platform_allow_insecure_endpoint: true``
    (a prod-shaped inventory pointed at the emulator); never a URL with credentials in it."""
    if not url:
        return []
    url = str(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return [f"platform_aws_endpoint_url {url!r} must be an http(s) URL or empty"]
    if parts.username or parts.password:
        return ["platform_aws_endpoint_url must not carry credentials (user:password@)"]
    if parts.scheme == "https":
        return []
    if not is_loopback_host(host):
        return [
            f"platform_aws_endpoint_url {url!r} is plain http:// to {host}: AWS API calls (and the secrets they "
            "return) would cross the network unencrypted; use https://, or http:// only to a loopback host "
            "(127.0.0.1, localhost, ::1)"
        ]
    if env == "prod" and not allow_insecure:
        return [
            f"platform_aws_endpoint_url {url!r} is plain http:// in prod: prod talks to AWS over https:// "
            "(leave it empty); for a prod-shaped inventory on the local emulator set "
            "platform_allow_insecure_endpoint: true"
        ]
    return []
