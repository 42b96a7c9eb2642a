#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_replication_group
version_added: 0.1.0
short_description: Manage an ElastiCache Redis OSS or Valkey replication group
description:
  - Create, update in place and delete an Amazon ElastiCache replication group (Redis OSS or Valkey).
  - On an existing group only the options the task sets are compared, and only those that differ are
    sent to C(ModifyReplicationGroup). Attributes ElastiCache cannot change in place (encryption at
    rest, KMS key, subnet group, port, transit encryption) make the module fail with a clear message
    instead of being silently ignored.
  - The creation can be started without waiting (O(wait=false)) and waited for later; a second task
    with O(wait=true) and the same options (or only O(replication_group_id)) changes nothing and
    waits until the group is available. This lets several slow resources be created concurrently.
  - The auth token is never returned and never compared; it is sent on creation, and on an existing
    group only when O(auth_token_update_strategy) is set. With O(auth_token_secret_id) the module
    reads it from AWS Secrets Manager itself, so the token never passes through the playbook.
author: Platform Ops Maintainers (@platform-ops)
options:
  replication_group_id:
    description:
      - The replication group identifier (lowercase, 1 to 40 characters).
    required: true
    type: str
  description:
    description:
      - The description of the replication group.
      - Required to create the group.
    type: str
  state:
    description:
      - Whether the replication group should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  engine:
    description:
      - The cache engine.
      - Defaults to V(redis) when the group is created. On an existing group it is only compared when
        set; V(redis) can be upgraded to V(valkey) in place (O(engine_version) is then required),
        the opposite fails.
    choices: ["redis", "valkey"]
    type: str
  engine_version:
    description:
      - The engine version, for example V(7.1). A shorter version matches a longer reported one
        (V(7.1) matches V(7.1.0)); V(x) matches any component.
    type: str
  cache_node_type:
    description:
      - The node type, for example V(cache.t4g.small).
      - Required to create the group.
    type: str
  num_cache_clusters:
    description:
      - Number of nodes (primary plus replicas) of a group with cluster mode disabled.
      - Only used on creation; a different node count on an existing group is reported as a warning,
        this module does not add or remove nodes.
      - Mutually exclusive with O(num_node_groups) and O(replicas_per_node_group).
    type: int
  num_node_groups:
    description:
      - Number of node groups (shards). Only used on creation (see O(num_cache_clusters)).
    type: int
  replicas_per_node_group:
    description:
      - Number of replica nodes in each node group. Only used on creation (see O(num_cache_clusters)).
    type: int
  cache_subnet_group_name:
    description:
      - The cache subnet group. Cannot be changed after creation.
    type: str
  security_group_ids:
    description:
      - VPC security group IDs of the group. Compared as a set.
    type: list
    elements: str
  cache_parameter_group_name:
    description:
      - The cache parameter group.
    type: str
  at_rest_encryption_enabled:
    description:
      - Whether data at rest is encrypted. Cannot be changed after creation.
    type: bool
  kms_key_id:
    description:
      - KMS key (ID or ARN) for encryption at rest; requires O(at_rest_encryption_enabled=true).
      - Cannot be changed after creation. An alias is sent as given but cannot be compared.
    type: str
  transit_encryption_enabled:
    description:
      - Whether in-transit encryption (TLS) is enabled. Required with O(auth_token) or
        O(auth_token_secret_id) on creation.
      - This module does not change it on an existing group (that needs the two-step
        C(TransitEncryptionMode) migration); a difference fails.
    type: bool
  auth_token:
    description:
      - The AUTH token (password), 16 to 128 ASCII characters, only letters, digits and the special
        characters V(!), V(&), V(#), V($), V(^), V(<), V(>) and V(-) (ElastiCache refuses any other
        character, answering C(InvalidParameterValue) "Invalid AuthToken provided").
      - Sent on creation. On an existing group it is sent only with O(auth_token_update_strategy)
        (ElastiCache does not return the token, so such a task always reports a change).
      - Mutually exclusive with O(auth_token_secret_id).
    type: str
  auth_token_secret_id:
    description:
      - Name or ARN of an AWS Secrets Manager secret holding the AUTH token. The module reads it with
        C(GetSecretValue) (version V(AWSCURRENT)) only when the token is sent, that is on creation and
        with O(auth_token_update_strategy=SET) or O(auth_token_update_strategy=ROTATE); a run that
        changes nothing does not read it.
      - The token is validated like O(auth_token) and never returned or logged.
      - A secret that does not exist, has no value, is scheduled for deletion or holds binary data
        fails the task with a message naming the secret. In check mode a missing secret (for example
        one a previous task would create) is reported as a warning instead.
      - Mutually exclusive with O(auth_token).
    type: str
  auth_token_secret_key:
    description:
      - Read this key of a JSON secret instead of using the whole secret string.
      - Requires O(auth_token_secret_id).
    type: str
  auth_token_secret_version_stage:
    description:
      - The version stage of O(auth_token_secret_id) to read, for example V(AWSPENDING) to send a rotated token
        with O(auth_token_update_strategy=ROTATE) before it becomes the secret's current version (the
        Secrets Manager rotation steps - a new task started meanwhile still reads a token Redis accepts).
      - Requires O(auth_token_secret_id). Not supported with O(auth_token_secret_replace_invalid).
    type: str
    default: AWSCURRENT
  auth_token_secret_replace_invalid:
    description:
      - When the token read from O(auth_token_secret_id) is not a valid AUTH token (for example one
        generated under an older, wider character rule) and is about to be sent, replace it instead of
        failing - a new valid token of the same length (at least 16, at most 128 characters) is generated
        with C(GetRandomPassword), stored as the secret's new C(AWSCURRENT) version (C(PutSecretValue))
        and sent. A warning says so; the value is never shown.
      - The token is only sent when the group is created (then nothing uses the old value yet) or with
        O(auth_token_update_strategy); it is never replaced otherwise.
      - Not supported with O(auth_token_secret_key) (the other keys of a JSON secret are not rewritten).
      - In check mode nothing is written; a warning says the token would be replaced.
    type: bool
    default: false
  auth_token_update_strategy:
    description:
      - Send O(auth_token) (or the token of O(auth_token_secret_id)) to an existing group with this strategy (V(ROTATE) keeps the old token
        valid until the next rotation, V(SET) replaces it, V(DELETE) removes token authentication).
    choices: ["SET", "ROTATE", "DELETE"]
    type: str
  automatic_failover_enabled:
    description:
      - Whether a replica is promoted automatically when the primary fails (needs at least one replica).
    type: bool
  multi_az_enabled:
    description:
      - Whether Multi-AZ is enabled; requires O(automatic_failover_enabled=true).
    type: bool
  snapshot_retention_limit:
    description:
      - Days automatic snapshots are kept (0 disables them).
    type: int
  snapshot_window:
    description:
      - Daily UTC time range for automatic snapshots, V(hh24:mi-hh24:mi), e.g. V(03:00-04:00).
    type: str
  preferred_maintenance_window:
    description:
      - Weekly UTC maintenance window, V(ddd:hh24:mi-ddd:hh24:mi), e.g. V(sun:05:00-sun:06:00).
    type: str
  port:
    description:
      - Port the nodes accept connections on. Cannot be changed after creation.
    type: int
  apply_immediately:
    description:
      - Apply modifications now instead of in the next maintenance window.
    type: bool
    default: false
  wait:
    description:
      - Wait until the group is V(available) (O(state=present)) or gone (O(state=absent)).
      - With V(false) the module returns as soon as the request is accepted. Independently of this
        option, a modification or deletion first waits (up to O(wait_timeout)) while the group is
        creating, modifying or snapshotting, because ElastiCache rejects changes in those states.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait. Polls with a backoff from 2 to 30 seconds.
    type: int
    default: 1800
  final_snapshot_identifier:
    description:
      - With O(state=absent), the name of a final snapshot to take before deletion.
    type: str
notes:
  - Changing the number of nodes or shards (C(IncreaseReplicaCount), C(ModifyReplicationGroupShardConfiguration))
    is not done by this module; a difference is reported as a warning.
  - Engine version, security groups, parameter group, subnet group and maintenance window are read
    from one member cache cluster. When it cannot be read (the moto emulator creates none), those
    options are not compared, a warning says so, and they are left unchanged.
  - Check mode is supported and reports the changes that would be made; diff mode shows the compared
    attributes before and after (never the auth token).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start creating the cache without waiting (the database and search domain are created meanwhile)
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    description: caseapp prod cache
    engine: redis
    engine_version: "7.1"
    cache_node_type: cache.t4g.small
    num_cache_clusters: 2
    cache_subnet_group_name: caseapp-prod-cache
    security_group_ids: ["sg-0123456789abcdef0"]
    at_rest_encryption_enabled: true
    transit_encryption_enabled: true
    auth_token: "{{ cache_auth_token }}"
    automatic_failover_enabled: true
    multi_az_enabled: true
    snapshot_retention_limit: 7
    snapshot_window: "03:00-04:00"
    preferred_maintenance_window: "sun:05:00-sun:06:00"
    tags:
      Project: caseapp
      Environment: prod
    wait: false

- name: Later, wait until the cache is available (changes nothing)
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    wait: true
    wait_timeout: 2400
  register: cache

- name: Resize the nodes now
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    cache_node_type: cache.r7g.large
    apply_immediately: true

- name: Rotate the auth token
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    auth_token: "{{ new_cache_auth_token }}"
    auth_token_update_strategy: ROTATE
    apply_immediately: true

- name: Create the cache with the auth token read from Secrets Manager inside the module
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    description: caseapp prod cache
    cache_node_type: cache.t4g.small
    replicas_per_node_group: 1
    at_rest_encryption_enabled: true
    transit_encryption_enabled: true
    auth_token_secret_id: caseapp-prod/cache/auth-token
    # a token generated under an older rule (with characters ElastiCache refuses) is replaced
    auth_token_secret_replace_invalid: true

- name: Rotate the auth token to the value now stored in one key of a JSON secret
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    auth_token_secret_id: caseapp-prod/cache/credentials
    auth_token_secret_key: auth_token
    auth_token_update_strategy: ROTATE
    apply_immediately: true

- name: Delete the cache, keeping a final snapshot
  platform_ops.aws.elasticache_replication_group:
    replication_group_id: caseapp-prod-cache
    state: absent
    final_snapshot_identifier: caseapp-prod-cache-final
"""

RETURN = r"""
replication_group:
  description:
    - The replication group as ElastiCache describes it (snake_case), plus convenience keys.
    - Empty after O(state=absent) once the group is gone, or in check mode before creation.
    - The auth token is never returned (only RV(replication_group.auth_token_enabled)).
  returned: always
  type: dict
  contains:
    replication_group_id:
      description: The identifier.
      type: str
      sample: caseapp-prod-cache
    arn:
      description: The ARN of the group.
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:caseapp-prod-cache
    status:
      description: C(creating), C(available), C(modifying), C(deleting), C(create-failed) or C(snapshotting).
      type: str
      sample: available
    description:
      description: The description.
      type: str
    engine:
      description: The engine.
      type: str
      sample: redis
    engine_version:
      description: The engine version, when a member cluster could be read.
      type: str
      sample: 7.1.0
    cache_node_type:
      description: The node type.
      type: str
      sample: cache.t4g.small
    endpoint:
      description: Where clients connect, the configuration endpoint (cluster mode) or the primary endpoint.
      type: dict
      sample: {"address": "master.caseapp-prod-cache.abc123.use1.cache.amazonaws.com", "port": 6379}
    primary_endpoint:
      description: The primary endpoint of a group with cluster mode disabled.
      type: dict
      sample: {"address": "master.caseapp-prod-cache.abc123.use1.cache.amazonaws.com", "port": 6379}
    reader_endpoint:
      description: The reader endpoint of a group with cluster mode disabled.
      type: dict
    configuration_endpoint:
      description: The configuration endpoint of a group with cluster mode enabled.
      type: dict
    port:
      description: The port.
      type: int
      sample: 6379
    member_clusters:
      description: The member cache cluster identifiers.
      type: list
      elements: str
    node_groups:
      description: The node groups with their members and endpoints.
      type: list
      elements: dict
    automatic_failover:
      description: C(enabled), C(disabled), C(enabling) or C(disabling).
      type: str
    multi_az:
      description: C(enabled) or C(disabled).
      type: str
    at_rest_encryption_enabled:
      description: Whether data at rest is encrypted.
      type: bool
    transit_encryption_enabled:
      description: Whether in-transit encryption is enabled.
      type: bool
    auth_token_enabled:
      description: Whether AUTH is required.
      type: bool
    kms_key_id:
      description: The KMS key of encryption at rest, when a customer key is used.
      type: str
    snapshot_retention_limit:
      description: Days automatic snapshots are kept.
      type: int
    snapshot_window:
      description: The daily snapshot window.
      type: str
    security_group_ids:
      description: Security group IDs, when a member cluster could be read.
      type: list
      elements: str
    cache_parameter_group_name:
      description: The parameter group, when a member cluster could be read.
      type: str
    cache_subnet_group_name:
      description: The subnet group, when a member cluster could be read.
      type: str
    preferred_maintenance_window:
      description: The maintenance window, when a member cluster could be read.
      type: str
    tags:
      description: The tags of the group.
      type: dict
      sample: {"Project": "caseapp"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache import (
    AUTH_TOKEN_EXCLUDE_CHARACTERS,
    AUTH_TOKEN_MAX_LENGTH,
    AUTH_TOKEN_MIN_LENGTH,
    BOTO_ERRORS,
    TRANSITIONAL_STATUSES,
    ElastiCacheWaitError,
    add_tags,
    auth_token_problem,
    create_replication_group,
    delete_replication_group,
    get_member_cluster,
    get_replication_group,
    get_tags,
    modify_replication_group,
    remove_tags,
    wait_for_replication_group,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache_plan import (
    ARGUMENT_SPEC,
    CLUSTER_LEVEL,
    CURRENT_STAGE,
    build_create_params,
    current_view,
    desired_view,
    format_group,
    param_problems,
    plan_changes,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
    extract_source_value,
    get_random_password,
    get_secret_string,
    put_secret_value,
)

# ---------------------------------------------------------------- input validation


def validate_params(module):
    """Checks that need no AWS call; fail before touching anything."""
    problems = param_problems(module.params)
    if problems:
        module.fail_json(msg="Invalid parameters: " + "; ".join(problems))


def validate_create(module):
    """Checks that only apply when the group is about to be created."""
    p = module.params
    problems = []
    missing = [name for name in ("description", "cache_node_type") if not p[name]]
    if missing:
        problems.append("to create it set " + " and ".join(missing))
    token_option = "auth_token" if p["auth_token"] is not None else "auth_token_secret_id"
    if p[token_option] is not None and p["transit_encryption_enabled"] is not True:
        problems.append(f"{token_option} requires transit_encryption_enabled=true")
    if p["automatic_failover_enabled"]:
        nodes_per_shard = p["num_cache_clusters"] or (p["replicas_per_node_group"] or 0) + 1
        if nodes_per_shard < 2:
            problems.append(
                "automatic_failover_enabled=true needs at least one replica"
                " (num_cache_clusters >= 2 or replicas_per_node_group >= 1)"
            )
    if problems:
        module.fail_json(
            msg=f"Replication group {p['replication_group_id']} does not exist and cannot be created: "
            + "; ".join(problems)
        )


# ---------------------------------------------------------------- auth token from Secrets Manager


def read_auth_token_secret(module):
    """The AUTH token stored in O(auth_token_secret_id) (validated, registered as no_log).

    Returns None only in check mode when the secret does not exist or has no value yet (a previous
    task of the same check run would create it); fails with a message naming the secret otherwise.
    No message ever contains the value.
    """
    p = module.params
    secret_id, key = p["auth_token_secret_id"], p["auth_token_secret_key"]
    client = module.client("secretsmanager")
    try:
        secret_string = get_secret_string(client, secret_id, p["auth_token_secret_version_stage"])
    except ValueError as e:  # a binary secret
        module.fail_json(msg=f"Cannot read the auth token: {e}")
    except is_boto3_error_code("InvalidRequestException") as e:
        module.fail_json_aws(
            e, msg=f"Cannot read the auth token from secret {secret_id} (is it scheduled for deletion?)"
        )
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the auth token from secret {secret_id}")
    if secret_string is None:
        message = f"Auth token secret {secret_id} does not exist or has no value"
        if p["auth_token_secret_version_stage"] != CURRENT_STAGE:
            message += f" labelled {p['auth_token_secret_version_stage']}"
        if module.check_mode:
            module.warn(message + "; in check mode the group is assumed to get the token it will hold")
            return None
        module.fail_json(msg=message)
    module.no_log_values.add(secret_string)
    try:
        token = extract_source_value(secret_id, secret_string, key)
    except ValueError as e:
        module.fail_json(msg=f"Cannot read the auth token: {e}")
    token = str(token)
    module.no_log_values.add(token)
    problem = auth_token_problem(token)
    if problem:
        if p["auth_token_secret_replace_invalid"]:
            return replace_invalid_token(module, client, secret_id, len(token), problem)
        where = f"secret {secret_id}" + (f" (JSON key {key})" if key else "")
        module.fail_json(
            msg=f"The auth token in {where} is invalid: {problem}. Store a valid token in the secret"
            " (or set auth_token_secret_replace_invalid=true to have one generated and stored)"
        )
    return token


def replace_invalid_token(module, client, secret_id, length, problem):
    """Generate a valid token, store it as the secret's new current version and return it.

    In check mode nothing is generated or written: a warning, and None (no token to send).
    """
    length = min(max(length, AUTH_TOKEN_MIN_LENGTH), AUTH_TOKEN_MAX_LENGTH)
    if module.check_mode:
        module.warn(
            f"The auth token in secret {secret_id} is invalid ({problem}); a valid {length}-character token"
            " would be generated and stored in the secret"
        )
        return None
    try:
        token = get_random_password(client, length, exclude_characters=AUTH_TOKEN_EXCLUDE_CHARACTERS)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to generate a valid auth token to replace the one in secret {secret_id}")
    module.no_log_values.add(token)
    if auth_token_problem(token):
        # GetRandomPassword honours ExcludeCharacters; never store a token ElastiCache would refuse.
        module.fail_json(
            msg=f"Secrets Manager generated an invalid auth token for secret {secret_id}; nothing was stored"
        )
    try:
        put_secret_value(client, secret_id, token)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to store the replacement auth token in secret {secret_id}")
    module.warn(
        f"The auth token in secret {secret_id} was invalid ({problem}); a valid {length}-character token was"
        " generated and stored as the secret's current version"
    )
    return token


def auth_token_to_send(module):
    """O(auth_token), or the token read from O(auth_token_secret_id); None when there is none."""
    if module.params["auth_token_secret_id"] is not None:
        return read_auth_token_secret(module)
    return module.params["auth_token"]


# ---------------------------------------------------------------- ensure


def wait_for(module, client, target, changed=False):
    """Wait for ``target``; on failure report ``changed`` (a request this run already made)."""
    try:
        return wait_for_replication_group(
            client, module.params["replication_group_id"], target, module.params["wait_timeout"]
        )
    except ElastiCacheWaitError as e:
        module.fail_json(msg=e.message, changed=changed, replication_group=format_group(e.replication_group))
    except BOTO_ERRORS as e:
        module.fail_json_aws(
            e,
            msg=f"Failed while waiting for replication group {module.params['replication_group_id']}",
            changed=changed,
        )


def existing_after_retry(module, client, error):
    rg_id = module.params["replication_group_id"]
    try:
        group = get_replication_group(client, rg_id)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe replication group {rg_id}", changed=True)
    if group is None or group.get("Status") in ("deleting", "deleted"):
        module.fail_json_aws(error, msg=f"Failed to create replication group {rg_id}")
    return group


def create(module, client):
    p = module.params
    validate_create(module)
    auth_token = auth_token_to_send(module)
    diff = {"before": {}, "after": desired_view(module)}
    if module.check_mode:
        return True, {}, diff
    try:
        group = create_replication_group(client, build_create_params(p, auth_token))
    except is_boto3_error_code("ReplicationGroupAlreadyExists") as e:
        # A retried request whose first attempt was accepted (a 5xx answer after the write): the
        # group this run asked for exists now. Anything else is a real failure.
        group = existing_after_retry(module, client, e)
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to create replication group {p['replication_group_id']}")
    if p["wait"]:
        group = wait_for(module, client, "available", changed=True)
    return True, format_group(group, tags=dict(p["tags"] or {})), diff


def ensure_present(module, client, group):
    p = module.params
    rg_id = p["replication_group_id"]
    if group is not None and group.get("Status") == "deleting":
        module.fail_json(
            msg=f"Replication group {rg_id} is being deleted; it can be created again once the deletion has finished",
            replication_group=format_group(group),
        )
    if group is None:
        return create(module, client)
    if group.get("Status") == "create-failed":
        module.fail_json(
            msg=f"Replication group {rg_id} failed to create (status create-failed); delete it (state=absent) and create it again",
            replication_group=format_group(group),
        )

    try:
        cluster, cluster_id = get_member_cluster(client, group)
        tags = get_tags(client, group["ARN"])
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe replication group {rg_id}")

    view, modify, changed_attrs, errors, warnings = plan_changes(module, group, cluster, cluster_id, auth_token_to_send)
    if errors:
        module.fail_json(
            msg=f"Cannot update replication group {rg_id} in place: " + "; ".join(errors),
            replication_group=format_group(group, cluster, tags),
        )
    for warning in warnings:
        module.warn(warning)

    tags_to_add, tags_to_remove = {}, []
    if p["tags"] is not None:
        tags_to_add, tags_to_remove = compare_aws_tags(tags, p["tags"], p["purge_tags"])

    before = dict(view, tags=tags)
    after = dict(before)
    for name in changed_attrs:
        if name == "auth_token":
            strategy = p["auth_token_update_strategy"]
            after["auth_token_update_strategy"] = strategy
            after["auth_token_enabled"] = strategy in ("SET", "ROTATE")
        elif name == "security_group_ids":
            after[name] = sorted(p[name])
        else:
            after[name] = p[name]
    if tags_to_add or tags_to_remove:
        new_tags = {k: v for k, v in tags.items() if k not in tags_to_remove}
        new_tags.update(tags_to_add)
        after["tags"] = new_tags
    diff = {"before": before, "after": after}

    changed = bool(modify or tags_to_add or tags_to_remove)
    if module.check_mode:
        return changed, format_group(group, cluster, tags), diff

    try:
        if modify:
            if group.get("Status") in TRANSITIONAL_STATUSES:
                group = wait_for(module, client, "available")
            group = modify_replication_group(client, modify)
        if tags_to_remove:
            remove_tags(client, group["ARN"], tags_to_remove)
        if tags_to_add:
            add_tags(client, group["ARN"], tags_to_add)
    except BOTO_ERRORS as e:
        module.fail_json_aws(
            e, msg=f"Failed to update replication group {rg_id} ({', '.join(changed_attrs) or 'tags'})"
        )

    if p["wait"] and (modify or group.get("Status") != "available"):
        group = wait_for(module, client, "available", changed=changed)
    try:
        if modify and any(name in CLUSTER_LEVEL or name == "cache_node_type" for name in changed_attrs):
            cluster, cluster_id = get_member_cluster(client, group)
        if tags_to_add or tags_to_remove:
            tags = get_tags(client, group["ARN"])
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe replication group {rg_id}")
    return changed, format_group(group, cluster, tags), diff


def ensure_absent(module, client, group):
    p = module.params
    rg_id = p["replication_group_id"]
    if group is None:
        return False, {}, {"before": {}, "after": {}}
    diff = {"before": current_view(group, None), "after": {}}
    if group.get("Status") == "deleting":
        if p["wait"] and not module.check_mode:
            group = wait_for(module, client, "deleted")
        return False, format_group(group), diff
    if module.check_mode:
        return True, format_group(group), diff

    if group.get("Status") in TRANSITIONAL_STATUSES:
        wait_for(module, client, "available")
    params = {"ReplicationGroupId": rg_id, "RetainPrimaryCluster": False}
    if p["final_snapshot_identifier"]:
        params["FinalSnapshotIdentifier"] = p["final_snapshot_identifier"]
    try:
        group = delete_replication_group(client, params)
    except is_boto3_error_code(["ReplicationGroupNotFoundFault", "InvalidReplicationGroupState"]) as e:
        # A retried request whose first attempt was accepted (a 5xx answer after the write): the
        # group is gone already, or deleting. Anything else is a real failure.
        try:
            group = get_replication_group(client, rg_id)
        except BOTO_ERRORS as describe_error:
            module.fail_json_aws(describe_error, msg=f"Failed to describe replication group {rg_id}", changed=True)
        if group is not None and group.get("Status") != "deleting":
            module.fail_json_aws(e, msg=f"Failed to delete replication group {rg_id}")
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to delete replication group {rg_id}")
    if p["wait"] and group is not None:
        group = wait_for(module, client, "deleted", changed=True)
    return True, format_group(group), diff


def main():
    argument_spec = dict(ARGUMENT_SPEC)
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[
            ("num_cache_clusters", "num_node_groups"),
            ("num_cache_clusters", "replicas_per_node_group"),
            ("auth_token", "auth_token_secret_id"),
        ],
        required_if=[
            ("auth_token_update_strategy", "SET", ("auth_token", "auth_token_secret_id"), True),
            ("auth_token_update_strategy", "ROTATE", ("auth_token", "auth_token_secret_id"), True),
        ],
        required_by={"auth_token_secret_key": "auth_token_secret_id"},
    )
    validate_params(module)

    client = module.client("elasticache")
    rg_id = module.params["replication_group_id"]
    try:
        group = get_replication_group(client, rg_id)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe replication group {rg_id}")

    if module.params["state"] == "present":
        changed, result, diff = ensure_present(module, client, group)
    else:
        changed, result, diff = ensure_absent(module, client, group)

    output = {"changed": changed, "replication_group": result}
    if module._diff:
        output["diff"] = diff
    module.exit_json(**output)


if __name__ == "__main__":
    main()
