# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plans (issue 15): a role reads its state with one ``aws_read`` run, a filter here compares it with
what the role wants, and the writing modules run only for what differs. Each plan compares what the writing
module itself would converge, no less: a difference the module would fix must put the item in ``converge``."""

from __future__ import annotations

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict, snake_dict_to_camel_dict
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.platform_ops.aws.plugins.filter.network_plan import _tag_dict, route_table_found
from ansible_collections.platform_ops.aws.plugins.filter.security_groups import security_group_id
from ansible_collections.platform_ops.aws.plugins.module_utils import cloudfront_oac, ec2_flow_logs, iam_inline
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache import current_port, endpoints
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
    composed_secret_differences,
    current_version_id,
    generated_secret_differences,
    replica_arn,
    tags_of,
)
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.edge import ecs_cloudfront_find


def _has_tags(current, wanted):
    """Every wanted tag is set with its value (purge_tags: false: other tags are left alone)."""
    current = current or {}
    return all(current.get(key) == str(value) for key, value in (wanted or {}).items())


def log_group_tags_read(tags_id, groups_id, name, region=None):
    """The aws_read read ``tags_id`` of the log group ``name``'s tags, listed after the DescribeLogGroups read
    ``groups_id`` that finds the group: ListTagsForResource by the group's ARN from that answer, the call AWS
    recommends over the deprecated ListTagsLogGroup and the one the compliance audit makes (a run that changed
    nothing lends the audit its answer). A missing group is not read (the read is listed missing). A name with a
    dot cannot be picked out of that answer (a params_from ``Key=value`` takes none): ListTagsLogGroup by name then.
    Both answer ``{"tags": {...}}``."""
    read = {"id": tags_id, "service": "logs", "missing_ok": ["ResourceNotFoundException"]}
    if region:
        read["region"] = region
    if "." in name or "&" in name:
        return dict(read, operation="list_tags_log_group", params={"logGroupName": name})
    return dict(
        read,
        operation="list_tags_for_resource",
        params={},
        params_from={"resourceArn": f"{groups_id}.logGroups.logGroupName={name}.logGroupArn"},
    )


def log_group_state(state, name, groups_id="groups", tags_id="group_tags"):
    """The log group ``name`` as aws_read found it ({} when missing), with its tags: ``groups_id`` is the id of
    the DescribeLogGroups read, ``tags_id`` the id of its tags' read (``log_group_tags_read``)."""
    groups = ((state or {}).get(groups_id) or {}).get("logGroups") or []
    found = next((g for g in groups if g.get("logGroupName") == name), None)
    if not found:
        return {}
    return dict(found, tags=((state.get(tags_id) or {}).get("tags")) or {})


def log_group_differences(found, retention, tags):
    """What amazon.aws.cloudwatchlogs_log_group would change: a missing group, the retention, missing tags
    (purge_tags false). Its KMS key is set only when it creates a group, so a key is not compared here."""
    if not found:
        return ["missing"]
    differs = []
    if int(found.get("retentionInDays") or 0) != int(retention):
        differs.append(f"retention {found.get('retentionInDays')} -> {int(retention)} days")
    if not _has_tags(found.get("tags"), tags):
        differs.append("tags")
    return differs


def log_group_converges(found, retention, tags):
    """Whether amazon.aws.cloudwatchlogs_log_group would change the group (log_group_differences)."""
    return bool(log_group_differences(found, retention, tags))


def role_differences(role, trust, description, tags, attached=None):
    """What amazon.aws.iam_role (purge_tags false) would change on the role GetRole answered (``role``, None when
    missing): the trust policy, the description, missing or different tags, and, when ``attached`` (the
    ListAttachedRolePolicies answer) is given, any attached managed policy (managed_policies [] with
    purge_policies true detaches them)."""
    if not role:
        return ["missing"]
    differs = []
    if compare_policies(role.get("AssumeRolePolicyDocument") or {}, trust):
        differs.append("trust policy")
    if (role.get("Description") or "") != description:
        differs.append("description")
    if not _has_tags(_tag_dict(role.get("Tags")), tags):
        differs.append("tags")
    if attached is not None and (attached.get("AttachedPolicies") or []):
        differs.append("managed policies attached")
    return differs


def inline_policy_differs(document, wanted):
    """Whether amazon.aws.iam_policy would write the inline policy: missing (None) or another document."""
    return not document or compare_policies(document, wanted)


def flow_logs_plan(state, wanted):
    """Which of the flow logs' delivery role, its policy and the flow log differ.

    ``wanted``: role_name, role_description, trust (dict), policy (dict), role_tags, flow_log (the
    ec2_vpc_flow_log params: resource_id, traffic_type, log_destination_type, log_group_name,
    deliver_logs_permission_arn) and flow_log_tags. Returns {"converge": [...], "role_arn": ...}.
    """
    state = state or {}
    converge = []
    role = (state.get("role") or {}).get("Role")
    if role_differences(role, wanted["trust"], wanted["role_description"], wanted.get("role_tags")):
        converge.append("role")
    if inline_policy_differs((state.get("policy") or {}).get("PolicyDocument"), wanted["policy"]):
        converge.append("policy")
    role_arn = (role or {}).get("Arn", "")
    params = dict(
        wanted["flow_log"],
        deliver_logs_permission_arn=wanted["flow_log"].get("deliver_logs_permission_arn") or role_arn,
    )
    flow_logs = ((state.get("flow_logs") or {}).get("FlowLogs")) or []
    matching = ec2_flow_logs.find_matching(flow_logs, params)
    if (
        len(matching) != 1
        or ec2_flow_logs.setting_differences(matching[0], params)
        or not _has_tags(ec2_flow_logs.tags_of(matching[0]), wanted.get("flow_log_tags"))
    ):
        converge.append("flow_log")
    return {"converge": converge, "role_arn": role_arn}


def secret_metadata(described, region):
    """A secret's metadata from its DescribeSecret answer (aws_read), as secretsmanager_generated_secret's
    check mode reports it without a value: arn, version_id (AWSCURRENT), tags, replica_arns by region.
    A missing secret (null) gives arn and version_id None. Never a value: DescribeSecret has none."""
    if not described:
        return {"arn": None, "version_id": None, "tags": {}, "replica_arns": {}}
    arn = described.get("ARN")
    regions = sorted({r.get("Region") for r in described.get("ReplicationStatus") or [] if r.get("Region")})
    return {
        "name": described.get("Name"),
        "arn": arn,
        "version_id": current_version_id(described),
        "tags": tags_of(described),
        "replica_arns": {r: replica_arn(arn, region, r) for r in regions},
    }


def secret_reads(names):
    """The aws_read ``reads`` that describe each secret of ``names`` ({id: secret name or ARN}), a missing
    secret answering null. Metadata only: DescribeSecret never returns a value."""
    return [
        {
            "id": key,
            "service": "secretsmanager",
            "operation": "describe_secret",
            "params": {"SecretId": name},
            "missing_ok": ["ResourceNotFoundException"],
        }
        for key, name in sorted((names or {}).items())
    ]


def secret_arns(responses):
    """{id: full ARN} of the secrets ``secret_reads`` found (aws_read ``responses``). A secret scheduled for
    deletion is left out like a missing one: nothing can read its value."""
    return {
        key: described["ARN"]
        for key, described in sorted((responses or {}).items())
        if isinstance(described, dict) and described.get("ARN") and not described.get("DeletedDate")
    }


def cache_group_view(described):
    """The replication group of a DescribeReplicationGroups answer (aws_read), with the keys
    elasticache_replication_group returns and roles/cache/tasks/publish.yml reads: arn, primary_endpoint and
    reader_endpoint ({address, port}), port, member_clusters, status. {} when the answer holds no group."""
    groups = (described or {}).get("ReplicationGroups") or []
    if not groups:
        return {}
    group = groups[0]
    primary, reader, configuration = endpoints(group)
    return {
        "replication_group_id": group.get("ReplicationGroupId"),
        "arn": group.get("ARN"),
        "status": group.get("Status"),
        "primary_endpoint": primary,
        "reader_endpoint": reader,
        "configuration_endpoint": configuration,
        "port": current_port(group),
        "member_clusters": list(group.get("MemberClusters") or []),
        "node_groups": group.get("NodeGroups") or [],
    }


def network_found(results):
    """What the network role's facts.yml read with aws_read, in the shape platform.network_facts takes (the
    info modules' keys it reads): vpc (id, cidr_block), subnets (id, availability_zone, tags), route_tables
    (id, tags), nat_gateways (subnet_id, nat_gateway_id), security_groups (group_name, group_id)."""
    results = results or {}
    vpcs = (results.get("vpc") or {}).get("Vpcs") or []
    vpc = vpcs[0] if vpcs else {}
    return {
        "vpcs": [
            {"id": v.get("VpcId"), "cidr_block": v.get("CidrBlock"), "tags": _tag_dict(v.get("Tags"))} for v in vpcs
        ],
        "vpc": {"id": vpc.get("VpcId"), "cidr_block": vpc.get("CidrBlock")},
        "subnets": [
            {"id": s.get("SubnetId"), "availability_zone": s.get("AvailabilityZone"), "tags": _tag_dict(s.get("Tags"))}
            for s in (results.get("subnets") or {}).get("Subnets") or []
        ],
        "route_tables": [
            {"id": t.get("RouteTableId"), "tags": _tag_dict(t.get("Tags"))}
            for t in (results.get("route_tables") or {}).get("RouteTables") or []
        ],
        "nat_gateways": [
            {"subnet_id": n.get("SubnetId"), "nat_gateway_id": n.get("NatGatewayId")}
            for n in (results.get("nat_gateways") or {}).get("NatGateways") or []
        ],
        "security_groups": [
            {"group_name": g.get("GroupName"), "group_id": g.get("GroupId")}
            for g in (results.get("security_groups") or {}).get("SecurityGroups") or []
        ],
    }


def ec2_info_view(response, key):
    """The list under ``key`` of a describe answer read with aws_read, as the amazon.aws ``*_info`` modules return it
    (ec2_vpc_subnet_info's ``subnets``, ec2_vpc_nat_gateway_info's ``result``): snake_case keys, tags as a dict."""
    out = []
    for item in (response or {}).get(key) or []:
        view = camel_dict_to_snake_dict({k: v for k, v in item.items() if k != "Tags"})
        view["tags"] = _tag_dict(item.get("Tags"))
        out.append(view)
    return out


def route_table_id(tags, route_tables, vpc_id):
    """The id of the VPC's one route table carrying every tag in ``tags`` ('' when none or several), as
    ec2_vpc_route_table's ``lookup: tag`` finds it; ``tags`` first, for ``map``."""
    return route_table_found(route_tables, vpc_id, tags).get("RouteTableId", "")


def security_group_id_of(name, groups, vpc_id=None):
    """security_group_id with the group name first, for ``map``."""
    return security_group_id(groups, name, vpc_id)


def ecs_cluster_plan(described, wanted):
    """Which of the ECS cluster's three writing tasks would change it, from a DescribeClusters answer with
    ``include: [SETTINGS, TAGS]``.

    ``wanted``: name, capacity_providers, strategy (snake_case, as the task passes it), container_insights, tags.
    Compared as the modules compare: community.aws.ecs_cluster with purge_capacity_providers (the providers as a
    list, the strategy entry by entry both ways, ``base`` defaulting to 0), platform_ops.aws.ecs_cluster_settings
    (containerInsights, "disabled" when unset) and community.aws.ecs_tag (purge_tags false).
    Returns exists, cluster, insights, tags (booleans: run that task) and current_tags."""
    clusters = [c for c in (described or {}).get("clusters") or [] if c.get("clusterName") == wanted["name"]]
    found = clusters[0] if clusters else {}
    if found.get("status") != "ACTIVE":
        return {"exists": False, "cluster": True, "insights": True, "tags": True, "current_tags": {}}
    requested = []
    for given in wanted.get("strategy") or []:
        entry = dict(given, base=int(given.get("base") or 0))
        if entry.get("weight") is not None:
            entry["weight"] = int(entry["weight"])
        requested.append(entry)
    existing_cps = found.get("defaultCapacityProviderStrategy") or []
    strategy_differs = any(snake_dict_to_camel_dict(e) not in existing_cps for e in requested) or any(
        camel_dict_to_snake_dict(e) not in requested for e in existing_cps
    )
    cluster = strategy_differs or list(wanted.get("capacity_providers") or []) != (found.get("capacityProviders") or [])
    settings = {s.get("name"): s.get("value") for s in found.get("settings") or []}
    current_tags = {t.get("key"): t.get("value") for t in found.get("tags") or []}
    return {
        "exists": True,
        "cluster": cluster,
        "insights": settings.get("containerInsights", "disabled") != wanted["container_insights"],
        "tags": not _has_tags(current_tags, wanted.get("tags")),
        "current_tags": current_tags,
    }


def ecr_repositories_reads(services, ctx):
    """The reads ``ecr_repositories_plan`` plans from, for the repositories ``<prefix>/<service>`` of ``services``
    in one region: every repository (DescribeRepositories, paginated: the compliance audit's call, so a run that
    changed nothing lets it reuse the answer) as ``<id_prefix>repos``, and per service its lifecycle policy
    (``<id_prefix>lifecycle_<service>``) and its tags (``<id_prefix>repo_tags_<service>``, by the ARN the listing
    gives the repository; for a name with a dot, which a selector cannot take, by the ARN ECR gives such a name
    when the account is known, else not read: the tags module then runs). ``ctx``: prefix, region, id_prefix ("" or
    "dr_"), ``read_region`` (the DR region's reads name it; the primary's leave it out) and optionally account
    and partition."""
    where = {"region": ctx["read_region"]} if ctx.get("read_region") else {}
    prefix = ctx.get("id_prefix") or ""
    reads = [
        {"id": f"{prefix}repos", "service": "ecr", "operation": "describe_repositories", "paginate": True, **where}
    ]
    for service in services:
        repo = f"{ctx['prefix']}/{service}"
        if "." not in repo:
            by_arn = {"params_from": {"resourceArn": f"{prefix}repos.repositories.repositoryName={repo}.repositoryArn"}}
        elif ctx.get("account"):
            arn = f"arn:{ctx.get('partition') or 'aws'}:ecr:{ctx['region']}:{ctx['account']}:repository/{repo}"
            by_arn = {"params": {"resourceArn": arn}}
        else:
            by_arn = None
        reads.append(
            {
                "id": f"{prefix}lifecycle_{service}",
                "service": "ecr",
                "operation": "get_lifecycle_policy",
                "params": {"repositoryName": repo},
                "missing_ok": ["LifecyclePolicyNotFoundException", "RepositoryNotFoundException"],
                **where,
            }
        )
        if by_arn:
            reads.append(
                {
                    "id": f"{prefix}repo_tags_{service}",
                    "service": "ecr",
                    "operation": "list_tags_for_resource",
                    "missing_ok": ["RepositoryNotFoundException"],
                    **by_arn,
                    **where,
                }
            )
    return reads


def ecr_repositories_plan(responses, wanted):
    """Which services' ECR repositories community.aws.ecs_ecr would change, and whether
    platform_ops.aws.ecr_repository_tags would, from the answers of ``ecr_repositories_reads``:
    ``<id_prefix>repos`` (DescribeRepositories, every repository), ``<id_prefix>lifecycle_<service>``
    (GetLifecyclePolicy) and ``<id_prefix>repo_tags_<service>`` (ListTagsForResource).

    ``wanted``: services, repository_prefix (the repositories are ``<repository_prefix>/<service>``), id_prefix
    ("" or "dr_"), kms_key, lifecycle (dict), tags, check_mode. Compared as
    ecs_ecr compares: a missing repository, its tag mutability (IMMUTABLE), scan on push (true), its encryption
    (KMS with that key: ecs_ecr refuses to change it, and running it reports that), the lifecycle policy
    (compare_policies; the task leaves it out in check mode, and so does this plan). Tags: purge_tags false.
    Returns {"converge": [services], "tags": bool, "reasons": {service: [what differs]}}."""
    responses = responses or {}
    prefix = wanted.get("id_prefix") or ""
    converge, tags, reasons = [], False, {}
    encryption = {"encryptionType": "KMS", "kmsKey": wanted["kms_key"]}
    listed = {r.get("repositoryName"): r for r in (responses.get(f"{prefix}repos") or {}).get("repositories") or []}
    for service in wanted["services"]:
        repo = listed.get(f"{wanted['repository_prefix']}/{service}")
        if repo is None:
            converge.append(service)
            reasons[service] = ["missing"]
            tags = True
            continue
        lifecycle = responses.get(f"{prefix}lifecycle_{service}") or {}
        text = lifecycle.get("lifecyclePolicyText")
        current_lifecycle = json.loads(text) if text else None
        why = [
            reason
            for reason, differs in (
                ("image tag mutability", repo.get("imageTagMutability") != "IMMUTABLE"),
                ("scan on push", (repo.get("imageScanningConfiguration") or {}).get("scanOnPush") is not True),
                ("encryption (cannot be changed in place)", repo.get("encryptionConfiguration") != encryption),
                (
                    "lifecycle policy",
                    not wanted.get("check_mode") and compare_policies(current_lifecycle, wanted["lifecycle"]),
                ),
            )
            if differs
        ]
        if why:
            converge.append(service)
            reasons[service] = why
        current_tags = _tag_dict((responses.get(f"{prefix}repo_tags_{service}") or {}).get("tags"))
        if not _has_tags(current_tags, wanted.get("tags")):
            tags = True
    return {"converge": converge, "tags": tags, "reasons": reasons}


def storage_cloudfront_source(responses, wanted):
    """The CloudFront distribution the storage role pins its CloudFront statements to (bucket policies,
    key policy), the same from the converging path (roles/storage/tasks/cloudfront_source.yml) and the facts
    path (facts.yml): ``wanted["explicit"]`` (storage_cloudfront_source_arn) when set; else the ARN of the
    first distribution, in the order of ``wanted["buckets"]`` (the names of storage_cloudfront_buckets),
    whose origin is that bucket and whose comment begins with ``wanted["prefix"]`` and a space (the
    ecs_service role's "{prefix} static assets"); '' when there is none yet.

    ``responses``: aws_read's results with ``distributions`` (ListDistributions, paginated), or none."""
    if wanted.get("explicit"):
        return wanted["explicit"]
    listed = (((responses or {}).get("distributions") or {}).get("DistributionList") or {}).get("Items") or []
    ours = [d for d in listed if str(d.get("Comment") or "").startswith(wanted["prefix"] + " ") and d.get("ARN")]
    for bucket in wanted.get("buckets") or []:
        found = ecs_cloudfront_find(ours, bucket, wanted["region"])
        if found.get("ARN"):
            return found["ARN"]
    return ""


def origin_access_control_plan(listed, wanted):
    """``{'converge': bool, 'id': str}``: whether platform_ops.aws.cloudfront_origin_access_control would create
    or update the control ``wanted`` (its name, description, signing_protocol, signing_behavior and origin_type
    options) given ``listed`` (ListOriginAccessControls' answer, every page), and the ID of the one found.
    Several controls of that name: the module runs (and reports them)."""
    items = ((listed or {}).get("OriginAccessControlList") or {}).get("Items") or []
    found = cloudfront_oac.named(items, wanted["name"])
    desired = cloudfront_oac.desired_config(
        wanted["name"],
        wanted.get("description"),
        wanted["signing_protocol"],
        wanted["signing_behavior"],
        wanted["origin_type"],
    )
    current = found[0] if len(found) == 1 else None
    return {"converge": not cloudfront_oac.converged(current, desired), "id": current["Id"] if current else ""}


def distribution_summaries(listed):
    """The distribution summaries of ListDistributions' answer (every page), as cloudfront_distribution_info's
    ``list_distributions`` gives them."""
    return ((listed or {}).get("DistributionList") or {}).get("Items") or []


def identity_found_roles(listed, details):
    """The roles under the identity role's path, in amazon.aws.iam_role_info's shape (role_name, path,
    description, assume_role_policy_document, managed_policies, inline_policies, tags) plus
    ``inline_policy_documents`` ({name: document}), from two reads: ListRoles with the path prefix (every page;
    it carries the descriptions) and GetAccountAuthorizationDetails with Filter=[Role] (every page; the trust and
    inline policy documents, the attached policies and the tags, which ListRoles lacks)."""
    detailed = {role.get("RoleName"): role for role in (details or {}).get("RoleDetailList") or []}
    found = []
    for role in (listed or {}).get("Roles") or []:
        name = role.get("RoleName")
        detail = detailed.get(name)
        if detail is None:  # created between the two reads: the plan takes it as missing and iam_role judges
            continue
        inline = {p.get("PolicyName"): p.get("PolicyDocument") for p in detail.get("RolePolicyList") or []}
        found.append(
            {
                "role_name": name,
                "path": role.get("Path"),
                "arn": role.get("Arn"),
                "description": role.get("Description", ""),
                "assume_role_policy_document": detail.get("AssumeRolePolicyDocument"),
                "managed_policies": [
                    {"policy_name": p.get("PolicyName"), "policy_arn": p.get("PolicyArn")}
                    for p in detail.get("AttachedManagedPolicies") or []
                ],
                "inline_policies": sorted(inline),
                "inline_policy_documents": inline,
                "tags": {t.get("Key"): t.get("Value") for t in detail.get("Tags") or []},
            }
        )
    return found


def identity_inline_policy_changes(policies, found_roles):
    """The items of ``policies`` (iam_inline_policies' ``policies`` option: role, name, document, state) that
    the module would create, update or delete, judged by its own rule (module_utils/iam_inline.py) against the
    documents ``identity_found_roles`` read; a role not read counts as changed (the module judges it)."""
    documents = {role["role_name"]: role.get("inline_policy_documents") or {} for role in found_roles or []}
    changes = []
    for item in policies or []:
        if item["role"] not in documents:
            changes.append(item)
            continue
        current = documents[item["role"]].get(item["name"])
        if iam_inline.plan([item], [current])[0]["action"] != "none":
            changes.append(item)
    return changes


def search_state_reads(domain, log_groups, prefix):
    """The search role's one ``aws_read`` (issue 15): its log groups under ``/platform/{prefix}/search/``
    (DescribeLogGroups), the tags of each of its groups ``log_groups`` ({log type: name}; ``log_group_tags_read``)
    and the domain (DescribeDomain)."""
    reads = [
        {
            "id": "groups",
            "service": "logs",
            "operation": "describe_log_groups",
            "paginate": True,
            "params": {"logGroupNamePrefix": f"/platform/{prefix}/search/"},
        },
        {
            "id": "domain",
            "service": "opensearch",
            "operation": "describe_domain",
            "params": {"DomainName": domain},
            "missing_ok": ["ResourceNotFoundException"],
        },
    ]
    for log_type, name in sorted((log_groups or {}).items()):
        reads.append(log_group_tags_read(f"tags_{log_type}", "groups", name))
    return reads


def search_state(responses, log_groups):
    """``search_state_reads``' answer as the info modules gave it: ``log_groups`` as
    ``cloudwatchlogs_log_group_info``'s (snake_case, with their tags) and ``domains`` as ``opensearch_info``'s
    (``[{domain_status}]``, empty when the domain does not exist)."""
    responses = responses or {}
    tags = {
        name: ((responses.get(f"tags_{log_type}") or {}).get("tags") or {})
        for log_type, name in (log_groups or {}).items()
    }
    groups = []
    for group in (responses.get("groups") or {}).get("logGroups") or []:
        view = camel_dict_to_snake_dict(group)
        view["tags"] = tags.get(group.get("logGroupName"), {})
        groups.append(view)
    status = (responses.get("domain") or {}).get("DomainStatus")
    return {"log_groups": groups, "domains": [{"domain_status": camel_dict_to_snake_dict(status)}] if status else []}


class FilterModule:
    """Read-once plans."""

    def filters(self):
        return {
            "platform_log_group_state": log_group_state,
            "platform_log_group_tags_read": log_group_tags_read,
            "platform_log_group_converges": log_group_converges,
            "platform_log_group_differences": log_group_differences,
            "network_flow_logs_plan": flow_logs_plan,
            "database_role_differences": role_differences,
            "database_inline_policy_differs": inline_policy_differs,
            "platform_secret_metadata": secret_metadata,
            "ecs_service_secret_reads": secret_reads,
            "ecs_service_secret_arns": secret_arns,
            "platform_generated_secret_differences": generated_secret_differences,
            "platform_composed_secret_differences": composed_secret_differences,
            "cache_group_view": cache_group_view,
            "network_found": network_found,
            "network_ec2_info_view": ec2_info_view,
            "network_route_table_id": route_table_id,
            "network_security_group_id_of": security_group_id_of,
            "ecs_service_cluster_plan": ecs_cluster_plan,
            "ecs_service_origin_access_control_plan": origin_access_control_plan,
            "ecs_service_distribution_summaries": distribution_summaries,
            "identity_found_roles": identity_found_roles,
            "identity_inline_policy_changes": identity_inline_policy_changes,
            "ecs_service_ecr_repositories_plan": ecr_repositories_plan,
            "ecs_service_ecr_repositories_reads": ecr_repositories_reads,
            "storage_cloudfront_source": storage_cloudfront_source,
            "search_state_reads": search_state_reads,
            "search_state": search_state,
        }
