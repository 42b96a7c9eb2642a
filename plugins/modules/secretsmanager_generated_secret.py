#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_generated_secret
version_added: 0.1.0
short_description: Create a Secrets Manager secret whose value is generated or composed inside the module
description:
  - Creates an AWS Secrets Manager secret whose value never passes through the playbook.
  - B(Generated mode) (default) - the value is a random password from the Secrets Manager
    C(GetRandomPassword) API, created only when the secret has no value yet. It is never
    regenerated on later runs.
  - B(Composed mode) (O(compose)) - the value is built from a template whose placeholders are filled
    with plain values given in the task and with values read from OTHER secrets inside the module,
    for example a C(DATABASE_URL) built from the database master password secret and the database
    host. The value is recomputed on every run and written (as a new version) only when it differs
    from the stored one.
  - The secret value is never returned, logged or shown in the diff, not even on failure.
  - Description, KMS key and tags are updated in place; a secret scheduled for deletion is restored.
  - C(CreateSecret) carries a C(ClientRequestToken) derived from the secret's name, so a retry of a
    request that AWS applied but answered with an error (HTTP 5xx, a timeout) is answered with success
    instead of creating anything twice. When C(CreateSecret) says the secret already exists (it appeared
    after the module looked), the secret is converged like an existing one and its value is kept.
    C(PutSecretValue) uses one token for all its retries, so a retry adds no second version.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - The name of the secret.
    required: true
    type: str
  description:
    description:
      - The description of the secret. Not changed when unset.
    type: str
  kms_key_id:
    description:
      - The KMS key (ID, ARN or alias) that encrypts the secret. Not changed when unset; a new
        secret then uses V(alias/aws/secretsmanager).
    type: str
  state:
    description:
      - Whether the secret should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  recovery_window_in_days:
    description:
      - With O(state=absent), days (7 to 30) during which the deleted secret can be restored.
      - V(0) deletes immediately without recovery (also for a secret already scheduled for deletion).
      - A secret with replicas cannot be deleted (AWS refuses until its replica regions are removed), so its
        replica regions are removed first; the replicas themselves are deleted at once by AWS, the primary
        keeps its recovery window.
    type: int
    default: 30
  password_length:
    description:
      - Length of the generated value, 12 to 4096. Defaults to 32 in generated mode.
      - Mutually exclusive with O(compose).
    type: int
  exclude_characters:
    description:
      - Characters the generated value must not contain, for example the slash, at sign, quotes,
        backslash and space that PostgreSQL connection strings and Redis AUTH reject.
      - Mutually exclusive with O(compose).
    type: str
  exclude_punctuation:
    description:
      - Generate a value of letters and digits only.
      - Mutually exclusive with O(compose).
    type: bool
  compose:
    description:
      - Build the value from a template instead of generating it.
      - Placeholders are written C({name}); C({{) and C(}}) are literal braces. In a playbook, quote
        the template and avoid C({{ }}) which Jinja would evaluate first.
    type: dict
    suboptions:
      template:
        description:
          - A string template, for example
            V(postgresql://{username}:{password}@{host}:{port}/{dbname}?sslmode=require).
          - Mutually exclusive with O(compose.json_template).
        type: str
      json_template:
        description:
          - A JSON object template; every string inside it is a template. A string that is exactly
            one placeholder (V({port})) keeps the type of a plain value (a number stays a number).
          - The stored value is compared as JSON data, so formatting does not cause a rewrite.
        type: dict
      values:
        description:
          - Plain (non-secret) placeholder values, for example the database host, port and name.
        type: dict
        default: {}
      secrets:
        description:
          - Placeholders filled from other secrets, read inside the module.
          - Each value is a secret name or ARN, or a dict with C(secret_id), optional C(json_key) (read one
            key of a JSON secret) and optional C(version_stage) (default V(AWSCURRENT)).
          - A name may not appear in both O(compose.values) and O(compose.secrets).
        type: dict
        default: {}
      url_encode:
        description:
          - Percent-encode every substituted value (so a password with V(@) or V(/) cannot break a URL).
          - Defaults to V(true) with O(compose.template) and V(false) with O(compose.json_template).
        type: bool
  replica_regions:
    description:
      - Regions the secret is replicated to (Secrets Manager multi-Region secret), each a region name or a dict
        with C(region) and optional C(kms_key_id).
      - C(kms_key_id) must be a key of THAT region (a customer managed key ARN of the replica region, or an alias
        or key id that exists there); unset means the replica region's V(alias/aws/secretsmanager). AWS accepts a
        key of another region and then fails the replica (C(Status=Failed)); the module reports that failure.
      - A replica whose key differs, or whose replication failed, is removed and added again (a replica cannot be
        changed in place); its ARN stays the same (the name and suffix of the primary, the region swapped).
      - Unset (default) - replication is not managed. Regions not listed are kept unless
        O(purge_replica_regions=true).
      - The module waits until every listed replica is C(InSync) (see O(replica_wait_timeout)).
      - A new value, a new description or new tags are written to the primary only; AWS propagates them.
    type: list
    elements: raw
  purge_replica_regions:
    description:
      - Remove replica regions that are not in O(replica_regions). The replica secret in that region is deleted.
      - Has no effect when O(replica_regions) is unset.
    type: bool
    default: false
  replica_wait_timeout:
    description:
      - Seconds to wait for the replicas to be C(InSync) after a change; the module fails after that.
    type: int
    default: 300
notes:
  - In check mode nothing is written. Source secrets are still read to tell whether a composed value
    would change; a source that does not exist yet (created earlier in the same check run) is
    reported as a change with a warning.
  - In diff mode the value shows as V(<redacted>) before and V(<redacted>) or V(<redacted> (changed))
    after; only metadata is shown in clear.
  - A composed secret carries the tag C(PlatformComposedFrom), a digest of what its value is made from (the
    template, the plain values, each source secret with the version it was read at, and the secret's own current
    version), never of a value. The module keeps it current, also when O(purge_tags=true). A plan that reads only
    metadata (DescribeSecret) can then tell that the value is still what the module would compose; the module
    itself always compares the values.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the database master password exists (generated once, never shown)
  platform_ops.aws.secretsmanager_generated_secret:
    name: caseapp-prod-db-master-password
    description: caseapp prod PostgreSQL master password
    kms_key_id: alias/caseapp-prod
    password_length: 32
    exclude_characters: "/@\"' \\"
    tags:
      Project: caseapp
      Environment: prod
  register: master_password

- name: Ensure DATABASE_URL is built from the master password and the database endpoint
  platform_ops.aws.secretsmanager_generated_secret:
    name: caseapp-prod-database-url
    kms_key_id: alias/caseapp-prod
    compose:
      template: "postgresql://{username}:{password}@{host}:{port}/{dbname}?sslmode=require"
      values:
        username: caseapp
        host: "{{ db.endpoint.address }}"
        port: 5432
        dbname: caseapp
      secrets:
        password: caseapp-prod-db-master-password

- name: Ensure a JSON connection secret reads one key of an RDS-managed JSON secret
  platform_ops.aws.secretsmanager_generated_secret:
    name: caseapp-prod-db-connection
    compose:
      json_template:
        host: "{host}"
        port: "{port}"
        username: "{username}"
        password: "{password}"
      values: {host: db.internal, port: 5432, username: caseapp}
      secrets:
        password: {secret_id: "rds!db-1234", json_key: password}

- name: Ensure the JWT secret is replicated to the DR region with the DR key
  platform_ops.aws.secretsmanager_generated_secret:
    name: caseapp-prod/jwt-secret
    kms_key_id: alias/caseapp-prod
    replica_regions:
      - region: us-west-2
        kms_key_id: arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
  register: jwt

- name: Delete a secret immediately
  platform_ops.aws.secretsmanager_generated_secret:
    name: caseapp-dev-scratch
    state: absent
    recovery_window_in_days: 0
"""

RETURN = r"""
name:
  description: The name of the secret.
  returned: always
  type: str
  sample: caseapp-prod-database-url
arn:
  description: The ARN of the secret (null in check mode before creation, or when it does not exist).
  returned: always
  type: str
  sample: arn:aws:secretsmanager:us-east-1:123456789012:secret:caseapp-prod-database-url-AbCdEf
version_id:
  description: The version ID labelled C(AWSCURRENT) (null when unknown, e.g. in check mode before creation).
  returned: always
  type: str
created:
  description: Whether the secret was (or in check mode would be) created by this run.
  returned: always
  type: bool
value_changed:
  description: Whether a new value was (or would be) stored by this run. The value itself is never returned.
  returned: always
  type: bool
description:
  description: The description of the secret.
  returned: when the secret exists
  type: str
kms_key_id:
  description: The KMS key of the secret (null for the default key).
  returned: when the secret exists
  type: str
tags:
  description: The tags of the secret.
  returned: when the secret exists
  type: dict
replication_status:
  description: The replicas of the secret (an empty list when it has none).
  returned: when the secret exists
  type: list
  elements: dict
  contains:
    region:
      description: The replica region.
      type: str
    kms_key_id:
      description: The KMS key of the replica.
      type: str
    status:
      description: V(InSync), V(InProgress) or V(Failed).
      type: str
    status_message:
      description: AWS's message for the status.
      type: str
replica_arns:
  description: The ARN of the replica in each replica region (existing, and in check mode those that would be added).
  returned: when the secret exists or O(replica_regions) is set
  type: dict
  sample: {"us-west-2": "arn:aws:secretsmanager:us-west-2:123456789012:secret:caseapp-prod-database-url-AbCdEf"}
replicas_removed:
  description: The replica regions removed by O(state=absent) before the deletion.
  returned: when O(state=absent)
  type: list
  elements: str
deletion_date:
  description: When a secret scheduled for deletion will be deleted.
  returned: when O(state=absent) scheduled the deletion
  type: str
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    compare_aws_tags,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
    BOTO_ERRORS,
    DEFAULT_KMS_ALIAS,
    FINGERPRINT_TAG,
    composed_fingerprint,
    create_secret,
    current_version_id,
    delete_secret,
    describe_secret,
    extract_source_value,
    get_random_password,
    get_secret_string,
    get_secret_version,
    initial_version_token,
    put_secret_value,
    remove_regions_from_replication,
    render_json_template,
    render_template,
    replicate_secret_to_regions,
    replication_status,
    restore_secret,
    same_value,
    tag_secret,
    tags_of,
    untag_secret,
    update_secret,
    wait_for_replicas,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager_plan import (
    REDACTED_CHANGED,
    finish_replicas,
    is_ours,
    metadata_view,
    replica_plan,
    replicas_view,
    result_of,
    same_kms_key,
    validate_params,
)

DEFAULT_PASSWORD_LENGTH = 32


# ---------------------------------------------------------------- value computation


def compose_value(module, client, sources, versions=None):
    """The composed value, or None in check mode when a source does not exist yet. ``versions`` (a dict), when
    given, receives the version each source was read at, by placeholder."""
    compose = module.params["compose"]
    values = dict(compose["values"] or {})
    for placeholder, source in sources.items():
        try:
            secret_string, version = get_secret_version(client, source["secret_id"], source["version_stage"])
            if versions is not None:
                versions[placeholder] = version
        except ValueError as e:
            module.fail_json(msg=f"Cannot compose {module.params['name']}: {e}")
        except BOTO_ERRORS as e:
            if module.check_mode and _is_missing(e):
                secret_string = None
            else:
                module.fail_json_aws(e, msg=f"Failed to read source secret {source['secret_id']} ({placeholder})")
        if secret_string is None:
            if module.check_mode:
                module.warn(
                    f"Source secret {source['secret_id']} ({placeholder}) has no value yet;"
                    " in check mode the composed value is assumed to change"
                )
                return None
            module.fail_json(msg=f"Source secret {source['secret_id']} ({placeholder}) does not exist or has no value")
        try:
            values[placeholder] = extract_source_value(source["secret_id"], secret_string, source["json_key"])
        except ValueError as e:
            module.fail_json(msg=f"Cannot compose {module.params['name']}: {e}")
    if compose["template"] is not None:
        url_encode = True if compose["url_encode"] is None else compose["url_encode"]
        value = render_template(compose["template"], values, url_encode)
    else:
        url_encode = bool(compose["url_encode"])
        value = json.dumps(render_json_template(compose["json_template"], values, url_encode))
    module.no_log_values.add(value)
    return value


def _is_missing(error):
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("ResourceNotFoundException", "InvalidRequestException")


def generate_value(module, client):
    p = module.params
    try:
        value = get_random_password(
            client,
            p["password_length"] or DEFAULT_PASSWORD_LENGTH,
            exclude_characters=p["exclude_characters"],
            exclude_punctuation=p["exclude_punctuation"],
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to generate a random value (GetRandomPassword)")
    module.no_log_values.add(value)
    return value


# ---------------------------------------------------------------- replicas


def converge_replicas(module, client, described, result, diff):
    """Converge the replica regions of the secret named in ``result``; updates result and diff in place.

    ``described`` is the DescribeSecret answer from before this run's changes (None when the secret was
    created or adopted by this run). Returns whether anything changed.
    """
    name = module.params["name"]
    wanted = module.params["_replicas"]
    if wanted is None:
        finish_replicas(module, result, replication_status(described))
        return False
    if described is None and result.get("arn") and not module.check_mode:
        try:
            described = describe_secret(client, name)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to describe secret {name}")
    status = replication_status(described)
    if described is not None and described.get("PrimaryRegion") not in (None, module.region):
        module.fail_json(
            msg=f"Secret {name} in {module.region} is a replica of the secret in {described['PrimaryRegion']};"
            " manage its replication in the primary region"
        )
    add, remove = replica_plan(module, status)
    kept = {r: s for r, s in status.items() if r not in remove}
    diff["before"]["replica_regions"] = replicas_view(status)
    after = {r: {"kms_key_id": s["kms_key_id"]} for r, s in kept.items()}
    after.update({r["region"]: {"kms_key_id": r["kms_key_id"] or DEFAULT_KMS_ALIAS} for r in add})
    diff["after"]["replica_regions"] = replicas_view(after)
    regions = [r["region"] for r in wanted]
    pending = [r for r in regions if status.get(r, {}).get("status") != "InSync"]
    if module.check_mode or (not add and not remove and not pending):
        finish_replicas(module, result, status)
        return bool(add or remove)
    try:
        if remove:
            remove_regions_from_replication(client, name, remove)
        if add:
            replicate_secret_to_regions(client, name, add)
        described, problem = wait_for_replicas(client, name, regions, module.params["replica_wait_timeout"])
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to converge the replica regions of secret {name}")
    status = replication_status(described)
    finish_replicas(module, result, status)
    if problem:
        module.fail_json(msg=f"Replication of secret {name} failed: {problem}", **result)
    return bool(add or remove)


# ---------------------------------------------------------------- ensure


def create(module, client, sources):
    p = module.params
    after = {
        "name": p["name"],
        "description": p["description"] or "",
        "kms_key_id": p["kms_key_id"],
        "tags": p["tags"] or {},
        "scheduled_for_deletion": False,
        "value": REDACTED_CHANGED,
    }
    diff = {"before": {}, "after": after}
    if module.check_mode:
        if sources is not None:
            compose_value(module, client, sources)  # fail early on bad sources, even in check mode
        result = {"name": p["name"], "arn": None, "version_id": None, "created": True, "value_changed": True}
        return True, result, diff

    versions = {}
    value = compose_value(module, client, sources, versions) if sources is not None else generate_value(module, client)
    params = {"Name": p["name"], "SecretString": value}
    if p["description"] is not None:
        params["Description"] = p["description"]
    if p["kms_key_id"] is not None:
        params["KmsKeyId"] = p["kms_key_id"]
    params["ClientRequestToken"] = initial_version_token(p["name"])
    tags = dict(p["tags"] or {})
    if sources is not None:
        # the first version's id is the request token: the digest is known before the secret exists
        tags[FINGERPRINT_TAG] = composed_fingerprint(p["compose"], sources, versions, params["ClientRequestToken"])
    if tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    try:
        response = create_secret(client, params)
    except BOTO_ERRORS as e:
        if _error_code(e) != "ResourceExistsException":
            module.fail_json_aws(e, msg=f"Failed to create secret {p['name']}")
        return adopt_existing(module, client, sources, e)
    result = {
        "name": response.get("Name", p["name"]),
        "arn": response.get("ARN"),
        "version_id": response.get("VersionId") or params["ClientRequestToken"],
        "created": True,
        "value_changed": True,
        "description": p["description"] or "",
        "kms_key_id": p["kms_key_id"],
        "tags": tags,
    }
    return True, result, diff


def _error_code(error):
    return getattr(error, "response", {}).get("Error", {}).get("Code")


def adopt_existing(module, client, sources, error):
    """CreateSecret said the secret exists (it appeared after our DescribeSecret, e.g. created by an
    earlier attempt that AWS answered with an error): converge it like an existing secret. Its value is
    kept (a generated value is never generated twice); a composed value is compared as usual."""
    name = module.params["name"]
    try:
        described = describe_secret(client, name)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe secret {name} after CreateSecret said it exists")
    if described is None:
        module.fail_json_aws(error, msg=f"Failed to create secret {name}: it exists, but cannot be described")
    if not is_ours(described, module.params):
        module.fail_json(
            msg=f"Secret {name} was created by someone else while this task ran (CreateSecret: "
            "ResourceExistsException) and does not carry this task's tags and description; "
            "check who manages it, then run again to manage it here",
            arn=described.get("ARN"),
        )
    module.warn(f"Secret {name} already existed when it was created (an earlier attempt had created it); it is used")
    return ensure_present(module, client, described, sources)


def ensure_present(module, client, described, sources):
    p = module.params
    name = p["name"]
    if described is None:
        return create(module, client, sources)

    changed = False
    restored = False
    if described.get("DeletedDate"):
        changed = restored = True
        if not module.check_mode:
            try:
                restore_secret(client, name)
            except BOTO_ERRORS as e:
                module.fail_json_aws(e, msg=f"Failed to restore secret {name} (scheduled for deletion)")

    tags = tags_of(described)
    version_id = current_version_id(described)
    before = metadata_view(described, tags, version_id is not None)

    update = {}
    if p["description"] is not None and p["description"] != described.get("Description", ""):
        update["Description"] = p["description"]
    if p["kms_key_id"] is not None and not same_kms_key(module, p["kms_key_id"], described.get("KmsKeyId")):
        update["KmsKeyId"] = p["kms_key_id"]

    tags_to_add, tags_to_remove = {}, []
    if p["tags"] is not None:
        wanted_tags = dict(p["tags"])
        if sources is not None and FINGERPRINT_TAG in tags:  # ours, kept current below (never purged)
            wanted_tags.setdefault(FINGERPRINT_TAG, tags[FINGERPRINT_TAG])
        tags_to_add, tags_to_remove = compare_aws_tags(tags, wanted_tags, p["purge_tags"])

    new_value = None
    value_changed = False
    source_versions = None
    if sources is not None:
        if restored and module.check_mode:
            module.warn(f"Secret {name} is scheduled for deletion; its value is compared only after it is restored")
        else:
            source_versions = {}
            desired = compose_value(module, client, sources, source_versions)
            if desired is None:  # check mode, a source does not exist yet
                value_changed = True
            else:
                try:
                    current = get_secret_string(client, described["ARN"]) if version_id else None
                except ValueError:
                    current = None  # a binary value: replace it with the composed string
                except BOTO_ERRORS as e:
                    module.fail_json_aws(e, msg=f"Failed to read the current value of secret {name} to compare it")
                if current is not None:
                    module.no_log_values.add(current)
                if not same_value(current, desired, p["compose"]["json_template"] is not None):
                    value_changed = True
                    new_value = desired
    elif version_id is None:
        value_changed = True  # the secret exists without a value: generate it once

    # What the value is made from (FINGERPRINT_TAG): with an unchanged value, against the current version; with a
    # new value, against the version written below.
    if source_versions is not None and not value_changed:
        fingerprint = composed_fingerprint(p["compose"], sources, source_versions, version_id)
        if tags.get(FINGERPRINT_TAG) != fingerprint:
            tags_to_add[FINGERPRINT_TAG] = fingerprint

    changed = changed or bool(update or tags_to_add or tags_to_remove or value_changed)
    primary_region = described.get("PrimaryRegion")
    if changed and primary_region not in (None, module.region):
        module.fail_json(
            msg=f"Secret {name} in {module.region} is a replica of the secret in {primary_region}: AWS refuses to"
            " change a replica; change the primary (the change propagates) or promote the replica to a standalone"
            " secret first (StopReplicationToReplica)",
            arn=described.get("ARN"),
        )

    after = dict(before, scheduled_for_deletion=False)
    after.update({"description": update.get("Description", before["description"])})
    if "KmsKeyId" in update:
        after["kms_key_id"] = update["KmsKeyId"]
    if tags_to_add or tags_to_remove:
        after["tags"] = {k: v for k, v in tags.items() if k not in tags_to_remove}
        after["tags"].update(tags_to_add)
    after["value"] = REDACTED_CHANGED if value_changed else before["value"]
    diff = {"before": before, "after": after}

    if module.check_mode:
        return changed, result_of(described, tags, version_id, False, value_changed), diff

    try:
        if update:
            update["SecretId"] = name
            update_secret(client, update)
        if value_changed:
            if new_value is None:
                new_value = generate_value(module, client)
            version_id = put_secret_value(client, name, new_value).get("VersionId", version_id)
            if source_versions is not None:
                tags_to_add[FINGERPRINT_TAG] = composed_fingerprint(p["compose"], sources, source_versions, version_id)
        if tags_to_remove:
            untag_secret(client, name, tags_to_remove)
        if tags_to_add:
            tag_secret(client, name, tags_to_add)
        if changed:
            described = describe_secret(client, name) or described
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to update secret {name}")
    return changed, result_of(described, tags_of(described), version_id, False, value_changed), diff


def ensure_absent(module, client, described):
    p = module.params
    name = p["name"]
    result = {"name": name, "arn": None, "version_id": None, "created": False, "value_changed": False}
    result["replicas_removed"] = []
    if described is None:
        return False, result, {"before": {}, "after": {}}
    tags = tags_of(described)
    version_id = current_version_id(described)
    result.update(arn=described.get("ARN"), version_id=version_id)
    before = metadata_view(described, tags, version_id is not None)
    force = p["recovery_window_in_days"] == 0
    if described.get("DeletedDate") and not force:
        result["deletion_date"] = str(described["DeletedDate"])
        return False, result, {"before": before, "after": before}
    diff = {"before": before, "after": {}}
    replicas = sorted(replication_status(described))
    result["replicas_removed"] = replicas
    if described.get("PrimaryRegion") not in (None, module.region):
        module.fail_json(
            msg=f"Secret {name} in {module.region} is a replica of the secret in {described['PrimaryRegion']};"
            " remove the region from the primary's replica_regions instead"
        )
    if module.check_mode:
        return True, result, diff
    if replicas:
        try:
            remove_regions_from_replication(client, name, replicas)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to remove the replica regions of secret {name} before deleting it")
    params = {"SecretId": name}
    if force:
        params["ForceDeleteWithoutRecovery"] = True
    else:
        params["RecoveryWindowInDays"] = p["recovery_window_in_days"]
    try:
        response = delete_secret(client, params)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to delete secret {name}")
    if not force and response.get("DeletionDate"):
        result["deletion_date"] = str(response["DeletionDate"])
    return True, result, diff


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        kms_key_id=dict(type="str", no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        recovery_window_in_days=dict(type="int", default=30),
        password_length=dict(type="int", no_log=False),
        exclude_characters=dict(type="str"),
        exclude_punctuation=dict(type="bool"),
        compose=dict(
            type="dict",
            options=dict(
                template=dict(type="str"),
                json_template=dict(type="dict"),
                values=dict(type="dict", default={}),
                secrets=dict(type="dict", default={}, no_log=False),
                url_encode=dict(type="bool"),
            ),
            mutually_exclusive=[("template", "json_template")],
            required_one_of=[("template", "json_template")],
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        replica_regions=dict(type="list", elements="raw"),
        purge_replica_regions=dict(type="bool", default=False),
        replica_wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[
            ("compose", "password_length"),
            ("compose", "exclude_characters"),
            ("compose", "exclude_punctuation"),
        ],
    )
    sources = validate_params(module)
    if module.params["compose"] is None:
        sources = None

    client = module.client("secretsmanager")
    name = module.params["name"]
    try:
        described = describe_secret(client, name)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe secret {name}")

    if module.params["state"] == "present":
        changed, result, diff = ensure_present(module, client, described, sources)
        first_run = described if not result["created"] else None
        changed = converge_replicas(module, client, first_run, result, diff) or changed
    else:
        changed, result, diff = ensure_absent(module, client, described)

    if module._diff:
        result["diff"] = diff
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
