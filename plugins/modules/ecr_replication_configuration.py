#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_replication_configuration
version_added: 0.2.0
short_description: Converge one rule of the ECR registry's replication configuration
description:
  - Ensures that the private ECR registry of the account and region replicates the repositories whose names
    start with given prefixes to given regions (or registries), keeping every other replication rule.
  - The replication configuration is registry-wide and C(PutReplicationConfiguration) replaces all of it, so
    the module reads it (C(DescribeRegistry)), merges its rule into the rules that exist and writes the whole
    configuration back only when it differs.
  - The module's rule is the one whose C(PREFIX_MATCH) repository filters are exactly O(prefixes). Its
    destinations are set to exactly O(destinations); other rules (other filters) are never changed or dropped.
    With O(state=absent) only that rule is removed.
  - ECR replicates only images pushed B(after) the rule exists; images already in a repository are not copied.
  - ECR creates a destination repository that does not exist with default settings (AES256 encryption, mutable
    tags, no scan on push) unless a repository creation template for the C(REPLICATION) applied-for matches.
    Create the destination repositories first (with their KMS key, immutable tags and scan on push) to have
    them configured like the source.
author: Platform Ops Maintainers (@platform-ops)
options:
  prefixes:
    description:
      - Repository name prefixes, for example V(caseapp-prod/). At least one, at most 100. Each is
        lowercase letters and digits with C(.), C(_), C(-) and C(/) as ECR's repository filter pattern allows.
    type: list
    elements: str
    required: true
  destinations:
    description:
      - Where the matching repositories are replicated, each a region name (this account's registry) or a dict
        with C(region) and optional C(registry_id) (another account, which must allow it in its registry
        permissions policy).
      - Required with O(state=present). A destination may not be this region of this account.
    type: list
    elements: raw
  state:
    description:
      - Whether the rule for O(prefixes) should exist.
    type: str
    choices: ["present", "absent"]
    default: present
notes:
  - Supports C(check_mode) and C(diff) (the registry's rules before and after).
  - A registry holds at most 10 replication rules; the module fails before writing when one more would be needed.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the service repositories replicate to the DR region
  platform_ops.aws.ecr_replication_configuration:
    prefixes: ["caseapp-prod/"]
    destinations: [us-west-2]

- name: Ensure the DR replication rule is gone (other rules are kept)
  platform_ops.aws.ecr_replication_configuration:
    prefixes: ["caseapp-prod/"]
    state: absent
"""

RETURN = r"""
registry_id:
  description: The registry (account) ID.
  returned: always
  type: str
  sample: "123456789012"
rule:
  description: The module's rule after the run (null when absent).
  returned: always
  type: dict
  contains:
    destinations:
      description: The destinations, each with C(region) and C(registry_id).
      type: list
      elements: dict
    repository_filters:
      description: The filters, each with C(filter) and C(filter_type).
      type: list
      elements: dict
rules:
  description: Every rule of the registry's replication configuration after the run (in check mode, what it would be).
  returned: always
  type: list
  elements: dict
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecr import (
    REPLICATION_FILTER_RE,
    REPLICATION_MAX_FILTERS,
    REPLICATION_MAX_RULES,
    describe_registry,
    merge_replication_rule,
    put_replication_configuration,
    same_rules,
)


def _prefixes(module):
    prefixes = list(dict.fromkeys(module.params["prefixes"]))
    if not prefixes:
        module.fail_json(msg="prefixes must name at least one repository name prefix")
    if len(prefixes) > REPLICATION_MAX_FILTERS:
        module.fail_json(msg=f"at most {REPLICATION_MAX_FILTERS} prefixes per rule (got {len(prefixes)})")
    bad = [p for p in prefixes if not (2 <= len(p) <= 256 and REPLICATION_FILTER_RE.match(p))]
    if bad:
        module.fail_json(
            msg=f"not an ECR repository filter: {', '.join(bad)} (2 to 256 characters: lowercase letters and digits"
            " separated by '.', '_' or '-', optionally ending with '/')"
        )
    return prefixes


def _destinations(module, registry_id):
    raw = module.params["destinations"]
    if module.params["state"] == "absent":
        return None
    if not raw:
        module.fail_json(msg="destinations is required (at least one) with state=present")
    found = []
    for index, item in enumerate(raw):
        spec = {"region": item} if isinstance(item, str) else item
        if not isinstance(spec, dict) or not isinstance(spec.get("region"), str) or not spec["region"]:
            module.fail_json(msg=f"destinations[{index}] must be a region name or a dict with region (and registry_id)")
        unknown = set(spec) - {"region", "registry_id"}
        if unknown:
            module.fail_json(msg=f"destinations[{index}] has unknown keys: {', '.join(sorted(unknown))}")
        registry = str(spec.get("registry_id") or registry_id)
        if spec["region"] == module.region and registry == registry_id:
            module.fail_json(msg=f"destinations[{index}]: {spec['region']} is this registry's own region")
        if (spec["region"], registry) not in found:
            found.append((spec["region"], registry))
    return found


def _view(rules):
    return [camel_dict_to_snake_dict(rule) for rule in rules]


def main():
    argument_spec = dict(
        prefixes=dict(type="list", elements="str", required=True),
        destinations=dict(type="list", elements="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    prefixes = _prefixes(module)
    client = module.client("ecr")
    try:
        registry = describe_registry(client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to read the ECR registry's replication configuration")
    registry_id = registry["registryId"]
    destinations = _destinations(module, registry_id)
    before = list((registry.get("replicationConfiguration") or {}).get("rules") or [])

    after, ours = merge_replication_rule(before, prefixes, destinations)
    if len(after) > REPLICATION_MAX_RULES:
        module.fail_json(
            msg=f"the ECR registry already has {len(before)} replication rules; at most {REPLICATION_MAX_RULES}"
            " are allowed, so the rule for these prefixes cannot be added"
        )
    changed = not same_rules(before, after)
    if changed and not module.check_mode:
        try:
            put_replication_configuration(client, after)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="Failed to write the ECR registry's replication configuration")

    result = {
        "registry_id": registry_id,
        "rule": _view([after[ours]])[0] if ours is not None else None,
        "rules": _view(after),
    }
    if module._diff:
        result["diff"] = {"before": {"rules": _view(before)}, "after": {"rules": _view(after)}}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
