"""Fixes to moto 5.2.5 behaviour the local stack needs (applied by scripts/moto_launcher.py).

Each fix makes the emulator answer as AWS does where moto diverges; nothing here changes what
our roles or modules send. ``patch_moto()`` runs in ``build_app()`` before moto's app is created.
"""

from __future__ import annotations

import datetime
import functools
import json

from moto.cloudfront.exceptions import CloudFrontException
from moto.cloudfront.models import CloudFrontBackend, Origin
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.responses import ActionResult
from moto.ec2.models import security_groups as sg_models
from moto.ec2.responses.security_groups import SecurityGroups
from moto.kms.models import KmsBackend
from moto.s3.exceptions import ReplicationConfigurationNotFoundError
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response


def _patch_get_bucket_replication() -> None:
    """GetBucketReplication answers a fixed DeleteMarkerReplication (Disabled) and Filter
    (Prefix "") and drops SourceSelectionCriteria, although PutBucketReplication stored them
    (moto/s3/responses.py S3Response.get_bucket_replication). Answer what was stored."""

    def _list(value):
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def _rule(stored):
        rule = {k: v for k, v in stored.items() if not k.startswith("@")}
        rule.setdefault("DeleteMarkerReplication", {"Status": "Disabled"})
        if "Filter" not in rule and "Prefix" not in rule:
            rule["Filter"] = {"Prefix": ""}
        rule_filter = rule.get("Filter")
        if rule_filter is None and "Filter" in rule:
            rule["Filter"] = {"Prefix": ""}
        elif isinstance(rule_filter, dict):
            if "Prefix" in rule_filter and rule_filter["Prefix"] is None:
                rule_filter["Prefix"] = ""
            conj = rule_filter.get("And")
            if isinstance(conj, dict):
                conj["Tags"] = _list(conj.pop("Tag", None) or conj.get("Tags"))
        return rule

    def get_bucket_replication(self):
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = [_rule(r) for r in _list(replication["Rule"])]
        return self.serialized(
            ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}})
        )

    S3Response.get_bucket_replication = get_bucket_replication


def _patch_list_buckets() -> None:
    """ListBuckets with at least one parameter (Prefix, BucketRegion, MaxBuckets, ContinuationToken) pages its
    answer and gives each bucket's BucketRegion, in name order, echoing Prefix and a ContinuationToken when more
    buckets follow (AWS since 2024-10). moto 5.2.5 filters by the parameters but answers neither BucketRegion,
    Prefix nor a ContinuationToken (moto/s3/responses.py S3Response.all_buckets)."""
    original = S3Response.all_buckets

    def all_buckets(self):
        params = {
            name: self._get_param(name) for name in ("prefix", "bucket-region", "max-buckets", "continuation-token")
        }
        if not any(params.values()):
            return original(self)
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        buckets = sorted(
            self.backend.list_buckets(prefix=params["prefix"], bucket_region=params["bucket-region"], max_buckets=None),
            key=lambda bucket: bucket.name,
        )
        if params["continuation-token"]:
            buckets = [bucket for bucket in buckets if bucket.name > params["continuation-token"]]
        limit = int(params["max-buckets"] or 10000)
        page, more = buckets[:limit], len(buckets) > limit
        result = {
            "Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
            "Buckets": [
                {"Name": b.name, "CreationDate": b.creation_date_ISO8601, "BucketRegion": b.region_name} for b in page
            ],
        }
        if params["prefix"]:
            result["Prefix"] = params["prefix"]
        if more:
            result["ContinuationToken"] = page[-1].name
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    S3Response.all_buckets = all_buckets


def _patch_kms_key_arns() -> None:
    """ScheduleKeyDeletion, CancelKeyDeletion, EnableKey and DisableKey with a key ARN (what
    amazon.aws.kms_key sends) fail with a 500 (KeyError): moto/kms/models.py KmsBackend indexes
    ``self.keys`` by raw key ID in these methods. Resolve the ID first, as its other methods do."""

    def resolving(method):
        @functools.wraps(method)
        def wrapper(self, key_id, *args, **kwargs):
            return method(self, self.any_id_to_key_id(key_id), *args, **kwargs)

        return wrapper

    for name in ("schedule_key_deletion", "cancel_key_deletion", "enable_key", "disable_key"):
        setattr(KmsBackend, name, resolving(getattr(KmsBackend, name)))


def _patch_secure_transport() -> None:
    """Bucket policies: moto ignores every condition operator but StringEquals, so a TLS-only
    statement (Deny when Bool aws:SecureTransport is "false") denies every object request.
    SDKs reach real S3 over TLS; treat the loopback emulator the same way."""
    original = FakeBucket.get_permission

    def _is_tls_only_deny(statement):
        return statement.get("Effect") == "Deny" and statement.get("Condition") == {
            "Bool": {"aws:SecureTransport": "false"}
        }

    def get_permission(self, action, resource):
        if self.policy is None:
            return original(self, action, resource)
        policy = json.loads(self.policy.decode())
        statements = policy.get("Statement") or []
        if isinstance(statements, dict):
            statements = [statements]
        kept = [s for s in statements if not _is_tls_only_deny(s)]
        if len(kept) == len(statements):
            return original(self, action, resource)
        saved = self.policy
        try:
            self.policy = json.dumps(dict(policy, Statement=kept)).encode() if kept else None
            return original(self, action, resource)
        finally:
            self.policy = saved

    FakeBucket.get_permission = get_permission


def _patch_alb_default_attributes() -> None:
    """DescribeLoadBalancerAttributes of a new ALB lacks access_logs.s3.enabled,
    idle_timeout.timeout_seconds and the routing.* attributes AWS always reports
    (moto/elbv2/models.py FakeLoadBalancer.__init__ comments two of them out "for TF
    compatibility"): amazon.aws.elb_application_lb then fails with a KeyError on a load balancer
    it has just created. Start application load balancers with AWS's defaults."""
    from moto.elbv2.models import FakeLoadBalancer  # noqa: PLC0415

    defaults = {
        "access_logs.s3.enabled": "false",
        "idle_timeout.timeout_seconds": "60",
        "routing.http.desync_mitigation_mode": "defensive",
        "routing.http.drop_invalid_header_fields.enabled": "false",
        "routing.http.preserve_host_header.enabled": "false",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
        "routing.http.xff_client_port.enabled": "false",
        "routing.http.xff_header_processing.mode": "append",
        "routing.http2.enabled": "true",
        "waf.fail_open.enabled": "false",
    }
    original = FakeLoadBalancer.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.type == "application":
            for key, value in defaults.items():
                self.attrs.setdefault(key, value)

    FakeLoadBalancer.__init__ = __init__


def _patch_ecs_cluster_lists() -> None:
    """A cluster created without tags or capacity providers (community.aws.ecs_cluster cannot pass
    tags) is described without ``capacityProviders``/``defaultCapacityProviderStrategy`` and
    ListTagsForResource answers without ``tags``; AWS answers empty lists, and
    community.aws.ecs_tag / ecs_cluster fail with a KeyError otherwise."""
    from moto.ecs.models import Cluster  # noqa: PLC0415

    original = Cluster.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.tags = self.tags or []
        self.capacity_providers = self.capacity_providers or []
        self.default_capacity_provider_strategy = self.default_capacity_provider_strategy or []

    Cluster.__init__ = __init__


def _patch_ecs_create_service() -> None:
    """CreateService drops deploymentConfiguration, healthCheckGracePeriodSeconds,
    enableExecuteCommand and capacityProviderStrategy (UpdateService keeps them): keep them."""
    from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: PLC0415

    original = EC2ContainerServiceResponse.create_service
    kept = {
        "deploymentConfiguration": "deployment_configuration",
        "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
        "enableExecuteCommand": "enable_execute_command",
        "capacityProviderStrategy": "capacity_provider_strategy",
    }

    @functools.wraps(original)
    def create_service(self):
        result = original(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        for param, attr in kept.items():
            value = self._get_param(param)
            if value is not None:
                setattr(service, attr, value)
        return result

    EC2ContainerServiceResponse.create_service = create_service


def _patch_wafv2_list_resources_for_web_acl() -> None:
    """ListResourcesForWebACL is not implemented (community.aws.wafv2_resources reads it); moto
    keeps the associations (AssociateWebACL) on the web ACL: list them."""
    from moto.wafv2.exceptions import WAFNonexistentItemException  # noqa: PLC0415
    from moto.wafv2.responses import WAFV2Response  # noqa: PLC0415

    def list_resources_for_web_acl(self):
        body = json.loads(self.body)
        web_acl = self.wafv2_backend.wacls.get(body["WebACLArn"])
        if web_acl is None:
            raise WAFNonexistentItemException
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"ResourceArns": list(web_acl.associated_resources)}),
        )

    WAFV2Response.list_resources_for_web_acl = list_resources_for_web_acl


def _patch_describe_scaling_policies() -> None:
    """DescribeScalingPolicies ignores PolicyNames and matches ResourceId as a substring
    (moto/applicationautoscaling/models.py): with MaxResults=1,
    community.aws.application_autoscaling_policy compares the second policy of a service with the
    first one and reports a change on every run. Filter by name and exact resource id."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse  # noqa: PLC0415

    def describe_scaling_policies(self):
        names = self._get_param("PolicyNames") or []
        resource_id = self._get_param("ResourceId")
        dimension = self._get_param("ScalableDimension")
        policies = [
            p
            for p in self.applicationautoscaling_backend.policies.values()
            if p.service_namespace == self._get_param("ServiceNamespace")
            and (not resource_id or p.resource_id == resource_id)
            and (not dimension or p.scalable_dimension == dimension)
            and (not names or p.policy_name in names)
        ]
        start = int(self._get_param("NextToken") or 0)
        end = start + (self._get_int_param("MaxResults") or 100)
        from moto.applicationautoscaling.responses import _build_policy  # noqa: PLC0415

        return json.dumps(
            {
                "ScalingPolicies": [_build_policy(p) for p in policies[start:end]],
                "NextToken": str(end) if end < len(policies) else None,
            }
        )

    ApplicationAutoScalingResponse.describe_scaling_policies = describe_scaling_policies


# Engine-default entries AWS lists in a new PostgreSQL parameter group (no value: engine default).
_POSTGRES_DEFAULTS = {
    "rds.force_ssl": ("boolean", "dynamic", "0,1"),
    "log_min_duration_statement": ("integer", "dynamic", "-1-2147483647"),
    "log_connections": ("boolean", "dynamic", "0,1"),
    "log_disconnections": ("boolean", "dynamic", "0,1"),
    "log_statement": ("string", "dynamic", "ddl,mod,all,none"),
}


def _patch_data_tier() -> None:
    """RDS and OpenSearch answers the database and search roles rely on (see each numbered note)."""
    from moto.opensearch import models as opensearch  # noqa: PLC0415
    from moto.rds import models as rds  # noqa: PLC0415
    from moto.rds.exceptions import DBParameterGroupNotFoundError  # noqa: PLC0415

    # 1. DescribeDBParameterGroups for a missing name: AWS raises DBParameterGroupNotFound, moto
    #    returns [] (amazon.aws.rds_instance_param_group then fails with IndexError on creation).
    describe_groups = rds.RDSBackend.describe_db_parameter_groups

    def describe_db_parameter_groups(self, kwargs):
        groups = describe_groups(self, kwargs)
        name = kwargs.get("db_parameter_group_name")
        if name and not groups:
            raise DBParameterGroupNotFoundError(name)
        return groups

    rds.RDSBackend.describe_db_parameter_groups = describe_db_parameter_groups

    # 2. A new parameter group lists the engine's parameters (DataType, IsModifiable), which
    #    rds_instance_param_group needs to set values; moto creates it empty.
    group_init = rds.DBParameterGroup.__init__

    def parameter_group_init(self, *args, **kwargs):
        group_init(self, *args, **kwargs)
        if str(self.family or "").startswith("postgres"):
            for name, (data_type, apply_type, allowed) in _POSTGRES_DEFAULTS.items():
                self.parameters[name].update(
                    ParameterName=name,
                    DataType=data_type,
                    ApplyType=apply_type,
                    AllowedValues=allowed,
                    IsModifiable=True,
                    Source="engine-default",
                )

    rds.DBParameterGroup.__init__ = parameter_group_init

    # 3. Performance Insights is accepted but never reported (rds_instance then sees it off on every
    #    run and, with a KMS key set, fails on None.split).
    instance_init = rds.DBInstance.__init__

    def db_instance_init(self, *args, **kwargs):
        instance_init(self, *args, **kwargs)
        self.enable_performance_insights = bool(kwargs.get("enable_performance_insights"))
        self.performance_insights_kms_key_id = kwargs.get("performance_insights_kms_key_id")
        self.performance_insights_retention_period = kwargs.get("performance_insights_retention_period")

    rds.DBInstance.__init__ = db_instance_init
    rds.DBInstance.performance_insights_enabled = property(
        lambda self: bool(getattr(self, "enable_performance_insights", False))
    )

    # 4. gp3 below 400 GiB: AWS reports the baseline 3000 IOPS / 125 MiB/s; moto reports nothing and
    #    rds_instance's update path reads instance["Iops"] / ["StorageThroughput"] (KeyError).
    throughput = rds.DBInstance.storage_throughput

    def get_iops(self):
        value = self.__dict__.get("_gp3_iops")
        if value is None and getattr(self, "storage_type", None) == "gp3":
            return 3000
        return value

    def set_iops(self, value):
        self.__dict__["_gp3_iops"] = value

    rds.DBInstance.iops = property(get_iops, set_iops)

    def get_throughput(self):
        value = throughput.fget(self)
        if value is None and getattr(self, "storage_type", None) == "gp3":
            return 125
        return value

    rds.DBInstance.storage_throughput = property(get_throughput, throughput.fset)

    # 5. Deleting a cross-region read replica: moto records the replica's ARN on the source and
    #    removes its identifier (ValueError, HTTP 500).
    def remove_replica(self, replica):
        for key in (replica.db_instance_identifier, replica.db_instance_arn):
            if key in self.replicas:
                self.replicas.remove(key)

    rds.DBInstance.remove_replica = remove_replica

    # 7. CreateDBInstanceReadReplica from another region's source (an ARN): moto copies the source
    #    and applies the request with the DR backend last, so DBSubnetGroupName is looked up in the
    #    SOURCE region (DBSubnetGroupNotFound for the DR region's group). The backend goes first.
    create_replica = rds.RDSBackend.create_db_instance_read_replica

    def create_db_instance_read_replica(self, db_kwargs):
        if self.arn_regex.match(db_kwargs["source_db_instance_identifier"]):
            db_kwargs = {"backend": self, **db_kwargs}
        return create_replica(self, db_kwargs)

    rds.RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica

    # 6. DescribeDomainConfig: AWS always returns AutoTuneOptions.MaintenanceSchedules (maybe []);
    #    community.aws.opensearch(_info) reads it unconditionally (KeyError with Auto-Tune off).
    to_config = opensearch.OpenSearchDomain.to_config_dict

    def to_config_dict(self):
        config = to_config(self)
        auto_tune = config.get("AutoTuneOptions", {}).get("Options")
        if isinstance(auto_tune, dict):
            auto_tune.setdefault("MaintenanceSchedules", [])
        return config

    opensearch.OpenSearchDomain.to_config_dict = to_config_dict

    # 7. ModifyDBSubnetGroup: moto takes the group out of its registry and never puts it back, so a
    #    modified group is gone (AWS modifies it in place; rds_subnet_group changing subnets or the
    #    description would make the next run's instance fail with DBSubnetGroupNotFoundFault).
    modify_subnet_group = rds.RDSBackend.modify_db_subnet_group

    def modify_db_subnet_group(self, subnet_name, description, subnets):
        group = modify_subnet_group(self, subnet_name, description, subnets)
        self.subnet_groups[subnet_name] = group
        return group

    rds.RDSBackend.modify_db_subnet_group = modify_db_subnet_group


def _patch_cloudfront_origin_access_control() -> None:
    """Distribution origins drop ``OriginAccessControlId`` and ``S3OriginConfig``
    (moto/cloudfront/models.py Origin keeps neither for the response), and
    DeleteOriginAccessControl deletes a control that a distribution still uses, where AWS
    answers 409 OriginAccessControlInUse. ListOriginAccessControls ignores Marker and MaxItems,
    so a paginator never gets past the first 100. Answer what was stored, refuse and page as AWS does."""
    original_init = Origin.__init__

    def __init__(self, origin):
        original_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""
        if "S3OriginConfig" in origin:
            self.s3_origin_config = {"OriginAccessIdentity": self.s3_access_identity or ""}

    original_delete = CloudFrontBackend.delete_origin_access_control

    def delete_origin_access_control(self, control_id):
        self.get_origin_access_control(control_id)
        for distribution in self.distributions.values():
            origins = distribution.distribution_config.Origins["Items"]
            if any(getattr(o, "origin_access_control_id", "") == control_id for o in origins):
                raise CloudFrontException(
                    "OriginAccessControlInUse",
                    "Cannot delete this origin access control because it's in use by one or more origins.",
                )
        return original_delete(self, control_id)

    def list_origin_access_controls(self):
        marker = self._get_param("Marker")
        max_items = self._get_int_param("MaxItems") or 100
        controls, next_marker = self.backend.list_origin_access_controls(marker=marker, max_items=max_items)
        result = {
            "OriginAccessControlList": {
                "Marker": marker or "",
                "MaxItems": max_items,
                "IsTruncated": next_marker is not None,
                "Quantity": len(controls),
                "Items": controls,
            }
        }
        if next_marker is not None:
            result["OriginAccessControlList"]["NextMarker"] = next_marker
        return ActionResult(result)

    Origin.__init__ = __init__
    CloudFrontBackend.delete_origin_access_control = delete_origin_access_control
    CloudFrontResponse.list_origin_access_controls = list_origin_access_controls


def _patch_opensearch_empty_access_policy() -> None:
    """UpdateDomainConfig with AccessPolicies "" keeps the old policy (moto/opensearch/models.py
    ``access_policies or domain.access_policies``); AWS removes it. Remove it as AWS does."""
    from moto.opensearch.models import OpenSearchServiceBackend  # noqa: PLC0415

    original = OpenSearchServiceBackend.update_domain_config

    def update_domain_config(self, domain_name, *args, **kwargs):
        domain = original(self, domain_name, *args, **kwargs)
        if kwargs.get("access_policies") == "":
            domain.access_policies = ""
        return domain

    OpenSearchServiceBackend.update_domain_config = update_domain_config


# Full engine versions ElastiCache reports for a requested major.minor (or none: the default).
_CACHE_ENGINE_VERSIONS = {
    "redis": {"7.1": "7.1.0", "7.0": "7.0.7", "6.2": "6.2.6", "6.0": "6.0.5", "6.x": "6.2.6", "": "7.1.0"},
    "valkey": {"8.1": "8.1.0", "8.0": "8.0.1", "7.2": "7.2.6", "": "8.0.1"},
}


def _cache_engine_version(engine: str | None, version: str | None) -> str | None:
    table = _CACHE_ENGINE_VERSIONS.get(engine or "redis", {})
    return table.get(str(version or ""), version)


def _patch_elasticache_member_clusters() -> None:
    """Replication groups have member cache clusters, as on AWS (moto creates none).

    On AWS every node of a replication group is a cache cluster of its own: DescribeCacheClusters
    lists them (all, or one by CacheClusterId) with ReplicationGroupId, CacheClusterStatus,
    CacheNodeType, Engine, EngineVersion, PreferredAvailabilityZone, CacheSubnetGroupName,
    SecurityGroups, CacheParameterGroup, PreferredMaintenanceWindow, and with ShowCacheNodeInfo
    their CacheNodes. moto lists none (the monitoring role found no members of a 3-AZ group) and
    ignores NumCacheClusters (one member whatever the count). Here:

    * NumCacheClusters is honoured when ReplicasPerNodeGroup is not given;
    * members without PreferredCacheClusterAZs are spread over the AZs of the group's subnet group
      (or the region's a, b, c) instead of moto's fixed us-east-1a/b;
    * CreateReplicationGroup creates the member clusters (tagged like the group);
    * ModifyReplicationGroup applies CacheNodeType, EngineVersion, SecurityGroupIds,
      CacheParameterGroupName, PreferredMaintenanceWindow to the members, and SnapshotWindow,
      EngineVersion and AuthToken (AuthTokenEnabled) to the group, which moto drops;
    * DeleteReplicationGroup marks the members ``deleting``; members of a group that is gone are
      no longer listed.
    """
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup  # noqa: PLC0415
    from moto.elasticache.responses import ElastiCacheResponse  # noqa: PLC0415

    set_members = ReplicationGroup._set_node_members_clusters_disabled

    def _set_node_members_clusters_disabled(self, **kwargs):
        count = kwargs.get("num_cache_clusters") or 1
        if not kwargs.get("replicas_per_node_group") and count > 1:
            kwargs["replicas_per_node_group"] = count - 1
        return set_members(self, **kwargs)

    ReplicationGroup._set_node_members_clusters_disabled = _set_node_members_clusters_disabled

    def _zones(backend, subnet_group_name) -> list[str]:
        group = backend.cache_subnet_groups.get(subnet_group_name) if subnet_group_name else None
        zones = sorted(
            {
                s.get("subnet_availability_zone") or (s.get("Subnet_availability_zone") or {}).get("Name")
                for s in (getattr(group, "subnets", None) or [])
            }
            - {None}
        )
        return zones or [f"{backend.region_name}{suffix}" for suffix in "abc"]

    def _member(backend, group, member, az, params) -> CacheCluster:
        engine = group.engine or "redis"
        version = _cache_engine_version(engine, params.get("engine_version"))
        major = (version or "7").split(".")[0]
        parameter_group = params.get("cache_parameter_group_name") or f"default.{engine}{major}"
        cluster = CacheCluster(
            account_id=backend.account_id,
            region_name=backend.region_name,
            cache_cluster_id=member["cache_cluster_id"],
            cache_node_type=group.cache_node_type,
            replication_group_id=group.replication_group_id,
            az_mode="single-az",
            preferred_availability_zone=az,
            num_cache_nodes=1,
            engine=engine,
            engine_version=version,
            cache_parameter_group_name=parameter_group,
            cache_subnet_group_name=params.get("cache_subnet_group_name"),
            transit_encryption_enabled=group.transit_encryption_enabled,
            network_type=group.network_type,
            ip_discovery=group.ip_discovery,
            snapshot_name=None,
            preferred_maintenance_window=params.get("preferred_maintenance_window") or "sun:05:00-sun:06:00",
            port=group.port,
            notification_topic_arn=params.get("notification_topic_arn"),
            auto_minor_version_upgrade=params.get("auto_minor_version_upgrade"),
            snapshot_retention_limit=group.snapshot_retention_limit,
            snapshot_window=group.snapshot_window,
            auth_token=params.get("auth_token"),
            outpost_mode=None,
            preferred_outpost_arn=None,
            preferred_availability_zones=None,
            cache_security_group_names=None,
            security_group_ids=params.get("security_group_ids") or [],
            tags=params.get("tags") or [],
            snapshot_arns=None,
            preferred_outpost_arns=None,
            log_delivery_configurations=[],
            cache_node_ids_to_remove=None,
            cache_node_ids_to_reboot=None,
        )
        # CacheCluster sets these for the redis engine only
        cluster.replication_group_id = group.replication_group_id
        cluster.num_cache_nodes = 1
        cluster.snapshot_window = group.snapshot_window
        cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
        cluster.replication_group_log_delivery_enabled = False
        cluster.security_groups = [{"SecurityGroupId": sg, "Status": "active"} for sg in cluster.security_group_ids]
        cluster.cache_parameter_group = {
            "CacheParameterGroupName": parameter_group,
            "ParameterApplyStatus": "in-sync",
            "CacheNodeIdsToReboot": [],
        }
        endpoint = member.get("read_endpoint") or {
            "address": f"{member['cache_cluster_id']}.cache.amazonaws.com",
            "port": group.port,
        }
        cluster.cache_nodes_info = [
            {
                "CacheNodeId": "0001",
                "CacheNodeStatus": "available",
                "CacheNodeCreateTime": cluster.cache_cluster_create_time,
                "Endpoint": {"Address": endpoint["address"], "Port": endpoint["port"]},
                "ParameterGroupStatus": "in-sync",
                "CustomerAvailabilityZone": az,
            }
        ]
        return cluster

    create_group = ElastiCacheBackend.create_replication_group

    def create_replication_group(self, **kwargs):
        group = create_group(self, **kwargs)
        zones = _zones(self, kwargs.get("cache_subnet_group_name"))
        explicit = kwargs.get("preferred_cache_cluster_azs") or []
        index = 0
        for node_group in group.node_groups:
            for member in node_group["node_group_members"]:
                if not explicit and group.cluster_mode != "enabled":
                    member["preferred_availability_zone"] = zones[index % len(zones)]
                index += 1
                existing = self.cache_clusters.get(member["cache_cluster_id"])
                if existing is not None and not hasattr(existing, "cache_nodes_info"):
                    continue  # a cache cluster of its own by that name: leave it alone
                cluster = _member(self, group, member, member["preferred_availability_zone"], kwargs)
                self.cache_clusters[cluster.cache_cluster_id] = cluster
                if kwargs.get("tags"):
                    self.tagging_service.tag_resource(cluster.arn, kwargs["tags"])
        return group

    ElastiCacheBackend.create_replication_group = create_replication_group

    def _members(backend, group):
        return [backend.cache_clusters[c] for c in group.member_clusters if c in backend.cache_clusters]

    delete_group = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self, replication_group_id, *args, **kwargs):
        group = self.replication_groups.get(replication_group_id)
        members = _members(self, group) if group is not None else []
        result = delete_group(self, replication_group_id, *args, **kwargs)
        for cluster in members:
            cluster.cache_cluster_status = "deleting"
        return result

    ElastiCacheBackend.delete_replication_group = delete_replication_group

    modify_group = ElastiCacheResponse.modify_replication_group

    def modify_replication_group(self):
        result = modify_group(self)
        backend = self.elasticache_backend
        group = backend.replication_groups.get(self._get_param("ReplicationGroupId"))
        if group is None:
            return result
        members = _members(backend, group)
        node_type = self._get_param("CacheNodeType")
        version = self._get_param("EngineVersion")
        security_groups = self._get_param("SecurityGroupIds")
        parameter_group = self._get_param("CacheParameterGroupName")
        window = self._get_param("PreferredMaintenanceWindow")
        snapshot_window = self._get_param("SnapshotWindow")
        strategy = self._get_param("AuthTokenUpdateStrategy")
        if version:
            group.engine_version = version
        if snapshot_window:
            group.snapshot_window = snapshot_window
        if strategy or self._get_param("AuthToken"):
            group.auth_token_enabled = strategy != "DELETE"
        for cluster in members:
            if node_type:
                cluster.cache_node_type = node_type
            if version:
                cluster.engine_version = _cache_engine_version(group.engine, version)
            if security_groups:
                cluster.security_group_ids = list(security_groups)
                cluster.security_groups = [{"SecurityGroupId": sg, "Status": "active"} for sg in security_groups]
            if parameter_group:
                cluster.cache_parameter_group_name = parameter_group
                cluster.cache_parameter_group = dict(
                    cluster.cache_parameter_group, CacheParameterGroupName=parameter_group
                )
            if window:
                cluster.preferred_maintenance_window = window.lower()
            if snapshot_window:
                cluster.snapshot_window = snapshot_window
            cluster.auth_token_enabled = group.auth_token_enabled
        return result

    ElastiCacheResponse.modify_replication_group = modify_replication_group

    class _ClusterView:
        """A cache cluster as DescribeCacheClusters shows it (CacheNodes only with ShowCacheNodeInfo)."""

        def __init__(self, cluster, show_nodes: bool):
            self._cluster = cluster
            self.cache_nodes = getattr(cluster, "cache_nodes_info", None) if show_nodes else None

        def __getattr__(self, name):
            return getattr(self._cluster, name)

    describe_clusters = ElastiCacheResponse.describe_cache_clusters

    def describe_cache_clusters(self):
        from moto.core.responses import PaginatedResult  # noqa: PLC0415
        from moto.elasticache.exceptions import CacheClusterNotFound  # noqa: PLC0415

        backend = self.elasticache_backend
        cluster_id = self._get_param("CacheClusterId")
        show = str(self._get_param("ShowCacheNodeInfo")).lower() == "true"
        clusters = backend.describe_cache_clusters(cache_cluster_id=cluster_id)
        listed = []
        for cluster in clusters:
            group_id = getattr(cluster, "replication_group_id", None)
            if hasattr(cluster, "cache_nodes_info") and group_id not in backend.replication_groups:
                continue  # a member of a group that is gone
            listed.append(_ClusterView(cluster, show))
        if cluster_id and not listed:
            raise CacheClusterNotFound(cluster_id)
        return PaginatedResult({"CacheClusters": listed})

    describe_cache_clusters.original = describe_clusters
    ElastiCacheResponse.describe_cache_clusters = describe_cache_clusters


def _patch_secretsmanager_error_status() -> None:
    """Secrets Manager (JSON protocol) answers every client error with HTTP 400, including
    ResourceNotFoundException (API reference, "Common Errors" and each operation's Errors); moto
    answers 404 for ResourceNotFoundException / InvalidRequestException of a missing secret,
    version or stage. Answer 400."""
    from moto.secretsmanager import exceptions  # noqa: PLC0415

    for name in (
        "ResourceNotFoundException",
        "SecretNotFoundException",
        "SecretHasNoValueException",
        "SecretStageVersionMismatchException",
    ):
        cls = getattr(exceptions, name, None)
        if cls is None:
            continue
        original = cls.__init__

        def __init__(self, *args, _original=original, **kwargs):
            _original(self, *args, **kwargs)
            self.code = 400

        cls.__init__ = __init__


def _patch_elasticache_delete_subnet_group() -> None:
    """DeleteCacheSubnetGroup, as on AWS (moto does not implement it: a 500 for every call).

    A group some replication group still uses is refused with CacheSubnetGroupInUse; a missing one
    with CacheSubnetGroupNotFoundFault (a second destroy deletes what the first left while the
    replication group was still deleting).
    """
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException  # noqa: PLC0415
    from moto.elasticache.responses import ElastiCacheResponse  # noqa: PLC0415

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

        def __init__(self, name: str):
            super().__init__(f"Cache subnet group {name} is currently in use by a cache cluster.")

    # moto finds an error's service model by the exception's module (moto.<service>.…).
    CacheSubnetGroupInUse.__module__ = "moto.elasticache.exceptions"

    def delete_cache_subnet_group(self):
        name = self._get_param("CacheSubnetGroupName")
        backend = self.elasticache_backend
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        if any(getattr(g, "cache_subnet_group_name", None) == name for g in backend.replication_groups.values()):
            raise CacheSubnetGroupInUse(name)
        del backend.cache_subnet_groups[name]
        return ActionResult({})

    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group


def _patch_prefix_list_rule_descriptions() -> None:
    """Keep a security group rule's prefix list description (AWS returns it in PrefixListIds[].Description).

    moto stores only the PrefixListId, so a described egress rule to a prefix list (the S3 gateway
    endpoint's) never matches and every run would try to "update" its description.
    """
    original_init = sg_models.SecurityGroupRule.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        prefix_list = kwargs.get("prefix_list_id", args[7] if len(args) > 7 else None)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    original_flattened = sg_models.SecurityGroup._flattened_rules

    def _flattened_rules(self, rules):
        views = original_flattened(self, rules)
        for view in views:
            for entry in view.prefix_list_ids:
                for rule in rules:
                    description = getattr(rule, "prefix_list_description", None)
                    if (
                        description
                        and rule.prefix_list_id == entry["PrefixListId"]
                        and (rule.from_port, rule.to_port, rule.ip_protocol)
                        == (view.from_port, view.to_port, view.ip_protocol)
                    ):
                        entry["Description"] = description
        return views

    sg_models.SecurityGroupRule.__init__ = __init__
    sg_models.SecurityGroup._flattened_rules = _flattened_rules

    # UpdateSecurityGroupRuleDescriptions{Ingress,Egress} answer {"Return": true} on AWS; moto answers nothing.
    for action in ("ingress", "egress"):
        name = f"update_security_group_rule_descriptions_{action}"
        original = getattr(SecurityGroups, name)

        def answer_return(self, _original=original):
            _original(self)
            return ActionResult({"Return": True})

        setattr(SecurityGroups, name, answer_return)


def _patch_backup() -> None:
    """AWS Backup selections, UpdateBackupPlan, vault access policy and recovery points as on AWS
    (moto lacks them) and AWS's refusals moto misses: scripts/moto_backup.py."""
    import moto_backup  # noqa: PLC0415

    moto_backup.patch()


def _patch_guardduty_detector() -> None:
    """GuardDuty as on AWS where moto diverges (API reference, CreateDetector / TagResource / Errors):

    - one detector per account and region: a second CreateDetector is refused with
      BadRequestException ("a detector already exists for the current account"); moto creates another;
    - an unknown findingPublishingFrequency is refused with BadRequestException (moto stores SIX_HOURS);
    - TagResource, UntagResource and ListTagsForResource on a detector ARN (moto: not implemented).
    """
    from urllib.parse import unquote  # noqa: PLC0415

    from moto.guardduty import urls as guardduty_urls  # noqa: PLC0415
    from moto.guardduty.exceptions import DetectorNotFoundException, GuardDutyException  # noqa: PLC0415
    from moto.guardduty.models import GuardDutyBackend  # noqa: PLC0415
    from moto.guardduty.responses import GuardDutyResponse  # noqa: PLC0415

    if getattr(GuardDutyBackend.create_detector, "_platform_ops", False):
        return

    class BadRequest(GuardDutyException):
        code = 400

        def __init__(self, message: str):
            super().__init__("BadRequestException", message)

        def get_headers(self, *args, **kwargs):
            return [("X-Amzn-ErrorType", "BadRequestException")]

    frequencies = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
    original_create = GuardDutyBackend.create_detector

    def create_detector(self, enable, finding_publishing_frequency, *args, **kwargs):
        if self.detectors:
            raise BadRequest("The request is rejected because a detector already exists for the current account.")
        if finding_publishing_frequency is not None and finding_publishing_frequency not in frequencies:
            raise BadRequest(
                "The request is rejected because an invalid or out-of-range value is specified as an input parameter."
            )
        return original_create(self, enable, finding_publishing_frequency or "SIX_HOURS", *args, **kwargs)

    create_detector._platform_ops = True
    GuardDutyBackend.create_detector = create_detector

    original_update = GuardDutyBackend.update_detector

    def update_detector(self, detector_id, enable, finding_publishing_frequency, *args, **kwargs):
        if finding_publishing_frequency is not None and finding_publishing_frequency not in frequencies:
            raise BadRequest(
                "The request is rejected because an invalid or out-of-range value is specified as an input parameter."
            )
        return original_update(self, detector_id, enable, finding_publishing_frequency, *args, **kwargs)

    GuardDutyBackend.update_detector = update_detector

    def _detector(response):
        arn = unquote(response.path.split("/tags/", 1)[1])
        if ":detector/" not in arn:
            raise BadRequest("The request is rejected because the resource ARN is invalid.")
        detector_id = arn.rsplit("/", 1)[1]
        if detector_id not in response.guardduty_backend.detectors:
            raise DetectorNotFoundException()
        return response.guardduty_backend.detectors[detector_id]

    def tag_resource(self):
        _detector(self).tags.update(self._get_param("tags") or {})
        return "{}"

    def untag_resource(self):
        detector = _detector(self)
        for key in self.querystring.get("tagKeys", []):
            detector.tags.pop(key, None)
        return "{}"

    def list_tags_for_resource(self):
        return json.dumps({"tags": _detector(self).tags})

    GuardDutyResponse.tag_resource = tag_resource
    GuardDutyResponse.untag_resource = untag_resource
    GuardDutyResponse.list_tags_for_resource = list_tags_for_resource
    guardduty_urls.url_paths["{0}/tags/(?P<resource_arn>.+)$"] = GuardDutyResponse.dispatch


# Standards Security Hub offers (DescribeStandards); the ARNs as AWS writes them, {partition}/{region} filled in.
_SECURITYHUB_STANDARDS = {
    "arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0": (
        "subscription/aws-foundational-security-best-practices/v/1.0.0",
        True,
    ),
    "arn:{partition}:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0": (
        "subscription/cis-aws-foundations-benchmark/v/1.2.0",
        True,
    ),
    "arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0": (
        "subscription/cis-aws-foundations-benchmark/v/1.4.0",
        False,
    ),
    "arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0": (
        "subscription/cis-aws-foundations-benchmark/v/3.0.0",
        False,
    ),
    "arn:{partition}:securityhub:{region}::standards/nist-800-53/v/5.0.0": ("subscription/nist-800-53/v/5.0.0", False),
    "arn:{partition}:securityhub:{region}::standards/pci-dss/v/3.2.1": ("subscription/pci-dss/v/3.2.1", False),
}
# Integrations of AWS services Security Hub turns on by itself when it is enabled (user guide,
# "Integrations": GuardDuty, Inspector, Macie, IAM Access Analyzer, ... send findings by default).
_SECURITYHUB_DEFAULT_PRODUCTS = ("aws/guardduty", "aws/inspector", "aws/macie", "aws/access-analyzer")


def _patch_securityhub_hub() -> None:
    """Security Hub as on AWS where moto diverges (API reference, EnableSecurityHub / BatchEnableStandards …):

    - EnableSecurityHub on an enabled hub: ResourceConflictException (moto: silently nothing);
      with EnableDefaultStandards (default true) FSBP and CIS 1.2.0 get subscribed, and the AWS
      service integrations (GuardDuty among them) are on;
    - BatchEnableStandards, BatchDisableStandards, GetEnabledStandards (moto: not implemented):
      InvalidAccessException while the account is not subscribed, InvalidInputException for an
      unknown standard;
    - EnableImportFindingsForProduct, ListEnabledProductsForImport, DisableImportFindingsForProduct;
    - TagResource, UntagResource, ListTagsForResource on the hub ARN; DisableSecurityHub forgets
      the standards and integrations.
    """
    from urllib.parse import unquote  # noqa: PLC0415

    from moto.securityhub import urls as securityhub_urls  # noqa: PLC0415
    from moto.securityhub.exceptions import SecurityHubClientError  # noqa: PLC0415
    from moto.securityhub.models import SecurityHubBackend  # noqa: PLC0415
    from moto.securityhub.responses import SecurityHubResponse  # noqa: PLC0415
    from moto.utilities.utils import get_partition  # noqa: PLC0415

    if getattr(SecurityHubBackend.enable_security_hub, "_platform_ops", False):
        return

    def not_subscribed():
        return SecurityHubClientError("InvalidAccessException", "Account is not subscribed to AWS Security Hub")

    def state(backend):
        if not hasattr(backend, "_platform_ops_standards"):
            backend._platform_ops_standards = {}  # subscription ARN -> subscription
            backend._platform_ops_products = {}  # product subscription ARN -> product ARN
        return backend._platform_ops_standards, backend._platform_ops_products

    def partition(backend):
        return get_partition(backend.region_name)

    def hub_arn(backend):
        return f"arn:{partition(backend)}:securityhub:{backend.region_name}:{backend.account_id}:hub/default"

    def known_standards(backend):
        fill = {"partition": partition(backend), "region": backend.region_name}
        return {arn.format(**fill): (suffix, default) for arn, (suffix, default) in _SECURITYHUB_STANDARDS.items()}

    def subscribe(backend, standards_arn, standards_input=None):
        known = known_standards(backend)
        if standards_arn not in known:
            raise SecurityHubClientError(
                "InvalidInputException", f"The request was rejected because standard {standards_arn} does not exist."
            )
        arn = (
            f"arn:{partition(backend)}:securityhub:{backend.region_name}:{backend.account_id}:{known[standards_arn][0]}"
        )
        standards, _ = state(backend)
        standards[arn] = {
            "StandardsSubscriptionArn": arn,
            "StandardsArn": standards_arn,
            "StandardsInput": standards_input or {},
            "StandardsStatus": "READY",
        }
        return arn

    def enable_product(backend, product):
        _, products = state(backend)
        arn = f"arn:{partition(backend)}:securityhub:{backend.region_name}:{backend.account_id}:product-subscription/{product}"
        products[arn] = f"arn:{partition(backend)}:securityhub:{backend.region_name}::product/{product}"
        return arn

    def enable_security_hub(self, enable_default_standards=True, tags=None):
        if self.enabled:
            raise SecurityHubClientError("ResourceConflictException", "Account is already subscribed to Security Hub")
        self.enabled = True
        self.enabled_at = datetime.datetime.now(datetime.UTC).isoformat()
        self.tags = dict(tags or {})
        standards, products = state(self)
        standards.clear()
        products.clear()
        if enable_default_standards:
            for arn, (_suffix, default) in known_standards(self).items():
                if default:
                    subscribe(self, arn)
        for product in _SECURITYHUB_DEFAULT_PRODUCTS:
            enable_product(self, product)
        return {}

    enable_security_hub._platform_ops = True
    SecurityHubBackend.enable_security_hub = enable_security_hub

    original_disable = SecurityHubBackend.disable_security_hub

    def disable_security_hub(self):
        result = original_disable(self)
        standards, products = state(self)
        standards.clear()
        products.clear()
        self.tags = {}
        return result

    SecurityHubBackend.disable_security_hub = disable_security_hub

    def _body(response):
        return json.loads(response.body) if response.body else {}

    def _enabled(response):
        backend = response.securityhub_backend
        if not backend.enabled:
            raise not_subscribed()
        return backend

    def batch_enable_standards(self):
        backend = _enabled(self)
        requests = _body(self).get("StandardsSubscriptionRequests") or []
        if not 1 <= len(requests) <= 25:
            raise SecurityHubClientError(
                "InvalidInputException", "StandardsSubscriptionRequests must hold 1 to 25 items"
            )
        out = []
        for request in requests:
            arn = subscribe(backend, request.get("StandardsArn"), request.get("StandardsInput"))
            out.append({**state(backend)[0][arn], "StandardsStatus": "PENDING"})
        return json.dumps({"StandardsSubscriptions": out})

    def batch_disable_standards(self):
        backend = _enabled(self)
        standards, _ = state(backend)
        out = []
        for arn in _body(self).get("StandardsSubscriptionArns") or []:
            if arn not in standards:
                raise SecurityHubClientError(
                    "InvalidInputException", f"The request was rejected because subscription {arn} does not exist."
                )
            out.append({**standards.pop(arn), "StandardsStatus": "DELETING"})
        return json.dumps({"StandardsSubscriptions": out})

    def get_enabled_standards(self):
        backend = _enabled(self)
        standards, _ = state(backend)
        wanted = _body(self).get("StandardsSubscriptionArns")
        listed = [s for arn, s in standards.items() if not wanted or arn in wanted]
        return json.dumps({"StandardsSubscriptions": listed})

    def enable_import_findings_for_product(self):
        backend = _enabled(self)
        product_arn = _body(self).get("ProductArn") or ""
        prefix = f"arn:{partition(backend)}:securityhub:{backend.region_name}::product/"
        if not product_arn.startswith(prefix):
            raise SecurityHubClientError("InvalidInputException", f"Invalid product ARN {product_arn}")
        _, products = state(backend)
        if product_arn in products.values():
            raise SecurityHubClientError(
                "ResourceConflictException", f"The product {product_arn} is already enabled for this account"
            )
        return json.dumps({"ProductSubscriptionArn": enable_product(backend, product_arn[len(prefix) :])})

    def list_enabled_products_for_import(self):
        backend = _enabled(self)
        return json.dumps({"ProductSubscriptions": sorted(state(backend)[1])})

    def disable_import_findings_for_product(self):
        backend = _enabled(self)
        arn = unquote(self.path.split("/productSubscriptions/", 1)[1])
        _, products = state(backend)
        if arn not in products:
            raise SecurityHubClientError("ResourceNotFoundException", f"Product subscription {arn} not found")
        del products[arn]
        return "{}"

    def _tagged(response):
        backend = response.securityhub_backend
        arn = unquote(response.path.split("/tags/", 1)[1])
        if not backend.enabled or arn != hub_arn(backend):
            raise SecurityHubClientError("ResourceNotFoundException", f"Resource {arn} not found")
        return backend

    def tag_resource(self):
        backend = _tagged(self)
        backend.tags = {**(backend.tags or {}), **(_body(self).get("Tags") or {})}
        return "{}"

    def untag_resource(self):
        backend = _tagged(self)
        for key in self.querystring.get("tagKeys", []):
            (backend.tags or {}).pop(key, None)
        return "{}"

    def list_tags_for_resource(self):
        return json.dumps({"Tags": _tagged(self).tags or {}})

    for fn in (
        batch_enable_standards,
        batch_disable_standards,
        get_enabled_standards,
        enable_import_findings_for_product,
        list_enabled_products_for_import,
        disable_import_findings_for_product,
        tag_resource,
        untag_resource,
        list_tags_for_resource,
    ):
        setattr(SecurityHubResponse, fn.__name__, fn)
    for path in (
        "{0}/standards/register$",
        "{0}/standards/deregister$",
        "{0}/standards/get$",
        "{0}/productSubscriptions$",
        "{0}/productSubscriptions/(?P<product_subscription_arn>.+)$",
        "{0}/tags/(?P<resource_arn>.+)$",
    ):
        securityhub_urls.url_paths[path] = SecurityHubResponse.dispatch


def _patch_cloudtrail_describe_trails_names() -> None:
    """DescribeTrails ignores ``trailNameList`` and answers every trail of the region
    (moto/cloudtrail/responses.py CloudTrailResponse.describe_trails), so a lookup of one trail
    finds another stack's. AWS answers only the trails named (by name or ARN); unknown names are left out."""
    from moto.cloudtrail.responses import CloudTrailResponse  # noqa: PLC0415

    def describe_trails(self) -> str:
        include_shadow_trails = self._get_bool_param("includeShadowTrails", True)
        names = self._get_param("trailNameList") or []
        trails = self.cloudtrail_backend.describe_trails(include_shadow_trails)
        if names:
            trails = [t for t in trails if t.trail_name in names or t.arn in names]
        return json.dumps({"trailList": [t.description(include_region=True) for t in trails]})

    CloudTrailResponse.describe_trails = describe_trails

    # DeleteTrail takes the name or the ARN on AWS (amazon.aws.cloudtrail sends the ARN); moto deletes
    # by name only and silently keeps the trail for an ARN. Unknown trails: TrailNotFoundException.
    from moto.cloudtrail.models import CloudTrailBackend  # noqa: PLC0415

    def delete_trail(self, name: str) -> None:
        trail = self.get_trail(name_or_arn=name)
        del self.trails[trail.trail_name]

    CloudTrailBackend.delete_trail = delete_trail


def _patch_rds_point_in_time_restore() -> None:
    """RestoreDBInstanceToPointInTime copies the request's SourceDBInstanceIdentifier and the source's
    replica list into the new instance (moto/rds/models.py RDSBackend.restore_db_instance_to_point_in_time),
    so the restored instance reports ReadReplicaSourceDBInstanceIdentifier and the source's replicas. AWS
    restores a standalone instance: no replica source, no replicas of its own."""
    from moto.rds.models import RDSBackend  # noqa: PLC0415

    original = RDSBackend.restore_db_instance_to_point_in_time
    if getattr(original, "_platform_ops_fixed", False):
        return

    @functools.wraps(original)
    def restore_db_instance_to_point_in_time(self, *args, **kwargs):
        database = original(self, *args, **kwargs)
        database.source_db_instance_identifier = None
        database.is_replica = False
        database.replicas = []
        return database

    restore_db_instance_to_point_in_time._platform_ops_fixed = True
    RDSBackend.restore_db_instance_to_point_in_time = restore_db_instance_to_point_in_time


ECR_REPLICATION_MAX_RULES = 10  # PutReplicationConfiguration: rules, "Array Members: Maximum number of 10 items"


def _ecr_filter_matches(rule: dict, repository_name: str) -> bool:
    filters = rule.get("repositoryFilters") or []
    if not filters:
        return True  # a rule without filters replicates every repository
    return any(
        f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH" and repository_name.startswith(f.get("filter", ""))
        for f in filters
    )


def _patch_ecr_replication() -> None:
    """ECR registry replication (PutReplicationConfiguration / DescribeRegistry and its effect on PutImage).

    moto stores at most ONE rule ("This feature is disabled" for more; AWS takes up to 10 rules, each with
    destinations and PREFIX_MATCH repository filters) and never replicates anything. Here the configuration
    holds up to 10 rules, and an image put into a repository that a rule's filters match is replicated
    (synchronously; AWS does it within minutes) to each destination region of this account: the destination
    repository is created when missing with ECR's defaults for replication (AES256 encryption, MUTABLE tags,
    no scan on push; AWS applies a repository creation template when one matches, which the emulator does
    not model) and the image is put there with its tag unless that tag is already there. As on AWS, only
    images pushed after the rule exists are replicated, and a replicated image is not replicated again.
    """
    from moto.ecr.exceptions import InvalidParameterException  # noqa: PLC0415
    from moto.ecr.models import ECRBackend, ecr_backends  # noqa: PLC0415

    if hasattr(ECRBackend, "put_image_unreplicated"):
        return  # patched already

    def put_replication_configuration(self, replication_config):
        rules = list(replication_config.get("rules") or [])
        if len(rules) > ECR_REPLICATION_MAX_RULES:
            raise InvalidParameterException(
                "Invalid parameter at 'replicationConfiguration.rules' failed to satisfy constraint: "
                f"'Member must have length less than or equal to {ECR_REPLICATION_MAX_RULES}'"
            )
        for rule in rules:
            for dest in rule.get("destinations") or []:
                if dest.get("region") == self.region_name and dest.get("registryId") == self.account_id:
                    raise InvalidParameterException(
                        "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: "
                        "'Replication destination cannot be the same as the source registry'"
                    )
            for repository_filter in rule.get("repositoryFilters") or []:
                if repository_filter.get("filterType") != "PREFIX_MATCH":
                    raise InvalidParameterException(
                        "Invalid parameter at 'replicationConfiguration.rules.repositoryFilters.filterType' "
                        "failed to satisfy constraint: 'Member must satisfy enum value set: [PREFIX_MATCH]'"
                    )
        self.replication_config = {"rules": rules}
        return {"replicationConfiguration": self.replication_config}

    original_put_image = ECRBackend.put_image
    replicating = []

    def put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs):
        image = self.put_image_unreplicated(repository_name, image_manifest, image_tag, *args, **kwargs)
        if replicating:
            return image
        regions = []
        for rule in (self.replication_config or {}).get("rules") or []:
            if _ecr_filter_matches(rule, repository_name):
                regions.extend(
                    d["region"]
                    for d in rule.get("destinations") or []
                    if d.get("registryId") == self.account_id and d["region"] not in regions
                )
        replicating.append(True)
        try:
            for region in regions:
                dest = ecr_backends[self.account_id][region]
                if repository_name not in dest.repositories:
                    dest.create_repository(
                        repository_name=repository_name,
                        registry_id=None,
                        encryption_config={"encryptionType": "AES256"},
                        image_scan_config={"scanOnPush": False},
                        image_tag_mutability="MUTABLE",
                        tags=[],
                    )
                repository = dest.repositories[repository_name]
                if image_tag and any(image_tag in (i.image_tags or []) for i in repository.images):
                    continue
                dest.put_image(repository_name, image_manifest, image_tag, *args, **kwargs)
        finally:
            replicating.pop()
        return image

    ECRBackend.put_replication_configuration = put_replication_configuration
    ECRBackend.put_image_unreplicated = original_put_image
    ECRBackend.put_image = put_image


def _patch_dr_promotion() -> None:
    """Promotion of the DR copies (playbooks/dr_failover.yml, dr_failback.yml).

    1. RDS DescribeDBInstances: AWS reports ``StatusInfos`` (``read replication``) on a read replica
       only; moto never does, and amazon.aws.rds_instance promotes (``read_replica: false``) only an
       instance that has them. PromoteReadReplica: AWS makes the instance standalone (no
       ``ReadReplicaSourceDBInstanceIdentifier``; the source no longer lists it), enables automated
       backups (``BackupRetentionPeriod`` default 1); moto keeps both links and backups off.
    2. Secrets Manager StopReplicationToReplica (called in the replica's region): AWS turns the replica
       into a standalone secret of that region (same name and ARN, same versions) and removes that
       region from the primary's replication; moto does not implement the action.
    """
    import copy  # noqa: PLC0415

    from moto.rds import models as rds  # noqa: PLC0415
    from moto.secretsmanager import models as sm  # noqa: PLC0415
    from moto.secretsmanager.exceptions import InvalidRequestException, SecretNotFoundException  # noqa: PLC0415
    from moto.secretsmanager.responses import SecretsManagerResponse  # noqa: PLC0415

    def status_infos(self):
        if getattr(self, "is_replica", False):
            return [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]
        return None

    rds.DBInstance.status_infos = property(status_infos)

    def _source_of(backend, replica):
        source_id = replica.source_db_instance_identifier
        if not source_id:
            return None
        for region_backend in rds.rds_backends[backend.account_id].values():
            for database in region_backend.databases.values():
                if source_id in (database.db_instance_identifier, database.db_instance_arn):
                    return database
        return None

    def promote_read_replica(self, db_kwargs):
        database = self.databases[db_kwargs["db_instance_identifier"]]
        if database.is_replica:
            source = _source_of(self, database)
            if source is not None:
                source.remove_replica(database)
            database.is_replica = False
            database.source_db_instance_identifier = None
            if not db_kwargs.get("backup_retention_period"):
                db_kwargs = {**db_kwargs, "backup_retention_period": 1}
            database.update(**db_kwargs)
        return database

    rds.RDSBackend.promote_read_replica = promote_read_replica

    def stop_replication_to_replica(self, secret_id):
        if not self._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        replica = self.secrets[secret_id]
        if not isinstance(replica, sm.ReplicaSecret):
            raise InvalidRequestException(
                "You can't perform this operation on the secret because it is not a replica secret."
            )
        source = replica.source
        secret = copy.copy(source)
        secret.region = self.region_name
        secret.arn = replica.arn
        secret.versions = copy.deepcopy(source.versions)
        secret.tags = copy.deepcopy(source.tags)
        secret.replicas = []
        dict.pop(self.secrets, replica.arn, None)
        dict.pop(self.secrets, replica.name, None)
        self.secrets[secret.name] = secret
        source.replicas = [r for r in source.replicas if r.region != self.region_name]
        return secret.arn

    sm.SecretsManagerBackend.stop_replication_to_replica = stop_replication_to_replica

    def stop_replication_response(self):
        arn = self.backend.stop_replication_to_replica(self._get_param("SecretId"))
        return json.dumps({"ARN": arn})

    SecretsManagerResponse.stop_replication_to_replica = stop_replication_response


def patch_moto() -> None:
    _patch_rds_point_in_time_restore()
    _patch_ecr_replication()
    _patch_dr_promotion()
    _patch_cloudtrail_describe_trails_names()
    _patch_backup()
    _patch_prefix_list_rule_descriptions()
    _patch_data_tier()
    _patch_alb_default_attributes()
    _patch_ecs_cluster_lists()
    _patch_ecs_create_service()
    _patch_wafv2_list_resources_for_web_acl()
    _patch_describe_scaling_policies()
    _patch_get_bucket_replication()
    _patch_list_buckets()
    _patch_kms_key_arns()
    _patch_secure_transport()
    _patch_cloudfront_origin_access_control()
    _patch_opensearch_empty_access_policy()
    _patch_elasticache_member_clusters()
    _patch_elasticache_delete_subnet_group()
    _patch_secretsmanager_error_status()
    _patch_guardduty_detector()
    _patch_securityhub_hub()
