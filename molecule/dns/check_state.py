"""boto3 checks of the dns role's real state on the emulator.

Modes: `failover` (PRIMARY -> primary ALB with the health check, SECONDARY -> DR ALB), `failed-over`
(both records -> DR ALB), `simple` (one simple alias -> primary ALB), `absent` (no A/AAAA record,
no health check, the zone kept)."""

from __future__ import annotations

import os
import sys

from checks import PREFIX, REGION, check, client, done, has_standard_tags

mode = sys.argv[1]
DR_REGION = os.environ["PLATFORM_DR_REGION"]
ZONE = os.environ["PLATFORM_DNS_ZONE"].rstrip(".") + "."
NAME = os.environ["PLATFORM_DNS_NAME"].rstrip(".") + "."
HEALTH_CHECK_NAME = f"{PREFIX}-primary-alb-health"
r53 = client("route53")


def alb(region):
    found = client("elbv2", region).describe_load_balancers(Names=[f"{PREFIX}-alb"])["LoadBalancers"][0]
    return found["DNSName"].lower().rstrip("."), found["CanonicalHostedZoneId"]


def target(record):
    alias = record.get("AliasTarget") or {}
    return alias.get("DNSName", "").lower().rstrip("."), alias.get("HostedZoneId")


zones = [z for z in r53.list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"] if z["Name"] == ZONE]
check(len(zones) == 1, f"the hosted zone {ZONE} exists (never created or deleted by the role)")
zone_id = zones[0]["Id"]
records = [
    r
    for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    if r["Name"].lower() == NAME and r["Type"] in ("A", "AAAA")
]
by_id = {r.get("SetIdentifier"): r for r in records}
health_checks = {}
for hc in r53.list_health_checks()["HealthChecks"]:
    tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"])["ResourceTagSet"]["Tags"]
    tags = {t["Key"]: t["Value"] for t in tags}
    if tags.get("Name") == HEALTH_CHECK_NAME:
        health_checks[hc["Id"]] = (hc, tags)

if mode == "absent":
    check(records == [], f"no A/AAAA record of {NAME} is left")
    check(health_checks == {}, f"the health check {HEALTH_CHECK_NAME} is gone")
    done()
    sys.exit(0)

primary, dr = alb(REGION), alb(DR_REGION)
check(len(health_checks) == 1, f"one health check named {HEALTH_CHECK_NAME}")
if len(health_checks) != 1:
    done()
hc_id, (hc, hc_tags) = next(iter(health_checks.items()))
config = hc["HealthCheckConfig"]
check(config["Type"] == "HTTPS" and config["Port"] == 443, "the health check is HTTPS on 443 (a certificate is set)")
check(config["FullyQualifiedDomainName"].lower() == primary[0], "the health check probes the primary ALB")
check(config["ResourcePath"] == "/health", "the health check requests the first public service's health path")
check(config["RequestInterval"] == 30 and config["FailureThreshold"] == 3, "interval 30 s, 3 failures")
check(has_standard_tags(hc_tags), "the health check carries the standard tags")
check(all(r["Type"] == "A" for r in records), "A records only (the ALBs are not dualstack)")

if mode in ("failover", "failed-over"):
    check(sorted(by_id, key=str) == ["primary", "secondary"], "two failover records, primary and secondary")
    rec_primary, rec_secondary = by_id.get("primary", {}), by_id.get("secondary", {})
    check(rec_primary.get("Failover") == "PRIMARY", "set primary is the PRIMARY record")
    check(rec_secondary.get("Failover") == "SECONDARY", "set secondary is the SECONDARY record")
    check(rec_primary.get("HealthCheckId") == hc_id, "PRIMARY uses the health check")
    check("HealthCheckId" not in rec_secondary, "SECONDARY has no health check")
    expected = dr if mode == "failed-over" else primary
    check(target(rec_primary) == expected, f"PRIMARY aliases the {'DR' if mode == 'failed-over' else 'primary'} ALB")
    check(target(rec_secondary) == dr, "SECONDARY aliases the DR ALB")
    check(
        all((r.get("AliasTarget") or {}).get("EvaluateTargetHealth") is True for r in records),
        "both records evaluate target health",
    )
elif mode == "simple":
    check(list(by_id) == [None], "one simple record, no failover record left")
    check(target(records[0]) == primary, "the simple record aliases the primary ALB")
done()
