"""platform_ops.aws.compliance_audit against moto: a compliant stack passes, each broken resource is named."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import compliance

from tests.conftest import api_operations, operations_delta
from tests.helpers import self_signed_certificate

ROOT = Path(__file__).resolve().parents[3]
MODULE = "compliance_audit"
REGION = "us-east-1"
DR_REGION = "us-west-2"
ACCOUNT = "123456789012"
# Elastic Load Balancing's log-delivery account in the regions that existed before August 2022
# (ELB user guide, "Enable access logs for your Application Load Balancer"); newer regions: the
# service principal logdelivery.elasticloadbalancing.amazonaws.com (granted everywhere).
ELB_LOG_ACCOUNTS = {"us-east-1": "127311923021", "us-west-2": "797873946194"}
# One CloudWatch Logs resource policy for every OpenSearch domain of these tests: a region holds at
# most 10 resource policies, and the moto server is shared by the whole session.
OPENSEARCH_LOG_POLICY = "compliance-audit-opensearch-logs"
# The account's security baseline (issue 13): account/region-wide, audited by the tests below in a fresh
# emulated account of their own; the other tests leave them out (audit() below).
BASELINE = set(compliance.BASELINE_SWITCHES)
# Account/region-wide controls: other tests on the shared moto server may change their state.
ACCOUNT_LEVEL = {"EC2.EBS_DEFAULT_ENCRYPTION"} | BASELINE


def today():
    """The audit's own date: UTC, read when asked (a session may run across midnight)."""
    return datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017


@pytest.fixture
def platform(request):
    """A platform name unique to the test (the moto server is shared by the whole session)."""
    return "c" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:11]


def failing(res, include_account_level=False):
    """{(control, resource)} of the FAIL findings."""
    return {
        (f["control"], f["resource"])
        for f in res["findings"]
        if f["status"] == "FAIL" and (include_account_level or f["control"] not in ACCOUNT_LEVEL)
    }


def by_control(res, control):
    return [f for f in res["findings"] if f["control"] == control]


def retry_while(call, code, message="", timeout=30.0):
    """``call()``, again while AWS answers ``code`` (with ``message`` in it): eventual consistency.

    AWS refuses some requests for a few seconds after a dependency was created (a service-linked role
    that IAM has not propagated yet, a load balancer still provisioning when WAF associates a web ACL);
    real deploys retry them, so do the fixtures.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except botocore.exceptions.ClientError as e:
            error = e.response.get("Error", {})
            if error.get("Code") != code or message not in error.get("Message", "") or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def ensure_service_linked_role(aws, service):
    """Create the service-linked role of ``service`` unless the account has it (a new account has none)."""
    try:
        aws("iam").create_service_linked_role(AWSServiceName=service)
    except botocore.exceptions.ClientError as e:
        # AWS: InvalidInput "Service role name ... has been taken in this account"
        if e.response["Error"]["Code"] not in ("InvalidInput", "EntityAlreadyExists"):
            raise


class Stack:
    """Builds a platform's resources with boto3; compliant unless a knob says otherwise."""

    def __init__(self, aws, name, env="prod"):
        self.aws = aws
        self.name = name
        self.env = env
        self.prefix = f"{name}-{env}"
        self.tags = {"Project": name, "Environment": env, "ManagedBy": "ansible", "DataClassification": "phi"}
        self._key_arn = None
        self._vpc = None
        self._logs = None
        self._subnets = None
        self._certificate = None
        self._execution_role = None

    # tag spellings
    def kv(self, tags=None):
        return [{"Key": k, "Value": v} for k, v in (self.tags if tags is None else tags).items()]

    def kv_lower(self, tags=None):
        return [{"key": k, "value": v} for k, v in (self.tags if tags is None else tags).items()]

    # --- KMS ---
    def key(self, rotation=True, tags=None):
        kms = self.aws("kms")
        tag_list = [{"TagKey": k, "TagValue": v} for k, v in (self.tags if tags is None else tags).items()]
        # CloudWatch Logs encrypts a log group only with a key whose policy lets the regional logs
        # service principal use it (CloudWatch Logs user guide, "Encrypt log data ... using AWS KMS").
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
                        }
                    },
                },
            ],
        }
        meta = kms.create_key(Description=f"{self.prefix} data key", Policy=json.dumps(policy), Tags=tag_list)[
            "KeyMetadata"
        ]
        if rotation:
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        return meta["Arn"]

    @property
    def key_arn(self):
        if self._key_arn is None:
            self._key_arn = self.key()
        return self._key_arn

    # --- S3 ---
    def bucket(
        self,
        component,
        *,
        encryption="aws:kms",
        versioning=True,
        pab=True,
        tls_policy=True,
        public_statement=False,
        log_delivery=False,
        logging_to="logs",
        tags=None,
        region=REGION,
        name=None,
    ):
        s3 = self.aws("s3", region)
        name = name or f"{self.prefix}-{component}"
        kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **kwargs)
        if tags is not False:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": self.kv(tags)})
        if encryption:
            default = {"SSEAlgorithm": encryption}
            if encryption == "aws:kms":
                default["KMSMasterKeyID"] = self.key_arn
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
            )
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        statements = []
        if tls_policy:
            statements.append(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    # {"AWS": "*"}, not "*": moto's PutBucketLogging check crashes on a string principal
                    "Principal": {"AWS": "*"},
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
        if public_statement:
            statements.append(
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{name}/*",
                }
            )
        if log_delivery:
            statements.extend(self.log_delivery_statements(name, region))
        if statements:
            if public_statement:
                # New buckets block public policies (S3 Block Public Access on by default since April
                # 2023): PutBucketPolicy with a public statement is refused until that is lifted.
                s3.delete_public_access_block(Bucket=name)
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        if pab:
            settings = {
                k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
            }
            if pab is not True:
                settings[pab] = False  # one setting off
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=settings)
        else:
            s3.delete_public_access_block(Bucket=name)  # a new bucket has the default configuration
        if logging_to:
            target = self.logs_bucket() if logging_to == "logs" else logging_to
            s3.put_bucket_logging(
                Bucket=name,
                BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"{name}/"}},
            )
        return name

    @staticmethod
    def log_delivery_statements(name, region):
        """What a log bucket grants: S3 server access logs, ALB access logs and CloudTrail delivery.

        AWS refuses the writer's configuration call without them: PutBucketLogging into a bucket with
        ACLs disabled (InvalidTargetBucketForLogging), ModifyLoadBalancerAttributes access_logs
        (InvalidConfigurationRequest "Access Denied for bucket"), CreateTrail
        (InsufficientS3BucketPolicyException).
        """
        bucket = f"arn:aws:s3:::{name}"
        account_logs = f"{bucket}/AWSLogs/{ACCOUNT}/*"
        statements = [
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            },
            {
                "Sid": "AlbAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": account_logs,
            },
            {
                "Sid": "CloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket,
            },
            {
                "Sid": "CloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": account_logs,
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ]
        if region in ELB_LOG_ACCOUNTS:
            statements.append(
                {
                    "Sid": "AlbAccessLogsRegionalElbAccount",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ELB_LOG_ACCOUNTS[region]}:root"},
                    "Action": "s3:PutObject",
                    "Resource": account_logs,
                }
            )
        return statements

    def logs_bucket(self):
        """The access-log destination: SSE-S3 (log delivery cannot use SSE-KMS), no logging of its own."""
        if self._logs is None:
            self._logs = self.bucket("logs", encryption="AES256", logging_to=None, log_delivery=True)
        return self._logs

    # --- network ---
    def vpc(self, flow_logs=True):
        ec2 = self.aws("ec2")
        vpc = ec2.create_vpc(
            CidrBlock="10.20.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": self.kv({**self.tags, "Name": self.prefix})}],
        )["Vpc"]["VpcId"]
        # an internet-facing load balancer needs the VPC's internet gateway (else InvalidSubnet)
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        if flow_logs:
            self.logs_bucket()
            resp = ec2.create_flow_logs(
                ResourceIds=[vpc],
                ResourceType="VPC",
                TrafficType="ALL",
                LogDestinationType="s3",
                LogDestination=f"arn:aws:s3:::{self.prefix}-logs",  # moto rejects a key prefix in the ARN
            )
            assert not resp.get("Unsuccessful"), resp
        self._vpc = vpc
        return vpc

    @property
    def vpc_id(self):
        return self._vpc or self.vpc()

    def subnets(self):
        """Two subnets of the VPC in two zones (created once: their CIDR blocks are fixed)."""
        if self._subnets is None:
            ec2 = self.aws("ec2")
            self._subnets = [
                ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
                    "Subnet"
                ]["SubnetId"]
                for i, az in ((1, "a"), (2, "b"))
            ]
        return self._subnets

    def security_group(self, component, ingress=(), tags=None):
        ec2 = self.aws("ec2")
        sg = ec2.create_security_group(
            GroupName=f"{self.prefix}-{component}",
            Description=f"{component} of {self.prefix}",
            VpcId=self.vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": self.kv(tags)}],
        )["GroupId"]
        permissions = []
        for port, source in ingress:
            perm = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
            if source.startswith("sg-"):
                perm["UserIdGroupPairs"] = [{"GroupId": source}]
            elif ":" in source:
                perm["Ipv6Ranges"] = [{"CidrIpv6": source}]
            else:
                perm["IpRanges"] = [{"CidrIp": source}]
            permissions.append(perm)
        if permissions:
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=permissions)
        return sg

    # --- RDS ---
    def database(
        self,
        *,
        encrypted=True,
        backup=7,
        multi_az=True,
        deletion_protection=True,
        public=False,
        force_ssl="1",
        log_exports=True,
        tags=None,
    ):
        rds = self.aws("rds")
        group = f"{self.prefix}-pg15"
        rds.create_db_parameter_group(
            DBParameterGroupName=group, DBParameterGroupFamily="postgres15", Description="force ssl", Tags=self.kv()
        )
        if force_ssl is not None:
            rds.modify_db_parameter_group(
                DBParameterGroupName=group,
                Parameters=[
                    {"ParameterName": "rds.force_ssl", "ParameterValue": force_ssl, "ApplyMethod": "pending-reboot"}
                ],
            )
        kwargs = {"KmsKeyId": self.key_arn} if encrypted else {}
        db = rds.create_db_instance(
            DBInstanceIdentifier=f"{self.prefix}-db",
            DBInstanceClass="db.t4g.micro",
            Engine="postgres",
            EngineVersion="15",  # RDS picks the current default minor of 15 (minors get deprecated)
            AllocatedStorage=20,
            MasterUsername="platform",
            MasterUserPassword="not-a-real-password-1",
            StorageEncrypted=encrypted,
            BackupRetentionPeriod=backup,
            MultiAZ=multi_az,
            DeletionProtection=deletion_protection,
            PubliclyAccessible=public,
            DBParameterGroupName=group,
            EnableCloudwatchLogsExports=["postgresql", "upgrade"] if log_exports else [],
            Tags=self.kv(tags),
            **kwargs,
        )
        return db["DBInstance"]["DBInstanceArn"]

    # --- ElastiCache ---
    def cache(self, *, at_rest=True, transit=True, snapshots=5, failover=True):
        ec = self.aws("elasticache")
        group = ec.create_replication_group(
            ReplicationGroupId=f"{self.prefix}-cache"[:40],
            ReplicationGroupDescription=f"{self.prefix} redis",
            Engine="redis",
            CacheNodeType="cache.t4g.micro",
            NumCacheClusters=2,
            AutomaticFailoverEnabled=failover,
            MultiAZEnabled=failover,
            AtRestEncryptionEnabled=at_rest,
            TransitEncryptionEnabled=transit,
            SnapshotRetentionLimit=snapshots,
            Tags=self.kv(),
        )["ReplicationGroup"]
        return group["ARN"]

    # --- OpenSearch ---
    def search(
        self,
        *,
        at_rest=True,
        node_to_node=True,
        https=True,
        tls="Policy-Min-TLS-1-2-2019-07",
        logs=True,
        zones=True,
        sg=None,
    ):
        os_ = self.aws("opensearch")
        publishing = {}
        if logs:
            # the log group first, then the resource policy that lets OpenSearch write to it: AWS
            # refuses CreateDomain with log publishing until both exist
            log_group = self.log_group(name=f"/aws/opensearch/{self.prefix}")
            self.aws("logs").put_resource_policy(
                policyName=OPENSEARCH_LOG_POLICY,
                policyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "OpenSearchLogs",
                                "Effect": "Allow",
                                "Principal": {"Service": "es.amazonaws.com"},
                                "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/opensearch/*:*",
                            }
                        ],
                    }
                ),
            )
            publishing = {"ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": log_group, "Enabled": True}}
        cluster = {"InstanceType": "m6g.large.search", "InstanceCount": 2, "ZoneAwarenessEnabled": zones}
        if zones:
            cluster["ZoneAwarenessConfig"] = {"AvailabilityZoneCount": 2}
        # a VPC domain: one subnet per zone, and OpenSearch's service-linked role must exist first
        ensure_service_linked_role(self.aws, "opensearchservice.amazonaws.com")
        subnets = self.subnets()[: 2 if zones else 1]
        vpc_options = {"SubnetIds": subnets, "SecurityGroupIds": [sg or self.security_group("search")]}
        domain = retry_while(
            lambda: os_.create_domain(
                DomainName=f"{self.prefix}-search"[:28],
                EngineVersion="OpenSearch_2.11",
                ClusterConfig=cluster,
                EBSOptions={"EBSEnabled": True, "VolumeType": "gp3", "VolumeSize": 20},
                EncryptionAtRestOptions={"Enabled": at_rest},
                NodeToNodeEncryptionOptions={"Enabled": node_to_node},
                DomainEndpointOptions={"EnforceHTTPS": https, "TLSSecurityPolicy": tls},
                LogPublishingOptions=publishing,
                VPCOptions=vpc_options,
                TagList=self.kv(),
            ),
            "ValidationException",
            "service-linked role",
        )["DomainStatus"]
        return domain["ARN"]

    # --- SNS, logs, secrets ---
    def topic(self, encrypted=True):
        sns = self.aws("sns")
        attrs = {"KmsMasterKeyId": self.key_arn} if encrypted else {}
        return sns.create_topic(Name=f"{self.prefix}-alarms", Attributes=attrs, Tags=self.kv())["TopicArn"]

    def log_group(self, component="backend", retention=400, encrypted=True, name=None):
        logs = self.aws("logs")
        name = name or f"/ecs/{self.prefix}/{component}"
        kwargs = {"kmsKeyId": self.key_arn} if encrypted else {}
        logs.create_log_group(logGroupName=name, tags=self.tags, **kwargs)
        if retention:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"

    def secret(self, cmk=True):
        sm = self.aws("secretsmanager")
        kwargs = {"KmsKeyId": self.key_arn} if cmk else {}
        return sm.create_secret(Name=f"{self.prefix}/db", SecretString="s3cr3t-value", Tags=self.kv(), **kwargs)["ARN"]

    # --- ECR, IAM, ECS ---
    def repository(self, scan=True, immutable=True, kms=True):
        ecr = self.aws("ecr")
        kwargs = {"encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": self.key_arn}} if kms else {}
        repo = ecr.create_repository(
            repositoryName=f"{self.prefix}-backend",
            imageScanningConfiguration={"scanOnPush": scan},
            imageTagMutability="IMMUTABLE" if immutable else "MUTABLE",
            tags=self.kv(),
            **kwargs,
        )["repository"]
        return repo["repositoryArn"]

    def role(self, component="backend-task", statements=None, managed_statements=None, tags=None):
        iam = self.aws("iam")
        name = f"{self.prefix}-{component}"
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Tags=self.kv(tags))["Role"][
            "Arn"
        ]
        statements = statements or [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{self.prefix}-documents/*",
            },
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{self.prefix}/db-??????",
            },
        ]
        iam.put_role_policy(
            RoleName=name,
            PolicyName="least-privilege",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        if managed_statements:
            policy = iam.create_policy(
                PolicyName=f"{name}-managed",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": managed_statements}),
            )["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=name, PolicyArn=policy)
        return arn

    def execution_role(self):
        """The task execution role: pulls the image, writes logs, reads the container secrets."""
        if self._execution_role is None:
            self._execution_role = self.role(
                "backend-execution",
                statements=[
                    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{self.prefix}-backend",
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/{self.prefix}/*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{self.prefix}/db-??????",
                    },
                ],
            )
        return self._execution_role

    def task_definition(self, environment=None, user="1000:1000", tags=None):
        ecs = self.aws("ecs")
        container = {
            "name": "backend",
            "image": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{self.prefix}-backend:1",
            "essential": True,
            "environment": environment if environment is not None else [{"name": "LOG_LEVEL", "value": "info"}],
            "secrets": [
                {
                    "name": "DATABASE_URL",
                    "valueFrom": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{self.prefix}/db",
                }
            ],
        }
        if user:
            container["user"] = user
        td = ecs.register_task_definition(
            family=f"{self.prefix}-backend",
            # ECS refuses container secrets without an execution role to fetch them
            executionRoleArn=self.execution_role(),
            containerDefinitions=[container],
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            tags=self.kv_lower(tags),
        )["taskDefinition"]
        return td["taskDefinitionArn"]

    def service(self, family):
        ecs = self.aws("ecs")
        ecs.create_cluster(clusterName=self.prefix, tags=self.kv_lower())
        td = ecs.register_task_definition(
            family=family,
            containerDefinitions=[
                {"name": "worker", "image": "worker:1", "essential": True, "user": "1000", "memory": 512}
            ],
            tags=self.kv_lower(),
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster=self.prefix, serviceName=f"{self.prefix}-worker", taskDefinition=td, desiredCount=1)
        return td

    # --- Cognito ---
    def user_pool(self, mfa="ON", min_length=14, symbols=True):
        idp = self.aws("cognito-idp")
        pool = idp.create_user_pool(
            PoolName=f"{self.prefix}-users",
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": min_length,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": symbols,
                }
            },
            UserPoolTags=self.tags,
        )["UserPool"]
        if mfa != "OFF":
            # CreateUserPool accepts MFA ON/OPTIONAL only with an SMS configuration: software tokens
            # (TOTP) are turned on with SetUserPoolMfaConfig, as the identity role does
            idp.set_user_pool_mfa_config(
                UserPoolId=pool["Id"], SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration=mfa
            )
        return pool["Arn"]

    # --- ALB, WAF, CloudFront, CloudTrail ---
    def certificate(self):
        """An ISSUED certificate in us-east-1 (the region of the ALB and the one CloudFront reads)."""
        if self._certificate is None:
            body, key = self_signed_certificate(f"{self.prefix}.example.org")
            self._certificate = self.aws("acm").import_certificate(Certificate=body, PrivateKey=key, Tags=self.kv())[
                "CertificateArn"
            ]
        return self._certificate

    def load_balancer(
        self, *, http_redirect=True, ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", access_logs=True, waf=True
    ):
        elb = self.aws("elbv2")
        sg = self.security_group("alb", ingress=[(443, "0.0.0.0/0"), (80, "0.0.0.0/0")])
        lb = elb.create_load_balancer(
            Name=f"{self.prefix}-alb"[:32],
            Subnets=self.subnets(),
            SecurityGroups=[sg],
            Scheme="internet-facing",
            Type="application",
            Tags=self.kv(),
        )["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elb.create_target_group(
            Name=f"{self.prefix}-be"[:32], Protocol="HTTP", Port=8000, VpcId=self.vpc_id, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        https = elb.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTPS",
            Port=443,
            SslPolicy=ssl_policy,
            Certificates=[{"CertificateArn": self.certificate()}],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
        )["Listeners"][0]["ListenerArn"]
        if http_redirect:
            action = {
                "Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
            }
        else:
            action = {"Type": "forward", "TargetGroupArn": tg}
        http = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[action])["Listeners"][
            0
        ]["ListenerArn"]
        if access_logs:
            elb.modify_load_balancer_attributes(
                LoadBalancerArn=lb,
                Attributes=[
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.bucket", "Value": f"{self.prefix}-logs"},
                ],
            )
        if waf:
            waf_client = self.aws("wafv2")
            acl = waf_client.create_web_acl(
                Name=f"{self.prefix}-waf",
                Scope="REGIONAL",
                DefaultAction={"Allow": {}},
                VisibilityConfig={
                    "SampledRequestsEnabled": True,
                    "CloudWatchMetricsEnabled": True,
                    "MetricName": "waf",
                },
                Rules=[],
                Tags=self.kv(),
            )["Summary"]["ARN"]
            # WAF cannot associate a load balancer that is still provisioning (or a web ACL created
            # moments ago): WAFUnavailableEntityException "Retry your request"
            retry_while(
                lambda: waf_client.associate_web_acl(WebACLArn=acl, ResourceArn=lb), "WAFUnavailableEntityException"
            )
            self.web_acl()  # with its traffic logs (WAF.LOGGING)
        return {"lb": lb, "https": https, "http": http}

    def origin_access_control(self, name="assets", signing="always"):
        cf = self.aws("cloudfront")
        config = {
            "Name": f"{self.prefix}-{name}",
            "Description": f"{self.prefix} {name} bucket",
            "SigningProtocol": "sigv4",
            "SigningBehavior": signing,
            "OriginAccessControlOriginType": "s3",
        }
        return cf.create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"]["Id"]

    def s3_origin(self, origin_id="assets", *, access="oac", signing="always", domain=None):
        """An S3 REST origin read through an OAC (``access`` an OAC id, or "oac" for a new one), "oai" or "none".

        moto has no origin access identity API: "oai" names a made-up identity (nothing reads it back).
        """
        origin = {
            "Id": origin_id,
            "DomainName": domain or f"{self.prefix}-{origin_id}.s3.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }
        if access == "oai":
            origin["S3OriginConfig"]["OriginAccessIdentity"] = "origin-access-identity/cloudfront/E2QWRUHEXAMPLE"
        elif access == "oac":
            origin["OriginAccessControlId"] = self.origin_access_control(origin_id, signing=signing)
        elif access != "none":
            origin["OriginAccessControlId"] = access
        return origin

    @staticmethod
    def custom_origin(origin_id, domain):
        return {
            "Id": origin_id,
            "DomainName": domain,
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
        }

    def distribution(
        self,
        viewer_policy="redirect-to-https",
        min_tls="TLSv1.2_2021",
        *,
        origin_access="oac",
        signing="always",
        origins=None,
        name="assets",
    ):
        """A distribution of one S3 origin read as ``origin_access`` (see s3_origin), or of ``origins``."""
        cf = self.aws("cloudfront")
        origins = origins or [self.s3_origin(access=origin_access, signing=signing)]
        config = {
            "CallerReference": f"{self.prefix}-{name}",
            "Comment": f"{self.prefix} {name}",
            "Enabled": True,
            "Origins": {"Quantity": len(origins), "Items": origins},
            "DefaultCacheBehavior": {
                "TargetOriginId": origins[0]["Id"],
                "ViewerProtocolPolicy": viewer_policy,
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
            "ViewerCertificate": {
                "CloudFrontDefaultCertificate": False,
                "ACMCertificateArn": self.certificate(),
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": min_tls,
            },
        }
        dist = cf.create_distribution_with_tags(
            DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": self.kv()}}
        )["Distribution"]
        return dist["ARN"]

    # --- issue 12: master secret, WAF logging, pinned OAC, kept snapshots ---
    def master_secret(self):
        sm = self.aws("secretsmanager")
        return sm.create_secret(
            Name=f"{self.prefix}/database/master",
            SecretString=json.dumps({"username": "platform", "password": "not-a-real-password-1"}),
            KmsKeyId=self.key_arn,
            Tags=self.kv(),
        )["ARN"]

    def web_acl(self, logging=True):
        waf = self.aws("wafv2")
        name = f"{self.prefix}-waf"
        # the load balancer's web ACL (load_balancer(waf=True)) when it exists
        acl = next((a for a in waf.list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == name), None)
        if acl is None:
            acl = waf.create_web_acl(
                Name=name,
                Scope="REGIONAL",
                DefaultAction={"Allow": {}},
                VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name},
                Tags=self.kv(),
            )["Summary"]
        if logging:
            group = f"aws-waf-logs-{self.prefix}"
            try:
                self.aws("logs").create_log_group(logGroupName=group)
            except botocore.exceptions.ClientError as e:
                if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
            waf.put_logging_configuration(
                LoggingConfiguration={
                    "ResourceArn": acl["ARN"],
                    "LogDestinationConfigs": [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"],
                }
            )
        return acl["ARN"]

    def cloudfront_grant(self, bucket, source_arn):
        """Add the OAC read statement for ``source_arn`` (a distribution ARN or a pattern) to the bucket policy."""
        s3 = self.aws("s3")
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        policy["Statement"].append(
            {
                "Sid": "CloudFrontReadsAssets",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"ArnLike" if "*" in source_arn else "StringEquals": {"AWS:SourceArn": source_arn}},
            }
        )
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def db_snapshot(self, key=None):
        """A manual (final) snapshot of the stack's database, encrypted with ``key`` (the platform key)."""
        rds = self.aws("rds")
        snap = rds.create_db_snapshot(
            DBInstanceIdentifier=f"{self.prefix}-db",
            DBSnapshotIdentifier=f"{self.prefix}-db-final-20261203t000000z",
            Tags=self.kv(),
        )["DBSnapshot"]
        if key:  # an encrypted copy with another key (what destroy keeps)
            snap = rds.copy_db_snapshot(
                SourceDBSnapshotIdentifier=snap["DBSnapshotArn"],
                TargetDBSnapshotIdentifier=f"{self.prefix}-db-kept-20261203t000000z",
                KmsKeyId=key,
                CopyTags=True,
            )["DBSnapshot"]
        return snap["DBSnapshotArn"]

    def trail_key(self, name, account=ACCOUNT):
        """A KMS key CloudTrail may encrypt the trail ``name`` with (AWS CloudTrail user guide, "Configure
        AWS KMS key policies for CloudTrail": GenerateDataKey* on the trail's encryption context and SourceArn)."""
        trail_arn = f"arn:aws:cloudtrail:{REGION}:{account}:trail/{name}"
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudTrailEncryptsLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceArn": trail_arn},
                        "StringLike": {
                            "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"
                        },
                    },
                },
                {
                    "Sid": "CloudTrailDescribesKey",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:DescribeKey",
                    "Resource": "*",
                },
            ],
        }
        return self.aws("kms").create_key(Description=f"{name} trail key", Policy=json.dumps(policy))["KeyMetadata"][
            "Arn"
        ]

    def trail(self, bucket, logging=True, *, validation=True, kms=True, account=ACCOUNT, name=None):
        ct = self.aws("cloudtrail")
        name = name or f"{self.prefix}-trail"
        kwargs = {"KmsKeyId": self.trail_key(name, account)} if kms else {}
        arn = ct.create_trail(
            Name=name,
            S3BucketName=bucket,
            IsMultiRegionTrail=True,
            EnableLogFileValidation=validation,
            TagsList=self.kv(),
            **kwargs,
        )["TrailARN"]
        if logging:
            ct.start_logging(Name=arn)
        return arn


@pytest.fixture
def stack(aws, platform):
    return Stack(aws, platform)


def audit(run_module, platform, env="prod", **args):
    """The module on the platform; without ``controls``, every control but the account's baseline."""
    args.setdefault("controls", [cid for cid in compliance.CONTROLS if cid not in BASELINE])
    return run_module(MODULE, {"platform_name": platform, "platform_env": env, **args})


# --------------------------------------------------------------------------------------------------
# the compliant stack
# --------------------------------------------------------------------------------------------------
def build_compliant_stack(stack):
    s = stack
    ids = {}
    ids["key"] = s.key_arn
    ids["logs_bucket"] = s.logs_bucket()
    # S3 access logs stay in the bucket's region: the DR replica logs into a DR log bucket
    ids["dr_logs"] = s.bucket("logs-dr", encryption="AES256", logging_to=None, log_delivery=True, region=DR_REGION)
    ids["replica"] = s.bucket("documents-dr", region=DR_REGION, logging_to=ids["dr_logs"])
    ids["documents"] = s.bucket("documents")
    s.aws("s3").put_bucket_replication(
        Bucket=ids["documents"],
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::123456789012:role/{s.prefix}-s3-replication",
            "Rules": [
                {
                    "ID": "dr",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{ids['replica']}"},
                }
            ],
        },
    )
    ids["vpc"] = s.vpc()
    app_sg = s.security_group("app", ingress=[(8000, "10.20.0.0/16")])
    ids["db_sg"] = s.security_group("db", ingress=[(5432, app_sg)])
    ids["search_sg"] = s.security_group("search", ingress=[(443, app_sg)])
    ids["db"] = s.database()
    ids["cache"] = s.cache()
    ids["search"] = s.search(sg=ids["search_sg"])
    ids["topic"] = s.topic()
    ids["log_group"] = s.log_group()
    ids["secret"] = s.secret()
    ids["repo"] = s.repository()
    ids["role"] = s.role()
    ids["task_def"] = s.task_definition()
    # a service of the cluster running a task definition outside the naming contract: found through the service
    ids["service_task_def"] = s.service("legacy-worker")
    ids["pool"] = s.user_pool()
    ids["alb"] = s.load_balancer()
    ids["distribution"] = s.distribution()
    ids["trail"] = s.trail(ids["logs_bucket"])
    s.aws("ec2").enable_ebs_encryption_by_default()
    ids["master_secret"] = s.master_secret()
    ids["web_acl"] = s.web_acl()
    s.cloudfront_grant(ids["documents"], ids["distribution"])
    ids["snapshot"] = s.db_snapshot()
    return ids


def test_compliant_stack_passes_every_control(run_module, stack, platform):
    ids = build_compliant_stack(stack)
    # the account-wide services are audited in fresh accounts of their own (test_baseline_*)
    account_wide = {"GUARDDUTY.ENABLED", "SECURITYHUB.FSBP", "CONFIG.RECORDING", "BACKUP.PLAN_COVERAGE"}
    controls = [cid for cid in compliance.CONTROLS if cid not in account_wide]
    res = audit(run_module, platform, dr_region=DR_REGION, severity_threshold="info", controls=controls)

    assert not res.failed, res.get("msg")
    assert res["changed"] is False
    assert res["failed_findings"] == []
    assert res["summary"]["fail"] == 0
    statuses = {f["status"] for f in res["findings"]}
    assert statuses <= {"PASS", "NOT_APPLICABLE"}
    # every control found and passed at least one resource of this platform
    passed = {f["control"] for f in res["findings"] if f["status"] == "PASS"}
    assert passed == set(controls), sorted(set(controls) - passed)
    # the only not-applicable verdicts are the exemptions of the log and DR replica buckets
    na = {(f["control"], f["resource"]) for f in res["findings"] if f["status"] == "NOT_APPLICABLE"}
    assert na == {
        ("S3.ACCESS_LOGGING", f"arn:aws:s3:::{ids['logs_bucket']}"),
        ("S3.ACCESS_LOGGING", f"arn:aws:s3:::{ids['dr_logs']}"),
        ("S3.REPLICATION", f"arn:aws:s3:::{ids['logs_bucket']}"),
        ("S3.REPLICATION", f"arn:aws:s3:::{ids['dr_logs']}"),
        ("S3.REPLICATION", f"arn:aws:s3:::{ids['replica']}"),
    }
    resources = {f["resource"] for f in res["findings"]}
    for key in (
        "db",
        "cache",
        "search",
        "topic",
        "log_group",
        "secret",
        "repo",
        "role",
        "task_def",
        "service_task_def",
        "pool",
        "distribution",
        "trail",
        "key",
        "master_secret",
        "web_acl",
        "snapshot",
    ):
        assert ids[key] in resources, key
    assert ids["alb"]["lb"] in resources and ids["alb"]["https"] in resources and ids["alb"]["http"] in resources
    assert ids["vpc"] in resources and ids["db_sg"] in resources
    # every finding carries the full contract
    for f in res["findings"]:
        assert set(f) >= {
            "control",
            "title",
            "hipaa",
            "resource",
            "resource_type",
            "status",
            "severity",
            "remediation",
            "detail",
        }
        assert f["severity"] in compliance.SEVERITIES
        assert f["hipaa"].startswith("164.3")
    report = res["report"]
    assert report["platform"] == platform and report["environment"] == "prod" and report["compliant"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["timestamp"])
    assert report["findings"] == res["findings"]
    assert "| Status | Severity | Control | HIPAA | Resource | Detail |" in res["markdown"]
    assert "COMPLIANT" in res["markdown"]


def _api_latency(endpoint: str, seconds: float) -> None:
    request = urllib.request.Request(
        f"{endpoint}/_platform_ops/api_latency", data=json.dumps({"seconds": seconds}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310 - the test's own loopback launcher
        assert json.load(resp)["seconds"] == seconds


def test_the_requests_overlap_at_real_aws_latency(run_module, stack, platform, moto_endpoint):
    """Controls, and a control's resources, are evaluated at once: with every request taking 0.2 s more (the
    launcher's api_latency), the audit takes a fraction of requests x 0.2 s more, with the same findings. Measured
    against the same audit without latency, so that a busy machine's CPU does not count."""
    build_compliant_stack(stack)
    started = time.monotonic()
    fast = audit(run_module, platform, dr_region=DR_REGION, severity_threshold="info")
    fast_took = time.monotonic() - started
    before = api_operations(moto_endpoint)
    _api_latency(moto_endpoint, 0.2)
    try:
        started = time.monotonic()
        slow = audit(run_module, platform, dr_region=DR_REGION, severity_threshold="info")
        slow_took = time.monotonic() - started
    finally:
        _api_latency(moto_endpoint, 0)
    requests = sum(operations_delta(before, api_operations(moto_endpoint)).values())
    assert not slow.failed, slow.get("msg")
    assert slow["findings"] == fast["findings"]
    assert requests > 60, requests
    # One after the other the latency would add requests x 0.2 s; at once, well under half of it.
    added = slow_took - fast_took
    assert added < 0.35 * requests * 0.2, (added, slow_took, fast_took, requests)


def test_check_mode_reports_the_same(run_module, stack, platform):
    stack.bucket("documents", versioning=False, logging_to=None)
    normal = audit(run_module, platform, fail_on_findings=False)
    checked = run_module(
        MODULE, {"platform_name": platform, "platform_env": "prod", "fail_on_findings": False}, check_mode=True
    )
    assert not checked.failed and checked["changed"] is False
    assert (
        failing(checked)
        == failing(normal)
        == {
            ("S3.VERSIONING", f"arn:aws:s3:::{platform}-prod-documents"),
            ("S3.ACCESS_LOGGING", f"arn:aws:s3:::{platform}-prod-documents"),
        }
    )


def test_empty_platform_is_not_applicable(run_module, platform):
    res = audit(run_module, platform, env="dev")
    assert not res.failed, res.get("msg")
    platform_level = [f for f in res["findings"] if f["control"] not in ACCOUNT_LEVEL]
    assert platform_level and all(f["status"] == "NOT_APPLICABLE" for f in platform_level)
    bucket = by_control(res, "S3.ENCRYPTION")[0]
    assert bucket["resource"] == f"{platform}-dev" and "no S3 buckets" in bucket["detail"]


# --------------------------------------------------------------------------------------------------
# broken resources: the module fails and names the control and the resource
# --------------------------------------------------------------------------------------------------
def _bucket_arn(s, component="documents"):
    return f"arn:aws:s3:::{s.prefix}-{component}"


def _with_logs(s, **kwargs):
    s.logs_bucket()
    s.bucket("documents", **kwargs)
    return _bucket_arn(s)


def _open_db_sg(s):
    return s.security_group("db", ingress=[(5432, "0.0.0.0/0")])


def _open_redis_sg_ipv6(s):
    return s.security_group("cache", ingress=[(6379, "::/0")])


def _task_def_with_password(s):
    return s.task_definition(
        environment=[{"name": "DB_PASSWORD", "value": "hunter2-plaintext"}, {"name": "LOG_LEVEL", "value": "info"}]
    )


def _role_with_star(s):
    return s.role(statements=[{"Effect": "Allow", "Action": "*", "Resource": "*"}])


def _role_with_service_star_managed(s):
    return s.role(managed_statements=[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])


def _http_forward_listener(s):
    return s.load_balancer(http_redirect=False)["http"]


def _tls10_listener(s):
    return s.load_balancer(ssl_policy="ELBSecurityPolicy-2016-08")["https"]


def _alb_without_logs(s):
    return s.load_balancer(access_logs=False)["lb"]


def _alb_without_waf(s):
    return s.load_balancer(waf=False)["lb"]


def _topic_missing_tag(s):
    assert s.key_arn  # the key keeps the full tag set
    del s.tags["DataClassification"]
    return s.topic()


BROKEN = {
    "unencrypted bucket": ("S3.ENCRYPTION", lambda s: _with_logs(s, encryption=None)),
    "SSE-S3 bucket": ("S3.ENCRYPTION", lambda s: _with_logs(s, encryption="AES256")),
    "public access block off": ("S3.PUBLIC_ACCESS_BLOCK", lambda s: _with_logs(s, pab=False)),
    "one public access block setting off": (
        "S3.PUBLIC_ACCESS_BLOCK",
        lambda s: _with_logs(s, pab="RestrictPublicBuckets"),
    ),
    "public bucket policy": ("S3.POLICY_PUBLIC", lambda s: _with_logs(s, public_statement=True)),
    "no TLS-only policy": ("S3.TLS_ONLY", lambda s: _with_logs(s, tls_policy=False)),
    "versioning off": ("S3.VERSIONING", lambda s: _with_logs(s, versioning=False)),
    "access logging off": ("S3.ACCESS_LOGGING", lambda s: _with_logs(s, logging_to=None)),
    "open DB security group": ("EC2.OPEN_DATA_PORTS", _open_db_sg),
    "open redis port to ::/0": ("EC2.OPEN_DATA_PORTS", _open_redis_sg_ipv6),
    "search security group open on 443": (
        "EC2.OPEN_DATA_PORTS",
        lambda s: s.security_group("search", ingress=[(443, "0.0.0.0/0")]),
    ),
    "MFA off": ("COGNITO.MFA", lambda s: s.user_pool(mfa="OFF")),
    "MFA optional": ("COGNITO.MFA", lambda s: s.user_pool(mfa="OPTIONAL")),
    "weak password policy": ("COGNITO.PASSWORD_POLICY", lambda s: s.user_pool(min_length=8)),
    "short backup retention": ("RDS.BACKUP_RETENTION", lambda s: s.database(backup=1)),
    "unencrypted RDS": ("RDS.ENCRYPTION", lambda s: s.database(encrypted=False)),
    "public RDS": ("RDS.PUBLIC_ACCESS", lambda s: s.database(public=True)),
    "RDS force_ssl=0": ("RDS.FORCE_SSL", lambda s: s.database(force_ssl="0")),
    "RDS single-AZ in prod": ("RDS.MULTI_AZ", lambda s: s.database(multi_az=False)),
    "RDS without deletion protection in prod": (
        "RDS.DELETION_PROTECTION",
        lambda s: s.database(deletion_protection=False),
    ),
    "RDS without log exports": ("RDS.LOG_EXPORTS", lambda s: s.database(log_exports=False)),
    "log group without retention": ("LOGS.RETENTION", lambda s: s.log_group(retention=None)),
    "log group with 30 days in prod": ("LOGS.RETENTION", lambda s: s.log_group(retention=30)),
    "log group without KMS": ("LOGS.ENCRYPTION", lambda s: s.log_group(encrypted=False)),
    "IAM role with * action": ("IAM.NO_WILDCARD_ACTIONS", _role_with_star),
    "IAM role with s3:* on * (managed policy)": ("IAM.NO_WILDCARD_ACTIONS", _role_with_service_star_managed),
    "ECR scan on push off": ("ECR.SCAN_ON_PUSH", lambda s: s.repository(scan=False)),
    "ECR mutable tags": ("ECR.IMMUTABLE_TAGS", lambda s: s.repository(immutable=False)),
    "ECR without KMS": ("ECR.ENCRYPTION", lambda s: s.repository(kms=False)),
    "KMS rotation off": ("KMS.KEY_ROTATION", lambda s: s.key(rotation=False)),
    "task definition with DB_PASSWORD": ("ECS.NO_PLAINTEXT_SECRETS", _task_def_with_password),
    "task definition running as root": ("ECS.NON_ROOT_USER", lambda s: s.task_definition(user="root")),
    "task definition without user": ("ECS.NON_ROOT_USER", lambda s: s.task_definition(user=None)),
    "SNS topic without KMS": ("SNS.ENCRYPTION", lambda s: s.topic(encrypted=False)),
    "secret with the AWS managed key": ("SECRETSMANAGER.CMK", lambda s: s.secret(cmk=False)),
    "ElastiCache without transit encryption": ("ELASTICACHE.TRANSIT_ENCRYPTION", lambda s: s.cache(transit=False)),
    "ElastiCache without at-rest encryption": ("ELASTICACHE.AT_REST_ENCRYPTION", lambda s: s.cache(at_rest=False)),
    "ElastiCache without snapshots": ("ELASTICACHE.SNAPSHOT_RETENTION", lambda s: s.cache(snapshots=0)),
    "ElastiCache without automatic failover in prod": (
        "ELASTICACHE.AUTOMATIC_FAILOVER",
        lambda s: s.cache(failover=False),
    ),
    "OpenSearch without HTTPS enforcement": ("OPENSEARCH.HTTPS_TLS12", lambda s: s.search(https=False)),
    "OpenSearch with a TLS 1.0 policy": (
        "OPENSEARCH.HTTPS_TLS12",
        lambda s: s.search(tls="Policy-Min-TLS-1-0-2019-07"),
    ),
    "OpenSearch without node-to-node encryption": (
        "OPENSEARCH.NODE_TO_NODE_ENCRYPTION",
        lambda s: s.search(node_to_node=False),
    ),
    "OpenSearch without at-rest encryption": ("OPENSEARCH.AT_REST_ENCRYPTION", lambda s: s.search(at_rest=False)),
    "OpenSearch without logs": ("OPENSEARCH.LOG_PUBLISHING", lambda s: s.search(logs=False)),
    "OpenSearch without zone awareness in prod": ("OPENSEARCH.ZONE_AWARENESS", lambda s: s.search(zones=False)),
    "ALB HTTP listener forwards": ("ELB.HTTPS_ONLY", _http_forward_listener),
    "ALB listener allows TLS 1.0": ("ELB.TLS_POLICY", _tls10_listener),
    "ALB without access logs": ("ELB.ACCESS_LOGS", _alb_without_logs),
    "ALB without WAF": ("WAF.ALB_ASSOCIATION", _alb_without_waf),
    "VPC without flow logs": ("VPC.FLOW_LOGS", lambda s: s.vpc(flow_logs=False)),
    "CloudFront allows HTTP": ("CLOUDFRONT.VIEWER_HTTPS", lambda s: s.distribution(viewer_policy="allow-all")),
    "CloudFront allows TLS 1.0": ("CLOUDFRONT.TLS_POLICY", lambda s: s.distribution(min_tls="TLSv1")),
    "CloudFront reads S3 through a legacy OAI": (
        "CLOUDFRONT.S3_ORIGIN_ACCESS",
        lambda s: s.distribution(origin_access="oai"),
    ),
    "CloudFront reads S3 without origin access": (
        "CLOUDFRONT.S3_ORIGIN_ACCESS",
        lambda s: s.distribution(origin_access="none"),
    ),
    "CloudFront OAC never signs": ("CLOUDFRONT.S3_ORIGIN_ACCESS", lambda s: s.distribution(signing="never")),
    "resource missing DataClassification": ("TAGS.REQUIRED", _topic_missing_tag),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_resource_is_found(run_module, stack, platform, case):
    control, build = BROKEN[case]
    resource = build(stack)

    res = audit(run_module, platform, severity_threshold="info")

    assert res.failed, f"{case}: the audit passed"
    assert failing(res) == {(control, resource)}, res["msg"]
    assert control in res["msg"] and resource in res["msg"]
    finding = next(f for f in res["failed_findings"] if f["control"] == control)
    assert finding["status"] == "FAIL" and finding["detail"] and finding["remediation"]
    assert finding["hipaa"] == compliance.CONTROLS[control]["hipaa"]
    assert finding in res["report"]["failed"]
    assert f"| FAIL | {finding['severity']} | {control} |" in res["markdown"]


def test_plaintext_secret_value_is_never_returned(run_module, stack, platform):
    _task_def_with_password(stack)
    res = audit(run_module, platform, controls=["ECS.*"])
    assert res.failed
    assert "DB_PASSWORD" in json.dumps(res["findings"])
    assert "hunter2-plaintext" not in json.dumps(res)


def test_default_threshold_high_ignores_medium_findings(run_module, stack, platform):
    stack.repository(scan=False)  # ECR.SCAN_ON_PUSH is medium
    res = audit(run_module, platform)
    assert not res.failed, res.get("msg")
    assert failing(res) == {
        ("ECR.SCAN_ON_PUSH", f"arn:aws:ecr:{REGION}:123456789012:repository/{platform}-prod-backend")
    }
    assert res["summary"]["fail_at_or_above_threshold"] == 0
    medium = audit(run_module, platform, severity_threshold="medium")
    assert medium.failed and "ECR.SCAN_ON_PUSH" in medium["msg"]


def test_fail_on_findings_false_only_reports(run_module, stack, platform):
    arn = stack.database(encrypted=False)
    res = audit(run_module, platform, fail_on_findings=False)
    assert not res.failed
    assert ("RDS.ENCRYPTION", arn) in failing(res)
    assert res["report"]["compliant"] is False
    assert "NOT COMPLIANT" in res["markdown"]


def test_log_retention_severity_depends_on_environment(run_module, aws, platform):
    dev = Stack(aws, platform, env="dev")
    dev.log_group(retention=30)
    res = audit(run_module, platform, env="dev")
    [finding] = [f for f in res["findings"] if f["control"] == "LOGS.RETENTION"]
    assert finding["status"] == "FAIL" and finding["severity"] == "medium"
    assert not res.failed  # medium is below the default threshold
    dev.log_group(component="worker", retention=120)  # >= 90 is enough outside prod
    res = audit(run_module, platform, env="dev")
    statuses = {f["resource"].rsplit("/", 1)[-1]: f["status"] for f in by_control(res, "LOGS.RETENTION")}
    assert statuses == {"backend": "FAIL", "worker": "PASS"}


def test_prod_only_controls_do_not_apply_outside_prod(run_module, aws, platform):
    dev = Stack(aws, platform, env="dev")
    arn = dev.database(multi_az=False, deletion_protection=False)
    res = audit(run_module, platform, env="dev")
    assert not res.failed, res.get("msg")
    for control in ("RDS.MULTI_AZ", "RDS.DELETION_PROTECTION"):
        [finding] = by_control(res, control)
        assert finding["resource"] == arn and finding["status"] == "NOT_APPLICABLE" and "prod only" in finding["detail"]


def test_replication_required_only_with_dr_region(run_module, stack, platform):
    arn = _with_logs(stack)
    without = audit(run_module, platform)
    assert not without.failed, without.get("msg")
    assert {f["status"] for f in by_control(without, "S3.REPLICATION")} == {"NOT_APPLICABLE"}
    with_dr = audit(run_module, platform, dr_region=DR_REGION, severity_threshold="medium")
    assert with_dr.failed
    assert failing(with_dr) == {("S3.REPLICATION", arn)}


def test_alb_security_group_may_open_443(run_module, stack, platform):
    sg = stack.security_group("alb", ingress=[(443, "0.0.0.0/0"), (80, "::/0")])
    res = audit(run_module, platform, controls=["EC2.OPEN_DATA_PORTS"])
    assert not res.failed, res.get("msg")
    assert [(f["resource"], f["status"]) for f in res["findings"]] == [(sg, "PASS")]


def test_trail_that_is_not_logging_fails(run_module, aws, stack, platform):
    ct = aws("cloudtrail")
    for trail in ct.describe_trails(includeShadowTrails=True)["trailList"]:
        tags = ct.list_tags(ResourceIdList=[trail["TrailARN"]])["ResourceTagList"]
        untagged = not any(t["Key"] == "Project" for entry in tags for t in entry.get("TagsList", []))
        if untagged and ct.get_trail_status(Name=trail["TrailARN"])["IsLogging"]:
            pytest.skip("an account-level trail of another test logs this region on the shared moto server")
    arn = stack.trail(stack.logs_bucket(), logging=False)
    res = audit(run_module, platform, controls=["CLOUDTRAIL.LOGGING"])
    assert res.failed
    [finding] = [f for f in res["findings"] if f["resource"] == arn]
    assert (finding["status"], finding["severity"]) == ("FAIL", "high")
    ct.start_logging(Name=arn)
    res = audit(run_module, platform, controls=["CLOUDTRAIL.LOGGING"])
    assert not res.failed
    assert [(f["resource"], f["status"]) for f in res["findings"]] == [(arn, "PASS")]


def test_cloudfront_s3_origin_access_names_each_origin(run_module, moto_endpoint, stack, platform):
    s = stack
    shared = s.origin_access_control("shared")
    website = s.custom_origin("site", f"{s.prefix}-site.s3-website-{REGION}.amazonaws.com")
    alb = s.custom_origin("api", f"{s.prefix}-alb.{REGION}.elb.amazonaws.com")
    # an S3 origin through the OAC next to a website endpoint and a load balancer (custom origins: not checked)
    good = s.distribution(name="good", origins=[s.s3_origin("assets", access=shared), website, alb])
    # a second distribution on the same OAC: the control is read once
    also_good = s.distribution(
        name="regional",
        origins=[s.s3_origin("media", access=shared, domain=f"{s.prefix}-media.s3.{REGION}.amazonaws.com")],
    )
    no_s3 = s.distribution(name="custom", origins=[website, alb])
    bad = s.distribution(
        name="bad",
        origins=[
            s.s3_origin("ok", access=shared),
            s.s3_origin("legacy", access="oai"),
            # an S3 REST endpoint set up as a custom origin, found by its domain name
            s.custom_origin("open", f"{s.prefix}-open.s3-{REGION}.amazonaws.com"),
            s.s3_origin("unsigned", signing="never"),
        ],
    )
    before = api_operations(moto_endpoint)
    res = audit(run_module, platform, controls=["CLOUDFRONT.S3_ORIGIN_ACCESS"], severity_threshold="medium")
    calls = operations_delta(before, api_operations(moto_endpoint))

    assert res.failed and "CLOUDFRONT.S3_ORIGIN_ACCESS" in res["msg"]
    findings = {f["resource"]: f for f in res["findings"]}
    assert set(findings) == {good, also_good, no_s3, bad}
    assert (findings[good]["status"], findings[also_good]["status"]) == ("PASS", "PASS")
    assert f"assets: {shared}" in findings[good]["detail"] and "site" not in findings[good]["detail"]
    assert (findings[no_s3]["status"], findings[no_s3]["detail"]) == ("NOT_APPLICABLE", "no S3 origin")
    failed = findings[bad]
    assert failed["status"] == "FAIL" and failed["severity"] == "medium"
    assert "ok:" not in failed["detail"]
    assert "legacy: uses a legacy origin access identity" in failed["detail"]
    assert "open: no origin access control or identity" in failed["detail"]
    assert "unsigned: origin access control" in failed["detail"] and "not signed" in failed["detail"]
    # one GetOriginAccessControl per distinct control (shared, unsigned), whatever the number of origins
    assert calls["cloudfront.GetOriginAccessControl"] == 2, calls


@pytest.mark.parametrize(
    ("domain", "is_s3"),
    [
        ("b.s3.amazonaws.com", True),
        ("my.bucket-1.s3.eu-west-1.amazonaws.com", True),
        ("b.s3-us-west-2.amazonaws.com", True),
        ("b.s3.dualstack.us-east-1.amazonaws.com", True),
        ("b.s3.cn-north-1.amazonaws.com.cn", True),
        ("b.s3-external-1.amazonaws.com", True),
        ("b.s3-website-us-east-1.amazonaws.com", False),
        ("b.s3-website.eu-west-1.amazonaws.com", False),
        ("alb-1.us-east-1.elb.amazonaws.com", False),
        ("app.example.org", False),
        ("s3.amazonaws.com.example.org", False),
    ],
)
def test_s3_origin_domain_names(domain, is_s3):
    origin = {"Id": "o", "DomainName": domain, "CustomOriginConfig": {}}
    assert compliance._s3_origins({"Origins": {"Items": [origin]}}) == ([origin] if is_s3 else [])


# --------------------------------------------------------------------------------------------------
# scope: only this platform's tagged resources
# --------------------------------------------------------------------------------------------------
def test_untagged_and_foreign_resources_are_never_evaluated(run_module, aws, stack, platform):
    # named like ours but untagged, or tagged for another environment / platform: break everything
    stack.bucket(
        "untagged",
        encryption=None,
        versioning=False,
        pab=False,
        tls_policy=False,
        public_statement=True,
        logging_to=None,
        tags=False,
    )
    stack.bucket(
        "staging",
        encryption=None,
        versioning=False,
        pab=False,
        tls_policy=False,
        logging_to=None,
        tags={**stack.tags, "Environment": "staging"},
    )
    other = Stack(aws, platform + "x")
    other.bucket(
        "documents", encryption=None, versioning=False, pab=False, logging_to=None, name=f"{platform}-prod-other"
    )
    other.security_group("db", ingress=[(5432, "0.0.0.0/0")])
    stack.role(component="foreign", statements=[{"Effect": "Allow", "Action": "*", "Resource": "*"}], tags=other.tags)
    stack.security_group("db", ingress=[(5432, "0.0.0.0/0")], tags={"Name": "untagged"})
    res = audit(run_module, platform, severity_threshold="low")
    assert failing(res) == set(), res.get("msg")
    assert {f["control"] for f in res["findings"] if f["status"] == "FAIL"} <= ACCOUNT_LEVEL
    mentioned = json.dumps(res)
    assert "untagged" not in mentioned and "-staging" not in mentioned and "-other" not in mentioned
    assert "-foreign" not in mentioned


# --------------------------------------------------------------------------------------------------
# waivers
# --------------------------------------------------------------------------------------------------
def test_waiver_turns_fail_into_waived(run_module, stack, platform):
    arn = _with_logs(stack, versioning=False)
    expires = (today() + datetime.timedelta(days=30)).isoformat()
    waiver = {
        "control": "S3.VERSIONING",
        "resource": arn,
        "reason": "Scratch data, re-creatable (RA-7)",
        "expires": expires,
    }
    res = audit(run_module, platform, waivers=[waiver])
    assert not res.failed, res.get("msg")
    [finding] = [f for f in by_control(res, "S3.VERSIONING") if f["resource"] == arn]
    assert finding["status"] == "WAIVED"
    assert finding["waiver"] == {"reason": "Scratch data, re-creatable (RA-7)", "expires": expires, "resource": arn}
    assert res["summary"]["waived"] == 1 and failing(res) == set()
    assert res["report"]["waivers"]["applied"][0]["control"] == "S3.VERSIONING"
    assert "| WAIVED |" in res["markdown"]


def test_wildcard_waiver_and_today_is_still_valid(run_module, stack, platform):
    arn = _with_logs(stack, versioning=False)
    for _attempt in range(2):  # once more if the audit ran across midnight UTC
        day = today()
        waiver = {
            "control": "s3.versioning",
            "resource": "*",
            "reason": "Accepted until the migration",
            "expires": day.isoformat(),
        }
        res = audit(run_module, platform, waivers=[waiver])
        if today() == day:
            break
    assert not res.failed, res.get("msg")
    statuses = {f["resource"]: f["status"] for f in by_control(res, "S3.VERSIONING")}
    assert statuses == {arn: "WAIVED", f"arn:aws:s3:::{stack.prefix}-logs": "PASS"}


def test_expired_waiver_does_not_apply_and_is_reported(run_module, stack, platform):
    arn = _with_logs(stack, versioning=False)
    expired = (today() - datetime.timedelta(days=1)).isoformat()
    waiver = {"control": "S3.VERSIONING", "resource": arn, "reason": "Was accepted last quarter", "expires": expired}
    res = audit(run_module, platform, waivers=[waiver])
    assert res.failed
    assert ("S3.VERSIONING", arn) in failing(res)
    assert res["report"]["waivers"]["expired"][0]["expires"] == expired
    assert f"expired on {expired} and was not applied" in json.dumps(res["warnings"])
    [finding] = [f for f in by_control(res, "S3.VERSIONING") if f["resource"] == arn]
    assert finding["status"] == "FAIL" and f"waiver expired {expired}" in finding["detail"]
    assert "Expired waivers" in res["markdown"]


def test_waiver_for_other_resource_does_not_apply(run_module, stack, platform):
    arn = _with_logs(stack, versioning=False)
    waiver = {"control": "S3.VERSIONING", "resource": arn + "-nope", "reason": "wrong bucket", "expires": "2999-01-01"}
    res = audit(run_module, platform, waivers=[waiver])
    assert res.failed and ("S3.VERSIONING", arn) in failing(res)
    assert res["report"]["waivers"]["unused"][0]["resource"] == arn + "-nope"


# --------------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------------
FUTURE = "2999-12-31"


def _request_count(endpoint):
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)["total"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"waivers": [{"control": "S3.VERSIONING", "resource": "*", "expires": FUTURE}]}, "reason"),
        (
            {"waivers": [{"control": "S3.VERSIONING", "resource": "*", "reason": "  ", "expires": FUTURE}]},
            "reason is required",
        ),
        (
            {"waivers": [{"control": "S3.VERSIONING", "resource": "*", "reason": "r", "expires": "31/12/2027"}]},
            "expires must be a date YYYY-MM-DD",
        ),
        (
            {"waivers": [{"control": "S3.VERSIONING", "resource": "*", "reason": "r", "expires": "2027-02-30"}]},
            "expires must be a date YYYY-MM-DD",
        ),
        ({"waivers": [{"control": "S3.VERSIONING", "resource": "*", "reason": "r"}]}, "expires"),
        (
            {"waivers": [{"control": "S3.NOPE", "resource": "*", "reason": "r", "expires": FUTURE}]},
            "unknown control 'S3.NOPE'",
        ),
        ({"controls": ["S3.ENCRYPTION", "RDS.NOPE"]}, "unknown control(s) RDS.NOPE"),
        ({"severity_threshold": "severe"}, "severity_threshold"),
        ({"platform_name": "Bad_Name"}, "platform_name 'Bad_Name'"),
        ({"platform_env": "qa"}, "platform_env"),
        ({"dr_region": "mars"}, "dr_region 'mars'"),
    ],
    ids=[
        "waiver without reason",
        "waiver with blank reason",
        "waiver with bad date format",
        "waiver with impossible date",
        "waiver without expiry",
        "waiver for unknown control",
        "unknown control",
        "bad threshold",
        "bad platform name",
        "bad environment",
        "bad dr region",
    ],
)
def test_bad_input_fails_clearly(run_module, moto_endpoint, args, message):
    before = _request_count(moto_endpoint)
    res = run_module(MODULE, {"platform_name": "badinput", "platform_env": "dev", **args})
    assert res.failed
    assert message in res["msg"]
    assert _request_count(moto_endpoint) == before  # validated before any AWS call


def test_controls_restrict_the_audit(run_module, stack, platform):
    _with_logs(stack, encryption=None, versioning=False)
    res = audit(run_module, platform, controls=["S3.VERSIONING", "RDS.*"], severity_threshold="info")
    assert {f["control"] for f in res["findings"]} == {"S3.VERSIONING"} | {
        c for c in compliance.CONTROLS if c.startswith("RDS.")
    }
    assert failing(res) == {("S3.VERSIONING", _bucket_arn(stack))}


# --------------------------------------------------------------------------------------------------
# the catalogue, docs and the "unsupported API" path
# --------------------------------------------------------------------------------------------------
def test_catalogue_is_complete_and_documented():
    assert len(compliance.CONTROLS) >= 30
    assert set(compliance.CHECKS) == set(compliance.CONTROLS)
    doc = (ROOT / "docs" / "compliance-controls.md").read_text()
    for cid, control in compliance.CONTROLS.items():
        assert re.match(r"^[A-Z0-9]+\.[A-Z0-9_]+$", cid)
        assert re.match(r"^164\.3(08|12)\(", control["hipaa"]), cid
        assert control["title"] and control["remediation"]
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{cid}` |")), None)
        assert row, f"{cid} missing from docs/compliance-controls.md"
        assert control["hipaa"] in row and compliance.severity_text(cid) in row
    assert f"{len(compliance.CONTROLS)} controls in total." in doc
    for hipaa in (
        "164.312(a)(2)(iv)",
        "164.312(e)(1)",
        "164.312(b)",
        "164.308(a)(7)(ii)(A)",
        "164.312(a)(1)",
        "164.312(d)",
    ):
        assert any(c["hipaa"] == hipaa for c in compliance.CONTROLS.values()), hipaa


class _UnsupportedClient:
    """Stands in for a boto3 client whose endpoint answers every call like moto does for an unimplemented action."""

    def __init__(self, code, status):
        self.code, self.status = code, status
        self.calls = []
        self.meta = type("Meta", (), {"method_to_api_mapping": {"describe_db_instances": "DescribeDBInstances"}})()

    def __getattr__(self, operation):
        def call(**_kwargs):
            self.calls.append(operation)
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": self.code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": self.status}},
                operation,
            )

        return call

    def get_paginator(self, operation):
        client = self

        class Paginator:
            def paginate(self, **_kwargs):
                class Pages:
                    def build_full_result(self):
                        return getattr(client, operation)()

                return Pages()

        return Paginator()


def test_unsupported_api_fails_closed_by_default():
    """Real AWS answering 404/500/501 must not let a control pass unseen: FAIL, and the audit is not compliant."""
    client = _UnsupportedClient("501", 501)
    auditor = compliance.Auditor(lambda service: client, "demo", "prod", REGION)
    report = compliance.run_audit(
        auditor, ["RDS.ENCRYPTION", "RDS.PUBLIC_ACCESS"], [], "high", datetime.datetime.now(datetime.UTC)
    )
    assert [(f["control"], f["status"]) for f in report["findings"]] == [
        ("RDS.ENCRYPTION", "FAIL"),
        ("RDS.PUBLIC_ACCESS", "FAIL"),
    ]
    assert all(
        f["detail"].startswith("could not be evaluated: rds:DescribeDBInstances unsupported")
        for f in report["findings"]
    )
    assert report["compliant"] is False and len(report["failed"]) == 2
    assert report["summary"]["could_not_evaluate"] == 2


def test_unsupported_api_is_not_applicable_never_pass_when_an_emulator_allows_it():
    client = _UnsupportedClient("500", 500)
    auditor = compliance.Auditor(lambda service: client, "demo", "prod", REGION)
    now = datetime.datetime.now(datetime.UTC)
    report = compliance.run_audit(
        auditor, ["RDS.ENCRYPTION", "RDS.PUBLIC_ACCESS"], [], "high", now, allow_unsupported=True
    )
    assert [(f["control"], f["status"], f["detail"]) for f in report["findings"]] == [
        ("RDS.ENCRYPTION", "NOT_APPLICABLE", "could not be evaluated: rds:DescribeDBInstances unsupported"),
        ("RDS.PUBLIC_ACCESS", "NOT_APPLICABLE", "could not be evaluated: rds:DescribeDBInstances unsupported"),
    ]
    assert report["compliant"] is True and report["failed"] == []
    assert report["summary"]["could_not_evaluate"] == 2
    assert "Could not be evaluated" in compliance.render_markdown(report)
    assert client.calls == ["describe_db_instances"]  # asked once, remembered for the second control


def test_other_aws_errors_abort_the_audit():
    auditor = compliance.Auditor(lambda service: _UnsupportedClient("AccessDenied", 403), "demo", "prod", REGION)
    with pytest.raises(compliance.AuditError) as err:
        compliance.run_audit(auditor, ["RDS.ENCRYPTION"], [], "high", datetime.datetime.now(datetime.UTC))
    assert err.value.control == "RDS.ENCRYPTION" and err.value.api == "rds:DescribeDBInstances"


# --------------------------------------------------------------------------------------------------
# issue 12: secret rotation, master secret exposure, WAF logging, pinned OAC, kept snapshot keys
# --------------------------------------------------------------------------------------------------
def _finding(res, control, resource):
    return next(f for f in res["findings"] if f["control"] == control and f["resource"] == resource)


def test_secret_rotation_age_from_the_tag_or_the_dates(run_module, aws, stack, platform):
    sm = aws("secretsmanager")
    fresh = stack.secret()
    old = sm.create_secret(
        Name=f"{stack.prefix}/app/old-token",
        SecretString="x" * 20,
        KmsKeyId=stack.key_arn,
        Tags=stack.kv({**stack.tags, "PlatformRotatedAt": "2020-01-01T00:00:00Z"}),
    )["ARN"]
    res = audit(run_module, platform, controls=["SECRETS.ROTATION"], fail_on_findings=False)
    assert not res.failed, res.get("msg")
    assert _finding(res, "SECRETS.ROTATION", fresh)["status"] == "PASS"
    stale = _finding(res, "SECRETS.ROTATION", old)
    assert stale["status"] == "FAIL" and stale["severity"] == "high"
    assert "last rotated 2020-01-01 (tag PlatformRotatedAt), more than 90 days ago" in stale["detail"]
    # the limit is a knob; a rotation moves the date
    res = audit(run_module, platform, controls=["SECRETS.ROTATION"], secret_max_age_days=100000)
    assert not res.failed and _finding(res, "SECRETS.ROTATION", old)["status"] == "PASS"
    assert audit(run_module, platform, secret_max_age_days=0)["msg"].startswith("Invalid input")


def test_secret_last_rotation_prefers_the_later_rotation_record():
    now = datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC)
    older = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    def secret(tags=None, **data):
        return compliance.Resource("arn", "name", compliance.T_SM, tags or {}, data)

    tagged = secret({"PlatformRotatedAt": "2026-11-30T10:00:00Z"}, LastRotatedDate=older, CreatedDate=older)
    assert compliance.secret_last_rotation(tagged) == (
        datetime.datetime(2026, 11, 30, 10, tzinfo=datetime.UTC),
        "tag PlatformRotatedAt",
    )
    assert compliance.secret_last_rotation(secret(LastRotatedDate=now, LastChangedDate=older)) == (
        now,
        "LastRotatedDate",
    )
    assert compliance.secret_last_rotation(secret({"PlatformRotatedAt": "junk"}, LastChangedDate=now)) == (
        now,
        "LastChangedDate",
    )
    assert compliance.secret_last_rotation(secret(CreatedDate=older)) == (older, "CreatedDate")
    assert compliance.secret_last_rotation(secret()) == (None, None)


def test_master_secret_exposure_names_task_definitions_and_roles(run_module, aws, stack, platform):
    master = stack.master_secret()
    # the bootstrap task's own role may read it
    stack.role(
        "db-bootstrap-execution",
        statements=[{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": master}],
    )
    res = audit(run_module, platform, controls=["SECRETS.MASTER_EXPOSURE"])
    assert not res.failed, res.get("msg")
    assert _finding(res, "SECRETS.MASTER_EXPOSURE", master)["status"] == "PASS"

    # a service's task definition lists it, another role reads every secret
    aws("ecs").register_task_definition(
        family=f"{stack.prefix}-backend",
        executionRoleArn=stack.execution_role(),
        containerDefinitions=[
            {
                "name": "backend",
                "image": "backend:1",
                "essential": True,
                "memory": 512,
                "user": "1000",
                "secrets": [{"name": "DATABASE_MASTER", "valueFrom": f"{master}:password::"}],
            }
        ],
        tags=stack.kv_lower(),
    )
    stack.role(
        "exec-worker",
        statements=[{"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": "*"}],
    )
    res = audit(run_module, platform, controls=["SECRETS.MASTER_EXPOSURE"])
    assert res.failed
    finding = _finding(res, "SECRETS.MASTER_EXPOSURE", master)
    assert finding["status"] == "FAIL" and finding["severity"] == "high"
    assert (
        f"task definition {stack.prefix}-backend:1 container backend reads it as DATABASE_MASTER" in finding["detail"]
    )
    assert f"role {stack.prefix}-exec-worker (inline policy least-privilege) can read it" in finding["detail"]
    assert "db-bootstrap-execution" not in finding["detail"]


def test_master_exposure_not_applicable_without_a_database(run_module, stack, platform):
    stack.secret()
    res = audit(run_module, platform, controls=["SECRETS.MASTER_EXPOSURE"])
    assert not res.failed
    (finding,) = res["findings"]
    assert finding["status"] == "NOT_APPLICABLE"


def test_waf_logging_missing_is_a_failure(run_module, stack, platform):
    acl = stack.web_acl(logging=False)
    res = audit(run_module, platform, controls=["WAF.LOGGING"], fail_on_findings=False)
    finding = _finding(res, "WAF.LOGGING", acl)
    assert finding["status"] == "FAIL" and finding["detail"] == "no logging configuration"
    # no web ACL at all (a stack without WAF): not applicable
    other = audit(run_module, platform + "x", controls=["WAF.LOGGING"])
    assert [f["status"] for f in other["findings"]] == ["NOT_APPLICABLE"]


def test_cloudfront_grant_must_name_the_stack_distribution(run_module, stack, platform):
    dist = stack.distribution()
    stack.logs_bucket()
    bucket = stack.bucket("documents")
    stack.cloudfront_grant(bucket, f"arn:aws:cloudfront::{ACCOUNT}:distribution/*")
    res = audit(run_module, platform, controls=["CLOUDFRONT.OAC_PINNED"], fail_on_findings=False)
    finding = _finding(res, "CLOUDFRONT.OAC_PINNED", f"arn:aws:s3:::{bucket}")
    assert finding["status"] == "FAIL" and "has a wildcard" in finding["detail"]

    other = stack.bucket("media")
    stack.cloudfront_grant(other, f"arn:aws:cloudfront::{ACCOUNT}:distribution/EOTHERDIST")
    res = audit(run_module, platform, controls=["CLOUDFRONT.OAC_PINNED"], fail_on_findings=False)
    assert (
        "is not a distribution of the stack"
        in _finding(res, "CLOUDFRONT.OAC_PINNED", f"arn:aws:s3:::{other}")["detail"]
    )
    assert dist not in {f["resource"] for f in res["findings"]}


def test_unpinned_cloudfront_grants_helper():
    dist = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1"
    grant = {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "kms:Decrypt"}
    assert compliance.unpinned_cloudfront_grants({"Statement": [{"Effect": "Allow", "Principal": "*"}]}, {dist}) is None
    pinned = dict(grant, Condition={"StringEquals": {"aws:sourcearn": dist}})
    assert compliance.unpinned_cloudfront_grants({"Statement": [pinned]}, {dist}) == []
    assert "no AWS:SourceArn" in compliance.unpinned_cloudfront_grants({"Statement": [grant]}, {dist})[0]
    account_wide = dict(grant, Condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}})
    assert "no AWS:SourceArn" in compliance.unpinned_cloudfront_grants({"Statement": account_wide}, {dist})[0]


def test_snapshot_whose_key_is_pending_deletion_fails(run_module, aws, stack, platform):
    stack.database()
    doomed = stack.key()
    snapshot = stack.db_snapshot(key=doomed)
    res = audit(run_module, platform, controls=["SNAPSHOT.KEY_RETAINED"])
    assert not res.failed, res.get("msg")
    assert _finding(res, "SNAPSHOT.KEY_RETAINED", snapshot)["status"] == "PASS"
    aws("kms").schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    res = audit(run_module, platform, controls=["SNAPSHOT.KEY_RETAINED"])
    assert res.failed
    finding = _finding(res, "SNAPSHOT.KEY_RETAINED", snapshot)
    assert finding["status"] == "FAIL" and finding["severity"] == "high" and "PendingDeletion" in finding["detail"]


def test_new_controls_fail_closed_when_the_endpoint_does_not_answer():
    """A 404/500/501 is NOT_APPLICABLE for the older controls, but never for these: real AWS answering so must not pass."""
    client = _UnsupportedClient("500", 500)
    auditor = compliance.Auditor(lambda service: client, "demo", "prod", REGION)
    resource = compliance.Resource("arn:acl", "demo-prod-waf", compliance.T_WEB_ACL, {}, {})
    auditor._memo["wafv2.web_acls"] = [resource]
    report = compliance.run_audit(auditor, ["WAF.LOGGING"], [], "high", datetime.datetime.now(datetime.UTC))
    (finding,) = report["findings"]
    assert finding["status"] == "FAIL" and "fails closed" in finding["detail"]


# --------------------------------------------------------------------------------------------------
# issue 13: the account's security baseline, each test in a fresh emulated account of its own
# --------------------------------------------------------------------------------------------------
BASELINE_SERVICES = {
    "CLOUDTRAIL.LOGGING": "cloudtrail",
    "CLOUDTRAIL.VALIDATION": "cloudtrail",
    "CLOUDTRAIL.ENCRYPTED": "cloudtrail",
    "GUARDDUTY.ENABLED": "guardduty",
    "SECURITYHUB.FSBP": "securityhub",
    "CONFIG.RECORDING": "config",
    "BACKUP.PLAN_COVERAGE": "backup",
}
FSBP = f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"


class Account:
    """A fresh emulated AWS account: an IAM access key created in it (moto's ``x-moto-account-id``) makes
    every request signed with that key act in it, the module's too. GuardDuty, Security Hub, Config and
    trails are per account and region: the other tests of the shared moto server cannot touch them."""

    def __init__(self, endpoint, account_id):
        self.endpoint = endpoint
        self.id = account_id
        iam = boto3.client("iam", region_name=REGION, endpoint_url=endpoint)
        iam.meta.events.register("before-sign.*.*", self._in_account)
        iam.create_user(UserName="auditor")
        key = iam.create_access_key(UserName="auditor")["AccessKey"]
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        self._trail_buckets = set()

    def _in_account(self, request, **_kwargs):
        request.headers["x-moto-account-id"] = self.id

    def __call__(self, service, region=REGION):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def audit(self, run_module, platform, env="prod", **args):
        args.setdefault("controls", sorted(BASELINE))
        return run_module(
            MODULE,
            {
                "platform_name": platform,
                "platform_env": env,
                "access_key": self.access_key,
                "secret_key": self.secret_key,
                **args,
            },
        )

    # --- the baseline, as the security_baseline role builds it ---
    def trail(self, stack, **kwargs):
        """A trail of this account into a bucket whose policy lets CloudTrail write (CreateTrail checks it)."""
        name = f"{stack.prefix}-trail"
        if name not in self._trail_buckets:
            stack.bucket("trail", encryption="AES256", logging_to=None, tls_policy=False)
            arn = f"arn:aws:s3:::{name}"
            source = {"StringEquals": {"aws:SourceAccount": self.id}}
            statements = [
                {
                    "Sid": "CloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": arn,
                    "Condition": source,
                },
                {
                    "Sid": "CloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/AWSLogs/{self.id}/*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": self.id, "s3:x-amz-acl": "bucket-owner-full-control"}
                    },
                },
            ]
            self("s3").put_bucket_policy(
                Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
            )
            self._trail_buckets.add(name)
        return stack.trail(name, account=self.id, **kwargs)

    def detector(self, enable=True):
        return self("guardduty").create_detector(Enable=enable)["DetectorId"]

    def hub(self, fsbp=True):
        hub = self("securityhub")
        hub.enable_security_hub(EnableDefaultStandards=False)
        if fsbp:
            hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": FSBP}])

    def recorder(self, all_supported=True, start=True, channel=True, bucket=None):
        config = self("config")
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{self.id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
                "recordingGroup": (
                    {"allSupported": True, "includeGlobalResourceTypes": True}
                    if all_supported
                    else {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}
                ),
            }
        )
        if channel:
            config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket or "config-bucket"})
        if start:
            config.start_configuration_recorder(ConfigurationRecorderName="default")

    def backup_plan(self, stack, retention=35, selection="tags"):
        backup = self("backup")
        vault = f"{stack.prefix}-vault"
        backup.create_backup_vault(BackupVaultName=vault)
        plan_id = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": f"{stack.prefix}-backup",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": vault,
                        "ScheduleExpression": "cron(0 5 ? * * *)",
                        "Lifecycle": {"DeleteAfterDays": retention},
                    }
                ],
            }
        )["BackupPlanId"]
        if selection == "tags":
            chosen = {
                "Resources": ["*"],
                "Conditions": {
                    "StringEquals": [
                        {"ConditionKey": "aws:ResourceTag/PlatformBackup", "ConditionValue": "true"},
                        {"ConditionKey": "aws:ResourceTag/Project", "ConditionValue": stack.name},
                        {"ConditionKey": "aws:ResourceTag/Environment", "ConditionValue": stack.env},
                    ]
                },
            }
        else:
            chosen = {"Resources": list(selection)}
        backup.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={
                "SelectionName": f"{stack.prefix}-phi",
                "IamRoleArn": f"arn:aws:iam::{self.id}:role/{stack.prefix}-backup",
                **chosen,
            },
        )
        return plan_id


@pytest.fixture
def account(moto_endpoint, platform):
    return Account(moto_endpoint, str(int(platform[1:], 16) % 10**12).zfill(12))


@pytest.fixture
def account_stack(account, platform):
    return Stack(account, platform)


def _baseline_findings(res):
    return {f["control"]: f for f in res["findings"] if f["control"] in BASELINE}


@pytest.mark.parametrize("switched_off", [False, True])
def test_baseline_missing_fails_high_naming_each_control(run_module, account, platform, switched_off):
    switches = dict.fromkeys(("cloudtrail", "guardduty", "securityhub", "config", "backup"), not switched_off)
    res = account.audit(run_module, platform, security_baseline=switches)
    assert res.failed
    findings = _baseline_findings(res)
    assert set(findings) == BASELINE
    for control, finding in findings.items():
        service = BASELINE_SERVICES[control]
        assert (finding["status"], finding["severity"], finding["resource"]) == ("FAIL", "high", f"{service}:{REGION}")
        note = f"security_baseline_{service} is false: the organisation must provide it, or waive {control} in compliance_waivers"
        assert (note in finding["detail"]) is switched_off, finding["detail"]
        assert control in res["msg"]
    assert findings["GUARDDUTY.ENABLED"]["detail"].startswith("no GuardDuty detector in this region")
    assert findings["SECURITYHUB.FSBP"]["detail"].startswith("Security Hub is not enabled")
    assert findings["BACKUP.PLAN_COVERAGE"]["detail"].startswith("no AWS Backup plan in this region")


def test_baseline_waived_when_the_organisation_provides_it(run_module, account, platform):
    expires = (today() + datetime.timedelta(days=90)).isoformat()
    waivers = [
        {"control": control, "resource": f"{service}:{REGION}", "reason": "organisation (SEC-1)", "expires": expires}
        for control, service in BASELINE_SERVICES.items()
    ]
    switches = dict.fromkeys(("cloudtrail", "guardduty", "securityhub", "config", "backup"), False)
    res = account.audit(run_module, platform, security_baseline=switches, waivers=waivers)
    assert not res.failed, res.get("msg")
    assert {f["status"] for f in _baseline_findings(res).values()} == {"WAIVED"}


def test_complete_baseline_passes(run_module, account, account_stack, platform):
    s = account_stack
    trail = account.trail(s)
    account.detector()
    account.hub()
    account.recorder()
    db = s.database(tags={**s.tags, "PlatformBackup": "true"})
    documents = s.bucket("documents", logging_to=None, tags={**s.tags, "PlatformBackup": "true"})
    s.bucket("assets", logging_to=None)  # not PHI: needs no backup
    account.backup_plan(s)
    res = account.audit(run_module, platform)
    assert not res.failed, res.get("msg")
    findings = {(f["control"], f["resource"]): f["status"] for f in res["findings"]}
    assert findings == {
        ("CLOUDTRAIL.LOGGING", trail): "PASS",
        ("CLOUDTRAIL.VALIDATION", trail): "PASS",
        ("CLOUDTRAIL.ENCRYPTED", trail): "PASS",
        ("GUARDDUTY.ENABLED", f"guardduty:{REGION}"): "PASS",
        ("SECURITYHUB.FSBP", f"securityhub:{REGION}"): "PASS",
        ("CONFIG.RECORDING", f"config:{REGION}"): "PASS",
        ("BACKUP.PLAN_COVERAGE", db): "PASS",
        ("BACKUP.PLAN_COVERAGE", f"arn:aws:s3:::{documents}"): "PASS",
    }
    # outside prod 7 days are enough; in prod 35
    assert "35 days" in next(f["detail"] for f in res["findings"] if f["resource"] == db)


def test_baseline_services_present_but_off(run_module, account, account_stack, platform):
    s = account_stack
    trail = account.trail(s, logging=False)
    account.detector(enable=False)
    account.hub(fsbp=False)
    account.recorder(start=False)
    res = account.audit(run_module, platform, fail_on_findings=False)
    found = {f["control"]: (f["resource"], f["status"], f["detail"]) for f in res["findings"]}
    assert found["CLOUDTRAIL.LOGGING"] == (trail, "FAIL", "trail exists but is not logging")
    assert found["CLOUDTRAIL.VALIDATION"][1:] == ("FAIL", "no trail logs this region")
    assert found["GUARDDUTY.ENABLED"][1] == "FAIL" and "is DISABLED" in found["GUARDDUTY.ENABLED"][2]
    assert found["SECURITYHUB.FSBP"][1:] == (
        "FAIL",
        "Security Hub is enabled without the AWS Foundational Security Best Practices standard",
    )
    assert found["CONFIG.RECORDING"][1] == "FAIL" and "is not recording" in found["CONFIG.RECORDING"][2]


def test_trail_without_validation_or_key_is_named(run_module, account, account_stack, platform):
    trail = account.trail(account_stack, validation=False, kms=False)
    res = account.audit(run_module, platform, controls=["CLOUDTRAIL.*"], fail_on_findings=False)
    found = {f["control"]: (f["resource"], f["status"], f["detail"]) for f in res["findings"]}
    assert found["CLOUDTRAIL.LOGGING"][:2] == (trail, "PASS")
    assert (
        found["CLOUDTRAIL.VALIDATION"][:2] == (trail, "FAIL")
        and "validation is off" in found["CLOUDTRAIL.VALIDATION"][2]
    )
    assert found["CLOUDTRAIL.ENCRYPTED"][:2] == (trail, "FAIL") and "no KmsKeyId" in found["CLOUDTRAIL.ENCRYPTED"][2]
    # a second trail with both makes the region compliant: one trail must be the whole record
    good = account.trail(account_stack, name=f"{account_stack.prefix}-trail-2")
    res = account.audit(run_module, platform, controls=["CLOUDTRAIL.*"])
    assert not res.failed, res.get("msg")
    assert {
        (f["control"], f["resource"], f["status"]) for f in res["findings"] if f["control"] != "CLOUDTRAIL.LOGGING"
    } == {
        ("CLOUDTRAIL.VALIDATION", good, "PASS"),
        ("CLOUDTRAIL.ENCRYPTED", good, "PASS"),
    }


@pytest.mark.parametrize(
    ("recorder", "problems"),
    [
        ({"all_supported": False}, ["does not record all supported resource types"]),
        # AWS starts no recorder without a delivery channel (NoAvailableDeliveryChannelException)
        ({"start": False, "channel": False}, ["is not recording", "no delivery channel"]),
    ],
)
def test_config_recorder_must_record_everything_and_deliver(run_module, account, platform, recorder, problems):
    account.recorder(**recorder)
    res = account.audit(run_module, platform, controls=["CONFIG.RECORDING"], fail_on_findings=False)
    [finding] = res["findings"]
    assert finding["status"] == "FAIL"
    for problem in problems:
        assert problem in finding["detail"]


def test_backup_plan_must_cover_the_database_and_phi_buckets(run_module, account, account_stack, platform):
    s = account_stack
    db = s.database()  # not tagged PlatformBackup
    media = s.bucket("media", logging_to=None, tags={**s.tags, "PlatformBackup": "true"})
    account.backup_plan(s, retention=14)
    res = account.audit(run_module, platform, controls=["BACKUP.PLAN_COVERAGE"], fail_on_findings=False)
    found = {f["resource"]: (f["status"], f["detail"]) for f in res["findings"]}
    assert found[db][0] == "FAIL" and "no backup plan of the region selects it" in found[db][1]
    assert found[f"arn:aws:s3:::{media}"][0] == "FAIL"
    assert "no rule keeps recovery points 35 days or more" in found[f"arn:aws:s3:::{media}"][1]
    # 14 days is enough outside prod: the staging stack's bucket (its own tags) is covered by its own plan
    staging = Stack(account, platform, env="staging")
    bucket = staging.bucket("documents", logging_to=None, tags={**staging.tags, "PlatformBackup": "true"})
    account.backup_plan(staging, retention=14)
    res = account.audit(run_module, platform, env="staging", controls=["BACKUP.PLAN_COVERAGE"])
    assert not res.failed, res.get("msg")
    assert [(f["resource"], f["status"]) for f in res["findings"]] == [(f"arn:aws:s3:::{bucket}", "PASS")]


def test_backup_plan_without_any_stack_resource_is_not_applicable(run_module, account, account_stack, platform):
    account.backup_plan(account_stack)
    res = account.audit(run_module, platform, controls=["BACKUP.PLAN_COVERAGE"])
    assert not res.failed, res.get("msg")
    [finding] = res["findings"]
    assert finding["status"] == "NOT_APPLICABLE" and "no RDS DB instances or PHI buckets" in finding["detail"]


@pytest.mark.parametrize(
    ("selection", "covered"),
    [
        ({}, True),  # no Resources, tags or conditions: every supported resource
        ({"Resources": ["*"]}, True),
        ({"Resources": ["arn:aws:s3:::*"]}, True),
        ({"Resources": ["arn:aws:rds:*:*:db:*"]}, False),
        ({"Resources": ["arn:aws:s3:::demo-prod-documents"]}, True),
        ({"Resources": ["arn:aws:s3:::*"], "NotResources": ["arn:aws:s3:::demo-prod-doc*"]}, False),
        (
            {
                "ListOfTags": [
                    {"ConditionType": "STRINGEQUALS", "ConditionKey": "PlatformBackup", "ConditionValue": "true"}
                ]
            },
            True,
        ),
        (
            {
                "ListOfTags": [
                    {"ConditionType": "STRINGEQUALS", "ConditionKey": "PlatformBackup", "ConditionValue": "yes"}
                ]
            },
            False,
        ),
        # Resources OR ListOfTags
        (
            {
                "Resources": ["arn:aws:rds:*:*:db:*"],
                "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "Project", "ConditionValue": "demo"}],
            },
            True,
        ),
        # ... AND every condition
        (
            {
                "Resources": ["*"],
                "Conditions": {
                    "StringEquals": [
                        {"ConditionKey": "aws:ResourceTag/PlatformBackup", "ConditionValue": "true"},
                        {"ConditionKey": "aws:ResourceTag/Environment", "ConditionValue": "staging"},
                    ]
                },
            },
            False,
        ),
        (
            {"Conditions": {"StringLike": [{"ConditionKey": "aws:ResourceTag/Project", "ConditionValue": "de?o*"}]}},
            True,
        ),
        (
            {
                "Conditions": {
                    "StringNotEquals": [{"ConditionKey": "aws:ResourceTag/Tier", "ConditionValue": "scratch"}]
                }
            },
            True,
        ),
        (
            {"Conditions": {"StringNotLike": [{"ConditionKey": "aws:ResourceTag/Project", "ConditionValue": "d*"}]}},
            False,
        ),
        ({"Conditions": {"StringEquals": [{"ConditionKey": "aws:PrincipalTag/x", "ConditionValue": "y"}]}}, False),
    ],
)
def test_backup_selection_is_evaluated_as_aws_backup_does(selection, covered):
    tags = {"Project": "demo", "Environment": "prod", "PlatformBackup": "true"}
    assert compliance.selection_covers(selection, "arn:aws:s3:::demo-prod-documents", tags) is covered


def test_baseline_controls_fail_closed_when_the_endpoint_does_not_answer():
    client = _UnsupportedClient("500", 500)
    auditor = compliance.Auditor(lambda service: client, "demo", "prod", REGION, baseline={"guardduty": False})
    report = compliance.run_audit(auditor, sorted(BASELINE), [], "high", datetime.datetime.now(datetime.UTC))
    assert {f["control"] for f in report["findings"]} == BASELINE
    for finding in report["findings"]:
        assert finding["status"] == "FAIL" and "fails closed" in finding["detail"], finding
    guardduty = next(f for f in report["findings"] if f["control"] == "GUARDDUTY.ENABLED")
    assert "security_baseline_guardduty is false" in guardduty["detail"]
    assert report["compliant"] is False


def test_baseline_access_denied_aborts_the_audit():
    auditor = compliance.Auditor(lambda service: _UnsupportedClient("AccessDenied", 403), "demo", "prod", REGION)
    with pytest.raises(compliance.AuditError) as err:
        compliance.run_audit(auditor, ["GUARDDUTY.ENABLED"], [], "high", datetime.datetime.now(datetime.UTC))
    assert err.value.control == "GUARDDUTY.ENABLED"


def _requests_by_operation(endpoint):
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)["by_operation"]


def test_iam_controls_read_the_roles_in_bulk_and_judge_the_default_version(run_module, moto_endpoint, stack, platform):
    """GetAccountAuthorizationDetails gives the roles, their inline and attached policies and tags in one
    paginated read; only AWS managed policies (not fetched in bulk) are read one by one. A customer managed
    policy is judged on its default version: an older version with s3:* on * no longer counts."""
    iam = stack.aws("iam")
    stack.role("backend-task")
    arn = stack.role("media-task", managed_statements=[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    role_name = arn.rsplit("/", 1)[1]
    iam.attach_role_policy(RoleName=role_name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    before = _requests_by_operation(moto_endpoint)
    res = audit(run_module, platform, controls=["IAM.NO_WILDCARD_ACTIONS"])
    after = _requests_by_operation(moto_endpoint)
    iam_ops = {op: n - before.get(op, 0) for op, n in after.items() if op.startswith("iam.") and n > before.get(op, 0)}
    assert ("IAM.NO_WILDCARD_ACTIONS", arn) in failing(res)
    assert set(iam_ops) <= {"iam.GetAccountAuthorizationDetails", "iam.GetPolicy", "iam.GetPolicyVersion"}, iam_ops
    assert iam_ops.get("iam.GetPolicy", 0) <= 1  # the AWS managed policy only

    managed = f"arn:aws:iam::{ACCOUNT}:policy/{role_name}-managed"
    safe = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    iam.create_policy_version(PolicyArn=managed, PolicyDocument=json.dumps(safe), SetAsDefault=True)
    res = audit(run_module, platform, controls=["IAM.NO_WILDCARD_ACTIONS"])
    assert ("IAM.NO_WILDCARD_ACTIONS", arn) not in failing(res)


def test_task_definitions_a_service_runs_at_its_latest_revision_are_described_once(
    run_module, moto_endpoint, stack, platform
):
    """The audit judges each family's latest revision and the revision each service runs. A service on its
    family's latest revision costs no second DescribeTaskDefinition; one on an older revision gets it judged
    as well (here: the older revision runs as root)."""
    ecs = stack.aws("ecs")
    ecs.create_cluster(clusterName=stack.prefix, tags=stack.kv_lower())

    def register(family, user):
        container = {"name": "app", "image": "app:1", "essential": True, "memory": 512, "user": user}
        return ecs.register_task_definition(family=family, containerDefinitions=[container], tags=stack.kv_lower())[
            "taskDefinition"
        ]["taskDefinitionArn"]

    old = register(f"{stack.prefix}-web", "root")
    latest = register(f"{stack.prefix}-web", "1000")
    worker = register(f"{stack.prefix}-worker", "1000")
    ecs.create_service(cluster=stack.prefix, serviceName=f"{stack.prefix}-web", taskDefinition=old, desiredCount=1)
    ecs.create_service(
        cluster=stack.prefix, serviceName=f"{stack.prefix}-worker", taskDefinition=worker, desiredCount=1
    )
    before = _requests_by_operation(moto_endpoint)
    res = audit(run_module, platform, controls=["ECS.NON_ROOT_USER"])
    after = _requests_by_operation(moto_endpoint)
    described = after.get("ecs.DescribeTaskDefinition", 0) - before.get("ecs.DescribeTaskDefinition", 0)
    assert described == 3, described  # web latest, web's running older revision, worker latest (= running)
    assert ("ECS.NON_ROOT_USER", old) in failing(res)
    assert ("ECS.NON_ROOT_USER", latest) not in failing(res)
    judged = {f["resource"] for f in by_control(res, "ECS.NON_ROOT_USER")}
    assert {old, latest, worker} <= judged, judged


def test_bucket_regions_come_with_the_bucket_listing(run_module, moto_endpoint, stack, platform):
    """ListBuckets with a Prefix answers each bucket's region (BucketRegion): judging replication against the DR
    region needs no GetBucketLocation per bucket, and a bucket in the DR region is still recognised."""
    _with_logs(stack)
    stack.bucket("replica", region=DR_REGION, logging_to=None)
    before = _requests_by_operation(moto_endpoint)
    res = audit(run_module, platform, dr_region=DR_REGION, controls=["S3.REPLICATION"], severity_threshold="info")
    after = _requests_by_operation(moto_endpoint)
    assert after.get("s3.GetBucketLocation", 0) == before.get("s3.GetBucketLocation", 0)
    statuses = {f["resource"].rsplit(":", 1)[-1]: f["status"] for f in by_control(res, "S3.REPLICATION")}
    [replica] = [name for name in statuses if name.startswith(f"{stack.prefix}-replica")]
    assert statuses[replica] == "NOT_APPLICABLE"
    assert "FAIL" in statuses.values()  # the data bucket without replication


# --------------------------------------------------------------------------------------------------
# the run's earlier reads (aws_read results), reused when nothing changed since
# --------------------------------------------------------------------------------------------------
def test_the_answers_of_the_runs_reads_stand_for_the_same_calls(run_module, stack, platform):
    """An aws_read result passed as ``reads`` answers the audit's identical calls, with boto3's types restored
    (the secrets' dates decide SECRETS.ROTATION): the same findings with fewer requests. What it answers is taken
    as read, which is why a run passes them only when it changed nothing after reading."""
    ids = build_compliant_stack(stack)
    read = run_module(
        "aws_read",
        {
            "reads": [
                {
                    "id": "versioning",
                    "service": "s3",
                    "operation": "get_bucket_versioning",
                    "params": {"Bucket": ids["documents"]},
                },
                {"id": "secrets", "service": "secretsmanager", "operation": "list_secrets", "paginate": True},
                {
                    "id": "groups",
                    "service": "logs",
                    "operation": "describe_log_groups",
                    "paginate": True,
                    "params": {"logGroupNamePattern": f"{platform}-prod"},
                },
                # not a call the audit makes (other parameters): never used
                {
                    "id": "other",
                    "service": "s3",
                    "operation": "get_bucket_versioning",
                    "params": {"Bucket": ids["logs_bucket"], "ExpectedBucketOwner": ACCOUNT},
                },
            ]
        },
    )
    assert not read.failed, read.get("msg")
    assert [c["id"] for c in read["calls"]] == ["versioning", "secrets", "groups", "other"]
    assert read["calls"][0] == {
        "id": "versioning",
        "service": "s3",
        "operation": "get_bucket_versioning",
        "region": REGION,
        "paginate": False,
        "params": {"Bucket": ids["documents"]},
    }
    fresh = audit(run_module, platform, dr_region=DR_REGION, severity_threshold="info")
    reused = audit(run_module, platform, dr_region=DR_REGION, severity_threshold="info", reads=[dict(read)])
    assert not reused.failed, reused.get("msg")
    assert fresh["reused_reads"] == 0 and reused["reused_reads"] == 3
    assert reused["findings"] == fresh["findings"]
    assert any(f["control"] == "SECRETS.ROTATION" and f["status"] == "PASS" for f in reused["findings"])

    # Changed after the read: the answer read before is what the audit sees, and a fresh audit sees the change.
    stack.aws("s3").put_bucket_versioning(Bucket=ids["documents"], VersioningConfiguration={"Status": "Suspended"})
    documents = ("S3.VERSIONING", f"arn:aws:s3:::{ids['documents']}")
    assert documents not in failing(
        audit(run_module, platform, dr_region=DR_REGION, reads=[dict(read)], fail_on_findings=False)
    )
    assert documents in failing(audit(run_module, platform, dr_region=DR_REGION, fail_on_findings=False))
