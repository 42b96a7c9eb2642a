# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules of disaster recovery (issue 14): the DR network, certificate and DNS names."""

from __future__ import annotations

import ipaddress
import re

# --- disaster recovery (issue 14): the DR network, certificate and DNS names ----------------------

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
DNS_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def private_network(cidr, low=16, high=24):
    """``cidr`` as an ``IPv4Network`` when it is a /low-/high range inside the private ranges (RFC 1918),
    else a ``ValueError`` saying why."""
    net = ipaddress.ip_network(str(cidr), strict=True)
    if net.version != 4 or not low <= net.prefixlen <= high:
        raise ValueError(f"not a /{low} to /{high} IPv4 range")
    if not any(net.subnet_of(ipaddress.ip_network(p)) for p in PRIVATE_RANGES):
        raise ValueError("not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
    return net


def dr_vpc_cidr(primary_cidr):
    """The DR VPC's default CIDR: the block of the same size right after ``primary_cidr`` (for a /16 the
    second octet + 1: 10.20.0.0/16 -> 10.21.0.0/16), so the two never overlap and can be peered.
    Raises ``ValueError`` naming ``platform_dr_vpc_cidr`` when that block leaves the private range."""
    net = ipaddress.ip_network(str(primary_cidr), strict=True)
    following = int(net.broadcast_address) + 1
    try:
        candidate = ipaddress.ip_network(f"{ipaddress.ip_address(following)}/{net.prefixlen}")
        return str(private_network(candidate, 16, 24))
    except ValueError as exc:
        raise ValueError(
            f"platform_dr_vpc_cidr cannot be derived from platform_vpc_cidr {primary_cidr!s}: the next "
            f"/{net.prefixlen} block is not a private range ({exc}); set platform_dr_vpc_cidr to a /16 to /24 "
            "private range that does not overlap platform_vpc_cidr"
        ) from exc


def is_fqdn(name):
    """A lowercase DNS name of at least two labels (no trailing dot)."""
    name = str(name or "").lower().rstrip(".")
    labels = name.split(".")
    return len(name) <= 253 and len(labels) >= 2 and all(DNS_LABEL_RE.match(label) for label in labels)


def dr_errors(config):
    """The DR and DNS variables (issue 14); ``config`` holds the public variables. Messages, empty when valid.

    - ``platform_dr_vpc_cidr``: a /16 to /24 private range that does not overlap ``platform_vpc_cidr``
      (default: derived by ``dr_vpc_cidr``, which must then be possible);
    - the pilot light (``platform_dr_pilot_light``, default on with a DR region) needs a DR region, and in
      staging and prod ``platform_dr_certificate_arn`` (its region is checked by the certificate checks);
    - ``platform_dns_zone`` and ``platform_dns_name`` go together, the name inside the zone.
    """
    errors = []
    dr_region = str(config.get("platform_dr_region") or "")
    pilot = config.get("platform_dr_pilot_light")
    pilot = bool(dr_region) if pilot is None or pilot == "" else _truthy(pilot)
    if pilot and not dr_region:
        errors.append("platform_dr_pilot_light is true but platform_dr_region is empty: set the DR region")
    primary = config.get("platform_vpc_cidr")
    dr_cidr = str(config.get("platform_dr_vpc_cidr") or "")
    if dr_cidr:
        try:
            net = private_network(dr_cidr, 16, 24)
        except ValueError as exc:
            errors.append(f"platform_dr_vpc_cidr {dr_cidr!r} must be a /16 to /24 private IPv4 range: {exc}")
        else:
            try:
                if net.overlaps(ipaddress.ip_network(str(primary), strict=True)):
                    errors.append(
                        f"platform_dr_vpc_cidr {dr_cidr} overlaps platform_vpc_cidr {primary}: the two networks must "
                        "not overlap (peering, and a restore across regions)"
                    )
            except ValueError:
                pass  # platform_vpc_cidr's own rule names it
    elif dr_region and pilot:
        try:
            dr_vpc_cidr(ipaddress.ip_network(str(primary), strict=True))
        except ValueError as exc:
            if "platform_dr_vpc_cidr" in str(exc):
                errors.append(str(exc))
    env = config.get("platform_env")
    dr_cert = str(config.get("platform_dr_certificate_arn") or "")
    if pilot and dr_region and env in ("staging", "prod") and not dr_cert:
        errors.append(
            f"platform_dr_certificate_arn is empty: the DR pilot light's load balancer in {dr_region} must serve "
            f"HTTPS in {env}; set it to an ISSUED ACM certificate in {dr_region} (or platform_dr_pilot_light: false)"
        )
    zone = str(config.get("platform_dns_zone") or "").lower().rstrip(".")
    name = str(config.get("platform_dns_name") or "").lower().rstrip(".")
    if bool(zone) != bool(name):
        errors.append(
            "platform_dns_zone and platform_dns_name go together: set both (the existing Route 53 hosted zone and "
            "the application's name in it) or neither"
        )
    if zone and not is_fqdn(zone):
        errors.append(f"platform_dns_zone {zone!r} is not a DNS zone name (e.g. example.org)")
    if name and not is_fqdn(name):
        errors.append(f"platform_dns_name {name!r} is not a DNS name (e.g. app.example.org)")
    elif zone and name and not name.endswith("." + zone):
        errors.append(f"platform_dns_name {name!r} is not inside platform_dns_zone {zone!r} (e.g. app.{zone})")
    return errors


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)
