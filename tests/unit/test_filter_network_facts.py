"""platform_ops.aws.network_facts: what the network role's facts.yml publishes from the info modules."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.filter.platform import network_facts

PREFIX = "caseapp-prod"


def _found(group_names):
    return {
        "vpc": {"id": "vpc-1", "cidr_block": "10.0.0.0/16"},
        "subnets": [],
        "nat_gateways": [],
        "route_tables": [],
        "security_groups": [{"group_name": name, "group_id": f"sg-{i}"} for i, name in enumerate(group_names)],
    }


def test_publishes_the_endpoints_group_when_it_exists():
    names = [f"{PREFIX}-{tier}" for tier in ("alb", "app", "database", "cache", "search", "endpoints")]
    groups = network_facts(_found([*names, "default"]), PREFIX)["security_groups"]
    assert groups == {
        "alb": "sg-0",
        "app": "sg-1",
        "database": "sg-2",
        "cache": "sg-3",
        "search": "sg-4",
        "endpoints": "sg-5",
    }


def test_no_endpoints_key_without_interface_endpoints():
    names = [f"{PREFIX}-{tier}" for tier in ("alb", "app", "database", "cache", "search")]
    assert "endpoints" not in network_facts(_found(names), PREFIX)["security_groups"]
