"""tests/policy_lint.py: good and bad documents, and collect() against the moto server."""

from __future__ import annotations

import json

import pytest

from tests.policy_lint import collect, lint, lint_stack

ACCOUNT = "123456789012"
REGION = "us-east-1"


def allow(**statement):
    return {"Version": "2012-10-17", "Statement": [dict({"Effect": "Allow"}, **statement)]}


def test_a_scoped_identity_policy_passes():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Token", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "kms:GenerateDataKey*"],
                "Resource": ["arn:aws:s3:::b/*"],
            },
        ],
    }
    assert lint(doc, "identity") == []


@pytest.mark.parametrize("action", ["*", "s3:*", ["s3:GetObject", "iam:*"]])
def test_wildcard_actions_are_refused(action):
    problems = lint(allow(Action=action, Resource="arn:aws:s3:::b/*"), "identity")
    assert len(problems) == 1 and "wildcard action" in problems[0]


def test_a_wildcard_action_in_a_deny_is_fine():
    doc = {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
    assert lint(doc, "bucket") == []


def test_resource_star_only_for_documented_actions():
    assert lint(allow(Action="ecr:GetAuthorizationToken", Resource="*"), "identity") == []
    problems = lint(
        allow(Action=["ecr:GetAuthorizationToken", "secretsmanager:GetSecretValue"], Resource="*"), "identity"
    )
    assert problems == [
        "statement 0: Resource '*' for secretsmanager:GetSecretValue (not on the documented allow-list)"
    ]
    assert (
        lint(allow(Action="logs:DescribeLogGroups", Resource="*"), "identity", allow=["logs:DescribeLogGroups"]) == []
    )


def test_key_policy_resource_star_is_the_key_and_root_may_administer_it():
    doc = {
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "ViaServices",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-east-1.amazonaws.com"}
                },
            },
        ]
    }
    assert lint(doc, "key") == []
    # kms:* for anyone but the account root, and Resource * outside a key policy, are refused
    doc["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}
    assert lint(doc, "key") == ["Root: wildcard action kms:*"]


def test_any_principal_needs_a_condition():
    problems = lint(allow(Principal="*", Action="s3:GetObject", Resource="arn:aws:s3:::b/*"), "bucket")
    assert problems == ["statement 0: Allow to any principal without a condition pinning the caller"]


def test_not_action_and_not_resource_with_allow_are_refused():
    problems = lint(allow(NotAction="iam:*", NotResource="arn:aws:s3:::b"), "identity")
    assert any("NotAction" in p for p in problems) and any("NotResource" in p for p in problems)


def test_service_principals_need_source_account_and_source_arn():
    trust = allow(Principal={"Service": "s3.amazonaws.com"}, Action="sts:AssumeRole")
    assert lint(trust, "trust") == [
        "statement 0: service principal s3.amazonaws.com without aws:SourceAccount and aws:SourceArn (confused deputy)"
    ]
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert lint(trust, "trust") == [
        "statement 0: service principal s3.amazonaws.com without aws:SourceArn (confused deputy)"
    ]
    # condition keys are case-insensitive (AWS:SourceArn as CloudFront's examples write it)
    trust["Statement"][0]["Condition"]["ArnLike"] = {"AWS:SourceArn": "arn:aws:s3:::b"}
    assert lint(trust, "trust") == []


def test_documented_service_pins():
    logs_key = allow(
        Principal={"Service": "logs.us-east-1.amazonaws.com"},
        Action=["kms:Decrypt*"],
        Resource="*",
        Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}},
    )
    assert lint(logs_key, "key") == []
    del logs_key["Statement"][0]["Condition"]
    assert "without kms:encryptioncontext:aws:logs:arn" in lint(logs_key, "key")[0]
    alb = allow(
        Principal={"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
        Action="s3:PutObject",
        Resource=f"arn:aws:s3:::logs/alb/AWSLogs/{ACCOUNT}/*",
    )
    assert lint(alb, "bucket") == []
    alb["Statement"][0]["Resource"] = "arn:aws:s3:::logs/*"
    assert len(lint(alb, "bucket")) == 1


def test_a_json_string_is_accepted():
    assert lint(json.dumps(allow(Action="s3:GetObject", Resource="arn:aws:s3:::b/*")), "identity") == []


def test_collect_reads_every_policy_of_the_stack(aws, moto_endpoint):
    name, env = "lintapp", "dev"
    prefix = f"{name}-{env}"
    iam = aws("iam")
    trust = allow(
        Principal={"Service": "ecs-tasks.amazonaws.com"},
        Action="sts:AssumeRole",
        Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    )
    iam.create_role(RoleName=f"{prefix}-exec-api", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName=f"{prefix}-exec-api",
        PolicyName="execution",
        PolicyDocument=json.dumps(allow(Action="secretsmanager:*", Resource="*")),
    )
    iam.create_role(RoleName="someone-else", AssumeRolePolicyDocument=json.dumps(trust))
    s3 = aws("s3")
    s3.create_bucket(Bucket=f"{prefix}-documents")
    s3.put_bucket_policy(
        Bucket=f"{prefix}-documents",
        Policy=json.dumps(
            allow(
                Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                Action="s3:GetObject",
                Resource=f"arn:aws:s3:::{prefix}-documents/*",
            )
        ),
    )
    kms = aws("kms")
    key = kms.create_key(Tags=[{"TagKey": "Project", "TagValue": name}, {"TagKey": "Environment", "TagValue": env}])
    aws("sns").create_topic(Name=f"{prefix}-alarms")

    sources = {item["source"]: item["kind"] for item in collect(moto_endpoint, REGION, name, env)}
    assert sources[f"iam role {prefix}-exec-api (trust)"] == "trust"
    assert sources[f"iam role {prefix}-exec-api inline execution"] == "identity"
    assert sources[f"bucket {prefix}-documents"] == "bucket"
    assert sources[f"kms key {key['KeyMetadata']['Arn']}"] == "key"
    assert not any("someone-else" in s for s in sources)

    failing = lint_stack(moto_endpoint, REGION, name, env)
    assert f"iam role {prefix}-exec-api inline execution" in failing
    assert any("wildcard action secretsmanager:*" in p for p in failing[f"iam role {prefix}-exec-api inline execution"])
    assert "without aws:SourceArn" in failing[f"iam role {prefix}-exec-api (trust)"][0]
    assert f"bucket {prefix}-documents" not in failing


def test_backup_role_trust_pins_the_account_and_aws_managed_backup_policies_are_left_out(aws, moto_endpoint):
    trust = allow(
        Principal={"Service": "backup.amazonaws.com"},
        Action="sts:AssumeRole",
        Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    )
    assert lint(trust, "trust") == []
    del trust["Statement"][0]["Condition"]
    assert "backup.amazonaws.com without aws:sourceaccount" in lint(trust, "trust")[0]

    prefix = "lintbak-dev"
    iam = aws("iam")
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    iam.create_role(RoleName=f"{prefix}-backup", AssumeRolePolicyDocument=json.dumps(trust))
    for arn in (
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    ):
        iam.attach_role_policy(RoleName=f"{prefix}-backup", PolicyArn=arn)
    sources = [item["source"] for item in collect(moto_endpoint, REGION, "lintbak", "dev")]
    assert sources == [f"iam role {prefix}-backup (trust)"]
    assert lint_stack(moto_endpoint, REGION, "lintbak", "dev") == {}
