# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plans for the network role: whether amazon.aws 10.1.2's ec2_vpc_net, ec2_vpc_igw,
ec2_vpc_route_table (lookup: tag) and ec2_vpc_endpoint (Gateway) would change anything, from describe answers
read once. Each ``*_differences`` filter answers a list of short reasons, [] when the module would report
changed=false. A difference the module would fix must show (a false "converged" is a bug); a false "differs"
only costs a module run, so whatever is not modelled here is answered as a difference ("not modelled: ...")."""

from __future__ import annotations

import re
from ipaddress import ip_network

from ansible.module_utils.common.dict_transformations import snake_dict_to_camel_dict
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

# Connection options every amazon.aws module takes: they do not change what the module compares.
_CONNECTION = frozenset(
    {
        "region",
        "aws_region",
        "ec2_region",
        "endpoint_url",
        "aws_endpoint_url",
        "ec2_url",
        "profile",
        "aws_profile",
        "access_key",
        "aws_access_key",
        "aws_access_key_id",
        "secret_key",
        "aws_secret_key",
        "aws_secret_access_key",
        "session_token",
        "aws_session_token",
        "security_token",
        "validate_certs",
        "aws_ca_bundle",
        "aws_config",
        "debug_botocore_endpoint_logs",
    }
)

_ENDPOINT_GONE = ("deleting", "deleted", "failed", "rejected", "expired")


def _items(response, key):
    """The list under ``key`` of a describe answer (the answer itself when it is already a list)."""
    if isinstance(response, list):
        return response
    return (response or {}).get(key) or []


def _tag_dict(tags):
    if isinstance(tags, dict):
        return tags
    return {t["Key"]: t["Value"] for t in tags or []}


def _unmodelled(wanted, modelled, defaults):
    """``not modelled: <arg>`` for each argument outside ``modelled`` not left at its ``defaults`` value."""
    found = []
    for key, value in (wanted or {}).items():
        if key in modelled or key in _CONNECTION:
            continue
        if key in defaults and value == defaults[key]:
            continue
        found.append(f"not modelled: {key}")
    return found


def _bool(value, default):
    return default if value is None else boolean(value, strict=False)


def _tag_differences(current, tags, purge_tags):
    """What amazon.aws's ensure_ec2_tags would change (compare_aws_tags): a wanted tag missing or with another
    value (compared as text), and with purge_tags the current tags outside ``tags`` (not ``aws:*``; all of them
    when ``tags`` is empty). ``tags`` None: tags are left alone."""
    if tags is None:
        return []
    current = _tag_dict(current)
    differs = []
    if purge_tags:
        if not tags:
            return [f"tag {key} would be purged" for key in sorted(current)]
        differs.extend(
            f"tag {key} would be purged" for key in sorted(current) if key not in tags and not key.startswith("aws:")
        )
    for key in sorted(tags):
        if to_text(tags[key]) != current.get(key):
            if key in current:
                differs.append(f"tag {key}: {current[key]!r} -> {to_text(tags[key])!r}")
            else:
                differs.append(f"tag {key} missing")
    return differs


# --------------------------------------------------------------------------------------------- ec2_vpc_net


def _cidr_list(cidr_block):
    """cidr_block as the module's ``type: list`` option makes it (a string is split on commas)."""
    if cidr_block is None:
        return []
    if isinstance(cidr_block, str):
        return cidr_block.split(",")
    return [str(c) for c in cidr_block]


def _associated_cidrs(vpc):
    return {
        c.get("CidrBlock")
        for c in vpc.get("CidrBlockAssociationSet") or []
        if ((c.get("CidrBlockState") or {}).get("State")) not in ("disassociating", "disassociated")
    }


def _vpc_candidates(vpcs, name, cidrs):
    """The VPCs ec2_vpc_net's lookup may find: DescribeVpcs with ``tag:Name`` = name and ``cidr-block`` in cidrs
    (then again with the first CIDR only, a subset of the first lookup). moto matches ``cidr-block`` against the
    primary CIDR only; AWS does not document that filter name for DescribeVpcs, so a VPC holding one of the
    CIDRs as a secondary block is counted too (the caller answers "not modelled" for it)."""
    wanted = set(cidrs)
    return [
        vpc
        for vpc in _items(vpcs, "Vpcs")
        if _tag_dict(vpc.get("Tags")).get("Name") == name
        and (vpc.get("CidrBlock") in wanted or wanted & _associated_cidrs(vpc))
    ]


def vpc_found(vpcs, name, cidr_block):
    """The VPC amazon.aws.ec2_vpc_net finds for ``name`` and ``cidr_block`` in a DescribeVpcs answer (read with
    the filter tag:Name=<name>): its Name tag is ``name`` and its primary CIDR one of ``cidr_block``. {} when
    none or several match (the module would then create one, or fail)."""
    candidates = _vpc_candidates(vpcs, name, _cidr_list(cidr_block))
    if len(candidates) == 1 and candidates[0].get("CidrBlock") in _cidr_list(cidr_block):
        return candidates[0]
    return {}


def vpc_differences(wanted, vpcs, dns_support_attr=None, dns_hostnames_attr=None):
    """What amazon.aws.ec2_vpc_net would change for the arguments ``wanted`` (name, cidr_block, dns_support,
    dns_hostnames, tenancy, tags, purge_tags, purge_cidrs), from a DescribeVpcs answer read with the filter
    tag:Name=<name> and the DescribeVpcAttribute answers for enableDnsSupport and enableDnsHostnames (None when
    not read: answered as a difference).

    Modelled as the module does it: the VPC is found by its Name tag and CIDR (none: "missing", it would be
    created; several: the module fails without multi_ok); then the tags (``Name`` = name added to ``tags``),
    the CIDR blocks to associate (and, with purge_cidrs, to disassociate), DNS support and DNS hostnames. The
    tenancy is only used when the VPC is created: the module never compares it."""
    wanted = dict(wanted or {})
    differs = _unmodelled(
        wanted,
        {"name", "cidr_block", "dns_support", "dns_hostnames", "tenancy", "tags", "purge_tags", "purge_cidrs"},
        {"state": "present", "vpc_id": None, "ipv6_cidr": None, "dhcp_opts_id": None, "multi_ok": False},
    )
    name = wanted.get("name")
    cidrs = _cidr_list(wanted.get("cidr_block"))
    if not name or not cidrs:
        return differs + ["not modelled: a VPC without name or cidr_block"]
    dns_support = _bool(wanted.get("dns_support"), None)
    dns_hostnames = _bool(wanted.get("dns_hostnames"), None)
    if dns_hostnames and not dns_support:
        return differs + ["dns_hostnames without dns_support: the module fails"]
    if _bool(wanted.get("multi_ok"), False):
        return differs + ["multi_ok: the module always creates a new VPC"]

    candidates = _vpc_candidates(vpcs, name, cidrs)
    if not candidates:
        return ["missing"]
    if len(candidates) > 1:
        return differs + [f"{len(candidates)} VPCs named {name} with CIDR {', '.join(cidrs)}: the module fails"]
    vpc = candidates[0]
    if vpc.get("CidrBlock") not in cidrs:
        differs.append(f"not modelled: VPC {vpc.get('VpcId')} has {', '.join(cidrs)} as a secondary CIDR only")

    tags = wanted.get("tags")
    purge_tags = _bool(wanted.get("purge_tags"), True)
    if tags is None and purge_tags:
        purge_tags = False  # update_vpc_tags: tags not given is treated as purge_tags false
    tags = dict(tags or {}, Name=name)
    differs.extend(_tag_differences(vpc.get("Tags"), tags, purge_tags))

    current = _associated_cidrs(vpc)
    differs.extend(f"CIDR {cidr} not associated" for cidr in cidrs if cidr not in current)
    if _bool(wanted.get("purge_cidrs"), False):
        differs.extend(f"CIDR {cidr} would be disassociated" for cidr in sorted(current - set(cidrs)))

    for label, value, attr, key in (
        ("DNS support", dns_support, dns_support_attr, "EnableDnsSupport"),
        ("DNS hostnames", dns_hostnames, dns_hostnames_attr, "EnableDnsHostnames"),
    ):
        if value is None:
            continue
        if not attr or key not in attr:
            differs.append(f"{label} not read")
        elif (attr[key] or {}).get("Value") != value:
            differs.append(f"{label} {(attr[key] or {}).get('Value')} -> {value}")
    return differs


# --------------------------------------------------------------------------------------------- ec2_vpc_igw


def igw_differences(wanted, igws):
    """What amazon.aws.ec2_vpc_igw would change for ``wanted`` (vpc_id, tags, purge_tags), from a
    DescribeInternetGateways answer read with the filter attachment.vpc-id=<vpc_id>.

    The module looks the gateway up by that filter only: none attached ("missing": it creates and attaches a
    new gateway, even when a detached one tagged for the VPC exists), several (it fails). Then it compares the
    first attachment's VPC and the tags. It does not look at the attachment state; a ``detaching`` or
    ``detached`` attachment is answered as a difference here anyway (the next run would create a gateway)."""
    wanted = dict(wanted or {})
    differs = _unmodelled(
        wanted,
        {"vpc_id", "tags", "purge_tags"},
        {"state": "present", "internet_gateway_id": None, "force_attach": False, "detach_vpc": False},
    )
    vpc_id = wanted.get("vpc_id")
    if not vpc_id:
        return differs + ["not modelled: an internet gateway without vpc_id"]
    gateways = [
        igw
        for igw in _items(igws, "InternetGateways")
        if any(a.get("VpcId") == vpc_id for a in igw.get("Attachments") or [])
    ]
    if not gateways:
        return ["missing"]
    if len(gateways) > 1:
        return differs + [f"{len(gateways)} internet gateways attached to {vpc_id}: the module fails"]
    igw = gateways[0]
    attachment = (igw.get("Attachments") or [{}])[0]
    if attachment.get("VpcId") != vpc_id:
        differs.append(f"attached to {attachment.get('VpcId')}")
    if attachment.get("State") in ("detaching", "detached"):
        differs.append(f"attachment {attachment.get('State')}")
    differs.extend(_tag_differences(igw.get("Tags"), wanted.get("tags"), _bool(wanted.get("purge_tags"), True)))
    return differs


# ------------------------------------------------------------------------------------- ec2_vpc_route_table

_SUBNET_RE = re.compile(r"^subnet-[A-z0-9]+$")  # the module's own pattern ([A-z] as written there)


def _tags_match(match_tags, candidate_tags):
    """The module's tags_match: every lookup tag is set with that value (compared as given, not as text)."""
    return all(k in candidate_tags and candidate_tags[k] == v for k, v in match_tags.items())


def _tables_by_tags(route_tables, vpc_id, tags):
    return [
        table
        for table in _items(route_tables, "RouteTables")
        if table.get("VpcId") == vpc_id and _tags_match(tags, _tag_dict(table.get("Tags")))
    ]


def route_table_found(route_tables, vpc_id, tags):
    """The route table amazon.aws.ec2_vpc_route_table (lookup: tag) finds in a DescribeRouteTables answer: the
    table of ``vpc_id`` carrying every tag of ``tags``. {} when none (the module would create one) or several
    (it fails)."""
    found = _tables_by_tags(route_tables, vpc_id, tags or {})
    return found[0] if len(found) == 1 else {}


def _route_specs(routes):
    """The module's create_route_spec: ``dest`` -> DestinationCidrBlock (or DestinationIpv6CidrBlock), a
    ``gateway_id`` nat-/cagw-/tgw-... renamed to its own key, camelized. Raises ValueError for what is not
    modelled (``gateway_id: igw`` is looked up by the module)."""
    specs = []
    for given in routes or []:
        spec = dict(given)
        network = ip_network(spec["dest"])  # the module's own check: a bad CIDR makes it fail
        spec["destination_ipv6_cidr_block" if network.version == 6 else "destination_cidr_block"] = spec.pop("dest")
        gateway = spec.get("gateway_id")
        if gateway and gateway.lower() == "igw":
            raise ValueError("not modelled: gateway_id igw (looked up by the module)")
        for prefix, key in (
            ("nat-", "nat_gateway_id"),
            ("cagw-", "carrier_gateway_id"),
            ("tgw-", "transit_gateway_id"),
        ):
            if spec.get("gateway_id") and spec["gateway_id"].startswith(prefix):
                spec[key] = spec.pop("gateway_id")
        specs.append(spec)
    return snake_dict_to_camel_dict(specs, capitalize_first=True)


def _spec_matches_route(spec, route):
    spec = dict(spec)
    if spec.get("GatewayId") and "nat-" in spec["GatewayId"]:
        spec["NatGatewayId"] = spec.pop("GatewayId")
    if spec.get("GatewayId") and "vpce-" in spec["GatewayId"]:
        if spec.get("DestinationCidrBlock", "").startswith("pl-"):
            spec["DestinationPrefixListId"] = spec.pop("DestinationCidrBlock")
    return all(key in route and route[key] == value for key, value in spec.items())


def _spec_matches_route_cidr(spec, route):
    if spec.get("DestinationCidrBlock") and route.get("DestinationCidrBlock"):
        return spec["DestinationCidrBlock"] == route["DestinationCidrBlock"]
    if spec.get("DestinationIpv6CidrBlock") and route.get("DestinationIpv6CidrBlock"):
        return spec["DestinationIpv6CidrBlock"] == route["DestinationIpv6CidrBlock"]
    return False


def _route_label(route):
    dest = (
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
    )
    targets = [f"{v}" for k, v in sorted(route.items()) if k.endswith("Id") and not k.startswith("Destination")]
    return f"{dest} -> {', '.join(targets) or '?'}"


def _route_differences(table, specs, purge_routes):
    """The module's ensure_routes: a spec matches a route when all its keys are equal (exact), or replaces a
    created route with its destination CIDR; unmatched specs with a destination are created; with purge_routes
    the unmatched routes with Origin CreateRoute and a DestinationCidrBlock are deleted (so never the local
    route, nor propagated routes, nor a gateway endpoint's prefix-list routes, nor IPv6 routes)."""
    remaining = list(table.get("Routes") or [])
    differs = []
    for spec in specs:
        match = None
        for index, route in enumerate(remaining):
            if _spec_matches_route(spec, route):
                match = ("exact", index)
                break
            if "Origin" in route and route["Origin"] != "EnableVgwRoutePropagation":
                if _spec_matches_route_cidr(spec, route):
                    match = ("replace", index)
                    break
        if match is None:
            if spec.get("DestinationCidrBlock") or spec.get("DestinationIpv6CidrBlock"):
                differs.append(f"route {_route_label(spec)} missing")
            continue
        if match[0] == "replace" and spec.get("DestinationCidrBlock"):
            differs.append(f"route {_route_label(remaining[match[1]])} would become {_route_label(spec)}")
        del remaining[match[1]]
    if purge_routes:
        differs.extend(
            f"route {_route_label(route)} would be purged"
            for route in remaining
            if route.get("DestinationCidrBlock") and route.get("Origin") == "CreateRoute"
        )
    return differs


def _subnet_differences(table, tables, subnets, purge_subnets):
    """The module's ensure_subnet_associations: each wanted subnet must have its (non-main) association with
    this table (one with another table is moved); with purge_subnets this table's other subnet associations
    are removed. Subnets are assumed to be in the VPC (the module drops, silently, subnet IDs of another VPC
    and fails on unknown ones)."""
    differs = []
    for subnet in subnets:
        holder = None
        for other in tables:
            if any(not a.get("Main") and a.get("SubnetId") == subnet for a in other.get("Associations") or []):
                holder = other.get("RouteTableId")
                break
        if holder is None:
            differs.append(f"subnet {subnet} not associated")
        elif holder != table.get("RouteTableId"):
            differs.append(f"subnet {subnet} associated with {holder}")
    if purge_subnets:
        differs.extend(
            f"subnet {a['SubnetId']} associated (would be purged)"
            for a in table.get("Associations") or []
            if not a.get("Main") and a.get("SubnetId") and a["SubnetId"] not in subnets
        )
    return differs


def route_table_differences(wanted, route_tables):
    """What amazon.aws.ec2_vpc_route_table would change for ``wanted`` (vpc_id, lookup: tag, tags, purge_tags,
    subnets (IDs), routes, purge_routes, purge_subnets), from a DescribeRouteTables answer holding every table
    of the VPC (filter vpc-id).

    The table is the one of the VPC carrying every wanted tag (none: "missing": the module creates a new table,
    so a changed or removed tag makes it create a second table rather than fix the tag; several: it fails).
    Then the routes (_route_differences), the tags (only purge_tags can differ: the lookup matched them), the
    subnet associations (_subnet_differences). Not modelled: lookup id, gateway_id (edge association),
    propagating_vgw_ids, subnets given by name or CIDR, ``gateway_id: igw``."""
    wanted = dict(wanted or {})
    differs = _unmodelled(
        wanted,
        {"vpc_id", "lookup", "tags", "purge_tags", "subnets", "routes", "purge_routes", "purge_subnets"},
        {"state": "present", "route_table_id": None, "gateway_id": None, "propagating_vgw_ids": None},
    )
    vpc_id = wanted.get("vpc_id")
    if (wanted.get("lookup") or "tag") != "tag":
        return differs + ["not modelled: lookup by id"]
    tags = wanted.get("tags")
    if tags is None:
        return differs + ["missing (lookup by tag without tags: the module creates a table each run)"]
    subnets = wanted.get("subnets")
    if subnets is not None:
        by_other = [str(s) for s in subnets if not _SUBNET_RE.match(s or "")]
        if by_other:
            differs.append(f"not modelled: subnets given by name or CIDR ({', '.join(by_other)})")
    try:
        specs = _route_specs(wanted.get("routes") if wanted.get("routes") is not None else [])
    except (KeyError, ValueError) as error:
        return differs + [str(error) if str(error).startswith("not modelled") else f"invalid route: {error}"]

    tables = [t for t in _items(route_tables, "RouteTables") if t.get("VpcId") == vpc_id]
    found = _tables_by_tags(tables, vpc_id, tags)
    if not found:
        return ["missing"]
    if len(found) > 1:
        return differs + [f"{len(found)} route tables carry the tags: the module fails"]
    table = found[0]
    differs.extend(_route_differences(table, specs, _bool(wanted.get("purge_routes"), True)))
    differs.extend(_tag_differences(table.get("Tags"), tags, _bool(wanted.get("purge_tags"), True)))
    if subnets is not None:
        ids = [s for s in subnets if _SUBNET_RE.match(s)]
        differs.extend(_subnet_differences(table, tables, ids, _bool(wanted.get("purge_subnets"), True)))
    return differs


# ---------------------------------------------------------------------------------------- ec2_vpc_endpoint


def vpc_endpoint_differences(wanted, endpoints):
    """What amazon.aws.ec2_vpc_endpoint would change for ``wanted`` (vpc_id, service, vpc_endpoint_type,
    route_table_ids, tags, purge_tags), from a DescribeVpcEndpoints answer read with the filter vpc-id.

    The module never updates an endpoint: it takes the first endpoint of the VPC and service whose route
    tables are exactly ``route_table_ids`` (sorted), whatever its state or type, and then only adds tags (when
    ``tags`` is not empty). With no such endpoint it creates another one, even when an endpoint of that
    service serves other route tables (on AWS that create fails with RouteAlreadyExists when a route table
    is shared; moto accepts it). A matched endpoint that is deleted/deleting/failed or of another type is
    answered as a difference here although the module would keep it."""
    wanted = dict(wanted or {})
    differs = _unmodelled(
        wanted,
        {"vpc_id", "service", "vpc_endpoint_type", "route_table_ids", "tags", "purge_tags", "wait", "wait_timeout"},
        {
            "state": "present",
            "vpc_endpoint_id": None,
            "policy": None,
            "client_token": None,
            "vpc_endpoint_subnets": None,
            "vpc_endpoint_security_groups": None,
        },
    )
    vpc_id, service = wanted.get("vpc_id"), wanted.get("service")
    endpoint_type = wanted.get("vpc_endpoint_type") or "Gateway"
    if not vpc_id or not service:
        return differs + ["not modelled: an endpoint without vpc_id or service"]
    if endpoint_type == "Gateway" and (
        wanted.get("vpc_endpoint_subnets") or wanted.get("vpc_endpoint_security_groups")
    ):
        return differs + ["subnets or security groups for a Gateway endpoint: the module fails"]
    wanted_rts = sorted(wanted.get("route_table_ids") or [])
    candidates = [
        e for e in _items(endpoints, "VpcEndpoints") if e.get("VpcId") == vpc_id and e.get("ServiceName") == service
    ]
    if any("RouteTableIds" not in e for e in candidates):
        return differs + ["not modelled: an endpoint answer without RouteTableIds"]
    match = next((e for e in candidates if sorted(e["RouteTableIds"]) == wanted_rts), None)
    if match is None:
        if not candidates:
            return ["missing"]
        others = "; ".join(
            f"{e.get('VpcEndpointId')} ({e.get('State')}) serves {sorted(e['RouteTableIds'])}" for e in candidates
        )
        return differs + [
            f"no {service} endpoint serves exactly {wanted_rts} ({others}): the module would create another "
            "endpoint (it never updates route_table_ids)"
        ]
    state = (match.get("State") or "").lower()
    if state in _ENDPOINT_GONE:
        differs.append(f"endpoint {match.get('VpcEndpointId')} is {state} (the module would keep it)")
    if match.get("VpcEndpointType") and match["VpcEndpointType"] != endpoint_type:
        differs.append(f"endpoint type {match['VpcEndpointType']} (the module does not compare it)")
    if wanted.get("tags"):
        differs.extend(_tag_differences(match.get("Tags"), wanted["tags"], _bool(wanted.get("purge_tags"), True)))
    return differs


class FilterModule:
    """Read-once plans of the network role."""

    def filters(self):
        return {
            "network_vpc_found": vpc_found,
            "network_vpc_differences": vpc_differences,
            "network_igw_differences": igw_differences,
            "network_route_table_differences": route_table_differences,
            "network_vpc_endpoint_differences": vpc_endpoint_differences,
        }
