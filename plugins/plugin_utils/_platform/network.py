# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network role's filters: the subnet layout of the VPC, the subnets and NAT gateways to converge, the
security group rules and route tables, and ``platform_network`` from what the info modules found.

Part of the shared filters (``plugins/filter/platform.py``), which map the filter names to this code.
"""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError

TIERS = ("public", "private", "database")
MAX_AZS = 4  # address slots reserved per tier: growing the AZ count never moves a subnet


def subnet_layout(vpc_cidr, az_count, azs=None):
    """Split the VPC CIDR into public, private and database subnets, one per AZ.

    The VPC is cut into four equal blocks (public, private, database, spare) and each tier
    block into ``MAX_AZS`` slots, so AZ *i* always gets slot *i*: raising ``az_count`` adds
    subnets and never moves an existing one.
    """
    try:
        net = ipaddress.ip_network(str(vpc_cidr), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError(f"platform_vpc_cidr {vpc_cidr!r} is not a network CIDR: {exc}") from exc
    az_count = int(az_count)
    if not 1 <= az_count <= MAX_AZS:
        raise AnsibleFilterError(f"az_count must be between 1 and {MAX_AZS}, got {az_count}")
    if azs is not None and len(azs) < az_count:
        raise AnsibleFilterError(
            f"the region offers {len(azs)} availability zones ({', '.join(azs)}) but platform_az_count is {az_count}"
        )
    blocks = list(net.subnets(prefixlen_diff=2))
    layout = []
    for tier_index, tier in enumerate(TIERS):
        slots = list(blocks[tier_index].subnets(prefixlen_diff=2))
        for index in range(az_count):
            entry = {"tier": tier, "index": index, "cidr": str(slots[index])}
            if azs is not None:
                entry["az"] = azs[index]
            layout.append(entry)
    return layout


def _tag_dict(resource):
    tags = resource.get("tags", resource.get("Tags", {}))
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags}
    return dict(tags or {})


def subnets_to_converge(layout, existing, prefix, tags):
    """The layout entries (with Name/Tier tags) whose subnet is missing or differs from ``existing``.

    ``existing`` is ``ec2_vpc_subnet_info``'s list. A no-op run then loops over nothing instead of
    calling the subnet module once per subnet.
    """
    by_cidr = {s.get("cidr_block"): s for s in existing}
    todo = []
    for entry in layout:
        want_tags = dict(tags, Name=f"{prefix}-{entry['tier']}-{entry.get('az', entry['index'])}", Tier=entry["tier"])
        item = dict(entry, tags=want_tags)
        have = by_cidr.get(entry["cidr"])
        if (
            have is None
            or have.get("availability_zone") != entry.get("az")
            or bool(have.get("map_public_ip_on_launch")) != (entry["tier"] == "public")
            or any(_tag_dict(have).get(k) != v for k, v in want_tags.items())
        ):
            todo.append(item)
    return todo


def subnets_by_tier(subnets, layout):
    """``{public: [ids in AZ order], private: [...], database: [...]}`` for the layout's CIDRs."""
    by_cidr = {s.get("cidr_block"): s.get("id", s.get("subnet_id")) for s in subnets}
    result = {tier: [] for tier in TIERS}
    for entry in layout:
        subnet_id = by_cidr.get(entry["cidr"])
        if subnet_id is None:
            raise AnsibleFilterError(f"subnet {entry['cidr']} ({entry['tier']}) was not found in the VPC")
        result[entry["tier"]].append(subnet_id)
    return result


def nat_gateway_plan(subnet_ids, existing, prefix, tags):
    """Which NAT gateways to create: one per given public subnet unless one is there already.

    ``existing`` is ``ec2_vpc_nat_gateway_info``'s ``result`` (pending/available gateways).
    Returns ``{"create": [{index, subnet_id, tags}], "ids": [gateway id or None per subnet]}``.
    """
    by_subnet = {g.get("subnet_id"): g for g in existing if g.get("state") in ("pending", "available")}
    plan = {"create": [], "ids": []}
    for index, subnet_id in enumerate(subnet_ids):
        want = dict(tags, Name=f"{prefix}-nat-{index}")
        have = by_subnet.get(subnet_id)
        if have is None or any(_tag_dict(have).get(k) != v for k, v in want.items()):
            plan["create"].append({"index": index, "subnet_id": subnet_id, "tags": want})
        plan["ids"].append(have.get("nat_gateway_id") if have else None)
    return plan


def pick_nat_id(pair, created_results):
    """``(existing id or None, index)`` -> that id, or the id the loop just created for the index."""
    existing, index = pair
    if existing:
        return existing
    for result in created_results:
        if result.get("item", {}).get("index") == index:
            return result.get("nat_gateway_id")
    raise AnsibleFilterError(f"no NAT gateway was found or created for AZ index {index}")


def network_facts(found, prefix):
    """Build ``platform_network`` from what the info modules found (network role's facts.yml)."""
    subnets = found["subnets"]
    by_tier = {tier: [] for tier in TIERS}
    for subnet in sorted(subnets, key=lambda s: s.get("availability_zone", "")):
        tier = _tag_dict(subnet).get("Tier")
        if tier in by_tier:
            by_tier[tier].append(subnet)
    tables = {_tag_dict(t).get("Name"): t for t in found["route_tables"]}
    private_tables = sorted(
        (t for name, t in tables.items() if name and name.startswith(f"{prefix}-private-")),
        key=lambda t: _tag_dict(t).get("Name"),
    )
    nat_by_subnet = {n.get("subnet_id"): n.get("nat_gateway_id") for n in found["nat_gateways"]}
    groups = {g.get("group_name"): g.get("group_id") for g in found["security_groups"]}
    return {
        "vpc_id": found["vpc"]["id"],
        "vpc_cidr": found["vpc"]["cidr_block"],
        "availability_zones": [s["availability_zone"] for s in by_tier["public"]],
        "public_subnet_ids": [s["id"] for s in by_tier["public"]],
        "private_subnet_ids": [s["id"] for s in by_tier["private"]],
        "database_subnet_ids": [s["id"] for s in by_tier["database"]],
        "nat_gateway_ids": [nat_by_subnet[s["id"]] for s in by_tier["public"] if s["id"] in nat_by_subnet],
        "private_route_table_ids": [t["id"] for t in private_tables],
        "database_route_table_id": (tables.get(f"{prefix}-database") or {}).get("id", ""),
        "security_groups": {
            tier: groups[f"{prefix}-{tier}"]
            for tier in ("alb", "app", "database", "cache", "search", "endpoints")
            if f"{prefix}-{tier}" in groups
        },
    }


def sg_rule_from_cidr(pair):
    """``[cidr, port]`` -> an ec2_security_group ingress rule (used with ``product``)."""
    cidr, port = pair
    return {
        "proto": "tcp",
        "ports": [int(port)],
        "cidr_ip": cidr,
        "rule_desc": f"HTTP{'S' if int(port) == 443 else ''} to the ALB",
    }


def non_main_route_tables(route_tables):
    """Route tables that are not their VPC's main table (the main one goes with the VPC)."""
    return [rt for rt in route_tables if not any(a.get("main") or a.get("Main") for a in rt.get("associations") or [])]
