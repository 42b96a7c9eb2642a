"""Fault injection and AWS rules of IAM, ECS, WAF and ECR for the local emulator (scripts/moto_launcher.py).

Three parts, all applied by ``moto_launcher.build_app()``:

``FIXES`` (always applied, after moto_fixes.patch_moto()): moto answers differently from AWS where
nothing is refused, so they are not switchable rules.

* ``service_linked_role_names``: IAM CreateServiceLinkedRole names the role as AWS does
  (``ecs.amazonaws.com`` -> ``AWSServiceRoleForECS`` under ``/aws-service-role/ecs.amazonaws.com/``,
  moto says ``AWSServiceRoleForecs``) and a second create answers AWS's ``InvalidInput`` "Service role
  name AWSServiceRoleForECS has been taken in this account, please try a different suffix." (moto:
  EntityAlreadyExists). The account starts with no service-linked role, like a new AWS account.
* ``run_task_client_token``: ECS RunTask with a ``clientToken`` already used in this cluster (AWS keeps
  tokens for a few hours) returns the tasks of the first call instead of starting new ones (moto
  ignores the token).
* ``elasticache_deletion``: DeleteReplicationGroup leaves the group ``deleting`` forever in moto. Here
  it is ``deleting`` for the launcher's ``elasticache`` latency (``--latency elasticache=N``; at once
  without latency) and then gone (ReplicationGroupNotFoundFault), with the final snapshot
  (``FinalSnapshotIdentifier``) created first as AWS does. RDS instances, OpenSearch domains and NAT
  gateways already finish deleting in moto (gone / ``deleted`` at once).

``RULES`` (switchable, ``PLATFORM_LOCAL_RULES``; see moto_launcher): requests AWS refuses and moto
accepts. Each rule's docstring cites AWS's behaviour.

* ``service_linked_roles``, ``iam_propagation``, ``waf_alb_active``, ``ecs_image_pull``.

Faults (``PLATFORM_LOCAL_FAULTS`` / ``--faults`` / ``POST /_platform_ops/faults``), see ``parse_faults``:

* ``throttle=0.2``: that share of AWS API requests is answered with the protocol's throttling error
  without reaching moto (never ``/_platform_ops/`` or ``/moto-api/``). Every shape is retryable for
  botocore's standard and legacy modes (botocore/retries/standard.py ThrottledRetryableChecker codes,
  _retry.json status codes):

  ==============  ===============================================================  ======
  protocol        answer                                                           status
  ==============  ===============================================================  ======
  json            ``{"__type": "ThrottlingException", "message": "Rate exceeded"}``  400
                  (X-Amz-Target: ECS, logs, Secrets Manager, Cognito, ECR, WAFv2, KMS…;
                  with ``x-amzn-query-error: Throttling;Sender`` for a query-compatible
                  client such as botocore's CloudWatch, which sends ``x-amzn-query-mode``)
  query           ErrorResponse Code ``Throttling`` (IAM, RDS, ElastiCache, ELBv2,   400
                  SNS, STS, autoscaling…)
  ec2             Response/Errors Code ``RequestLimitExceeded``                       503
  s3              Error Code ``SlowDown``                                             503
  rest-json       ``x-amzn-ErrorType: TooManyRequestsException`` (OpenSearch ``es``)  429
  rest-xml        ErrorResponse Code ``Throttling`` (CloudFront, Route 53)            400
  rpc-v2-cbor     CBOR ``{"__type": "…#ThrottlingException"}`` with                  400
                  ``x-amzn-query-error: Throttling;Sender`` (CloudWatch)
  ==============  ===============================================================  ======

* ``error_after_write={"secretsmanager.CreateSecret": 1}``: the next N such requests reach moto (the
  write takes effect) and, when moto succeeded, the client gets HTTP 500 InternalFailure (query, json,
  rest, cbor) / InternalError (EC2, S3) in the protocol's shape instead: the lost-response case SDK
  retries must survive. ``error_after_write_share=0.1`` does the same for that share of any mutating
  operation (Create*, Put*, Update*, Delete*, Register*, Run*, Modify*, Attach*, Associate*, Tag*…).
* ``seed=7`` makes the random draws reproducible; ``only`` / ``except`` limit the faults to
  ``service.Operation`` glob patterns (``ecs.*``, ``es.DescribeDomain``).
* ``ecs_deployment_fail=["*:B", "*/backend:2.0"]`` (string form ``ecs_deployment_fail=*:B+*/backend:2.0``):
  a CreateService / UpdateService deployment of a task definition with a container image matching one
  of these globs (fnmatch, case-sensitive) fails like ``ecs_image_pull``'s: runningCount 0, failedTasks,
  a service event and, with the deployment circuit breaker, rolloutState ``FAILED`` ("ECS deployment
  circuit breaker: tasks failed to start."); without it the deployment stays ``IN_PROGRESS``. RunTask
  is not affected (a migration from that image runs).
* ``ecs_deployment_seconds=5``: a new deployment (CreateService, UpdateService with another task
  definition or ``forceNewDeployment``) gets a new id and stays ``IN_PROGRESS`` (its runningCount 0,
  the replaced deployment listed ``ACTIVE``) for that many seconds of wall time; the first
  DescribeServices after that reports it ``COMPLETED`` with every task running, or ``FAILED`` when
  ``ecs_deployment_fail`` (or ``ecs_image_pull``) applies to it. For interrupted-rollout tests.
  While either ECS fault is set, every deployment of a new task definition gets a new id, as on AWS.
  ``only`` / ``except`` do not apply to the ECS deployment faults.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs

# --------------------------------------------------------------------------- shared state

_ENABLED: set[str] = set()  # rules switched on
_LOCK = threading.RLock()


def _latency_zero(_kind: str) -> float:
    return 0.0


_latency_of: Callable[[str], float] = _latency_zero


def set_latency_source(source: Callable[[str], float]) -> None:
    """The launcher tells the fixes how long a resource type takes (its --latency windows)."""
    global _latency_of  # noqa: PLW0603 - one launcher per process
    _latency_of = source


def _seconds(env: str, default: float) -> float:
    try:
        return max(float(os.environ.get(env, default)), 0.0)
    except ValueError:
        return default


def _iam(account_id: str):
    from moto.iam.models import iam_backends  # noqa: PLC0415

    return iam_backends[account_id]["aws"]


def _now():
    from moto.core.utils import utcnow  # noqa: PLC0415

    return utcnow()


# --------------------------------------------------------------------------- service-linked roles

# AWS service principal -> the role CreateServiceLinkedRole creates (path /aws-service-role/<principal>/)
SERVICE_LINKED_ROLES = {
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
    "backup.amazonaws.com": "AWSServiceRoleForBackup",
    "config.amazonaws.com": "AWSServiceRoleForConfig",
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "ecs.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_ECSService",
    "elasticache.amazonaws.com": "AWSServiceRoleForElastiCache",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "es.amazonaws.com": "AWSServiceRoleForAmazonElasticsearchService",
    "guardduty.amazonaws.com": "AWSServiceRoleForAmazonGuardDuty",
    "opensearchservice.amazonaws.com": "AWSServiceRoleForAmazonOpenSearchService",
    "rds.amazonaws.com": "AWSServiceRoleForRDS",
    "securityhub.amazonaws.com": "AWSServiceRoleForSecurityHub",
}
ECS_SLR = "AWSServiceRoleForECS"
OPENSEARCH_SLRS = ("AWSServiceRoleForAmazonOpenSearchService", "AWSServiceRoleForAmazonElasticsearchService")


def _fix_service_linked_role_names() -> None:
    """moto derives the name from the principal (``AWSServiceRoleForecs``,
    ``AWSServiceRoleForApplicationAutoScaling_Ecs``) and answers EntityAlreadyExists to a second
    create. AWS: the documented role name of each service, and ``InvalidInput`` "Service role name
    AWSServiceRoleForECS has been taken in this account, please try a different suffix.\""""
    from moto.iam.exceptions import InvalidInput  # noqa: PLC0415
    from moto.iam.models import IAMBackend  # noqa: PLC0415

    original = IAMBackend.create_service_linked_role

    @functools.wraps(original)
    def create_service_linked_role(self, service_name, description, suffix):
        name = SERVICE_LINKED_ROLES.get(service_name)
        if name is None:
            return original(self, service_name, description, suffix)
        if suffix:
            name = f"{name}_{suffix}"
        if name in {role.name for role in self.roles.values()}:
            raise InvalidInput(
                f"Service role name {name} has been taken in this account, please try a different suffix."
            )
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": [service_name]}}],
        }
        return self.create_role(
            name,
            json.dumps(policy),
            f"/aws-service-role/{service_name}/",
            permissions_boundary=None,
            description=description,
            tags=[],
            max_session_duration="3600",
            linked_service=service_name,
        )

    IAMBackend.create_service_linked_role = create_service_linked_role


def _role(account_id: str, name_or_arn: str):
    from moto.iam.exceptions import NotFoundException  # noqa: PLC0415

    backend = _iam(account_id)
    try:
        if name_or_arn.startswith("arn:"):
            return backend.get_role_by_arn(name_or_arn)
        return backend.get_role(name_or_arn)
    except NotFoundException:
        return None


def _young(role) -> bool:
    """True while a role is too new to be assumed (rule iam_propagation)."""
    if "iam_propagation" not in _ENABLED or role is None:
        return False
    age = (_now() - role.create_date).total_seconds()
    return age < _seconds("PLATFORM_LOCAL_IAM_PROPAGATION_S", 4.0)


def _slr_usable(account_id: str, *names: str) -> bool:
    for name in names:
        role = _role(account_id, name)
        if role is not None and not _young(role):
            return True
    return False


def service_linked_roles() -> None:
    """Services refuse to work on a new account's resources until their service-linked role exists.

    * ECS CreateCluster with ``capacityProviders`` and PutClusterCapacityProviders without the role
      ``AWSServiceRoleForECS`` -> ``InvalidParameterException`` "Unable to assume the service linked
      role. Please verify that the ECS service linked role exists." (the first deploy in a fresh
      account; CreateCluster's own attempt to create the role needs iam:CreateServiceLinkedRole and is
      not usable at once, so the emulator never creates it: create it explicitly).
    * OpenSearch CreateDomain (and the legacy CreateElasticsearchDomain) with VPCOptions without
      ``AWSServiceRoleForAmazonOpenSearchService`` (or the legacy
      ``AWSServiceRoleForAmazonElasticsearchService``) -> ``ValidationException`` "Before you can
      proceed, you must enable a service-linked role to give Amazon OpenSearch Service permissions to
      access your VPC."

    Refs: ECS API CreateCluster note; aws-samples/baseline-environment-on-aws#238;
    terraform-provider-aws PR #30961 (AWSServiceRoleForAmazonOpenSearchService); aws/copilot-cli#3006.
    """
    _ENABLED.add("service_linked_roles")
    _install_service_linked_roles()


@functools.cache
def _install_service_linked_roles() -> None:
    from moto.core.exceptions import JsonRESTError  # noqa: PLC0415
    from moto.ecs.exceptions import InvalidParameterException  # noqa: PLC0415
    from moto.ecs.models import EC2ContainerServiceBackend  # noqa: PLC0415
    from moto.opensearch.models import OpenSearchServiceBackend  # noqa: PLC0415

    message = "Unable to assume the service linked role. Please verify that the ECS service linked role exists."

    def check_ecs(backend, capacity_providers):
        if "service_linked_roles" in _ENABLED and capacity_providers and not _slr_usable(backend.account_id, ECS_SLR):
            raise InvalidParameterException(message)

    create_cluster = EC2ContainerServiceBackend.create_cluster

    @functools.wraps(create_cluster)
    def create_cluster_checked(self, cluster_name, *args, **kwargs):
        capacity_providers = kwargs.get("capacity_providers", args[3] if len(args) > 3 else None)
        check_ecs(self, capacity_providers)
        return create_cluster(self, cluster_name, *args, **kwargs)

    put_providers = EC2ContainerServiceBackend.put_cluster_capacity_providers

    @functools.wraps(put_providers)
    def put_cluster_capacity_providers(self, cluster_name, capacity_providers, *args, **kwargs):
        check_ecs(self, capacity_providers)
        return put_providers(self, cluster_name, capacity_providers, *args, **kwargs)

    create_domain = OpenSearchServiceBackend.create_domain

    @functools.wraps(create_domain)
    def create_domain_checked(self, domain_name, *args, **kwargs):
        vpc_options = kwargs.get("vpc_options")
        if (
            "service_linked_roles" in _ENABLED
            and vpc_options
            and vpc_options.get("SubnetIds")
            and not _slr_usable(self.account_id, *OPENSEARCH_SLRS)
        ):
            raise JsonRESTError(
                "ValidationException",
                "Before you can proceed, you must enable a service-linked role to give Amazon OpenSearch "
                "Service permissions to access your VPC.",
            )
        return create_domain(self, domain_name, *args, **kwargs)

    EC2ContainerServiceBackend.create_cluster = create_cluster_checked
    EC2ContainerServiceBackend.put_cluster_capacity_providers = put_cluster_capacity_providers
    OpenSearchServiceBackend.create_domain = create_domain_checked


# --------------------------------------------------------------------------- IAM propagation


def _trusts(role, principal: str) -> bool:
    """Whether the role's trust policy lets ``principal`` (a service) assume it."""
    try:
        policy = json.loads(role.assume_role_policy_document)
    except (TypeError, ValueError):
        return False
    statements = policy.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        services = (
            (statement.get("Principal") or {}).get("Service", [])
            if isinstance(statement.get("Principal"), dict)
            else []
        )
        services = [services] if isinstance(services, str) else services
        if (
            statement.get("Effect") == "Allow"
            and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)
            and principal in services
        ):
            return True
    return False


def _assumable(account_id: str, arn: str, principal: str) -> bool:
    role = _role(account_id, arn)
    return role is not None and _trusts(role, principal) and not _young(role)


def iam_propagation() -> None:
    """A new IAM role cannot be assumed by a service for a few seconds (IAM is eventually
    consistent: "changes … take time to become visible", IAM user guide, troubleshoot
    eventual consistency). Services that assume a role during the call refuse it meanwhile, and
    always refuse a role that does not exist or does not trust the service:

    * EC2 CreateFlowLogs ``DeliverLogsPermissionArn`` (principal vpc-flow-logs.amazonaws.com) ->
      ``InvalidParameter`` "Unable to assume given IAM role: '<arn>'" (terraform-provider-aws#29323).
    * RDS CreateDBInstance / ModifyDBInstance ``MonitoringRoleArn`` with an interval (principal
      monitoring.rds.amazonaws.com) -> ``InvalidParameterValue`` "IAM role ARN value is invalid or
      does not include the required permissions for: ENHANCED_MONITORING" (hashicorp/terraform#5455,
      claranet/terraform-aws-aurora#23: the race right after the role is created).
    * With ``service_linked_roles`` on: a service-linked role that young is not usable either
      (aws-samples/run-selenium-tests-at-scale-using-ecs-fargate#2: "on a second deployment it worked").

    Not modelled, because AWS does not check the role in the call: S3 PutBucketReplication ``Role``
    (replication fails later), ECS RegisterTaskDefinition roles (tasks fail at start), ECS
    CreateService ``role`` (not used with awsvpc). Age: ``PLATFORM_LOCAL_IAM_PROPAGATION_S`` (default 4).
    """
    _ENABLED.add("iam_propagation")
    _install_iam_propagation()


@functools.cache
def _install_iam_propagation() -> None:
    from moto.ec2.exceptions import InvalidParameter  # noqa: PLC0415
    from moto.ec2.models.flow_logs import FlowLogsBackend  # noqa: PLC0415
    from moto.rds.exceptions import InvalidParameterValue  # noqa: PLC0415
    from moto.rds.models import RDSBackend  # noqa: PLC0415

    create_flow_logs = FlowLogsBackend.create_flow_logs

    @functools.wraps(create_flow_logs)
    def create_flow_logs_checked(self, *args, **kwargs):
        names = ("resource_type", "resource_ids", "traffic_type", "deliver_logs_permission_arn", "log_destination_type")
        params = dict(zip(names, args, strict=False)) | kwargs
        arn = params.get("deliver_logs_permission_arn")
        if (
            "iam_propagation" in _ENABLED
            and arn
            and params.get("log_destination_type") in (None, "cloud-watch-logs")
            and not _assumable(self.account_id, arn, "vpc-flow-logs.amazonaws.com")
        ):
            raise InvalidParameter(f"Unable to assume given IAM role: '{arn}'")
        return create_flow_logs(self, *args, **kwargs)

    message = "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING"

    def check_rds(backend, kwargs):
        arn = kwargs.get("monitoring_role_arn")
        if (
            "iam_propagation" in _ENABLED
            and arn
            and int(kwargs.get("monitoring_interval") or 0) > 0
            and not _assumable(backend.account_id, arn, "monitoring.rds.amazonaws.com")
        ):
            raise InvalidParameterValue(message)

    create_db_instance = RDSBackend.create_db_instance

    @functools.wraps(create_db_instance)
    def create_db_instance_checked(self, db_kwargs):
        check_rds(self, db_kwargs)
        return create_db_instance(self, db_kwargs)

    modify_db_instance = RDSBackend.modify_db_instance

    @functools.wraps(modify_db_instance)
    def modify_db_instance_checked(self, db_instance_identifier, db_kwargs):
        if db_kwargs.get("monitoring_role_arn"):
            check_rds(self, db_kwargs)
        return modify_db_instance(self, db_instance_identifier, db_kwargs)

    FlowLogsBackend.create_flow_logs = create_flow_logs_checked
    RDSBackend.create_db_instance = create_db_instance_checked
    RDSBackend.modify_db_instance = modify_db_instance_checked


# --------------------------------------------------------------------------- WAF and new load balancers


def waf_alb_active() -> None:
    """A new application load balancer is ``provisioning`` for a while (DescribeLoadBalancers
    State.Code ``provisioning``, then ``active``; ELBv2 API LoadBalancerState), and WAF cannot
    associate a web ACL with it meanwhile: AssociateWebACL -> ``WAFUnavailableEntityException``
    (HTTP 400) "AWS WAF couldn’t retrieve the resource that you requested. Retry your request."
    A web ACL created moments ago is refused the same way (terraform-provider-aws#17527, #29080:
    "creating aws_wafv2_web_acl_association in same config as aws_wafv2_web_acl often raises
    WAFUnavailableEntityException"). A load balancer that does not exist ->
    ``WAFNonexistentItemException``. Windows: ``PLATFORM_LOCAL_ALB_PROVISIONING_S`` (default 3) and
    ``PLATFORM_LOCAL_WAF_ACL_PROPAGATION_S`` (default 2).
    """
    _ENABLED.add("waf_alb_active")
    _install_waf_alb_active()


@functools.cache
def _install_waf_alb_active() -> None:
    from moto.elbv2.models import FakeLoadBalancer, elbv2_backends  # noqa: PLC0415
    from moto.wafv2.exceptions import WAFNonexistentItemException, WAFv2ClientError  # noqa: PLC0415
    from moto.wafv2.models import FakeWebACL, WAFV2Backend  # noqa: PLC0415

    lb_init = FakeLoadBalancer.__init__

    @functools.wraps(lb_init)
    def lb_init_timed(self, *args, **kwargs):
        lb_init(self, *args, **kwargs)
        self._platform_created = time.monotonic()

    activate = FakeLoadBalancer.activate

    @functools.wraps(activate)
    def activate_after_window(self):
        created = getattr(self, "_platform_created", None)
        window = _seconds("PLATFORM_LOCAL_ALB_PROVISIONING_S", 3.0)
        if "waf_alb_active" in _ENABLED and created is not None and time.monotonic() - created < window:
            return None
        return activate(self)

    acl_init = FakeWebACL.__init__

    @functools.wraps(acl_init)
    def acl_init_timed(self, *args, **kwargs):
        acl_init(self, *args, **kwargs)
        self._platform_created = time.monotonic()

    class WAFUnavailableEntityException(WAFv2ClientError):
        def __init__(self) -> None:
            super().__init__(
                "WAFUnavailableEntityException",
                "AWS WAF couldn’t retrieve the resource that you requested. Retry your request.",
            )

    associate = WAFV2Backend.associate_web_acl

    @functools.wraps(associate)
    def associate_checked(self, web_acl_arn, resource_arn):
        if "waf_alb_active" in _ENABLED:
            web_acl = self.wacls.get(web_acl_arn)
            if web_acl is None:
                raise WAFNonexistentItemException
            created = getattr(web_acl, "_platform_created", None)
            if created is not None and time.monotonic() - created < _seconds(
                "PLATFORM_LOCAL_WAF_ACL_PROPAGATION_S", 2.0
            ):
                raise WAFUnavailableEntityException
            if ":elasticloadbalancing:" in resource_arn:
                parts = resource_arn.split(":")
                balancers = elbv2_backends[parts[4]][parts[3]].load_balancers
                balancer = balancers.get(resource_arn)
                if balancer is None:
                    raise WAFNonexistentItemException
                balancer.activate()
                if balancer.state == "provisioning":
                    raise WAFUnavailableEntityException
        return associate(self, web_acl_arn, resource_arn)

    FakeLoadBalancer.__init__ = lb_init_timed
    FakeLoadBalancer.activate = activate_after_window
    FakeWebACL.__init__ = acl_init_timed
    WAFV2Backend.associate_web_acl = associate_checked


# --------------------------------------------------------------------------- ECS image pull and secrets

_ECR_IMAGE = re.compile(r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(.+)")
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)")


def _image_missing(account_id: str, image: str) -> bool:
    """Whether an image of this account's ECR names a repository, tag or digest that does not exist."""
    from moto.ecr.models import ecr_backends  # noqa: PLC0415

    match = _ECR_IMAGE.fullmatch(image or "")
    if not match or match.group(1) != account_id:
        return False  # other registries are not checked
    _acct, region, rest = match.groups()
    if "@" in rest:
        repo, digest, tag = *rest.split("@", 1), None
    else:
        repo, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "latest")
        digest = None
    repository = ecr_backends[account_id][region].repositories.get(repo)
    if repository is None:
        return True
    for stored in repository.images:
        if digest and stored.image_digest == digest:
            return False
        if tag and tag in stored.image_tags:
            return False
    return True


def _secret_problem(account_id: str, value_from: str) -> str | None:
    """AWS's error when a container secret names a Secrets Manager secret that does not resolve."""
    from moto.secretsmanager.models import secretsmanager_backends  # noqa: PLC0415

    match = _SECRET_ARN.match(value_from or "")
    if not match or match.group(2) != account_id:
        return None  # SSM parameters and other accounts are not checked
    region = match.group(1)
    arn = value_from[: match.end()]
    for secret in dict.values(secretsmanager_backends[account_id][region].secrets):
        if secret.arn == arn:  # exact: a partial ARN (no -XXXXXX suffix) does not resolve
            if getattr(secret, "deleted_date", None):
                return (
                    "InvalidRequestException: You can't perform this operation on the secret because it was "
                    "marked for deletion."
                )
            return None
    return "ResourceNotFoundException: Secrets Manager can't find the specified secret."


def task_definition_failure(account_id: str, task_definition) -> str | None:
    """The stoppedReason AWS gives a task of this definition that cannot start, or None."""
    for container in task_definition.container_definitions:
        image = container.get("image", "")
        if _image_missing(account_id, image):
            return (
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                f"failed to resolve ref {image}: not found"
            )
    for container in task_definition.container_definitions:
        for secret in container.get("secrets") or []:
            problem = _secret_problem(account_id, secret.get("valueFrom", ""))
            if problem:
                return (
                    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                    "retrieval failed: unable to retrieve secret from asm: service call has been retried 1 "
                    f"time(s): failed to fetch secret {secret['valueFrom']} from secrets manager: {problem} "
                    f"status code: 400, request id: {uuid.uuid4()}"
                )
    return None


def ecs_image_pull() -> None:
    """A task whose image or secrets cannot be fetched never runs (ECS developer guide, "Stopped
    task error codes": ``TaskFailedToStart`` with CannotPullContainerError /
    ResourceInitializationError; aws/containers-roadmap#2493, releem-agent#195).

    * RunTask of a definition whose container image is in this account's ECR
      (``<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`` or ``@sha256:…``) but whose
      repository, tag or digest does not exist: the task comes back (and DescribeTasks reports it)
      ``STOPPED`` / desired ``STOPPED``, ``stopCode`` ``TaskFailedToStart``, ``stoppedReason``
      "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref
      <image>: not found". Images of other registries are not checked.
    * The same when a container's ``secrets[].valueFrom`` is a Secrets Manager ARN that resolves to
      no secret (the full ARN must match exactly; a partial ARN without the ``-XXXXXX`` suffix does
      not resolve): "ResourceInitializationError: unable to pull secrets or registry auth: …
      ResourceNotFoundException: …".
    * CreateService / UpdateService with such a definition: the deployment never gets running tasks
      (runningCount 0, failedTasks = desiredCount) instead of MOTO_ECS_SERVICE_RUNNING's; with the
      deployment circuit breaker enabled its rolloutState is ``FAILED``, reason "ECS deployment
      circuit breaker: tasks failed to start." (rollback to the previous deployment is not emulated).
      A later update with a good definition completes again.
    """
    _ENABLED.add("ecs_image_pull")
    _install_ecs_image_pull()


def _fail_task(task, reason: str) -> None:
    now = _now()
    task.status = "STOPPED"
    task.desired_status = "STOPPED"
    task.stop_code = "TaskFailedToStart"
    task.stopped_reason = reason
    task.stopping_at = now
    task.stopped_at = now
    task.execution_stopped_at = now
    for container in task.containers:
        container.last_status = "STOPPED"
        container.reason = reason


def _service_running_default() -> int:
    try:
        return max(int(os.environ.get("MOTO_ECS_SERVICE_RUNNING", "0")), 0)
    except ValueError:
        return 0


# ECS deployment faults (``ecs_deployment_fail``, ``ecs_deployment_seconds``), set by Faults.configure.
_ECS_DEPLOYMENT: dict = {"fail": (), "seconds": 0.0}


def configure_ecs_deployments(config: dict) -> None:
    with _LOCK:
        _ECS_DEPLOYMENT["fail"] = tuple(config.get("ecs_deployment_fail") or ())
        _ECS_DEPLOYMENT["seconds"] = float(config.get("ecs_deployment_seconds") or 0)


def _ecs_faults_active() -> bool:
    return bool(_ECS_DEPLOYMENT["fail"] or _ECS_DEPLOYMENT["seconds"])


def deployment_fault(task_definition) -> str | None:
    """The stop reason of a task of this definition under ``ecs_deployment_fail``, or None."""
    for container in task_definition.container_definitions:
        image = container.get("image", "")
        if any(fnmatch.fnmatchcase(image, pattern) for pattern in _ECS_DEPLOYMENT["fail"]):
            return f"Essential container in task exited (container {container.get('name')}, image {image})"
    return None


def _new_deployment(service, task_definition_arn: str, *, state: str, running: int) -> dict:
    """A new PRIMARY deployment (ECS starts one per UpdateService with a new task definition); the one
    it replaces stays ACTIVE while the new one is in progress."""
    now = _now()
    deployment_id = f"ecs-svc/{random.randint(0, 32**12)}"  # noqa: S311 - an id, not a secret
    old = dict(service.deployments[0], status="ACTIVE", updatedAt=now)
    deployment = dict(
        service.deployments[0],
        id=deployment_id,
        status="PRIMARY",
        taskDefinition=task_definition_arn,
        desiredCount=service.desired_count,
        runningCount=running,
        pendingCount=max(service.desired_count - running, 0),
        failedTasks=0,
        rolloutState=state,
        rolloutStateReason=f"ECS deployment {deployment_id} {'completed' if state == 'COMPLETED' else 'in progress'}.",
        createdAt=now,
        updatedAt=now,
    )
    service.deployments = [deployment] if state == "COMPLETED" else [deployment, old]
    return deployment


def _fail_deployment(service, task_definition_arn: str, reason: str) -> None:
    """The deployment never gets a running task: failedTasks, runningCount 0, FAILED with the circuit breaker."""
    service._platform_failed = True
    breaker = (getattr(service, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
    deployment = service.deployments[0]
    now = _now()
    service.running_count = 0
    service.pending_count = 0
    service.deployments = [deployment]  # rollback to the previous deployment is not emulated
    deployment.update(
        taskDefinition=task_definition_arn,
        desiredCount=service.desired_count,
        runningCount=0,
        pendingCount=0,
        failedTasks=max(service.desired_count, 1) + int(deployment.get("failedTasks") or 0),
        updatedAt=now,
    )
    if breaker.get("enable"):
        deployment.update(
            rolloutState="FAILED", rolloutStateReason="ECS deployment circuit breaker: tasks failed to start."
        )
        message = f"(service {service.name}) (deployment {deployment['id']}) deployment failed: tasks failed to start."
    else:
        deployment.update(
            rolloutState="IN_PROGRESS", rolloutStateReason=f"ECS deployment {deployment['id']} in progress."
        )
        message = f"(service {service.name}) failed to launch a task with (error {reason[:120]})."
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": now, "message": message})


def _settle_service(backend, service, new_deployment: bool = False) -> None:
    """After CreateService / UpdateService: mark the primary deployment failed (ecs_image_pull's
    unpullable image or secret, ``ecs_deployment_fail``'s image), healthy again, or in progress for
    ``ecs_deployment_seconds`` (``new_deployment``: the task definition changed or a new one was forced)."""
    if not service.deployments or not service.task_definition:
        return
    try:
        task_definition = backend.describe_task_definition(service.task_definition)
    except Exception:  # noqa: BLE001 - moto raises its own not-found error; nothing to settle
        return
    pending = getattr(service, "_platform_pending", None)
    if pending and not new_deployment:
        return  # e.g. a desiredCount change while the deployment is in progress: it goes on
    service._platform_pending = None
    reason = task_definition_failure(backend.account_id, task_definition) if "ecs_image_pull" in _ENABLED else None
    reason = reason or deployment_fault(task_definition)
    seconds = _ECS_DEPLOYMENT["seconds"]
    if new_deployment and seconds > 0:
        service._platform_failed = False
        _new_deployment(service, task_definition.arn, state="IN_PROGRESS", running=0)
        service.pending_count = service.desired_count
        service._platform_pending = (time.monotonic() + seconds, task_definition.arn, reason)
        return
    if reason is not None:
        if new_deployment and service.deployments[0].get("taskDefinition") != task_definition.arn:
            _new_deployment(service, task_definition.arn, state="IN_PROGRESS", running=0)
        _fail_deployment(service, task_definition.arn, reason)
        return
    if getattr(service, "_platform_failed", False) or (new_deployment and _ecs_faults_active()):
        service._platform_failed = False
        running = min(_service_running_default(), service.desired_count)
        service.running_count = running
        service.pending_count = max(service.desired_count - running, 0)
        _new_deployment(
            service,
            task_definition.arn,
            state="COMPLETED" if running >= service.desired_count else "IN_PROGRESS",
            running=running,
        )


def _finish_pending(service) -> None:
    """DescribeServices after ``ecs_deployment_seconds``: the deployment COMPLETED (all tasks running) or FAILED."""
    pending = getattr(service, "_platform_pending", None)
    if not pending or time.monotonic() < pending[0]:
        return
    service._platform_pending = None
    _deadline, arn, reason = pending
    if reason is not None:
        _fail_deployment(service, arn, reason)
        return
    complete_deployment(service)


def complete_deployment(service) -> None:
    """The primary deployment COMPLETED: every desired task running, the older deployments gone, the steady-state
    event (also the local Fargate's, scripts/local_fargate.py, once its process answers the health check)."""
    deployment = service.deployments[0]
    service.running_count = service.desired_count
    service.pending_count = 0
    service.deployments = [deployment]
    deployment.update(
        runningCount=service.desired_count,
        pendingCount=0,
        rolloutState="COMPLETED",
        rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
        updatedAt=_now(),
    )
    service.events.insert(
        0,
        {
            "id": str(uuid.uuid4()),
            "createdAt": _now(),
            "message": f"(service {service.name}) has reached a steady state.",
        },
    )


def _settling() -> bool:
    return "ecs_image_pull" in _ENABLED or _ecs_faults_active()


@functools.cache
def _install_ecs_image_pull() -> None:
    """CreateService / UpdateService / DescribeServices hooks shared by the ``ecs_image_pull`` rule and
    the ECS deployment faults; each acts only when its rule or fault is on."""
    from moto.ecs.models import EC2ContainerServiceBackend  # noqa: PLC0415
    from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: PLC0415

    run_task = EC2ContainerServiceBackend.run_task

    @functools.wraps(run_task)
    def run_task_checked(self, cluster_str, task_definition_str, *args, **kwargs):
        tasks = run_task(self, cluster_str, task_definition_str, *args, **kwargs)
        if "ecs_image_pull" in _ENABLED and tasks:
            reason = task_definition_failure(self.account_id, self.describe_task_definition(task_definition_str))
            if reason:
                for task in tasks:
                    _fail_task(task, reason)
        return tasks

    # CreateService: settle after the response handler, which (moto_fixes) stores
    # deploymentConfiguration only once moto's create_service has returned.
    create_service = EC2ContainerServiceResponse.create_service

    @functools.wraps(create_service)
    def create_service_checked(self):
        result = create_service(self)
        if _settling():
            backend = self.ecs_backend
            with _LOCK:
                _settle_service(
                    backend,
                    backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName")),
                    new_deployment=True,
                )
        return result

    update_service = EC2ContainerServiceBackend.update_service

    @functools.wraps(update_service)
    def update_service_checked(self, service_properties):
        if not _settling():
            return update_service(self, service_properties)
        with _LOCK:
            try:
                before = self._get_service(
                    service_properties.get("cluster", "default"), str(service_properties["service"]).split("/")[-1]
                )
                before_td = before.task_definition
            except Exception:  # noqa: BLE001 - moto answers the not-found error itself below
                before_td = None
            forced = bool(service_properties.get("force_new_deployment"))
            service = update_service(self, service_properties)
            _settle_service(self, service, new_deployment=forced or service.task_definition != before_td)
        return service

    describe_services = EC2ContainerServiceBackend.describe_services

    @functools.wraps(describe_services)
    def describe_services_settled(self, cluster_str, service_names_or_arns):
        result, failures = describe_services(self, cluster_str, service_names_or_arns)
        with _LOCK:
            for service in result:
                _finish_pending(service)
        return result, failures

    EC2ContainerServiceBackend.run_task = run_task_checked
    EC2ContainerServiceResponse.create_service = create_service_checked
    EC2ContainerServiceBackend.update_service = update_service_checked
    EC2ContainerServiceBackend.describe_services = describe_services_settled


# --------------------------------------------------------------------------- always-on fixes


def _fix_run_task_client_token() -> None:
    """RunTask ``clientToken``: "An identifier that you provide to ensure the idempotency of the
    request" (ECS API RunTask). moto ignores it and starts new tasks on a retried call."""
    from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: PLC0415

    original = EC2ContainerServiceResponse.run_task
    seen: dict[tuple, list] = {}

    @functools.wraps(original)
    def run_task(self):
        token = self._get_param("clientToken")
        if not token:
            return original(self)
        backend = self.ecs_backend
        cluster = self._get_param("cluster", "default").split("/")[-1]
        key = (backend.account_id, backend.region_name, cluster, token)
        with _LOCK:
            tasks = seen.get(key)
            live = backend.tasks.get(cluster, {})
            if tasks and all(live.get(task.task_arn) is task for task in tasks):
                from moto.core.responses import ActionResult  # noqa: PLC0415

                return ActionResult({"tasks": tasks, "failures": []})
            result = original(self)
            seen[key] = list(result.result.get("tasks", []))
            return result

    EC2ContainerServiceResponse.run_task = run_task


_DELETING: dict[tuple[str, str, str], float] = {}  # (account, region, group id) -> monotonic deadline


def _fix_elasticache_deletion() -> None:
    """DeleteReplicationGroup: moto leaves the group ``deleting`` forever (and ignores
    FinalSnapshotIdentifier). AWS: ``deleting`` for minutes, then DescribeReplicationGroups answers
    ReplicationGroupNotFoundFault; a final snapshot is taken first when asked for."""
    from moto.elasticache.models import ElastiCacheBackend  # noqa: PLC0415
    from moto.elasticache.responses import ElastiCacheResponse  # noqa: PLC0415

    def purge(backend) -> None:
        now = time.monotonic()
        with _LOCK:
            for key, deadline in list(_DELETING.items()):
                account, region, group_id = key
                if (account, region) != (backend.account_id, backend.region_name) or deadline > now:
                    continue
                del _DELETING[key]
                group = backend.replication_groups.get(group_id)
                if group is not None and group.status == "deleting":
                    backend.replication_groups.pop(group_id, None)

    def purging(name):
        method = getattr(ElastiCacheBackend, name)

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            purge(self)
            return method(self, *args, **kwargs)

        setattr(ElastiCacheBackend, name, wrapper)

    for name in (
        "describe_replication_groups",
        "create_replication_group",
        "modify_replication_group",
        "delete_cache_subnet_group",
        "describe_snapshots",
        "list_tags_for_resource",
    ):
        if hasattr(ElastiCacheBackend, name):
            purging(name)

    delete = ElastiCacheBackend.delete_replication_group

    @functools.wraps(delete)
    def delete_replication_group(self, replication_group_id, retain_primary_cluster, final_snapshot=None):
        purge(self)
        if final_snapshot and replication_group_id in self.replication_groups:
            self.create_snapshot(
                snapshot_name=final_snapshot,
                replication_group_id=replication_group_id,
                cache_cluster_id=None,
                kms_key_id=None,
                tags=None,
            )
        group = delete(self, replication_group_id, retain_primary_cluster)
        window = _latency_of("elasticache")
        key = (self.account_id, self.region_name, replication_group_id)
        if window > 0:
            with _LOCK:
                _DELETING.setdefault(key, time.monotonic() + window)
        else:
            self.replication_groups.pop(replication_group_id, None)
        return group

    ElastiCacheBackend.delete_replication_group = delete_replication_group

    def delete_response(self):
        from moto.core.responses import ActionResult  # noqa: PLC0415

        group = self.elasticache_backend.delete_replication_group(
            replication_group_id=self._get_param("ReplicationGroupId"),
            retain_primary_cluster=self._get_bool_param("RetainPrimaryCluster"),
            final_snapshot=self._get_param("FinalSnapshotIdentifier"),
        )
        return ActionResult({"ReplicationGroup": group})

    ElastiCacheResponse.delete_replication_group = delete_response


FIXES: dict[str, Callable[[], None]] = {
    "service_linked_role_names": _fix_service_linked_role_names,
    "run_task_client_token": _fix_run_task_client_token,
    "elasticache_deletion": _fix_elasticache_deletion,
}


def apply_fixes() -> None:
    for fix in FIXES.values():
        fix()
    _install_ecs_image_pull()  # hooks of the ECS deployment faults (inactive until configured)


RULES: dict[str, Callable[[], None]] = {
    "service_linked_roles": service_linked_roles,
    "iam_propagation": iam_propagation,
    "waf_alb_active": waf_alb_active,
    "ecs_image_pull": ecs_image_pull,
}


def enabled_rules() -> list[str]:
    return sorted(_ENABLED)


# --------------------------------------------------------------------------- faults: configuration

_MUTATING = re.compile(
    r"(Create|Put|Update|Delete|Register|Deregister|Run|Start|Stop|Modify|Attach|Detach|Associate|Disassociate|"
    r"Tag|Untag|Add|Remove|Set|Enable|Disable|Authorize|Revoke|Allocate|Release|Schedule|Cancel|Restore|"
    r"Rotate|Apply|Import|Reboot|Terminate|Admin|Copy|Upload|Complete|Replace|Reset|Change|Subscribe|"
    r"Unsubscribe|Publish|Failover|Promote|Increase|Decrease|Batch(?!Get))[A-Z]?"
)


def is_mutating(operation: str) -> bool:
    return bool(_MUTATING.match(operation or ""))


def _share(name: str, value) -> float:
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}") from None
    if not 0 <= share <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return share


def _patterns(name: str, value) -> list[str]:
    if isinstance(value, str):
        value = [p for p in re.split(r"[+ ]", value) if p]
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise ValueError(f"{name} must be a list of service.Operation patterns, got {value!r}")
    return value


def _writes(value) -> dict[str, int]:
    if isinstance(value, str):
        pairs = [item.rpartition(":")[::2] for item in re.split(r"[+ ]", value) if item]
        value = {key: count or "1" for key, count in pairs}
    if not isinstance(value, dict):
        raise ValueError(f"error_after_write must map service.Operation to a count, got {value!r}")
    writes = {}
    for key, count in value.items():
        if not re.fullmatch(r"[a-z0-9-]+\.[A-Za-z0-9*?]+", str(key)):
            raise ValueError(f"error_after_write key must look like ecs.RunTask, got {key!r}")
        try:
            number = int(count)
        except (TypeError, ValueError):
            raise ValueError(f"error_after_write count of {key} must be an integer, got {count!r}") from None
        if number < 0:
            raise ValueError(f"error_after_write count of {key} must not be negative, got {count!r}")
        if number:
            writes[key] = number
    return writes


FAULT_KEYS = (
    "throttle",
    "seed",
    "only",
    "except",
    "error_after_write",
    "error_after_write_share",
    "ecs_deployment_fail",
    "ecs_deployment_seconds",
)


def _image_globs(value) -> list[str]:
    if isinstance(value, str):
        value = [p for p in re.split(r"[+ ]", value) if p]
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise ValueError(f"ecs_deployment_fail must be a list of image globs such as '*:B', got {value!r}")
    return [p.strip() for p in value]


def parse_faults(spec) -> dict:
    """Fault configuration from ``"throttle=0.2,seed=7"`` / a JSON object string / a dict.

    String form: comma-separated ``key=value``; lists and maps use ``+``:
    ``throttle=0.3,only=ecs.*+logs.*,except=sts.*,error_after_write=secretsmanager.CreateSecret:1+ecs.RunTask:2,
    error_after_write_share=0.1,seed=7``. ``""``, ``"none"``, ``{}`` switch faults off. Raises ValueError.
    """
    if spec is None:
        return {}
    if isinstance(spec, str):
        text = spec.strip()
        if text in ("", "none", "off"):
            return {}
        if text.startswith(("{", "[")):
            try:
                spec = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"faults: invalid JSON: {exc}") from None
        else:
            spec = {}
            for item in filter(None, (part.strip() for part in text.split(","))):
                key, sep, value = item.partition("=")
                if not sep:
                    raise ValueError(f"faults must look like throttle=0.2,seed=7, got {item!r}")
                spec[key.strip()] = value.strip()
    if not isinstance(spec, dict):
        raise ValueError("faults must be an object like {'throttle': 0.2} or a string like 'throttle=0.2,seed=7'")
    unknown = sorted(set(spec) - set(FAULT_KEYS))
    if unknown:
        raise ValueError(f"unknown fault setting(s) {', '.join(unknown)}; known: {', '.join(FAULT_KEYS)}")
    config: dict = {}
    if spec.get("throttle") not in (None, "", 0, "0"):
        config["throttle"] = _share("throttle", spec["throttle"])
    if spec.get("error_after_write_share") not in (None, "", 0, "0"):
        config["error_after_write_share"] = _share("error_after_write_share", spec["error_after_write_share"])
    if spec.get("error_after_write"):
        config["error_after_write"] = _writes(spec["error_after_write"])
    for key in ("only", "except"):
        if spec.get(key):
            config[key] = _patterns(key, spec[key])
    if spec.get("ecs_deployment_fail"):
        config["ecs_deployment_fail"] = _image_globs(spec["ecs_deployment_fail"])
    if spec.get("ecs_deployment_seconds") not in (None, "", 0, "0"):
        try:
            seconds = float(spec["ecs_deployment_seconds"])
        except (TypeError, ValueError):
            raise ValueError(
                f"ecs_deployment_seconds must be a number of seconds, got {spec['ecs_deployment_seconds']!r}"
            ) from None
        if not 0 <= seconds <= 3600:
            raise ValueError(
                f"ecs_deployment_seconds must be between 0 and 3600, got {spec['ecs_deployment_seconds']!r}"
            )
        config["ecs_deployment_seconds"] = seconds
    if spec.get("seed") not in (None, ""):
        try:
            config["seed"] = int(spec["seed"])
        except (TypeError, ValueError):
            raise ValueError(f"seed must be an integer, got {spec['seed']!r}") from None
    return {k: v for k, v in config.items() if v not in (0, 0.0, {}, [])}


class Faults:
    """The live fault configuration and the counters of what was injected (thread-safe)."""

    def __init__(self, config: dict | None = None):
        self.lock = threading.Lock()
        self.configure(config or {})

    def configure(self, config: dict) -> None:
        with self.lock:
            self.config = dict(config)
            self.remaining = dict(config.get("error_after_write", {}))
            self.rng = random.Random(config.get("seed"))  # noqa: S311 - fault injection, not security
            self.injected: dict[str, Counter] = {"throttle": Counter(), "error_after_write": Counter()}
        configure_ecs_deployments(config)

    @property
    def active(self) -> bool:
        return bool(self.config)

    def _selected(self, key: str) -> bool:
        only, excluded = self.config.get("only"), self.config.get("except", [])
        if only and not any(fnmatch.fnmatchcase(key, p) for p in only):
            return False
        return not any(fnmatch.fnmatchcase(key, p) for p in excluded)

    def throttle(self, key: str) -> bool:
        share = self.config.get("throttle", 0)
        if not share or not self._selected(key):
            return False
        with self.lock:
            if self.rng.random() < share:
                self.injected["throttle"][key] += 1
                return True
        return False

    def may_fail_write(self, key: str) -> bool:
        if not self._selected(key):
            return False
        operation = key.split(".", 1)[-1]
        with self.lock:
            if any(n > 0 and fnmatch.fnmatchcase(key, p) for p, n in self.remaining.items()):
                return True
        return bool(self.config.get("error_after_write_share")) and is_mutating(operation)

    def fail_write(self, key: str) -> bool:
        """After moto accepted the write: whether to answer 500 instead (consumes a count)."""
        with self.lock:
            for pattern, left in self.remaining.items():
                if left > 0 and fnmatch.fnmatchcase(key, pattern):
                    self.remaining[pattern] = left - 1
                    self.injected["error_after_write"][key] += 1
                    return True
            share = self.config.get("error_after_write_share", 0)
            if share and is_mutating(key.split(".", 1)[-1]) and self.rng.random() < share:
                self.injected["error_after_write"][key] += 1
                return True
        return False

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "config": dict(self.config),
                "remaining": {k: v for k, v in self.remaining.items() if v},
                "injected": {kind: dict(sorted(c.items())) for kind, c in self.injected.items()},
                "total": sum(sum(c.values()) for c in self.injected.values()),
            }


# --------------------------------------------------------------------------- faults: protocol shapes

_REST_XML = {"cloudfront", "route53", "s3control"}


@functools.cache
def _rest_protocol(service: str) -> str:
    if service in _REST_XML:
        return "rest-xml"
    try:
        import botocore.loaders  # noqa: PLC0415

        name = {"es": "opensearch", "monitoring": "cloudwatch"}.get(service, service)
        model = botocore.loaders.create_loader().load_service_model(name, "service-2")
        protocol = model["metadata"].get("protocol", "rest-json")
    except Exception:  # noqa: BLE001 - unknown signing name: the common REST flavour
        return "rest-json"
    return protocol if protocol in ("rest-xml", "rest-json") else "rest-json"


def protocol_of(environ: dict, service: str, body: bytes = b"") -> str:
    """json, query, ec2, s3, rest-json, rest-xml or cbor: the wire protocol of an AWS request."""
    path = environ.get("PATH_INFO", "")
    if environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor" or re.fullmatch(r"/service/[^/]+/operation/[^/]+", path):
        return "cbor"
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if service == "s3":
        return "s3"
    if service == "ec2":
        return "ec2"
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query or (
        "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") and b"Action=" in (body or b"")
    ):
        return "query"
    return _rest_protocol(service)


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    if size < 24:
        head = bytes([0x60 + size])
    elif size < 256:
        head = bytes([0x78, size])
    else:
        head = bytes([0x79]) + size.to_bytes(2, "big")
    return head + data


def _cbor_map(items: dict[str, str]) -> bytes:
    return bytes([0xA0 + len(items)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in items.items())


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_response(
    protocol: str, kind: str, *, query_compatible: bool = False
) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a throttling (``kind="throttle"``) or post-write internal error.

    ``query_compatible``: the request came from a client of a former query service speaking JSON
    (``x-amzn-query-mode: true``, CloudWatch): the answer also carries the query error code in
    ``x-amzn-query-error`` (``Throttling;Sender``), as those services do.
    """
    request_id = str(uuid.uuid4())
    throttle = kind == "throttle"
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "json":
        code, message = ("ThrottlingException", "Rate exceeded") if throttle else ("InternalFailure", "Internal error")
        status = "400 Bad Request" if throttle else "500 Internal Server Error"
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/x-amz-json-1.1")]
        if query_compatible:
            headers.append(("x-amzn-query-error", "Throttling;Sender" if throttle else "InternalFailure;Receiver"))
    elif protocol == "rest-json":
        code, message = (
            ("TooManyRequestsException", "Rate exceeded") if throttle else ("InternalFailure", "Internal error")
        )
        status = "429 Too Many Requests" if throttle else "500 Internal Server Error"
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif protocol == "cbor":
        code = "ThrottlingException" if throttle else "InternalFailure"
        query_code = "Throttling;Sender" if throttle else "InternalFailure;Receiver"
        status = "400 Bad Request" if throttle else "500 Internal Server Error"
        body = _cbor_map(
            {"__type": f"com.amazonaws.cloudwatch#{code}", "message": "Rate exceeded" if throttle else "Internal error"}
        )
        headers += [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("x-amzn-query-error", query_code),
        ]
    elif protocol == "ec2":
        code, message = (
            ("RequestLimitExceeded", "Request limit exceeded.")
            if throttle
            else ("InternalError", "An internal error has occurred")
        )
        status = "503 Service Unavailable" if throttle else "500 Internal Server Error"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{_xml_escape(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers += [("Content-Type", "text/xml;charset=UTF-8")]
    elif protocol == "s3":
        code, message = (
            ("SlowDown", "Please reduce your request rate.")
            if throttle
            else ("InternalError", "We encountered an internal error. Please try again.")
        )
        status = "503 Slow Down" if throttle else "500 Internal Server Error"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{_xml_escape(message)}'
            f"</Message><RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        ).encode()
        headers += [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    else:  # query, rest-xml
        code, error_type, message = (
            ("Throttling", "Sender", "Rate exceeded") if throttle else ("InternalFailure", "Receiver", "Internal error")
        )
        status = "400 Bad Request" if throttle else "500 Internal Server Error"
        body = (
            f"<ErrorResponse><Error><Type>{error_type}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers += [("Content-Type", "text/xml")]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body
