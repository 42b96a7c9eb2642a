#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: aws_read
version_added: 0.3.0
short_description: Read a role's AWS state in one module run, the describe calls made concurrently
description:
  - Makes the read-only AWS API calls a role needs to plan (describe, list, get and head operations), concurrently,
    in one module run, and returns each response under its O(reads[].id). A role reads its whole state once with it,
    compares it with what it wants in its plan, and calls the writing modules only for what differs.
  - Only read operations are allowed, and never one that returns a secret (such as C(get_secret_value),
    C(get_object) or C(get_password_data)). A write or a secret-reading operation fails before any AWS call.
  - SSM parameters may be read only without decryption (C(WithDecryption) absent or false), so a C(SecureString)
    comes back as its ciphertext.
  - A read allowed for the rest of its answer has its secret replaced by C(REDACTED), so the answer still shows that
    there is one. This is the C(ClientSecret) of a cognito-idp C(describe_user_pool_client).
  - A response keeps boto3's shape (CamelCase keys) without C(ResponseMetadata); dates are ISO 8601 strings.
author: Platform Ops Maintainers (@platform-ops)
options:
  reads:
    description:
      - The calls to make. Each O(reads[].id) is unique.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: The key of this call's response in RV(responses).
        type: str
        required: true
      service:
        description: The boto3 client name, for example V(ec2), V(iam), V(logs).
        type: str
        required: true
      operation:
        description:
          - The boto3 method, snake_case, for example V(describe_vpcs). It must start with C(describe_), C(list_),
            C(get_) or C(head_).
        type: str
        required: true
      params:
        description: The operation's parameters, as boto3 takes them (CamelCase).
        type: dict
        default: {}
      paginate:
        description: Read every page (boto3's paginator, C(build_full_result)); the operation must have one.
        type: bool
        default: false
      region:
        description: The region of this call, when not the module's (a DR region, or V(us-east-1) for a global one).
        type: str
      params_from:
        description:
          - Parameters taken from an earlier read's response, as C(<id>.<path>), the path dotted, list indexes as
            numbers, for example V(key.KeyMetadata.KeyId) or V(detectors.DetectorIds.0); a part C(<Key>=<value>) picks
            the first item of a list whose C(<Key>) is C(<value>) (the value without dots), for example
            V(plans.BackupPlansList.BackupPlanName=daily.BackupPlanId); several conditions joined by C(&) must all
            hold, for example V(services.services.serviceName=web&status=ACTIVE.taskDefinition). The read runs after the
            reads it names. When one of them is missing, or the path is not in its response, this read is not made;
            its response is null and its id is listed in RV(missing) (what it would describe does not exist).
          - A key with dots names a place inside O(reads[].params), list indexes as numbers, which O(reads[].params)
            must already hold, for example V(Filters.0.Values.0) when O(reads[].params) holds a C(vpc-id) filter whose
            one value is a placeholder.
          - Each name must be of a read listed before this one.
        type: dict
        default: {}
      only_if_missing:
        description:
          - Ids of reads listed before this one. This read is a fallback for them, made only when every one of
            them is missing (see RV(missing)), for example a task definition family's latest revision when no service
            runs one. When one of them was found this read is not made, its response is null and its id is not listed
            in RV(missing).
        type: list
        elements: str
        default: []
      missing_ok:
        description:
          - Error codes that mean "does not exist" for this call, for example V(NoSuchEntity). The response is
            then null and the id is listed in RV(missing). Any other error fails the module.
        type: list
        elements: str
        default: []
  max_workers:
    description: How many calls run at once.
    type: int
    default: 8
notes:
  - Supports C(check_mode) (it only reads).
  - Each call is retried with jittered backoff on throttling and transient errors.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the network's state in one run
  platform_ops.aws.aws_read:
    reads:
      - id: vpcs
        service: ec2
        operation: describe_vpcs
        params: {Filters: [{Name: "tag:Project", Values: [caseapp]}]}
        paginate: true
      - id: flow_role_policy
        service: iam
        operation: get_role_policy
        params: {RoleName: caseapp-prod-flow-logs, PolicyName: flow-logs}
        missing_ok: [NoSuchEntity]
      - id: key
        service: kms
        operation: describe_key
        params: {KeyId: alias/caseapp-prod}
        missing_ok: [NotFoundException]
      # GetKeyPolicy takes a key id or ARN, not an alias: the id comes from the read above.
      - id: key_policy
        service: kms
        operation: get_key_policy
        params: {PolicyName: default}
        params_from: {KeyId: key.KeyMetadata.KeyId}
  register: network_state

- name: The task definition each service runs, else (no such service) its family's latest revision
  platform_ops.aws.aws_read:
    reads:
      - id: services
        service: ecs
        operation: describe_services
        params: {cluster: caseapp-prod, services: [caseapp-prod-web]}
      - id: running
        service: ecs
        operation: describe_task_definition
        params: {}
        params_from: {taskDefinition: services.services.serviceName=caseapp-prod-web&status=ACTIVE.taskDefinition}
      - id: latest
        service: ecs
        operation: describe_task_definition
        params: {taskDefinition: caseapp-prod-web}
        only_if_missing: [running]
        missing_ok: [ClientException]
"""

RETURN = r"""
responses:
  description: Each call's response by its id (null for a missing one), without ResponseMetadata.
  returned: always
  type: dict
  sample: {"vpcs": {"Vpcs": [{"VpcId": "vpc-0abc", "CidrBlock": "10.20.0.0/16"}]}, "flow_role_policy": null}
missing:
  description:
    - The ids whose call answered one of their O(reads[].missing_ok) codes, or that were not made because a read
      their O(reads[].params_from) names is missing.
  returned: always
  type: list
  elements: str
  sample: ["flow_role_policy"]
calls:
  description:
    - The calls that answered, each with its parameters as sent (those from O(reads[].params_from) filled in) and its
      region, so that a later reader of the same run can reuse their answers (the compliance audit does, through
      its O(platform_ops.aws.compliance_audit#module:reuse_run_reads)). A read whose answer had a secret redacted
      is not listed.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "vpcs", "service": "ec2", "operation": "describe_vpcs", "region": "eu-west-1", "paginate": true,
            "params": {"Filters": [{"Name": "tag:Project", "Values": ["caseapp"]}]}}]
"""

import copy
import datetime
import re
from concurrent.futures import ThreadPoolExecutor

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.sessions import client_factory

READ_PREFIXES = ("describe_", "list_", "get_", "head_")
# Reads that return secret material or object content: never through this module.
SECRET_READS = {
    "get_secret_value",
    "batch_get_secret_value",
    "get_object",
    "get_password_data",
    "get_session_token",
    "get_federation_token",
    "get_credentials_for_identity",
    "get_authorization_token",
    "get_login_password",
    "get_random_password",
    "get_data_key",
    "get_public_key",
}
# Reads allowed for the rest of their answer, whose answer can hold a secret: (service, operation) -> the path of
# the secret in the answer. The secret is replaced by REDACTED, so a plan still sees whether there is one.
REDACTED_FIELDS = {("cognito-idp", "describe_user_pool_client"): ("UserPoolClient", "ClientSecret")}
REDACTED = "REDACTED"
# SSM parameter reads return a SecureString's plain value only when asked to decrypt it.
DECRYPTING_READS = {"get_parameter", "get_parameters", "get_parameters_by_path", "get_parameter_history"}
# AWSRetry's own list lacks the JSON protocol's throttling code (SSM, ECS, ECR, KMS, CloudWatch Logs, ...).
RETRY_CODES = ["ThrottlingException", "ServiceUnavailableException", "InternalServerError"]
OPERATION_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def validate(module):
    seen = set()
    for index, read in enumerate(module.params["reads"]):
        rid, operation = read["id"], read["operation"]
        if not rid or rid in seen:
            module.fail_json(msg=f"reads[{index}]: id {rid!r} is empty or used twice")
        for param, source in read["params_from"].items():
            if not isinstance(source, str) or source.split(".")[0] not in seen:
                module.fail_json(
                    msg=f"reads[{index}] ({rid}): params_from {param}={source!r} must name a read listed before this one"
                )
            if "." in param and _place(read["params"], param) is None:
                module.fail_json(msg=f"reads[{index}] ({rid}): params_from {param!r} is not a place in its params")
        for source in read["only_if_missing"]:
            if source not in seen:
                module.fail_json(
                    msg=f"reads[{index}] ({rid}): only_if_missing {source!r} must name a read listed before this one"
                )
        seen.add(rid)
        if not OPERATION_RE.match(operation or ""):
            module.fail_json(msg=f"reads[{index}] ({rid}): operation {operation!r} is not a boto3 method name")
        if not operation.startswith(READ_PREFIXES):
            module.fail_json(
                msg=f"reads[{index}] ({rid}): {read['service']}.{operation} is not a read (describe_, list_, get_, head_)"
            )
        if operation in SECRET_READS:
            module.fail_json(msg=f"reads[{index}] ({rid}): {read['service']}.{operation} returns secrets: not allowed")
        if operation in DECRYPTING_READS and (read["params"] or {}).get("WithDecryption"):
            module.fail_json(
                msg=f"reads[{index}] ({rid}): {read['service']}.{operation} with WithDecryption returns secrets: not allowed"
            )
    if module.params["max_workers"] < 1:
        module.fail_json(msg="max_workers must be at least 1")


def redact(service, operation, response):
    """``response`` with the secret of a REDACTED_FIELDS read replaced by REDACTED (in place; returned)."""
    path = REDACTED_FIELDS.get((service, operation))
    if not path or not isinstance(response, dict):
        return response
    container = response
    for part in path[:-1]:
        container = container.get(part)
        if not isinstance(container, dict):
            return response
    if container.get(path[-1]):
        container[path[-1]] = REDACTED
    return response


def plain(value):
    """A response made JSON-able: ISO dates, no ResponseMetadata, bytes as text."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


_ABSENT = object()


def lookup(results, source):
    """The value at ``<id>.<path>`` in the responses read so far; _ABSENT when the read or the path is missing.
    A part ``Key=value`` picks the first item of a list whose ``Key`` is ``value``."""
    rid, _, path = source.partition(".")
    value = results.get(rid)
    for part in path.split(".") if path else []:
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, list) and "=" in part:
            wanted = [condition.partition("=")[::2] for condition in part.split("&")]
            value = next(
                (v for v in value if isinstance(v, dict) and all(str(v.get(k)) == w for k, w in wanted)),
                None,
            )
            if value is None:
                return _ABSENT
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _ABSENT
    return _ABSENT if value is None else value


def _place(params, path):
    """(container, key) of the dotted ``path`` inside ``params``, which must exist; None otherwise."""
    parts = path.split(".")
    container = params
    for part in parts[:-1]:
        container = _step(container, part)
        if container is None:
            return None
    last = parts[-1]
    if isinstance(container, dict) and last in container:
        return container, last
    if isinstance(container, list) and last.isdigit() and int(last) < len(container):
        return container, int(last)
    return None


def _step(container, part):
    if isinstance(container, dict):
        return container.get(part)
    if isinstance(container, list) and part.isdigit() and int(part) < len(container):
        return container[int(part)]
    return None


def waves(reads):
    """The reads in rounds: each round's reads name (params_from) only reads of earlier rounds."""
    done, pending, rounds = set(), list(reads), []
    while pending:
        ready = [
            r
            for r in pending
            if all(s.split(".")[0] in done for s in r["params_from"].values())
            and all(s in done for s in r["only_if_missing"])
        ]
        rounds.append(ready)
        done.update(r["id"] for r in ready)
        pending = [r for r in pending if r["id"] not in done]
    return rounds


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _call(client, operation, params, paginate):
    if paginate:
        return client.get_paginator(operation).paginate(**params).build_full_result()
    return getattr(client, operation)(**params)


def main():
    argument_spec = dict(
        reads=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                id=dict(type="str", required=True),
                service=dict(type="str", required=True),
                operation=dict(type="str", required=True),
                params=dict(type="dict", default={}),
                paginate=dict(type="bool", default=False),
                region=dict(type="str"),
                missing_ok=dict(type="list", elements="str", default=[]),
                params_from=dict(type="dict", default={}),
                only_if_missing=dict(type="list", elements="str", default=[]),
            ),
        ),
        max_workers=dict(type="int", default=8),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    reads = module.params["reads"]

    # boto3 clients are thread-safe; they are made here, one per service and region, before the threads start,
    # all from one session (module_utils/sessions.py: a session per client would load botocore's data each time).
    make_client = client_factory(module)
    clients = {}
    for read in reads:
        key = (read["service"], read["region"] or module.region)
        if key not in clients:
            clients[key] = make_client(read["service"], key[1])
        client = clients[key]
        if not hasattr(client, read["operation"]):
            module.fail_json(msg=f"{read['id']}: {read['service']} has no operation {read['operation']}")
        if read["paginate"] and not client.can_paginate(read["operation"]):
            module.fail_json(msg=f"{read['id']}: {read['service']}.{read['operation']} has no paginator")

    results, missing, sent = {}, set(), {}

    def one(read):
        if any(results.get(source) is not None for source in read["only_if_missing"]):
            return None, None
        params = copy.deepcopy(read["params"])
        for param, source in read["params_from"].items():
            value = lookup(results, source)
            if value is _ABSENT:
                return None, read["id"]
            container, key = _place(params, param) if "." in param else (params, param)
            container[key] = value
        client = clients[(read["service"], read["region"] or module.region)]
        try:
            response = _call(client, read["operation"], params, read["paginate"])
            if (read["service"], read["operation"]) not in REDACTED_FIELDS:
                sent[read["id"]] = params
            return plain(redact(read["service"], read["operation"], response)), None
        except is_boto3_error_code(read["missing_ok"] or ["__none__"]):
            return None, read["id"]

    try:
        with ThreadPoolExecutor(max_workers=min(module.params["max_workers"], max(len(reads), 1))) as pool:
            for batch in waves(reads):
                answers = list(pool.map(one, batch))
                for index, read in enumerate(batch):
                    response, missed = answers[index]
                    results[read["id"]] = response
                    if missed:
                        missing.add(missed)
    except botocore.exceptions.ParamValidationError as e:
        module.fail_json(msg=f"Bad parameters for a read: {e}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Failed to read the AWS state")

    results = {read["id"]: results.get(read["id"]) for read in reads}
    missing = [read["id"] for read in reads if read["id"] in missing]
    calls = [
        {
            "id": read["id"],
            "service": read["service"],
            "operation": read["operation"],
            "region": read["region"] or module.region,
            "paginate": read["paginate"],
            "params": plain(sent[read["id"]]),
        }
        for read in reads
        if read["id"] in sent and results[read["id"]] is not None
    ]
    module.exit_json(changed=False, responses=results, missing=missing, calls=calls)


if __name__ == "__main__":
    main()
