"""platform_ops.aws DR filters: the DR CIDR, the DR host's variables, the pilot light's service counts."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.filter import dr


@pytest.mark.parametrize(
    ("primary", "expected"),
    [
        ("10.20.0.0/16", "10.21.0.0/16"),
        ("10.60.0.0/16", "10.61.0.0/16"),
        ("172.20.0.0/18", "172.20.64.0/18"),
        ("192.168.16.0/20", "192.168.32.0/20"),
    ],
)
def test_dr_vpc_cidr_is_the_next_block_of_the_same_size(primary, expected):
    assert dr.dr_vpc_cidr(primary) == expected


def test_dr_vpc_cidr_keeps_an_explicit_value():
    assert dr.dr_vpc_cidr("10.20.0.0/16", "10.99.0.0/16") == "10.99.0.0/16"


@pytest.mark.parametrize("primary", ["10.255.0.0/16", "172.31.0.0/16", "192.168.0.0/16"])
def test_dr_vpc_cidr_refuses_to_leave_the_private_range(primary):
    with pytest.raises(AnsibleFilterError, match="set platform_dr_vpc_cidr"):
        dr.dr_vpc_cidr(primary)


PRIMARY = {
    "platform_name": "caseapp",
    "platform_env": "prod",
    "platform_region": "eu-west-1",
    "platform_dr_region": "eu-central-1",
    "platform_vpc_cidr": "10.60.0.0/16",
    "platform_certificate_arn": "arn:aws:acm:eu-west-1:111122223333:certificate/x",
    "platform_services": [{"name": "api", "port": 8000}],
    "platform_network": {"vpc_id": "vpc-primary"},
    "platform_storage": {"kms_key_arn": "k"},
    "platform_lock_owner": "me",
    "platform_dr_host": "stack-dr",
    "database_instance_class": "db.t4g.medium",
    "ecs_service_waf_enabled": True,
    "rollout_poll_interval": 1,
    "ansible_connection": "local",
    "ansible_python_interpreter": "/usr/bin/python3",
    "inventory_dir": "/inv",
    "unrelated": "x",
    "__platform_config": {},
}


def test_dr_host_vars_copies_the_public_and_role_variables_and_overrides_the_region():
    got = dr.dr_host_vars(
        PRIMARY, "stack", "eu-central-1", "10.61.0.0/16", "arn:aws:acm:eu-central-1:111122223333:certificate/y"
    )
    assert got["platform_name"] == "caseapp"
    assert got["platform_services"] == [{"name": "api", "port": 8000}]
    assert got["database_instance_class"] == "db.t4g.medium"
    assert got["ecs_service_waf_enabled"] is True
    assert got["rollout_poll_interval"] == 1
    assert got["ansible_connection"] == "local"
    assert got["ansible_python_interpreter"] == "/usr/bin/python3"
    assert got["platform_region"] == "eu-central-1"
    assert got["platform_dr_region"] == ""
    assert got["platform_vpc_cidr"] == "10.61.0.0/16"
    assert got["platform_certificate_arn"] == "arn:aws:acm:eu-central-1:111122223333:certificate/y"
    assert got["platform_dr_primary_host"] == "stack"
    assert got["platform_dr_primary_region"] == "eu-west-1"
    assert got["platform_dr_side"] == "secondary"
    for key in ("platform_network", "platform_storage", "platform_lock_owner", "platform_dr_host"):
        assert key not in got
    for key in ("inventory_dir", "unrelated", "__platform_config"):
        assert key not in got


def test_dr_host_vars_without_a_dr_certificate_serves_http():
    got = dr.dr_host_vars(PRIMARY, "stack", "eu-central-1", "10.61.0.0/16")
    assert got["platform_certificate_arn"] == ""


@pytest.mark.parametrize("region", ["", "eu-west-1"])
def test_dr_host_vars_refuses_a_missing_or_primary_region(region):
    with pytest.raises(AnsibleFilterError):
        dr.dr_host_vars(PRIMARY, "stack", region, "10.61.0.0/16")


def test_dr_host_vars_names_a_variable_that_cannot_be_evaluated():
    class Broken(dict):
        def __getitem__(self, key):
            if key == "platform_tags":
                raise KeyError("undefined")
            return super().__getitem__(key)

    with pytest.raises(AnsibleFilterError, match="platform_tags"):
        dr.dr_host_vars(Broken(PRIMARY, platform_tags="{{ x }}"), "stack", "eu-central-1", "10.61.0.0/16")


SERVICES = [
    {"name": "api", "desired_count": 2, "min_count": 2, "max_count": 6, "public": True},
    {"name": "worker"},
]


def test_ecs_desired_count_override_sets_every_count_to_zero_for_the_pilot_light():
    got = dr.ecs_desired_count_override(SERVICES)
    assert [(s["desired_count"], s["min_count"], s["max_count"]) for s in got] == [(0, 0, 0), (0, 0, 0)]
    assert got[0]["public"] is True
    assert SERVICES[0]["desired_count"] == 2  # the input is not changed


def test_ecs_desired_count_override_keeps_the_prod_counts_while_failed_over():
    assert dr.ecs_desired_count_override(SERVICES, "secondary") == SERVICES


def test_ecs_desired_count_override_refuses_a_non_list():
    with pytest.raises(AnsibleFilterError):
        dr.ecs_desired_count_override({"name": "api"})
