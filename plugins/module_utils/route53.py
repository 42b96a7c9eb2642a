# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Route 53 helpers for platform_ops.aws.route53_alias_records.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()`` (also retrying
``PriorRequestNotComplete``, which Route 53 answers while a change of the zone is pending);
callers catch botocore errors and report them with ``module.fail_json_aws``. The comparison and
planning helpers are pure functions.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["PriorRequestNotComplete"])


def fqdn(name: str) -> str:
    """Lowercase, one trailing dot (how Route 53 reports names)."""
    return name.strip().lower().rstrip(".") + "."


def alias_target_name(name: str) -> str:
    """An alias target's DNS name as compared: lowercase, no trailing dot, no ``dualstack.`` prefix
    (Route 53 answers both A and AAAA for an ELB alias either way; the console adds the prefix)."""
    name = name.strip().lower().rstrip(".")
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


@RETRY
def _list_hosted_zones_by_name(client, **params):
    return client.list_hosted_zones_by_name(**params)


def find_zone_id(client, zone: str, private: bool) -> str | None:
    """The id (without ``/hostedzone/``) of the public or private hosted zone named ``zone``."""
    wanted = fqdn(zone)
    params = {"DNSName": wanted}
    while True:
        page = _list_hosted_zones_by_name(client, **params)
        for found in page.get("HostedZones", []):
            if found["Name"].lower() != wanted:
                return None  # sorted by name: past the wanted one
            if bool(found.get("Config", {}).get("PrivateZone", False)) == private:
                return found["Id"].split("/")[-1]
        if not page.get("IsTruncated"):
            return None
        params = {"DNSName": page["NextDNSName"], "HostedZoneId": page["NextHostedZoneId"]}


@RETRY
def _list_resource_record_sets(client, **params):
    return client.list_resource_record_sets(**params)


def record_sets_of(client, zone_id: str, name: str, types) -> list[dict]:
    """Every record set named ``name`` whose type is in ``types`` (all routing policies)."""
    wanted = fqdn(name)
    found = []
    params = {"HostedZoneId": zone_id, "StartRecordName": wanted}
    while True:
        page = _list_resource_record_sets(client, **params)
        for record in page.get("ResourceRecordSets", []):
            if fqdn(record["Name"]) != wanted:
                return found  # sorted by name: past the wanted one
            if record["Type"] in types:
                found.append(record)
        if not page.get("IsTruncated"):
            return found
        params = {"HostedZoneId": zone_id, "StartRecordName": page["NextRecordName"]}
        params["StartRecordType"] = page["NextRecordType"]
        if page.get("NextRecordIdentifier"):
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]


@RETRY
def change_record_sets(client, zone_id: str, changes: list[dict], comment: str) -> dict:
    return client.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Comment": comment, "Changes": changes}
    )["ChangeInfo"]


def wait_in_sync(client, change_id: str, timeout: int) -> None:
    delay = 5
    client.get_waiter("resource_record_sets_changed").wait(
        Id=change_id, WaiterConfig={"Delay": delay, "MaxAttempts": max(1, timeout // delay)}
    )


def record_key(record: dict) -> tuple[str, str]:
    """(type, set identifier or empty): what makes a record set unique within one name."""
    return record["Type"], record.get("SetIdentifier") or ""


def comparable(record: dict) -> dict:
    """The fields the module manages, normalised for comparison."""
    alias = record.get("AliasTarget") or {}
    return {
        "type": record["Type"],
        "set_identifier": record.get("SetIdentifier") or "",
        "failover": record.get("Failover") or "",
        "health_check_id": record.get("HealthCheckId") or "",
        "alias": bool(alias),
        "alias_dns_name": alias_target_name(alias.get("DNSName", "")),
        "alias_hosted_zone_id": alias.get("HostedZoneId", ""),
        "evaluate_target_health": bool(alias.get("EvaluateTargetHealth", False)),
    }


def plan(existing: list[dict], desired: list[dict]) -> list[dict]:
    """The change batch turning ``existing`` into ``desired``: DELETE first (exact existing
    record sets, as Route 53 requires), then UPSERT of what is missing or differs. Route 53 applies
    a batch as one transaction, so a simple record can be replaced by failover records (and back)
    in one call although the two shapes may never coexist."""
    wanted = {record_key(r): r for r in desired}
    current = {record_key(r): r for r in existing}
    changes = [{"Action": "DELETE", "ResourceRecordSet": r} for k, r in current.items() if k not in wanted]
    for key, record in wanted.items():
        if key not in current or comparable(current[key]) != comparable(record):
            changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
    return changes


def apply_plan(existing: list[dict], changes: list[dict]) -> list[dict]:
    """The record sets after ``changes`` (for check mode and the diff)."""
    after = {record_key(r): r for r in existing}
    for change in changes:
        key = record_key(change["ResourceRecordSet"])
        if change["Action"] == "DELETE":
            after.pop(key, None)
        else:
            after[key] = change["ResourceRecordSet"]
    return sorted(after.values(), key=record_key)
