# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the platform's resources by name and tags: ``Resource``, ``tag_dict``, the policy document helpers,
and the discovery of the data stores and keys (S3 buckets, RDS instances, ElastiCache, OpenSearch domains,
SNS topics, log groups, secrets, ECR repositories, KMS keys), a mixin of ``client.Auditor``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    T_BUCKET,
    T_CACHE,
    T_DB,
    T_KEY,
    T_LOG_GROUP,
    T_REPO,
    T_SEARCH,
    T_SM,
    T_TOPIC,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.concurrency import map_ordered


def tag_dict(tags):
    """[{'Key': k, 'Value': v}] in any of AWS's spellings (or a dict) -> {k: v}."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return dict(tags)
    out = {}
    for tag in tags:
        key = tag.get("Key", tag.get("key", tag.get("TagKey")))
        value = tag.get("Value", tag.get("value", tag.get("TagValue", "")))
        if key is not None:
            out[key] = value
    return out


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _policy_document(document):
    """IAM/S3 policy as a dict (boto3 gives IAM documents as dicts, S3 as a JSON string)."""
    if isinstance(document, dict):
        return document
    if not document:
        return {}
    text = document
    if text.lstrip().startswith("%7B"):
        text = unquote(text)
    return json.loads(text)


def _statements(document):
    return [st for st in _as_list(document.get("Statement")) if isinstance(st, dict)]


def _principal_is_everyone(principal):
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


class Resource(dict):
    """A discovered resource: id (ARN or id), name, type, tags, data (the raw description)."""

    def __init__(self, rid, name, rtype, tags, data):
        super().__init__(id=rid, name=name, type=rtype, tags=tags, data=data)


class DataDiscovery:
    """The ``Auditor``'s discovery of the data stores and keys (each answer read once: ``self.memo``)."""

    # --- discovery ----------------------------------------------------------------------------
    def buckets(self):
        def load():
            buckets = self._bucket_listing()
            taggings = map_ordered(
                lambda bucket: self.call(
                    "s3", "get_bucket_tagging", ignore=("NoSuchTagSet", "NoSuchBucket"), Bucket=bucket["Name"]
                ),
                buckets,
            )
            found = []
            for bucket, tagging in zip(buckets, taggings):  # noqa: B905 - same length; strict= needs Python 3.10
                tags = tag_dict((tagging or {}).get("TagSet"))
                if self.in_scope(tags):
                    name = bucket["Name"]
                    found.append(Resource(f"arn:{self.partition}:s3:::{name}", name, T_BUCKET, tags, bucket))
            return found

        return self.memo("s3.buckets", load)

    def _bucket_listing(self):
        """The buckets named ``{prefix}-*``. ListBuckets with a parameter (here Prefix) answers each bucket's region
        as well (BucketRegion), which spares a GetBucketLocation per bucket."""

        def load():
            prefix = f"{self.prefix}-"
            listing = self.paginate("s3", "list_buckets", Prefix=prefix)
            return [bucket for bucket in listing.get("Buckets", []) if bucket["Name"].startswith(prefix)]

        return self.memo("s3.listing", load)

    def bucket_region(self, name):
        def load():
            listed = [bucket.get("BucketRegion") for bucket in self._bucket_listing() if bucket["Name"] == name]
            if listed and listed[0]:
                return listed[0]
            resp = self.call("s3", "get_bucket_location", Bucket=name)
            location = resp.get("LocationConstraint")
            if not location:
                return "us-east-1"
            return "eu-west-1" if location == "EU" else location

        return self.memo(f"s3.region.{name}", load)

    def bucket_policy(self, name):
        def load():
            resp = self.call("s3", "get_bucket_policy", ignore=("NoSuchBucketPolicy",), Bucket=name)
            return _policy_document(resp["Policy"]) if resp else None

        return self.memo(f"s3.policy.{name}", load)

    def bucket_logging(self, name):
        def load():
            resp = self.call("s3", "get_bucket_logging", Bucket=name)
            return resp.get("LoggingEnabled")

        return self.memo(f"s3.logging.{name}", load)

    def log_buckets(self):
        """Names of the platform's access-log destination buckets (exempt from S3.ACCESS_LOGGING)."""

        def load():
            names = {b["name"] for b in self.buckets()}
            targets = set()
            for bucket in self.buckets():
                if bucket["name"] == f"{self.prefix}-logs" or bucket["name"].startswith(f"{self.prefix}-logs-"):
                    targets.add(bucket["name"])
                logging = self.bucket_logging(bucket["name"])
                if logging and logging.get("TargetBucket") in names and logging.get("TargetBucket") != bucket["name"]:
                    targets.add(logging["TargetBucket"])
            return targets

        return self.memo("s3.log_buckets", load)

    def db_instances(self):
        def load():
            listing = self.paginate("rds", "describe_db_instances")
            found = []
            for db in listing.get("DBInstances", []):
                tags = tag_dict(db.get("TagList"))
                if self.in_scope(tags):
                    found.append(Resource(db["DBInstanceArn"], db["DBInstanceIdentifier"], T_DB, tags, db))
            return found

        return self.memo("rds.instances", load)

    def db_parameters(self, group_name):
        """{name: value} of a DB parameter group, or None when the group cannot be described."""

        def load():
            resp = self.paginate(
                "rds", "describe_db_parameters", ignore=("DBParameterGroupNotFound",), DBParameterGroupName=group_name
            )
            if resp is None:
                return None
            return {
                p["ParameterName"]: p.get("ParameterValue") for p in resp.get("Parameters", []) if "ParameterName" in p
            }

        return self.memo(f"rds.params.{group_name}", load)

    def caches(self):
        """Replication groups, plus standalone cache clusters (not members of a replication group)."""

        def load():
            found = []
            groups = self.paginate("elasticache", "describe_replication_groups").get("ReplicationGroups", [])
            for group in groups:
                arn = group.get("ARN")
                tags = self._cache_tags(arn)
                if self.in_scope(tags):
                    found.append(
                        Resource(
                            arn, group["ReplicationGroupId"], T_CACHE, tags, dict(group, _kind="replication group")
                        )
                    )
            clusters = self.paginate("elasticache", "describe_cache_clusters").get("CacheClusters", [])
            for cluster in clusters:
                if cluster.get("ReplicationGroupId"):
                    continue
                arn = cluster.get("ARN")
                tags = self._cache_tags(arn)
                if self.in_scope(tags):
                    found.append(
                        Resource(
                            arn,
                            cluster["CacheClusterId"],
                            "AWS::ElastiCache::CacheCluster",
                            tags,
                            dict(cluster, _kind="cache cluster"),
                        )
                    )
            return found

        return self.memo("elasticache.all", load)

    def _cache_tags(self, arn):
        if not arn:
            return {}
        resp = self.call(
            "elasticache",
            "list_tags_for_resource",
            ignore=("ReplicationGroupNotFoundFault", "CacheClusterNotFound"),
            ResourceName=arn,
        )
        return tag_dict((resp or {}).get("TagList"))

    def search_domains(self):
        def load():
            names = [d["DomainName"] for d in self.call("opensearch", "list_domain_names").get("DomainNames", [])]
            found = []
            for start in range(0, len(names), 5):
                resp = self.call("opensearch", "describe_domains", DomainNames=names[start : start + 5])
                for domain in resp.get("DomainStatusList", []):
                    if domain.get("Deleted"):
                        continue
                    tags_resp = self.call(
                        "opensearch", "list_tags", ignore=("ResourceNotFoundException",), ARN=domain["ARN"]
                    )
                    tags = tag_dict((tags_resp or {}).get("TagList"))
                    if self.in_scope(tags):
                        found.append(Resource(domain["ARN"], domain["DomainName"], T_SEARCH, tags, domain))
            return found

        return self.memo("opensearch.domains", load)

    def topics(self):
        def load():
            found = []
            for topic in self.paginate("sns", "list_topics").get("Topics", []):
                arn = topic["TopicArn"]
                name = arn.rsplit(":", 1)[-1]
                if not name.startswith(f"{self.prefix}-"):
                    continue
                tags_resp = self.call(
                    "sns", "list_tags_for_resource", ignore=("NotFound", "ResourceNotFound"), ResourceArn=arn
                )
                tags = tag_dict((tags_resp or {}).get("Tags"))
                if self.in_scope(tags):
                    attrs = self.call("sns", "get_topic_attributes", TopicArn=arn).get("Attributes", {})
                    found.append(Resource(arn, name, T_TOPIC, tags, attrs))
            return found

        return self.memo("sns.topics", load)

    def log_groups(self):
        def load():
            pattern = self.prefix
            listing = self.paginate("logs", "describe_log_groups", logGroupNamePattern=pattern)
            found = []
            for group in listing.get("logGroups", []):
                name = group["logGroupName"]
                # the API matches case-insensitively; an endpoint ignoring the pattern returns all
                if pattern.lower() not in name.lower():
                    continue
                arn = group.get("logGroupArn") or re.sub(r":\*$", "", group["arn"])
                tags_resp = self.call(
                    "logs", "list_tags_for_resource", ignore=("ResourceNotFoundException",), resourceArn=arn
                )
                tags = tag_dict((tags_resp or {}).get("tags"))
                if self.in_scope(tags):
                    found.append(Resource(arn, name, T_LOG_GROUP, tags, group))
            return found

        return self.memo("logs.groups", load)

    def secrets(self):
        def load():
            found = []
            for secret in self.paginate("secretsmanager", "list_secrets").get("SecretList", []):
                tags = tag_dict(secret.get("Tags"))
                if self.in_scope(tags):
                    found.append(Resource(secret["ARN"], secret["Name"], T_SM, tags, secret))
            return found

        return self.memo("secretsmanager.secrets", load)

    def repositories(self):
        def load():
            found = []
            for repo in self.paginate("ecr", "describe_repositories").get("repositories", []):
                tags_resp = self.call(
                    "ecr",
                    "list_tags_for_resource",
                    ignore=("RepositoryNotFoundException",),
                    resourceArn=repo["repositoryArn"],
                )
                tags = tag_dict((tags_resp or {}).get("tags"))
                if self.in_scope(tags):
                    found.append(Resource(repo["repositoryArn"], repo["repositoryName"], T_REPO, tags, repo))
            return found

        return self.memo("ecr.repositories", load)

    def registry_scanning(self):
        def load():
            resp = self.call("ecr", "get_registry_scanning_configuration")
            return resp.get("scanningConfiguration") or {}

        return self.memo("ecr.registry_scanning", load)

    def kms_keys(self):
        def load():
            found = []
            for key in self.paginate("kms", "list_keys").get("Keys", []):
                key_id = key["KeyId"]
                tags_resp = self.paginate(
                    "kms", "list_resource_tags", ignore=("NotFoundException", "AccessDeniedException"), KeyId=key_id
                )
                tags = tag_dict((tags_resp or {}).get("Tags"))
                if not self.in_scope(tags):
                    continue
                meta = self.call("kms", "describe_key", KeyId=key_id)["KeyMetadata"]
                if meta.get("KeyManager") != "CUSTOMER" or meta.get("KeyState") in (
                    "PendingDeletion",
                    "PendingReplicaDeletion",
                ):
                    continue
                found.append(Resource(meta["Arn"], key_id, T_KEY, tags, meta))
            return found

        return self.memo("kms.keys", load)
