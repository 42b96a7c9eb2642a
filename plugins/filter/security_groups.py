# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plan of ``amazon.aws.ec2_security_group`` (amazon.aws 10.1.2): whether the module would change a
group, decided from one ``ec2.describe_security_groups`` response (the groups of the VPC, as ``aws_read``
returns it), so a role runs the module only when something differs.

The comparison is the module's own (``ensure_present``), redone on the same data:

- the group is found by name in the VPC (``group_exists``); none found: ``missing`` (the module creates it);
- the tags (``ensure_ec2_tags``/``compare_aws_tags``): with ``purge_tags`` false the wanted tags must be set with
  their values (as text), other tags are left alone; with it true (the module's default) the others, but ``aws:*``
  tags, are removed; ``tags: {}`` with ``purge_tags`` removes every tag; no ``tags``: tags are not touched;
- the rules: each wanted rule is expanded as the module expands it (one rule per port or port range ``"a-b"`` and per
  source: ``cidr_ip``, ``cidr_ipv6``, ``ip_prefix``, ``group_id``, ``group_name``), a protocol ``all``, ``-1`` or a
  number has no ports, a ``cidr_ip`` is normalised by ``ipaddress``, a ``group_name`` is this group itself or a
  group of that name in the VPC. The existing permissions become the same (ports, protocol, target, target type,
  description) tuples. Then, as the module does: a wanted rule equal to an existing one but for its description
  is a description update; a wanted rule not present (description included) is added; with ``purge_rules``
  (default true) an existing ingress rule that no wanted rule matches (descriptions ignored; ``(-1, -1)`` and no
  ports are the same for one protocol) is revoked; the same for egress with ``purge_rules_egress`` (default true)
  but only when ``rules_egress`` is given;
- ``rules_egress`` omitted: the module leaves the egress rules alone (it adds the default allow-all rule only to
  its view of the present rules, it never authorizes nor revokes one). ``rules`` omitted with ``purge_rules``:
  every ingress rule is revoked (the module's documented behaviour).

Not a difference, because the module changes nothing for it: a group description that differs (the module only
warns: a description cannot be changed).

Anything this does not model exactly answers a difference ``not modelled: ...`` (a false "differs" only costs
a module run; a false "converged" would leave drift in place): arguments other than the ones listed in
``security_group_differences``, a missing ``vpc_id``, ``state: absent``, null values, foreign group ids
(``owner/sg-id/name``), IPv4/IPv6 CIDRs with host bits set, a rule without ports for a protocol that needs them,
several groups of the name, a paginated (partial) response.
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

# The module's Rule tuple: equality (and set membership) includes the description, as the module's does.
Rule = namedtuple("Rule", ["port_range", "protocol", "target", "target_type", "description"])

_SOURCES = ("cidr_ip", "cidr_ipv6", "group_id", "group_name", "ip_prefix")  # sorted, as the module expands them
_PORTS = ("from_port", "to_port", "ports", "icmp_type", "icmp_code")
_RULE_OPTIONS = {*_SOURCES, *_PORTS, "rule_desc", "group_desc", "proto"}
_MUTUALLY_EXCLUSIVE = (
    ("ports", "to_port"),
    ("ports", "from_port"),
    ("ports", "icmp_type"),
    ("ports", "icmp_code"),
    ("icmp_type", "to_port"),
    ("icmp_code", "to_port"),
    ("icmp_type", "from_port"),
    ("icmp_code", "from_port"),
)
# Connection options of every amazon.aws module: they choose where the module runs, not what it compares.
_CONNECTION_OPTIONS = {
    "access_key",
    "aws_access_key_id",
    "aws_access_key",
    "ec2_access_key",
    "secret_key",
    "aws_secret_access_key",
    "aws_secret_key",
    "ec2_secret_key",
    "session_token",
    "aws_session_token",
    "security_token",
    "aws_security_token",
    "access_token",
    "profile",
    "aws_profile",
    "endpoint_url",
    "ec2_url",
    "aws_endpoint_url",
    "s3_url",
    "region",
    "aws_region",
    "ec2_region",
    "validate_certs",
    "aws_ca_bundle",
    "aws_config",
    "debug_botocore_endpoint_logs",
}
# option -> its aliases in the module's argument_spec
_OPTIONS = {
    "name": (),
    "description": (),
    "vpc_id": (),
    "state": (),
    "rules": (),
    "rules_egress": ("egress_rules",),
    "purge_rules": (),
    "purge_rules_egress": ("purge_egress_rules",),
    "tags": ("resource_tags",),
    "purge_tags": (),
}
_FOREIGN_GROUP = re.compile(r"^([^/]+)/?(sg-\S+)?/(\S+)")  # the module's FOREIGN_SECURITY_GROUP_REGEX


class _NotModelled(Exception):
    """An argument shape (or a response) this comparator does not model: answered as a difference."""


def _groups(response):
    if response is None:
        return []
    if isinstance(response, list):
        return response
    if response.get("NextToken"):
        raise _NotModelled("a partial (paginated) describe_security_groups response")
    return response.get("SecurityGroups") or []


def security_group_id(response, name, vpc_id=None):
    """The GroupId of the group ``name`` (in ``vpc_id`` when given) in a describe_security_groups response;
    ``""`` when there is none, or more than one (several VPCs, no ``vpc_id``)."""
    try:
        found = [
            g for g in _groups(response) if g.get("GroupName") == name and (not vpc_id or g.get("VpcId") == vpc_id)
        ]
    except _NotModelled:
        return ""
    return (found[0].get("GroupId") or "") if len(found) == 1 else ""


def _option(wanted, name):
    present = [key for key in (name, *_OPTIONS[name]) if key in wanted]
    if len(present) > 1:
        raise _NotModelled(f"both {' and '.join(present)}")
    if not present:
        return False, None
    value = wanted[present[0]]
    if value is None:
        raise _NotModelled(f"{present[0]}: null")
    return True, value


def _bool(wanted, name, default):
    given, value = _option(wanted, name)
    if not given:
        return default
    try:
        return boolean(value, strict=True)
    except TypeError as e:
        raise _NotModelled(f"{name}: {value!r}") from e


def _str(value, what):
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # Ansible converts an int option of type str
    raise _NotModelled(f"{what}: {value!r}")


def _int(value, what):
    if isinstance(value, bool):
        raise _NotModelled(f"{what}: {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError as e:
        raise _NotModelled(f"{what}: {value!r}") from e


def _list(value, what):
    """Ansible's ``type: list``: a string is split on commas, a number is a one-item list."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    raise _NotModelled(f"{what}: {value!r}")


def _flatten(targets, what):
    """The module's (deprecated) flattening of nested cidr lists; anything else than text is not modelled (the
    module would silently drop it)."""
    for target in targets:
        if isinstance(target, list):
            yield from _flatten(target, what)
        elif isinstance(target, str):
            yield target
        else:
            raise _NotModelled(f"{what}: {target!r}")


def _ports(values, what):
    """The module's expand_ports_list: ``"80"`` -> (80, 80), ``"8000-8100"`` -> (8000, 8100), sorted."""
    expanded = []
    for port in values:
        text = _str(port, what)
        try:
            pair = (int(text.strip()),) * 2
        except ValueError:
            if "-" not in text:
                raise _NotModelled(f"{what}: port {port!r}") from None
            try:
                pair = [int(p.strip()) for p in text.split("-", 1)]
            except ValueError:
                raise _NotModelled(f"{what}: port {port!r}") from None
        expanded.append(tuple(sorted(pair)))
    return expanded


def _expand(rules, what):
    """The module's argument validation, flatten_nested_targets, validate_rule and expand_rules: a list of dicts
    with ``proto``, ``from_port``/``to_port`` (when the rule has ports), one source key and its value,
    ``rule_desc`` and ``group_desc``."""
    expanded = []
    for index, rule in enumerate(_list(rules, what)):
        where = f"{what}[{index}]"
        if not isinstance(rule, dict):
            raise _NotModelled(f"{where}: {rule!r}")
        unknown = set(rule) - _RULE_OPTIONS
        if unknown:
            raise _NotModelled(f"{where}: {', '.join(sorted(unknown))}")
        nulls = [key for key, value in rule.items() if value is None]
        if nulls:
            raise _NotModelled(f"{where}: {', '.join(sorted(nulls))} null")
        for pair in _MUTUALLY_EXCLUSIVE:
            if all(key in rule for key in pair):
                raise _NotModelled(f"{where}: both {' and '.join(pair)} (the module fails)")
        if "icmp_code" in rule and "icmp_type" not in rule:
            raise _NotModelled(f"{where}: icmp_code without icmp_type (the module fails)")
        proto = _str(rule.get("proto", "tcp"), f"{where}.proto")
        if ("icmp_type" in rule or "icmp_code" in rule) and "icmp" not in proto:
            raise _NotModelled(f"{where}: icmp_type/icmp_code without an icmp proto (the module fails)")
        if "icmp_type" in rule:
            ports = [(_int(rule["icmp_type"], where), _int(rule["icmp_code"], where) if "icmp_code" in rule else None)]
        elif "from_port" in rule or "to_port" in rule:
            ports = [
                (
                    _int(rule["from_port"], where) if "from_port" in rule else None,
                    _int(rule["to_port"], where) if "to_port" in rule else None,
                )
            ]
        elif "ports" in rule:
            ports = _ports(_list(rule["ports"], f"{where}.ports"), f"{where}.ports")  # [] expands to no rule
        else:
            ports = [None]
        sources = []
        for key in _SOURCES:
            if key not in rule:
                continue
            values = _list(rule[key], f"{where}.{key}")
            if key in ("cidr_ip", "cidr_ipv6"):
                values = list(_flatten(values, f"{where}.{key}"))
            else:
                values = [_str(v, f"{where}.{key}") for v in values]
            sources.extend((key, value) for value in values)
        if not sources:
            raise _NotModelled(f"{where}: no source/target (the module fails)")
        desc = _str(rule["rule_desc"], f"{where}.rule_desc") if "rule_desc" in rule else None
        group_desc = _str(rule["group_desc"], f"{where}.group_desc") if "group_desc" in rule else ""
        for port in ports:
            for key, value in sources:
                expanded.append(
                    {
                        "proto": proto,
                        "ports": port,
                        "source": key,
                        "value": value,
                        "desc": desc,
                        "group_desc": group_desc,
                    }
                )
    return expanded


def _cidr(value, what):
    """The module's validate_ip, for what it does without a warning: a network without host bits, normalised."""
    if len(value.split("/")) != 2:
        return value  # passed on as is (AWS rejects it): never equal to an existing rule
    try:
        return str(ipaddress.ip_network(to_text(value)))
    except ValueError as e:
        raise _NotModelled(f"{what} {value} (host bits set or not a CIDR)") from e


class _Context:
    """What the module knows when it resolves rule targets: the group, the VPC's groups, the account."""

    def __init__(self, group, vpc_groups, name, differences):
        self.group = group
        self.by_name = {}
        for g in vpc_groups:
            self.by_name.setdefault(g.get("GroupName"), []).append(g)
        self.name = name
        self.differences = differences

    @property
    def account(self):
        # The module compares group targets with the caller's account id (STS): the group's owner, as the
        # module manages a group of its own account.
        owner = self.group.get("OwnerId")
        if not owner:
            raise _NotModelled("the group has no OwnerId")
        return owner


def _target(rule, ctx):
    """The module's get_target_from_rule: (target_type, target)."""
    source, value = rule["source"], rule["value"]
    if source == "group_id":
        if not value:
            raise _NotModelled("an empty group_id (the module fails)")
        if _FOREIGN_GROUP.match(value):
            raise _NotModelled(f"foreign group {value}")
        return "group", (ctx.account, value, None)
    if source == "group_name":
        if value == ctx.name:
            return "group", (ctx.account, ctx.group["GroupId"], None)
        found = ctx.by_name.get(value) or []
        if len(found) > 1:
            raise _NotModelled(f"{len(found)} groups named {value}")
        if found:
            return "group", (ctx.account, found[0]["GroupId"], None)
        # Not in the VPC: the module would use a group of that name in another VPC (not in the response), or
        # create it (with group_desc), or fail: a difference in all cases.
        if not rule["group_desc"].strip():
            raise _NotModelled(f"group {value} not found and no group_desc (the module looks it up or fails)")
        ctx.differences.append(f"group {value} to be created")
        return "group", (ctx.account, f"<new {value}>", None)
    if source in ("cidr_ip", "cidr_ipv6"):
        return ("ipv4" if source == "cidr_ip" else "ipv6"), _cidr(value, source)
    return "ip_prefix", value


def _wanted_rules(expanded, ctx, what):
    rules = []
    for rule in expanded:
        target_type, target = _target(rule, ctx)
        proto, ports = rule["proto"], rule["ports"]
        numeric = True
        try:
            int(proto)
        except ValueError:
            numeric = False
        if proto in ("all", "-1") or numeric:
            proto, ports = ("-1" if proto == "all" else proto), (None, None)
        elif ports is None:
            raise _NotModelled(f"{what}: a {proto} rule without ports (the module fails)")
        rules.append(Rule(ports, to_text(proto), target, target_type, rule["desc"]))
    return rules


def _current_rules(permissions, ctx):
    """The module's rule_from_group_permission over a group's IpPermissions or IpPermissionsEgress."""
    rules = []
    for perm in permissions or []:
        if "FromPort" not in perm and "ToPort" not in perm:
            ports = (None, None)
        else:
            ports = (int(perm["FromPort"]), int(perm["ToPort"]))
        proto = to_text(perm["IpProtocol"])
        for key, subkey, target_type in (
            ("IpRanges", "CidrIp", "ipv4"),
            ("Ipv6Ranges", "CidrIpv6", "ipv6"),
            ("PrefixListIds", "PrefixListId", "ip_prefix"),
        ):
            for r in perm.get(key) or []:
                rules.append(Rule(ports, proto, r[subkey], target_type, r.get("Description")))
        for pair in perm.get("UserIdGroupPairs") or []:
            if "UserId" not in pair:
                raise _NotModelled("a group pair without UserId")
            if pair["UserId"].startswith("amazon-"):
                target = (pair["UserId"], None, pair.get("GroupName"))
            else:
                target = (pair["UserId"], pair.get("GroupId"), None)
            rules.append(Rule(ports, proto, target, "group", pair.get("Description")))
    return rules


def _rule_cmp(a, b):
    """The module's rule_cmp: equal but for the description; (-1, -1) and no ports are one for one protocol."""
    if a.protocol != b.protocol:
        return False
    any_port = ((None, None), (-1, -1))
    if not (a.port_range in any_port and b.port_range in any_port) and a.port_range != b.port_range:
        return False
    return a.target == b.target and a.target_type == b.target_type


def _show(rule, direction):
    start, end = rule.port_range
    if (start, end) == (None, None):
        ports = ""
    elif start == end:
        ports = f" {start}"
    else:
        ports = f" {start}-{end}"
    if rule.target_type == "group":
        target = rule.target[1] or rule.target[2]
    else:
        target = rule.target
    return f"{direction} {rule.protocol}{ports} {'from' if direction == 'ingress' else 'to'} {target}"


def _rule_differences(direction, wanted, current, purge, differences):
    """ensure_present's rule part: description updates, revokes, authorizations."""
    present = set(wanted) | set(current)
    if purge:
        for p in sorted(present, key=repr):
            if not any(_rule_cmp(p, b) for b in wanted):
                differences.append(f"{_show(p, direction)} to be purged")
    updated = set()
    for r in sorted(set(wanted), key=repr):
        others = sorted({p.description or "" for p in present if _rule_cmp(r, p) and p.description != r.description})
        if others:
            updated.add(r)
            differences.append(
                f"rule description differs: {_show(r, direction)}: {' / '.join(map(repr, others))} -> "
                f"{r.description or ''!r}"
            )
    for r in sorted(set(wanted) - updated - set(current), key=repr):
        differences.append(f"{_show(r, direction)} missing")


def _tag_differences(group, tags, purge_tags):
    """ensure_ec2_tags with compare_aws_tags."""
    if tags is None:
        return []
    if not isinstance(tags, dict) or not all(isinstance(k, str) for k in tags):
        raise _NotModelled(f"tags: {tags!r}")
    current = {t["Key"]: t["Value"] for t in group.get("Tags") or []}
    differences = []
    unset = [k for k in current if k not in tags and not k.startswith("aws:")] if purge_tags else []
    if purge_tags and not tags:
        unset = list(current)
    differences.extend(f"tag {k} to be purged" for k in sorted(unset))
    for key in sorted(set(tags) - set(unset)):
        if key not in current:
            differences.append(f"tag {key} missing")
        elif to_text(tags[key]) != current[key]:
            differences.append(f"tag {key} differs")
    return differences


def _differences(wanted, response, vpc_id):
    if not isinstance(wanted, dict):
        raise _NotModelled(f"arguments {wanted!r}")
    known = set(_OPTIONS) | {a for aliases in _OPTIONS.values() for a in aliases} | _CONNECTION_OPTIONS
    unknown = set(wanted) - known
    if unknown:
        raise _NotModelled(", ".join(sorted(unknown)))
    given, state = _option(wanted, "state")
    if given and state != "present":
        raise _NotModelled(f"state {state}")
    name = _str(_option(wanted, "name")[1], "name") if "name" in wanted else None
    description = wanted.get("description")
    if not name or not isinstance(description, str):
        raise _NotModelled("no name or no description (the module fails)")
    vpc = wanted.get("vpc_id")
    if not vpc:
        # Without a vpc_id the module looks for the group in every VPC and creates it in the default one.
        raise _NotModelled("no vpc_id")
    if vpc_id and vpc_id != vpc:
        raise _NotModelled(f"the response lists {vpc_id}, the group is wanted in {vpc}")
    if any(ch in name for ch in "*?"):
        raise _NotModelled(f"a wildcard in the name {name} (the module's group-name filter)")
    has_rules, rules = _option(wanted, "rules")
    has_egress, rules_egress = _option(wanted, "rules_egress")
    purge_rules = _bool(wanted, "purge_rules", True)
    purge_rules_egress = _bool(wanted, "purge_rules_egress", True)
    purge_tags = _bool(wanted, "purge_tags", True)
    tags = _option(wanted, "tags")[1]
    ingress = _expand(rules, "rules") if has_rules else None
    egress = _expand(rules_egress, "rules_egress") if has_egress else None

    vpc_groups = [g for g in _groups(response) if g.get("VpcId") == vpc]
    found = [g for g in vpc_groups if g.get("GroupName") == name]
    if not found:
        return ["missing"]
    if len(found) > 1:
        raise _NotModelled(f"{len(found)} groups named {name}")
    group = found[0]
    # A description that differs is not a difference: the module only warns (it cannot change it).
    differences = _tag_differences(group, tags, purge_tags)
    ctx = _Context(group, vpc_groups, name, differences)
    wanted_in = _wanted_rules(ingress or [], ctx, "rules")
    wanted_out = _wanted_rules(egress or [], ctx, "rules_egress")
    current_in = _current_rules(group.get("IpPermissions"), ctx)
    current_out = _current_rules(group.get("IpPermissionsEgress"), ctx)
    if egress is None:
        # The module's default egress handling: the allow-all rule joins the wanted rules when present, else
        # the present ones; without rules_egress nothing is purged, so egress is never changed.
        default = Rule((None, None), "-1", "0.0.0.0/0", "ipv4", None)
        if default in current_out:
            wanted_out.append(default)
        else:
            current_out.append(default)
    _rule_differences("ingress", wanted_in, current_in, purge_rules, differences)
    _rule_differences("egress", wanted_out, current_out, purge_rules_egress and egress is not None, differences)
    return differences


def security_group_differences(wanted, response, vpc_id=None):
    """What ``amazon.aws.ec2_security_group`` would change, one short sentence per difference; ``[]``: the
    module would report ``changed: false``.

    ``wanted``: the module's arguments as the task passes them (its defaults not applied): name, description,
    vpc_id, rules, rules_egress, purge_rules, purge_rules_egress, tags, purge_tags, state (present), the
    connection options (ignored). ``response``: the describe_security_groups response of the VPC (all its groups:
    a rule's ``group_name`` is resolved in it). ``vpc_id``: the VPC the response was read for (when given it must
    be the wanted one). See the module docstring for what is compared; what is not modelled answers
    ``["not modelled: ..."]``.
    """
    try:
        return _differences(wanted, response, vpc_id)
    except _NotModelled as e:
        return [f"not modelled: {e}"]
    except (KeyError, TypeError, ValueError, AttributeError) as e:  # an unexpected response shape
        return [f"not modelled: {type(e).__name__} {e}"]


class FilterModule:
    """Read-once plan of ec2_security_group."""

    def filters(self):
        return {
            "network_security_group_differences": security_group_differences,
            "network_security_group_id": security_group_id,
        }
