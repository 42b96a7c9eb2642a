"""platform_ops.aws.route53_alias_records against the moto server (with the emulator's Route 53 rule
``route53_record_sets``: a simple and a failover record of one name and type never coexist); state
asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "route53_alias_records"
PRIMARY = {"dns_name": "app-alb-1.us-east-1.elb.amazonaws.com", "zone_id": "Z35SXDOTRQ7X7K"}
DR = {"dns_name": "app-alb-1.us-west-2.elb.amazonaws.com", "zone_id": "Z1H1FL5HABSF5"}


@pytest.fixture
def zone(aws):
    name = f"r53-{uuid.uuid4().hex[:10]}.example.org"
    zone_id = aws("route53").create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    return name, zone_id.split("/")[-1]


def _health_check(aws) -> str:
    config = {"Type": "HTTPS", "FullyQualifiedDomainName": PRIMARY["dns_name"], "Port": 443, "ResourcePath": "/health"}
    return aws("route53").create_health_check(CallerReference=uuid.uuid4().hex, HealthCheckConfig=config)[
        "HealthCheck"
    ]["Id"]


def _failover(health_check_id, secondary=DR, primary=PRIMARY):
    return [
        {
            "set_identifier": "primary",
            "failover": "PRIMARY",
            "health_check_id": health_check_id,
            "alias_dns_name": primary["dns_name"],
            "alias_hosted_zone_id": primary["zone_id"],
        },
        {
            "set_identifier": "secondary",
            "failover": "SECONDARY",
            "alias_dns_name": secondary["dns_name"],
            "alias_hosted_zone_id": secondary["zone_id"],
        },
    ]


def _simple(target=PRIMARY):
    return [{"alias_dns_name": target["dns_name"], "alias_hosted_zone_id": target["zone_id"]}]


def _a_records(aws, zone_id, name):
    found = aws("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {r.get("SetIdentifier"): r for r in found if r["Name"].rstrip(".") == name and r["Type"] in ("A", "AAAA")}


def test_failover_records_are_created_once_then_left_alone(run_module, aws, zone, moto_endpoint):
    zone_name, zone_id = zone
    name = f"app.{zone_name}"
    health_check_id = _health_check(aws)
    args = {"zone": zone_name, "name": name, "records": _failover(health_check_id)}

    predicted = run_module(MODULE, args, check_mode=True, diff=True)
    assert not predicted.failed, predicted
    assert predicted.changed
    assert [c["action"] for c in predicted["changes"]] == ["UPSERT", "UPSERT"]
    assert predicted["diff"]["before"] == {"records": []}
    assert _a_records(aws, zone_id, name) == {}

    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    assert first["hosted_zone_id"] == zone_id
    assert first["records"] == predicted["records"]
    records = _a_records(aws, zone_id, name)
    assert records["primary"]["Failover"] == "PRIMARY"
    assert records["primary"]["HealthCheckId"] == health_check_id
    assert records["primary"]["AliasTarget"]["DNSName"].rstrip(".") == PRIMARY["dns_name"]
    assert records["primary"]["AliasTarget"]["HostedZoneId"] == PRIMARY["zone_id"]
    assert records["primary"]["AliasTarget"]["EvaluateTargetHealth"] is True
    assert records["secondary"]["Failover"] == "SECONDARY"
    assert "HealthCheckId" not in records["secondary"]
    assert records["secondary"]["AliasTarget"]["DNSName"].rstrip(".") == DR["dns_name"]

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args, diff=True)
    assert not again.failed, again
    assert not again.changed
    assert again["changes"] == []
    assert again["diff"]["before"] == again["diff"]["after"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "route53.ListHostedZonesByName": 1,
        "route53.ListResourceRecordSets": 1,
    }

    # The console's `dualstack.` prefix, a trailing dot and upper case are the same target.
    same = _failover(health_check_id, primary={**PRIMARY, "dns_name": "dualstack." + PRIMARY["dns_name"].upper() + "."})
    assert not run_module(MODULE, {**args, "records": same}).changed


def test_failed_over_primary_record_aliases_the_dr_alb(run_module, aws, zone):
    zone_name, zone_id = zone
    name = f"www.{zone_name}"
    health_check_id = _health_check(aws)
    assert run_module(MODULE, {"zone": zone_name, "name": name, "records": _failover(health_check_id)}).changed
    moved = run_module(MODULE, {"zone": zone_name, "name": name, "records": _failover(health_check_id, primary=DR)})
    assert not moved.failed, moved
    assert [(c["action"], c["resource_record_set"]["set_identifier"]) for c in moved["changes"]] == [
        ("UPSERT", "primary")
    ]
    records = _a_records(aws, zone_id, name)
    assert records["primary"]["AliasTarget"]["DNSName"].rstrip(".") == DR["dns_name"]
    assert records["secondary"]["AliasTarget"]["DNSName"].rstrip(".") == DR["dns_name"]


def test_switching_between_simple_and_failover_is_one_change(run_module, aws, zone, moto_endpoint):
    zone_name, zone_id = zone
    name = f"api.{zone_name}"
    health_check_id = _health_check(aws)
    # An unrelated record of the same name stays.
    aws("route53").change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": "TXT",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": '"keep"'}],
                    },
                }
            ]
        },
    )
    assert run_module(MODULE, {"zone": zone_name, "name": name, "records": _simple()}).changed
    assert list(_a_records(aws, zone_id, name)) == [None]

    before = api_operations(moto_endpoint)
    to_failover = run_module(
        MODULE, {"hosted_zone_id": f"/hostedzone/{zone_id}", "name": name, "records": _failover(health_check_id)}
    )
    assert not to_failover.failed, to_failover
    assert [c["action"] for c in to_failover["changes"]] == ["DELETE", "UPSERT", "UPSERT"]
    assert operations_delta(before, api_operations(moto_endpoint))["route53.ChangeResourceRecordSets"] == 1
    assert sorted(_a_records(aws, zone_id, name)) == ["primary", "secondary"]

    to_simple = run_module(MODULE, {"zone": zone_name, "name": name, "records": _simple(DR)})
    assert not to_simple.failed, to_simple
    assert [c["action"] for c in to_simple["changes"]] == ["DELETE", "DELETE", "UPSERT"]
    records = _a_records(aws, zone_id, name)
    assert list(records) == [None]
    assert records[None]["AliasTarget"]["DNSName"].rstrip(".") == DR["dns_name"]

    gone = run_module(MODULE, {"zone": zone_name, "name": name, "state": "absent"})
    assert gone.changed
    assert _a_records(aws, zone_id, name) == {}
    assert not run_module(MODULE, {"zone": zone_name, "name": name, "state": "absent"}).changed
    types = [r["Type"] for r in aws("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]]
    assert "TXT" in types  # the zone and other records are never touched


def test_a_missing_zone_fails_without_creating_it(run_module, aws):
    zone_name = f"missing-{uuid.uuid4().hex[:8]}.example.org"
    result = run_module(MODULE, {"zone": zone_name, "name": f"app.{zone_name}", "records": _simple()})
    assert result.failed
    assert "create the hosted zone first" in result["msg"]
    zones = aws("route53").list_hosted_zones_by_name(DNSName=zone_name)["HostedZones"]
    assert all(z["Name"] != zone_name + "." for z in zones)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{**_simple()[0], "failover": "PRIMARY"}], "a failover record needs a set_identifier"),
        ([{**_simple()[0], "set_identifier": "x"}], "set_identifier is only valid with failover"),
        ([_failover("hc")[0], _simple()[0]], "mix simple and failover records"),
        ([_failover("hc")[0], {**_failover("hc")[1], "failover": "PRIMARY"}], "a second PRIMARY record"),
        (_simple() + _simple(DR), "a second record of type A"),
        ([{**_simple()[0], "alias_dns_name": " "}], "alias_dns_name must not be empty"),
    ],
)
def test_bad_input_fails_before_any_change(run_module, zone, records, message):
    zone_name, _ = zone
    result = run_module(MODULE, {"zone": zone_name, "name": f"bad.{zone_name}", "records": records})
    assert result.failed
    assert message in result["msg"]


def test_a_name_outside_the_zone_fails(run_module, zone):
    zone_name, _ = zone
    result = run_module(MODULE, {"zone": zone_name, "name": "app.other.example", "records": _simple()})
    assert result.failed
    assert "is not inside the zone" in result["msg"]


def test_without_records_the_module_only_describes(run_module, aws, zone):
    zone_name, zone_id = zone
    name = f"read.{zone_name}"
    assert run_module(MODULE, {"zone": zone_name, "name": name, "records": _simple()}).changed
    found = run_module(MODULE, {"zone": zone_name, "name": name})
    assert not found.failed, found
    assert not found.changed
    assert found["hosted_zone_id"] == zone_id
    assert [r["alias_target"]["dns_name"].rstrip(".") for r in found["records"]] == [PRIMARY["dns_name"]]
    assert list(_a_records(aws, zone_id, name)) == [None]


def test_absent_in_a_missing_zone_changes_nothing(run_module):
    zone_name = f"gone-{uuid.uuid4().hex[:8]}.example.org"
    result = run_module(MODULE, {"zone": zone_name, "name": f"app.{zone_name}", "state": "absent"})
    assert not result.failed, result
    assert not result.changed
    assert result["records"] == []
