#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: route53_alias_records
version_added: 0.1.0
short_description: Converge the alias records of one name in a Route 53 hosted zone in one change
description:
  - Makes the A and AAAA record sets of one DNS name in an existing Route 53 hosted zone exactly the
    given alias records (simple, or failover PRIMARY/SECONDARY with set identifiers), in one
    C(ChangeResourceRecordSets) call.
  - Record sets of the name whose type is in O(types) and that are not in O(records) are deleted in
    the same change batch. Route 53 applies a batch as one transaction, so switching between a
    simple record and failover records (which Route 53 never lets coexist for one name and type)
    happens in one step without a moment without an answer.
  - Only what differs is sent; a converged set makes no call that changes anything. Alias target
    names are compared without case, trailing dot or C(dualstack.) prefix.
  - The hosted zone is never created or deleted; a missing zone fails the task (with O(state=absent)
    there is nothing to delete and the task reports no change).
author: Platform Ops Maintainers (@platform-ops)
options:
  zone:
    description:
      - Name of the hosted zone, for example V(example.org). Exactly one of O(zone) and
        O(hosted_zone_id) is required.
    type: str
  hosted_zone_id:
    description:
      - Id of the hosted zone (with or without the C(/hostedzone/) prefix).
    type: str
  private_zone:
    description:
      - With O(zone), look the name up among private hosted zones instead of public ones.
    type: bool
    default: false
  name:
    description:
      - The DNS name of the records, inside the zone, for example V(app.example.org).
    type: str
    required: true
  records:
    description:
      - The alias record sets O(name) must have. An empty list (or O(state=absent)) deletes every
        record set of O(name) whose type is in O(types).
      - Not set (and O(state=present)), the module only describes the record sets and changes nothing
        (a read-only lookup).
      - At most one record per type and set identifier.
    type: list
    elements: dict
    suboptions:
      type:
        description: Record type.
        type: str
        choices: ["A", "AAAA"]
        default: A
      set_identifier:
        description:
          - Set identifier, required with O(records[].failover) and refused without it.
        type: str
      failover:
        description:
          - Failover routing role of the record.
        type: str
        choices: ["PRIMARY", "SECONDARY"]
      health_check_id:
        description:
          - Id of the Route 53 health check that decides whether this record is served.
        type: str
      alias_dns_name:
        description:
          - DNS name of the alias target, for example the load balancer's C(DNSName).
        type: str
        required: true
      alias_hosted_zone_id:
        description:
          - The alias target's hosted zone id, for a load balancer its C(CanonicalHostedZoneId).
        type: str
        required: true
      evaluate_target_health:
        description:
          - Whether Route 53 answers with this record only while the target is healthy.
        type: bool
        default: true
  types:
    description:
      - The record types of O(name) the module owns; record sets of these types not in O(records)
        are deleted.
    type: list
    elements: str
    choices: ["A", "AAAA"]
    default: ["A", "AAAA"]
  state:
    description:
      - V(absent) deletes every record set of O(name) whose type is in O(types); O(records) is ignored.
    type: str
    choices: ["present", "absent"]
    default: present
  wait:
    description:
      - Wait until the change is C(INSYNC) on all Route 53 name servers.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure app.example.org fails over from the primary ALB to the DR ALB
  platform_ops.aws.route53_alias_records:
    zone: example.org
    name: app.example.org
    records:
      - set_identifier: primary
        failover: PRIMARY
        health_check_id: "{{ health_check.health_check.id }}"
        alias_dns_name: "{{ primary_alb.dns_name }}"
        alias_hosted_zone_id: "{{ primary_alb.canonical_hosted_zone_id }}"
      - set_identifier: secondary
        failover: SECONDARY
        alias_dns_name: "{{ dr_alb.dns_name }}"
        alias_hosted_zone_id: "{{ dr_alb.canonical_hosted_zone_id }}"

- name: Ensure app.example.org is a simple alias of the ALB (deletes the failover records)
  platform_ops.aws.route53_alias_records:
    zone: example.org
    name: app.example.org
    records:
      - alias_dns_name: "{{ primary_alb.dns_name }}"
        alias_hosted_zone_id: "{{ primary_alb.canonical_hosted_zone_id }}"

- name: Look up the A and AAAA records of app.example.org (changes nothing)
  platform_ops.aws.route53_alias_records:
    zone: example.org
    name: app.example.org
  register: app_records

- name: Ensure app.example.org has no A or AAAA records
  platform_ops.aws.route53_alias_records:
    zone: example.org
    name: app.example.org
    state: absent
"""

RETURN = r"""
hosted_zone_id:
  description: Id of the hosted zone (without C(/hostedzone/)).
  returned: always
  type: str
  sample: Z0123456789ABCDEFGHIJ
name:
  description: The record name, fully qualified with a trailing dot.
  returned: always
  type: str
  sample: app.example.org.
records:
  description: The record sets of O(name) with a type in O(types) after the task (predicted in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - name: app.example.org.
      type: A
      set_identifier: primary
      failover: PRIMARY
      health_check_id: 0b9e5d2c-1111-2222-3333-444455556666
      alias_target:
        dns_name: caseapp-prod-alb-123.us-east-1.elb.amazonaws.com
        hosted_zone_id: Z35SXDOTRQ7X7K
        evaluate_target_health: true
changes:
  description: The change batch sent (or, in check mode, that would be sent), as C(action) and C(resource_record_set).
  returned: always
  type: list
  elements: dict
change_id:
  description: Id of the Route 53 change, when one was made.
  returned: when changed and not in check mode
  type: str
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.route53 import (
    BOTO_ERRORS,
    apply_plan,
    change_record_sets,
    find_zone_id,
    fqdn,
    plan,
    record_key,
    record_sets_of,
    wait_in_sync,
)


def validate(module):
    p = module.params
    if p["state"] == "absent" or p["records"] is None:
        return
    seen = set()
    failovers = set()
    for index, record in enumerate(p["records"]):
        where = f"records[{index}]"
        if record["type"] not in p["types"]:
            module.fail_json(msg=f"{where}: type {record['type']} is not in types {p['types']}")
        if record["failover"] and not record["set_identifier"]:
            module.fail_json(msg=f"{where}: a failover record needs a set_identifier")
        if record["set_identifier"] and not record["failover"]:
            module.fail_json(
                msg=f"{where}: set_identifier is only valid with failover (this module manages simple and failover records)"
            )
        for field in ("alias_dns_name", "alias_hosted_zone_id"):
            if not (record[field] or "").strip():
                module.fail_json(msg=f"{where}: {field} must not be empty")
        key = (record["type"], record["set_identifier"] or "")
        if key in seen:
            module.fail_json(msg=f"{where}: a second record of type {key[0]} with set identifier '{key[1]}'")
        seen.add(key)
        if record["failover"]:
            role = (record["type"], record["failover"])
            if role in failovers:
                module.fail_json(msg=f"{where}: a second {record['failover']} record of type {record['type']}")
            failovers.add(role)
    types = {r["type"] for r in p["records"]}
    for record_type in types:
        shapes = {bool(r["failover"]) for r in p["records"] if r["type"] == record_type}
        if len(shapes) > 1:
            module.fail_json(
                msg=f"records of type {record_type} mix simple and failover records: Route 53 refuses both for one name and type"
            )


def desired_record_sets(module, name):
    wanted = []
    for record in module.params["records"] or []:
        record_set = {
            "Name": name,
            "Type": record["type"],
            "AliasTarget": {
                "HostedZoneId": record["alias_hosted_zone_id"].strip(),
                "DNSName": record["alias_dns_name"].strip(),
                "EvaluateTargetHealth": record["evaluate_target_health"],
            },
        }
        if record["failover"]:
            record_set["SetIdentifier"] = record["set_identifier"]
            record_set["Failover"] = record["failover"]
        if record["health_check_id"]:
            record_set["HealthCheckId"] = record["health_check_id"]
        wanted.append(record_set)
    return wanted


def snake(record_sets):
    return [camel_dict_to_snake_dict(r) for r in sorted(record_sets, key=record_key)]


def main():
    record_spec = dict(
        type=dict(type="str", choices=["A", "AAAA"], default="A"),
        set_identifier=dict(type="str"),
        failover=dict(type="str", choices=["PRIMARY", "SECONDARY"]),
        health_check_id=dict(type="str"),
        alias_dns_name=dict(type="str", required=True),
        alias_hosted_zone_id=dict(type="str", required=True),
        evaluate_target_health=dict(type="bool", default=True),
    )
    argument_spec = dict(
        zone=dict(type="str"),
        hosted_zone_id=dict(type="str"),
        private_zone=dict(type="bool", default=False),
        name=dict(type="str", required=True),
        records=dict(type="list", elements="dict", options=record_spec),
        types=dict(type="list", elements="str", choices=["A", "AAAA"], default=["A", "AAAA"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["zone", "hosted_zone_id"]],
        required_one_of=[["zone", "hosted_zone_id"]],
        supports_check_mode=True,
    )
    validate(module)
    p = module.params
    name = fqdn(p["name"])
    client = module.client("route53")

    zone_id = (p["hosted_zone_id"] or "").split("/")[-1]
    if p["zone"]:
        try:
            zone_id = find_zone_id(client, p["zone"], p["private_zone"])
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to look up the hosted zone {p['zone']}")
        if not zone_id and p["state"] == "absent":
            module.exit_json(changed=False, hosted_zone_id="", name=name, changes=[], records=[])
        if not zone_id:
            kind = "private" if p["private_zone"] else "public"
            module.fail_json(
                msg=f"No {kind} Route 53 hosted zone named {fqdn(p['zone'])} exists: create the hosted zone first"
            )
    zone_name_check = p["zone"] and not (name == fqdn(p["zone"]) or name.endswith("." + fqdn(p["zone"])))
    if zone_name_check:
        module.fail_json(msg=f"{name} is not inside the zone {fqdn(p['zone'])}")

    try:
        existing = record_sets_of(client, zone_id, name, p["types"])
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the record sets of {name} in hosted zone {zone_id}")

    if p["state"] == "present" and p["records"] is None:
        changes = []  # describe only
    else:
        changes = plan(existing, [] if p["state"] == "absent" else desired_record_sets(module, name))
    after = apply_plan(existing, changes)
    result = dict(
        changed=bool(changes),
        hosted_zone_id=zone_id,
        name=name,
        changes=[camel_dict_to_snake_dict(c) for c in changes],
        records=snake(after),
        diff=dict(before=dict(records=snake(existing)), after=dict(records=snake(after))),
    )
    if changes and not module.check_mode:
        try:
            info = change_record_sets(client, zone_id, changes, f"platform_ops.aws.route53_alias_records {name}")
            result["change_id"] = info["Id"].split("/")[-1]
            if p["wait"]:
                wait_in_sync(client, info["Id"], p["wait_timeout"])
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to change the record sets of {name} in hosted zone {zone_id}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
