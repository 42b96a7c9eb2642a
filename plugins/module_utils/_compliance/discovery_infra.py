# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the platform's resources by name and tags, continued: load balancers, CloudFront distributions,
VPCs and security groups, Cognito user pools, IAM roles and policies, ECS task definitions, CloudTrail
trails, WAFv2 web ACLs, KMS key policies and states, kept snapshots (a mixin of ``client.Auditor``).
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    T_BUCKET,
    T_CACHE,
    T_CACHE_SNAPSHOT,
    T_DB,
    T_DISTRIBUTION,
    T_KEY,
    T_LB,
    T_LOG_GROUP,
    T_POOL,
    T_REPO,
    T_ROLE,
    T_SEARCH,
    T_SG,
    T_SM,
    T_SNAPSHOT,
    T_TASK_DEF,
    T_TOPIC,
    T_TRAIL,
    T_VPC,
    T_WEB_ACL,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.concurrency import map_ordered
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (
    Resource,
    _policy_document,
    tag_dict,
)


class InfraDiscovery:
    """The ``Auditor``'s discovery of the rest of the platform (each answer read once: ``self.memo``)."""

    def load_balancers(self):
        def load():
            lbs = [
                lb
                for lb in self.paginate("elbv2", "describe_load_balancers").get("LoadBalancers", [])
                if lb.get("Type", "application") == "application"
            ]
            tags_by_arn = {}
            arns = [lb["LoadBalancerArn"] for lb in lbs]
            for start in range(0, len(arns), 20):
                resp = self.call("elbv2", "describe_tags", ResourceArns=arns[start : start + 20])
                for desc in resp.get("TagDescriptions", []):
                    tags_by_arn[desc["ResourceArn"]] = tag_dict(desc.get("Tags"))
            found = []
            for lb in lbs:
                tags = tags_by_arn.get(lb["LoadBalancerArn"], {})
                if self.in_scope(tags):
                    found.append(Resource(lb["LoadBalancerArn"], lb["LoadBalancerName"], T_LB, tags, lb))
            return found

        return self.memo("elbv2.lbs", load)

    def listeners(self, lb_arn):
        return self.memo(
            f"elbv2.listeners.{lb_arn}",
            lambda: self.paginate("elbv2", "describe_listeners", LoadBalancerArn=lb_arn).get("Listeners", []),
        )

    def ssl_policy_protocols(self, names):
        """{policy name: [protocols]} for the named ELB security policies (unknown names are absent)."""
        known = self.memo("elbv2.ssl_policies", dict)
        missing = sorted({n for n in names if n and n not in known})
        for name in missing:
            resp = self.call("elbv2", "describe_ssl_policies", ignore=("SSLPolicyNotFound",), Names=[name])
            for policy in (resp or {}).get("SslPolicies", []):
                known[policy["Name"]] = list(policy.get("SslProtocols", []))
        return known

    def distributions(self):
        def load():
            listing = self.paginate("cloudfront", "list_distributions")
            found = []
            for dist in (listing.get("DistributionList") or {}).get("Items", []):
                tags_resp = self.call(
                    "cloudfront", "list_tags_for_resource", ignore=("NoSuchResource",), Resource=dist["ARN"]
                )
                tags = tag_dict(((tags_resp or {}).get("Tags") or {}).get("Items"))
                if self.in_scope(tags):
                    found.append(Resource(dist["ARN"], dist["Id"], T_DISTRIBUTION, tags, dist))
            return found

        return self.memo("cloudfront.distributions", load)

    def _ec2_tag_filters(self):
        return [
            {"Name": "tag:Project", "Values": [self.platform_name]},
            {"Name": "tag:Environment", "Values": [self.platform_env]},
        ]

    def vpcs(self):
        def load():
            listing = self.paginate("ec2", "describe_vpcs", Filters=self._ec2_tag_filters())
            return [
                Resource(
                    vpc["VpcId"],
                    tag_dict(vpc.get("Tags")).get("Name", vpc["VpcId"]),
                    T_VPC,
                    tag_dict(vpc.get("Tags")),
                    vpc,
                )
                for vpc in listing.get("Vpcs", [])
                if self.in_scope(tag_dict(vpc.get("Tags")))
            ]

        return self.memo("ec2.vpcs", load)

    def security_groups(self):
        def load():
            listing = self.paginate("ec2", "describe_security_groups", Filters=self._ec2_tag_filters())
            return [
                Resource(sg["GroupId"], sg.get("GroupName", sg["GroupId"]), T_SG, tag_dict(sg.get("Tags")), sg)
                for sg in listing.get("SecurityGroups", [])
                if self.in_scope(tag_dict(sg.get("Tags")))
            ]

        return self.memo("ec2.security_groups", load)

    def user_pools(self):
        def load():
            found = []
            for pool in self.paginate("cognito-idp", "list_user_pools", MaxResults=60).get("UserPools", []):
                desc = self.call(
                    "cognito-idp", "describe_user_pool", ignore=("ResourceNotFoundException",), UserPoolId=pool["Id"]
                )
                if not desc:
                    continue
                detail = desc["UserPool"]
                tags = tag_dict(detail.get("UserPoolTags"))
                if self.in_scope(tags):
                    found.append(
                        Resource(
                            detail.get("Arn") or detail["Id"], detail.get("Name", detail["Id"]), T_POOL, tags, detail
                        )
                    )
            return found

        return self.memo("cognito.pools", load)

    def _authorization_details(self):
        """The account's roles (with their inline policies, attached policy ARNs and tags) and its customer managed
        policies (with their default version's document), from GetAccountAuthorizationDetails: a few pages instead
        of five requests per role (ListRoleTags, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, ...)."""

        def load():
            details = self.paginate("iam", "get_account_authorization_details", Filter=["Role", "LocalManagedPolicy"])
            roles = {}
            for role in details.get("RoleDetailList", []):
                if role["RoleName"].startswith(f"{self.prefix}-"):
                    roles[role["RoleName"]] = role
            policies = {}
            for policy in details.get("Policies", []):
                default = [v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")]
                if default:
                    policies[policy["Arn"]] = _policy_document(default[0].get("Document"))
            return {"roles": roles, "policies": policies}

        return self.memo("iam.authorization_details", load)

    def roles(self):
        def load():
            found = []
            for name, role in self._authorization_details()["roles"].items():
                tags = tag_dict(role.get("Tags"))
                if self.in_scope(tags):
                    found.append(Resource(role["Arn"], name, T_ROLE, tags, role))
            return found

        return self.memo("iam.roles", load)

    def role_policies(self, role_name):
        """[(label, document)] of a role's inline and attached managed policies."""

        def load():
            role = self._authorization_details()["roles"].get(role_name, {})
            policies = [
                (f"inline policy {policy['PolicyName']}", _policy_document(policy.get("PolicyDocument")))
                for policy in role.get("RolePolicyList", [])
            ]
            for policy in role.get("AttachedManagedPolicies", []):
                document = self.managed_policy(policy["PolicyArn"])
                policies.append((f"managed policy {policy['PolicyArn']}", document))
            return policies

        return self.memo(f"iam.role_policies.{role_name}", load)

    def managed_policy(self, arn):
        """A managed policy's default document: customer managed ones come with the authorization details, AWS
        managed ones (not fetched in bulk: there are over a thousand) are read one by one."""

        def load():
            local = self._authorization_details()["policies"]
            if arn in local:
                return local[arn]
            policy = self.call("iam", "get_policy", ignore=("NoSuchEntity",), PolicyArn=arn)
            if not policy:
                return None
            version = self.call(
                "iam", "get_policy_version", PolicyArn=arn, VersionId=policy["Policy"]["DefaultVersionId"]
            )
            return _policy_document(version["PolicyVersion"]["Document"])

        return self.memo(f"iam.policy.{arn}", load)

    def task_definitions(self):
        """The latest ACTIVE revision of each ``{name}-{env}*`` family plus those the cluster's services run. A
        service that runs its family's latest revision (the usual case) costs no second DescribeTaskDefinition."""

        def describe(ref):
            return self.call(
                "ecs", "describe_task_definition", ignore=("ClientException",), taskDefinition=ref, include=["TAGS"]
            )

        def load():
            families = self.paginate(
                "ecs", "list_task_definition_families", familyPrefix=self.prefix, status="ACTIVE"
            ).get("families", [])
            latest = [f for f in families if f == self.prefix or f.startswith(f"{self.prefix}-")]
            services = self.paginate("ecs", "list_services", ignore=("ClusterNotFoundException",), cluster=self.prefix)
            service_arns = (services or {}).get("serviceArns", [])
            running = []
            for start in range(0, len(service_arns), 10):
                resp = self.call(
                    "ecs", "describe_services", cluster=self.prefix, services=service_arns[start : start + 10]
                )
                running.extend(s["taskDefinition"] for s in resp.get("services", []) if s.get("taskDefinition"))
            responses = [resp for resp in map_ordered(describe, latest) if resp]
            described = {resp["taskDefinition"]["taskDefinitionArn"] for resp in responses}
            others = list(dict.fromkeys(arn for arn in running if arn not in described))
            responses.extend(resp for resp in map_ordered(describe, others) if resp)
            found = {}
            for resp in responses:
                task_def = resp["taskDefinition"]
                tags = tag_dict(resp.get("tags"))
                if self.in_scope(tags) and task_def["taskDefinitionArn"] not in found:
                    name = f"{task_def['family']}:{task_def['revision']}"
                    found[task_def["taskDefinitionArn"]] = Resource(
                        task_def["taskDefinitionArn"], name, T_TASK_DEF, tags, task_def
                    )
            return list(found.values())

        return self.memo("ecs.task_definitions", load)

    def trails(self):
        """Trails covering the region that are account-level (no Project tag) or this platform's."""

        def load():
            found = []
            for trail in self.call("cloudtrail", "describe_trails", includeShadowTrails=True).get("trailList", []):
                if not (trail.get("IsMultiRegionTrail") or trail.get("HomeRegion") == self.region):
                    continue
                tags = {}
                if trail.get("HomeRegion") == self.region:
                    resp = self.call(
                        "cloudtrail",
                        "list_tags",
                        ignore=("CloudTrailARNInvalidException",),
                        ResourceIdList=[trail["TrailARN"]],
                    )
                    for entry in (resp or {}).get("ResourceTagList", []):
                        tags.update(tag_dict(entry.get("TagsList")))
                if "Project" in tags and not self.in_scope(tags):
                    continue  # another platform's trail
                found.append(Resource(trail["TrailARN"], trail["Name"], T_TRAIL, tags, trail))
            return found

        return self.memo("cloudtrail.trails", load)

    def all_resources(self):
        """Every discovered resource, for TAGS.REQUIRED: [(type noun, loader)]."""
        return (
            (T_BUCKET, self.buckets),
            (T_DB, self.db_instances),
            (T_CACHE, self.caches),
            (T_SEARCH, self.search_domains),
            (T_TOPIC, self.topics),
            (T_LOG_GROUP, self.log_groups),
            (T_SM, self.secrets),
            (T_REPO, self.repositories),
            (T_KEY, self.kms_keys),
            (T_LB, self.load_balancers),
            (T_DISTRIBUTION, self.distributions),
            (T_VPC, self.vpcs),
            (T_SG, self.security_groups),
            (T_POOL, self.user_pools),
            (T_ROLE, self.roles),
            (T_TASK_DEF, self.task_definitions),
        )

    def web_acls(self):
        """The stack's regional WAFv2 web ACLs (named ``{prefix}-*``, confirmed by their tags)."""

        def load():
            found = []
            marker = None
            while True:
                kwargs = {"Scope": "REGIONAL", "Limit": 100}
                if marker:
                    kwargs["NextMarker"] = marker
                resp = self.call("wafv2", "list_web_acls", **kwargs)
                for acl in resp.get("WebACLs", []):
                    if not acl["Name"].startswith(f"{self.prefix}-"):
                        continue
                    tags_resp = self.call(
                        "wafv2",
                        "list_tags_for_resource",
                        ignore=("WAFNonexistentItemException",),
                        ResourceARN=acl["ARN"],
                    )
                    tags = tag_dict(((tags_resp or {}).get("TagInfoForResource") or {}).get("TagList"))
                    if self.in_scope(tags):
                        found.append(Resource(acl["ARN"], acl["Name"], T_WEB_ACL, tags, acl))
                marker = resp.get("NextMarker")
                if not marker or not resp.get("WebACLs"):
                    return found

        return self.memo("wafv2.web_acls", load)

    def key_policy(self, key_id):
        def load():
            resp = self.call("kms", "get_key_policy", KeyId=key_id, PolicyName="default")
            return _policy_document(resp.get("Policy"))

        return self.memo(f"kms.policy.{key_id}", load)

    def key_state(self, key_id):
        """KeyState of a KMS key (``"NotFound"`` when it no longer exists)."""

        def load():
            resp = self.call("kms", "describe_key", ignore=("NotFoundException",), KeyId=key_id)
            return (resp or {}).get("KeyMetadata", {}).get("KeyState") or "NotFound"

        return self.memo(f"kms.state.{key_id}", load)

    def db_snapshots(self):
        """Manual DB snapshots (final snapshots included) tagged for the stack."""

        def load():
            listing = self.paginate("rds", "describe_db_snapshots", SnapshotType="manual")
            found = []
            for snap in listing.get("DBSnapshots", []):
                tags = tag_dict(snap.get("TagList"))
                if self.in_scope(tags):
                    found.append(Resource(snap["DBSnapshotArn"], snap["DBSnapshotIdentifier"], T_SNAPSHOT, tags, snap))
            return found

        return self.memo("rds.snapshots", load)

    def cache_snapshots(self):
        """Manual ElastiCache snapshots (final snapshots included) tagged for the stack."""

        def load():
            listing = self.paginate("elasticache", "describe_snapshots", SnapshotSource="manual")
            found = []
            for snap in listing.get("Snapshots", []):
                arn = snap.get("ARN")
                tags = {}
                if arn:
                    resp = self.call(
                        "elasticache", "list_tags_for_resource", ignore=("SnapshotNotFoundFault",), ResourceName=arn
                    )
                    tags = tag_dict((resp or {}).get("TagList"))
                if self.in_scope(tags):
                    found.append(Resource(arn, snap["SnapshotName"], T_CACHE_SNAPSHOT, tags, snap))
            return found

        return self.memo("elasticache.snapshots", load)
