# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks, comparisons and result of platform_ops.aws.secretsmanager_generated_secret.

Its input checks (``validate_params``: the compose sources, the replica regions), the comparisons of the
task with what DescribeSecret answered (a KMS alias against a key id or ARN is resolved through the
module's KMS client), the replica plan, and the shape of its result and diff. Nothing here reads or
writes a secret value. The Secrets Manager calls are in ``module_utils.secretsmanager``.
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
    BOTO_ERRORS,
    DEFAULT_KMS_ALIAS,
    TemplateError,
    initial_version_token,
    json_template_placeholders,
    kms_key_matches,
    replica_arn,
    resolve_kms_key,
    source_specs,
    tags_of,
    template_placeholders,
)

REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted> (changed)"


# ---------------------------------------------------------------- input validation


def normalize_sources(module, secrets):
    """{placeholder: {secret_id, json_key, version_stage}} from the compose.secrets option (source_specs, the shape
    the plans use too), each checked first."""
    for placeholder, raw in secrets.items():
        spec = {"secret_id": raw} if isinstance(raw, str) else raw
        if source_specs({placeholder: raw}) is None:
            module.fail_json(
                msg=f"compose.secrets.{placeholder} must be a secret name/ARN or a dict with secret_id"
                " (and optional json_key, version_stage)"
            )
        unknown = set(spec) - {"secret_id", "json_key", "version_stage"}
        if unknown:
            module.fail_json(msg=f"compose.secrets.{placeholder} has unknown keys: {', '.join(sorted(unknown))}")
    return source_specs(secrets)


def normalize_replicas(module):
    """The replica_regions option as a list of {region, kms_key_id}, or None when not managed."""
    raw = module.params["replica_regions"]
    if raw is None:
        return None
    replicas, seen = [], set()
    for index, item in enumerate(raw):
        spec = {"region": item} if isinstance(item, str) else item
        if not isinstance(spec, dict) or not isinstance(spec.get("region"), str) or not spec["region"]:
            module.fail_json(
                msg=f"replica_regions[{index}] must be a region name or a dict with region (and kms_key_id)"
            )
        unknown = set(spec) - {"region", "kms_key_id"}
        if unknown:
            module.fail_json(msg=f"replica_regions[{index}] has unknown keys: {', '.join(sorted(unknown))}")
        region, key = spec["region"], spec.get("kms_key_id") or None
        if region == module.region:
            module.fail_json(msg=f"replica_regions[{index}]: {region} is the secret's own region")
        if region in seen:
            module.fail_json(msg=f"replica_regions lists {region} twice")
        if key is not None and key.startswith("arn:") and key.split(":")[3:4] != [region]:
            module.fail_json(
                msg=f"replica_regions[{index}]: the KMS key {key} is not in {region}; a replica needs a key of its"
                " own region (AWS would accept it and fail the replication)"
            )
        seen.add(region)
        replicas.append({"region": region, "kms_key_id": key})
    return replicas


def validate_params(module):
    p = module.params
    p["_replicas"] = normalize_replicas(module)
    if p["state"] == "absent":
        window = p["recovery_window_in_days"]
        if window != 0 and not 7 <= window <= 30:
            module.fail_json(msg=f"recovery_window_in_days must be 0 (no recovery) or 7 to 30 (got {window})")
        return None
    compose = p["compose"]
    if compose is None:
        length = p["password_length"]
        if length is not None and not 12 <= length <= 4096:
            module.fail_json(msg=f"password_length must be between 12 and 4096 (got {length})")
        return None

    sources = normalize_sources(module, compose["secrets"] or {})
    plain = compose["values"] or {}
    both = sorted(set(plain) & set(sources))
    if both:
        module.fail_json(msg=f"compose placeholders defined in both values and secrets: {', '.join(both)}")
    for placeholder, source in sources.items():
        if source["secret_id"] == p["name"]:
            module.fail_json(msg=f"compose.secrets.{placeholder} reads the secret being written ({p['name']})")
    try:
        if compose["template"] is not None:
            used = template_placeholders(compose["template"])
        else:
            used = json_template_placeholders(compose["json_template"])
    except TemplateError as e:
        module.fail_json(msg=f"Invalid compose template: {e}")
    undefined = sorted(set(used) - set(plain) - set(sources))
    if undefined:
        module.fail_json(
            msg=f"compose template placeholders without a value: {', '.join(undefined)}"
            " (define them in compose.values or compose.secrets)"
        )
    if not used:
        module.fail_json(msg="compose template has no placeholder; a constant value is not a generated secret")
    return sources


# ---------------------------------------------------------------- comparisons


def same_kms_key(module, wanted, current):
    """Whether the secret already uses the wanted key; an alias vs. a key id/ARN is resolved through KMS."""
    match = kms_key_matches(wanted, current)
    if match is not None:
        return match
    try:
        kms = module.client("kms")
        return resolve_kms_key(kms, wanted) == resolve_kms_key(kms, current or DEFAULT_KMS_ALIAS)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to resolve KMS key {wanted} to compare it with the key of the secret")


def is_ours(described, params):
    """Whether an existing secret is the one this task creates: it holds the version our CreateSecret
    token names, or carries the task's tags and description."""
    if initial_version_token(params["name"]) in (described.get("VersionIdsToStages") or {}):
        return True
    tags = tags_of(described)
    if params["tags"] and any(tags.get(key) != value for key, value in params["tags"].items()):
        return False
    if params["description"] is not None and described.get("Description", "") != params["description"]:
        return False
    return True


# ---------------------------------------------------------------- result


def metadata_view(described, tags, has_value):
    return {
        "name": described.get("Name"),
        "description": described.get("Description", ""),
        "kms_key_id": described.get("KmsKeyId"),
        "tags": tags,
        "scheduled_for_deletion": bool(described.get("DeletedDate")),
        "value": REDACTED if has_value else None,
    }


def result_of(described, tags, version_id, created, value_changed):
    return {
        "name": described.get("Name"),
        "arn": described.get("ARN"),
        "version_id": version_id,
        "created": created,
        "value_changed": value_changed,
        "description": described.get("Description", ""),
        "kms_key_id": described.get("KmsKeyId"),
        "tags": tags,
    }


# ---------------------------------------------------------------- replicas


def replicas_view(status):
    return [{"region": r, "kms_key_id": s["kms_key_id"]} for r, s in sorted(status.items())]


def same_replica_key(module, replica, current):
    """Whether an existing replica uses the wanted key (aliases resolved through KMS of the replica's region)."""
    wanted = replica["kms_key_id"] or DEFAULT_KMS_ALIAS
    match = kms_key_matches(wanted, current["kms_key_id"])
    if match is not None:
        return match
    try:
        kms = module.client("kms", region=replica["region"])
        return resolve_kms_key(kms, wanted) == resolve_kms_key(kms, current["kms_key_id"] or DEFAULT_KMS_ALIAS)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to resolve KMS key {wanted} in {replica['region']}")


def replica_plan(module, status):
    """(add, remove) - replicas to add and regions to remove; a replica to re-create is in both."""
    wanted = module.params["_replicas"]
    add, remove = [], []
    for replica in wanted:
        current = status.get(replica["region"])
        if current is None:
            add.append(replica)
        elif current["status"] == "Failed" or not same_replica_key(module, replica, current):
            remove.append(replica["region"])
            add.append(replica)
    if module.params["purge_replica_regions"]:
        names = {r["region"] for r in wanted}
        remove.extend(region for region in sorted(status) if region not in names)
    return add, remove


def finish_replicas(module, result, status):
    arn = result.get("arn")
    result["replication_status"] = [status[r] for r in sorted(status)]
    regions = set(status) | {r["region"] for r in module.params["_replicas"] or []}
    result["replica_arns"] = {r: replica_arn(arn, module.region, r) for r in sorted(regions)}
