# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets Manager helpers for platform_ops.aws.secretsmanager_generated_secret.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors and
report them with ``module.fail_json_aws``.  Secret values only ever travel between these helpers
and boto3: nothing here logs, formats or raises an exception containing a value.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from urllib.parse import quote

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.idempotency import idempotency_token

DEFAULT_KMS_ALIAS = "alias/aws/secretsmanager"
# "{{" and "}}" are literal braces, "{name}" a placeholder; any other brace is an error.
_TOKEN_RE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|\{|\}")


class TemplateError(ValueError):
    """A template problem; the message never contains a value."""


# ---------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def _describe_secret(client, secret_id):
    return client.describe_secret(SecretId=secret_id)


@AWSRetry.jittered_backoff()
def _get_secret_value(client, secret_id, version_stage):
    return client.get_secret_value(SecretId=secret_id, VersionStage=version_stage)


def initial_version_token(name):
    """ClientRequestToken (the VersionId) of the first version of secret ``name``.

    Derived from the name only, so every retry of the CreateSecret request - botocore's, AWSRetry's,
    and those of a re-run that did not see the secret yet - carries the same token: AWS applies a
    CreateSecret whose token and value it has already stored once and answers the retry with success.
    """
    return idempotency_token("secretsmanager.CreateSecret", name)


@AWSRetry.jittered_backoff()
def _create_secret(client, params):
    return client.create_secret(**params)


def create_secret(client, params):
    """CreateSecret with an explicit ClientRequestToken (``initial_version_token`` unless given)."""
    params = dict(params)
    params.setdefault("ClientRequestToken", initial_version_token(params["Name"]))
    return _create_secret(client, params)


@AWSRetry.jittered_backoff()
def _put_secret_value(client, params):
    return client.put_secret_value(**params)


def put_secret_value(client, secret_id, value, token=None, stages=None):
    """PutSecretValue with one ClientRequestToken for all its retries: a retry after an error that AWS
    answered once the version was stored adds no second version. ``stages`` (e.g. ``["AWSPENDING"]``)
    labels the new version instead of the default AWSCURRENT."""
    params = {"SecretId": secret_id, "SecretString": value, "ClientRequestToken": token or str(uuid.uuid4())}
    if stages:
        params["VersionStages"] = list(stages)
    return _put_secret_value(client, params)


@AWSRetry.jittered_backoff()
def update_secret_version_stage(client, secret_id, stage, move_to=None, remove_from=None):
    """UpdateSecretVersionStage: move ``stage`` to version ``move_to`` and/or off version ``remove_from``."""
    params = {"SecretId": secret_id, "VersionStage": stage}
    if move_to:
        params["MoveToVersionId"] = move_to
    if remove_from:
        params["RemoveFromVersionId"] = remove_from
    return client.update_secret_version_stage(**params)


@AWSRetry.jittered_backoff()
def update_secret(client, params):
    return client.update_secret(**params)


@AWSRetry.jittered_backoff()
def restore_secret(client, secret_id):
    return client.restore_secret(SecretId=secret_id)


@AWSRetry.jittered_backoff()
def delete_secret(client, params):
    return client.delete_secret(**params)


@AWSRetry.jittered_backoff()
def tag_secret(client, secret_id, tags):
    return client.tag_resource(SecretId=secret_id, Tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def untag_secret(client, secret_id, keys):
    return client.untag_resource(SecretId=secret_id, TagKeys=list(keys))


@AWSRetry.jittered_backoff()
def get_random_password(client, length, exclude_characters=None, exclude_punctuation=False):
    params = {
        "PasswordLength": length,
        "ExcludePunctuation": bool(exclude_punctuation),
        "IncludeSpace": False,
        "RequireEachIncludedType": True,
    }
    if exclude_characters:
        params["ExcludeCharacters"] = exclude_characters
    return client.get_random_password(**params)["RandomPassword"]


def describe_secret(client, secret_id):
    """DescribeSecret, or None when the secret does not exist (a secret scheduled for deletion exists)."""
    try:
        return _describe_secret(client, secret_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def get_secret_string(client, secret_id, version_stage="AWSCURRENT"):
    """The SecretString of a version, or None when the secret or that version has no value.

    Raises ValueError (without the value) when the secret holds binary data.
    """
    return get_secret_version(client, secret_id, version_stage)[0]


def get_secret_version(client, secret_id, version_stage="AWSCURRENT"):
    """(SecretString, VersionId) of a version; (None, None) when the secret or that version has no value.

    Raises ValueError (without the value) when the secret holds binary data.
    """
    try:
        response = _get_secret_value(client, secret_id, version_stage)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None, None
    if "SecretString" not in response:
        raise ValueError(f"secret {secret_id} holds a binary value; only string secrets can be used")
    return response["SecretString"], response.get("VersionId")


# ---------------------------------------------------------------- pure helpers


def current_version_id(described):
    for version_id, stages in (described.get("VersionIdsToStages") or {}).items():
        if "AWSCURRENT" in stages:
            return version_id
    return None


def tags_of(described):
    return boto3_tag_list_to_ansible_dict(described.get("Tags") or [])


def is_alias(key):
    return key.startswith("alias/") or ":alias/" in key


def kms_key_matches(wanted, current):
    """Compare the wanted key (id, ARN or alias) with what DescribeSecret reports (None = default key).

    Returns True, False, or None when an alias has to be resolved to tell (see resolve_kms_key).
    """
    current = current or DEFAULT_KMS_ALIAS
    if wanted == current:
        return True
    if is_alias(wanted) != is_alias(current):
        return None
    if is_alias(wanted):
        return wanted.endswith(":" + current) or current.endswith(":" + wanted)
    return current.endswith("/" + wanted) or wanted.endswith("/" + current)


@AWSRetry.jittered_backoff()
def _describe_key(kms_client, key):
    return kms_client.describe_key(KeyId=key)["KeyMetadata"]


def resolve_kms_key(kms_client, key):
    """The key ARN behind a key id, ARN or alias (KMS DescribeKey)."""
    return _describe_key(kms_client, key)["Arn"]


def template_placeholders(template):
    """Names used by a template string, in order; TemplateError on a stray brace."""
    names = []
    for match in _TOKEN_RE.finditer(template):
        piece = match.group(0)
        if piece in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise TemplateError(
                f"unmatched {piece!r} at position {match.start()} (write '{{{{' or '}}}}' for a literal brace)"
            )
        names.append(match.group(1))
    return names


def json_template_placeholders(template):
    """Placeholders of every string inside a JSON template (dicts/lists are walked)."""
    if isinstance(template, str):
        return template_placeholders(template)
    if isinstance(template, dict):
        return [name for value in template.values() for name in json_template_placeholders(value)]
    if isinstance(template, list):
        return [name for value in template for name in json_template_placeholders(value)]
    return []


def _as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_template(template, values, url_encode):
    """Substitute ``{name}`` placeholders; values are percent-encoded when ``url_encode``."""

    def replace(match):
        piece = match.group(0)
        if piece == "{{":
            return "{"
        if piece == "}}":
            return "}"
        text = _as_text(values[match.group(1)])
        return quote(text, safe="") if url_encode else text

    template_placeholders(template)  # raises on stray braces
    return _TOKEN_RE.sub(replace, template)


def render_json_template(template, values, url_encode):
    """Render a JSON template; a string that is exactly one placeholder keeps the value's own type."""
    if isinstance(template, str):
        match = _TOKEN_RE.fullmatch(template)
        if match and match.group(1) and not url_encode:
            return values[match.group(1)]
        return render_template(template, values, url_encode)
    if isinstance(template, dict):
        return {key: render_json_template(value, values, url_encode) for key, value in template.items()}
    if isinstance(template, list):
        return [render_json_template(value, values, url_encode) for value in template]
    return template


def same_value(current, desired, as_json):
    """Compare a stored secret string with the desired one (JSON compared as data)."""
    if current is None:
        return False
    if not as_json:
        return current == desired
    try:
        return json.loads(current) == json.loads(desired)
    except ValueError:
        return False


def extract_source_value(secret_id, secret_string, json_key):
    """The whole secret string, or one key of a JSON secret (ValueError without the value)."""
    if json_key is None:
        return secret_string
    try:
        data = json.loads(secret_string)
    except ValueError:
        raise ValueError(f"secret {secret_id} is not a JSON object, so json_key {json_key!r} cannot be read") from None
    if not isinstance(data, dict) or json_key not in data:
        raise ValueError(f"secret {secret_id} has no JSON key {json_key!r}")
    value = data[json_key]
    if isinstance(value, (dict, list)) or value is None:
        raise ValueError(f"JSON key {json_key!r} of secret {secret_id} is not a string or number")
    return value


# ---------------------------------------------------------------- replica regions

# Injectable clock for the replication waiter (unit tests replace them).
SLEEP = time.sleep
CLOCK = time.monotonic


@AWSRetry.jittered_backoff()
def replicate_secret_to_regions(client, secret_id, replicas):
    """ReplicateSecretToRegions; ``replicas`` is a list of ``{"region", "kms_key_id"}`` (None = default key)."""
    return client.replicate_secret_to_regions(SecretId=secret_id, AddReplicaRegions=replica_region_params(replicas))


@AWSRetry.jittered_backoff()
def remove_regions_from_replication(client, secret_id, regions):
    return client.remove_regions_from_replication(SecretId=secret_id, RemoveReplicaRegions=list(regions))


def replica_region_params(replicas):
    """AddReplicaRegions of CreateSecret / ReplicateSecretToRegions."""
    params = []
    for replica in replicas:
        item = {"Region": replica["region"]}
        if replica.get("kms_key_id"):
            item["KmsKeyId"] = replica["kms_key_id"]
        params.append(item)
    return params


def replication_status(described):
    """``{region: {"region", "kms_key_id", "status", "status_message"}}`` from DescribeSecret."""
    status = {}
    for item in (described or {}).get("ReplicationStatus") or []:
        status[item["Region"]] = {
            "region": item["Region"],
            "kms_key_id": item.get("KmsKeyId"),
            "status": item.get("Status"),
            "status_message": item.get("StatusMessage"),
        }
    return status


def replica_arn(primary_arn, primary_region, region):
    """The ARN of the replica of ``primary_arn`` in ``region``: same name and suffix, region swapped."""
    if not primary_arn:
        return None
    parts = primary_arn.split(":")
    if len(parts) < 7 or parts[3] != primary_region:
        return None
    parts[3] = region
    return ":".join(parts)


def wait_for_replicas(client, secret_id, regions, timeout, delay=5):
    """Poll DescribeSecret until every region in ``regions`` is InSync.

    Returns ``(described, problem)``: problem is None when all are InSync, otherwise a text naming the
    regions that failed (with AWS's StatusMessage) or are still not in sync at the timeout.
    """
    deadline = CLOCK() + timeout
    while True:
        described = _describe_secret(client, secret_id)
        status = replication_status(described)
        failed = {r: status[r] for r in regions if r in status and status[r]["status"] == "Failed"}
        if failed:
            return described, "; ".join(f"{r}: {s['status_message'] or 'Failed'}" for r, s in sorted(failed.items()))
        pending = [r for r in regions if status.get(r, {}).get("status") != "InSync"]
        if not pending:
            return described, None
        if CLOCK() >= deadline:
            states = ", ".join(f"{r}: {status.get(r, {}).get('status') or 'missing'}" for r in sorted(pending))
            return described, f"not InSync after {timeout} s ({states})"
        SLEEP(delay)


def _wanted_replicas(raw):
    """replica_regions as {region: kms_key_id or None}; None when replication is not managed. A malformed
    item is kept as given under the key None, so that the plan sends it to the module (which names it)."""
    if raw is None:
        return None
    replicas = {}
    for item in raw:
        spec = {"region": item} if isinstance(item, str) else item
        if not isinstance(spec, dict) or not isinstance(spec.get("region"), str):
            replicas[None] = item
            continue
        replicas[spec["region"]] = spec.get("kms_key_id") or None
    return replicas


def generated_secret_differences(described, wanted, region):
    """What secretsmanager_generated_secret (state present, a generated value: no compose) would change on the
    secret whose DescribeSecret answer is ``described`` (None: missing), as a list of short reasons; empty when
    the module would report no change.

    ``wanted`` holds the module's options: description, kms_key_id, tags, purge_tags (default true),
    replica_regions, purge_replica_regions (default false); ``region`` is the secret's region. Metadata only:
    a generated value is written once (when the secret has none) and never compared. A KMS alias compared
    with a key id or ARN cannot be told without KMS: it counts as a difference (the module resolves it).
    """
    if not described:
        return ["missing"]
    differs = []
    if described.get("DeletedDate"):
        differs.append("scheduled for deletion")
    description = wanted.get("description")
    if description is not None and description != described.get("Description", ""):
        differs.append("description")
    key = wanted.get("kms_key_id")
    if key is not None and not kms_key_matches(key, described.get("KmsKeyId")):
        differs.append("kms key")
    if wanted.get("tags") is not None:
        purge = wanted.get("purge_tags")
        to_add, to_remove = compare_aws_tags(tags_of(described), wanted["tags"], True if purge is None else purge)
        if to_add or to_remove:
            differs.append("tags")
    if current_version_id(described) is None:
        differs.append("no value")
    replicas = _wanted_replicas(wanted.get("replica_regions"))
    if replicas is not None:
        primary = described.get("PrimaryRegion")
        if primary not in (None, region):
            differs.append(f"a replica of the secret in {primary}")
        status = replication_status(described)
        for name, replica_key in replicas.items():
            current = status.get(name)
            if name is None or current is None:
                differs.append(f"replica {name} missing")
            elif current["status"] != "InSync":
                differs.append(f"replica {name} {current['status']}")
            elif not kms_key_matches(replica_key or DEFAULT_KMS_ALIAS, current["kms_key_id"]):
                differs.append(f"replica {name} kms key")
        if wanted.get("purge_replica_regions"):
            differs += [f"replica {name} not wanted" for name in sorted(status) if name not in replicas]
    return differs


# ---------------------------------------------------------------- what a composed value is made from

# The tag on a composed secret that names what its value was made from (composed_fingerprint): a plan that reads
# only metadata (DescribeSecret) can tell the value is still what the module would compose, without reading a value.
FINGERPRINT_TAG = "PlatformComposedFrom"


def source_specs(secrets):
    """{placeholder: {secret_id, json_key, version_stage}} of compose.secrets (a name or ARN, or a dict); None
    when one is malformed (the module reports it)."""
    specs = {}
    for placeholder, raw in (secrets or {}).items():
        spec = {"secret_id": raw} if isinstance(raw, str) else raw
        if not isinstance(spec, dict) or not isinstance(spec.get("secret_id"), str) or not spec["secret_id"]:
            return None
        specs[placeholder] = {
            "secret_id": spec["secret_id"],
            "json_key": spec.get("json_key"),
            "version_stage": spec.get("version_stage") or "AWSCURRENT",
        }
    return specs


def version_of_stage(described, stage="AWSCURRENT"):
    """The VersionId a DescribeSecret answer labels ``stage``; None when none is."""
    for version_id, stages in ((described or {}).get("VersionIdsToStages") or {}).items():
        if stage in stages:
            return version_id
    return None


def composed_fingerprint(compose, sources, source_versions, version_id):
    """A digest of what a composed value is made from: the template, the plain values, each source secret (its
    id, key and stage) with the version it was read at, and the composed secret's own current version (a value
    written by hand is a new version). Never a secret value: the same inputs compose the same value, and any
    new version of a source or of the secret itself changes the digest."""
    compose = compose or {}
    material = {
        "template": compose.get("template"),
        "json_template": compose.get("json_template"),
        "url_encode": compose.get("url_encode"),
        "values": compose.get("values") or {},
        "sources": {
            placeholder: [
                spec["secret_id"],
                spec.get("json_key"),
                spec["version_stage"],
                source_versions.get(placeholder),
            ]
            for placeholder, spec in sorted((sources or {}).items())
        },
        "version": version_id,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:40]


def composed_secret_differences(described, wanted, sources_described, region):
    """What secretsmanager_generated_secret (state present, compose) would change, from DescribeSecret answers
    only: the metadata as generated_secret_differences compares it, then the value: unchanged only when the
    secret's FINGERPRINT_TAG equals the digest of the wanted template and values, the sources' versions as read
    now and the secret's own current version (a secret never composed here, a source with a new version, another
    template or values, or a value written by hand: the module runs and compares the values themselves).

    ``wanted``: the module's options (compose among them); ``sources_described``: {secret_id as compose.secrets
    names it: its DescribeSecret answer}."""
    compose = (wanted or {}).get("compose") or {}
    current_tags = tags_of(described) if described else {}
    metadata = dict(wanted or {})
    if metadata.get("tags") is not None and FINGERPRINT_TAG in current_tags:
        metadata["tags"] = dict(metadata["tags"], **{FINGERPRINT_TAG: current_tags[FINGERPRINT_TAG]})
    differs = generated_secret_differences(described, metadata, region)
    if differs:
        return differs
    specs = source_specs(compose.get("secrets"))
    if specs is None:
        return ["sources"]
    versions = {}
    for placeholder, spec in specs.items():
        versions[placeholder] = version_of_stage(
            (sources_described or {}).get(spec["secret_id"]), spec["version_stage"]
        )
        if versions[placeholder] is None:
            return [f"source {placeholder} not read"]
    fingerprint = composed_fingerprint(compose, specs, versions, current_version_id(described))
    if current_tags.get(FINGERPRINT_TAG) != fingerprint:
        differs.append("value")
    return differs
