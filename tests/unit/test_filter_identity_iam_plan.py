"""plugins/filter/identity_plan.py: ``identity_iam_plan`` (the ECS roles of roles/identity/tasks/roles.yml) and
``identity_input_errors`` (the checks of roles/identity/tasks/present.yml). Both replaced Jinja programs
(roles/identity/templates/iam_plan.json.j2 and input_errors.json.j2); the expected values of these tables were
captured from those templates, rendered by ansible-playbook with the same inputs, before they were deleted."""

from __future__ import annotations

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import identity_plan as plan

ACCOUNT = "123456789012"
KMS_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1111-2222"
DR_KMS_KEY = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/3333-4444"
PATH = "/platform/caseapp-dev/"
TAGS = {"Project": "caseapp", "Environment": "dev", "ManagedBy": "ansible", "DataClassification": "phi"}
STORAGE = {
    "kms_key_arn": KMS_KEY,
    "buckets": {"documents": {"name": "caseapp-dev-documents-abc"}, "media": {"name": "caseapp-dev-media-abc"}},
}


def _trust(account=ACCOUNT, partition="aws", region="eu-west-1"):
    """templates/ecs_tasks_trust.json.j2 as the role renders it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:ecs:{region}:{account}:*"},
                },
            }
        ],
    }


def _config(services, **overrides):
    """identity_iam_plan's config as roles/identity/tasks/roles.yml passes it."""
    config = {
        "prefix": "caseapp-dev",
        "platform_name": "caseapp",
        "platform_env": "dev",
        "region": "eu-west-1",
        "dr_region": "",
        "account": ACCOUNT,
        "partition": "aws",
        "storage": STORAGE,
        "services": services,
        "execution_role_prefix": "caseapp-dev-exec-",
        "task_role_prefix": "caseapp-dev-task-",
        "tags": TAGS,
        "role_path": PATH,
        "trust": _trust(),
    }
    config.update(overrides)
    return config


def _found(name, description, inline=(), **overrides):
    """A role as amazon.aws.iam_role_info lists it (None as a value: the key is left out)."""
    role = {
        "role_name": name,
        "path": PATH,
        "description": description,
        "assume_role_policy_document": _trust(),
        "managed_policies": [],
        "inline_policies": list(inline),
        "arn": f"arn:aws:iam::{ACCOUNT}:role{PATH}{name}",
    }
    role.update(overrides)
    return {key: value for key, value in role.items() if value is not None}


def _exec_description(service):
    return f"ECS task execution role of caseapp-dev-{service}: pulls its image, writes its logs, reads its secrets"


# Uses everything (its execution role reads DATABASE_URL and REDIS_URL too), read-write on a bucket.
API = {"name": "api", "port": 8000, "buckets": ["documents"], "secrets": ["JWT_SECRET"]}
# Buckets without storage in uses: no bucket grant.
WORKER = {"name": "worker", "port": 8001, "uses": ["database"], "buckets": ["documents"], "bucket_access": "read"}
# Read-only on two buckets; a master secret listed is never granted.
READER = {
    "name": "reader",
    "port": 8002,
    "uses": ["storage", "cache"],
    "buckets": ["documents", "media"],
    "bucket_access": "read",
    "secrets": ["DATABASE_MASTER", "API_KEY"],
}
# Uses nothing: no secret, no bucket.
PLAIN = {"name": "plain", "port": 8003, "uses": []}

CONVERGED = [
    _found("caseapp-dev-exec-api", _exec_description("api"), ["execution"]),
    _found("caseapp-dev-exec-plain", _exec_description("plain"), ["execution"]),
    _found("caseapp-dev-task-api", "ECS task role of caseapp-dev-api", ["service-access"]),
    _found("caseapp-dev-task-plain", "ECS task role of caseapp-dev-plain"),
]

# id: (found_roles, config)
IAM_CASES = {
    "nothing wanted, roles left over": (
        [
            _found("caseapp-dev-task-api", "ECS task role of caseapp-dev-api"),
            _found("caseapp-dev-task-execution", "the former shared execution role", ["secrets"]),
            _found("caseapp-dev-exec-old", _exec_description("old"), ["execution"]),
            _found("someone-elses-role", "not named like a platform role"),
        ],
        _config([]),
    ),
    "new services, nothing found": ([], _config([API, PLAIN])),
    "converged, with stale and unrelated roles": (
        [
            *CONVERGED,
            _found("caseapp-dev-task-old", "ECS task role of caseapp-dev-old"),
            _found("caseapp-dev-task-execution", "the former shared execution role"),
            _found("someone-elses-role", "not named like a platform role"),
        ],
        _config([API, PLAIN]),
    ),
    "drift: trust, description, path, managed and inline policies": (
        [
            _found(
                "caseapp-dev-exec-api",
                _exec_description("api"),
                ["execution", "extra"],
                assume_role_policy_document=_trust("999999999999"),
            ),
            _found("caseapp-dev-task-api", "changed by hand", ["service-access"]),
            _found("caseapp-dev-exec-worker", _exec_description("worker"), ["execution"], path="/other/"),
            _found(
                "caseapp-dev-task-worker",
                "ECS task role of caseapp-dev-worker",
                ["service-access", "legacy"],
                managed_policies=[
                    {"policy_name": "ReadOnlyAccess", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
                ],
            ),
            _found("caseapp-dev-exec-plain", None, ["execution"]),
            {
                **_found("caseapp-dev-task-plain", "ECS task role of caseapp-dev-plain", ["service-access"]),
                "description": None,
            },
        ],
        _config([API, WORKER, PLAIN]),
    ),
    "DR region and key, read-only buckets, a master secret listed": (
        [],
        _config([READER], dr_region="eu-central-1", storage={**STORAGE, "dr_kms_key_arn": DR_KMS_KEY}),
    ),
    "DR region without a DR key, another partition": (
        [
            _found(
                "caseapp-dev-exec-api",
                _exec_description("api"),
                ["execution"],
                assume_role_policy_document=_trust(partition="aws-cn", region="cn-north-1"),
            )
        ],
        _config(
            [{"name": "api", "port": 8000, "uses": ["database"]}],
            region="cn-north-1",
            dr_region="cn-northwest-1",
            partition="aws-cn",
            storage={**STORAGE, "dr_kms_key_arn": ""},
            trust=_trust(partition="aws-cn", region="cn-north-1"),
        ),
    ),
    "task roles: bucket_access empty, buckets null; a role listed twice": (
        [
            _found("caseapp-dev-task-files", "first listing"),
            _found("caseapp-dev-task-files", "ECS task role of caseapp-dev-files", ["other"]),
        ],
        _config(
            [
                {
                    "name": "files",
                    "port": 1,
                    "uses": ["storage"],
                    "buckets": ["media", "documents"],
                    "bucket_access": "",
                },
                {"name": "web", "port": 2, "uses": ["storage"], "buckets": None},
            ]
        ),
    ),
}

INPUT_DEFAULTS = {
    "prefix": "caseapp-dev",
    "services": [{"name": "api", "port": 8000}, {"name": "worker", "port": 8001, "bucket_access": "read"}],
    "password_min_length": 12,
    "temporary_password_validity_days": 3,
    "access_token_validity_minutes": 60,
    "id_token_validity_minutes": 60,
    "refresh_token_validity_days": 30,
    "jwt_secret_length": 64,
    "role_path": "/platform/caseapp-dev/",
    "user_groups": [
        {"name": "admins", "description": "Platform administrators", "precedence": 0},
        {"name": "staff", "description": "Staff users", "precedence": 10},
    ],
}

# id: the config's differences from INPUT_DEFAULTS (the role's defaults)
INPUT_CASES = {
    "defaults": {},
    "bounds": {
        "password_min_length": 99,
        "temporary_password_validity_days": 0,
        "access_token_validity_minutes": 5,
        "id_token_validity_minutes": 1440,
        "refresh_token_validity_days": 3650,
        "jwt_secret_length": 32,
    },
    "every number out of range": {
        "password_min_length": 11,
        "temporary_password_validity_days": 366,
        "access_token_validity_minutes": 4,
        "id_token_validity_minutes": 1441,
        "refresh_token_validity_days": 0,
        "jwt_secret_length": 4097,
    },
    # As Jinja's int filter reads them (vars/main.yml passes `| int` to the modules): a decimal string is
    # truncated, anything else not a number is 0.
    "numbers as strings": {
        "password_min_length": "14",
        "temporary_password_validity_days": "abc",
        "access_token_validity_minutes": "12.7",
        "id_token_validity_minutes": "3.9",
        "refresh_token_validity_days": " 30 ",
        "jwt_secret_length": "0x40",
    },
    "floats, booleans, null, collections": {
        "password_min_length": 12.9,
        "temporary_password_validity_days": True,
        "access_token_validity_minutes": None,
        "id_token_validity_minutes": False,
        "refresh_token_validity_days": [1],
        "jwt_secret_length": {"a": 1},
    },
    "role path /": {"role_path": "/"},
    "role path with every allowed character": {"role_path": "/a+b=c,d.e@f_g-h/i/"},
    "role path without the trailing slash": {"role_path": "/platform"},
    "role path without the leading slash": {"role_path": "platform/"},
    "role path with a space": {"role_path": "/plat form/"},
    "role path empty": {"role_path": ""},
    "role path with an empty segment": {"role_path": "/a//"},
    "duplicate groups": {"user_groups": [{"name": "admins"}, {"name": "staff"}, {"name": "admins"}]},
    "groups differing in case only": {"user_groups": [{"name": "Admins"}, {"name": "admins"}]},
    "no groups": {"user_groups": []},
    "service rules": {
        "services": [
            {"name": "execution"},
            {"name": "Bad_Name"},
            {"name": "api", "bucket_access": "write"},
            {"name": "api", "uses": ["storage", "queue"]},
            "not-a-mapping",
            {"name": 7},
            {"name": "a-very-long-service-name-for-iam-roles-abcdefg"},
        ]
    },
    "IAM role names over 64 characters": {
        "prefix": "averyveryverylongname-staging",
        "services": [{"name": "worker-service-with-a-long-name"}],
    },
    "no services": {"services": []},
    "everything wrong at once": {
        "password_min_length": 5,
        "role_path": "x",
        "user_groups": [{"name": "a"}, {"name": "a"}],
        "services": [{"name": "x"}, {"name": "x"}],
    },
}


@pytest.mark.parametrize("case", IAM_CASES)
def test_identity_iam_plan(case):
    found_roles, config = IAM_CASES[case]
    assert plan.identity_iam_plan(found_roles, config) == IAM_EXPECTED[case]


@pytest.mark.parametrize("case", INPUT_CASES)
def test_identity_input_errors(case):
    assert plan.identity_input_errors({**INPUT_DEFAULTS, **INPUT_CASES[case]}) == INPUT_EXPECTED[case]


def test_identity_plan_filters_are_registered():
    filters = plan.FilterModule().filters()
    assert filters["identity_iam_plan"] is plan.identity_iam_plan
    assert filters["identity_input_errors"] is plan.identity_input_errors


# ------------------------------------------------------------------ expected (captured from the old templates)

EXEC_API_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/caseapp-dev/api"],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/api",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/api:log-stream:*",
            ],
        },
        {
            "Sid": "ReadItsSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:caseapp-dev/cache/url-??????",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:caseapp-dev/database/url-??????",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:caseapp-dev/identity/jwt-secret-??????",
            ],
        },
        {
            "Sid": "DecryptItsSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
        },
    ],
}

EXEC_PLAIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/caseapp-dev/plain"],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/plain",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/plain:log-stream:*",
            ],
        },
    ],
}

TASK_API_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ObjectsOfItsBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": ["arn:aws:s3:::caseapp-dev-documents-abc/*"],
        },
        {
            "Sid": "ListItsBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": ["arn:aws:s3:::caseapp-dev-documents-abc"],
        },
        {
            "Sid": "PlatformKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        },
    ],
}

EXEC_WORKER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/caseapp-dev/worker"],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/worker",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/worker:log-stream:*",
            ],
        },
        {
            "Sid": "ReadItsSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:caseapp-dev/database/url-??????"],
        },
        {
            "Sid": "DecryptItsSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
        },
    ],
}

EXEC_READER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": [
                "arn:aws:ecr:eu-west-1:123456789012:repository/caseapp-dev/reader",
                "arn:aws:ecr:eu-central-1:123456789012:repository/caseapp-dev/reader",
            ],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/reader",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/reader:log-stream:*",
                "arn:aws:logs:eu-central-1:123456789012:log-group:/platform/caseapp-dev/reader",
                "arn:aws:logs:eu-central-1:123456789012:log-group:/platform/caseapp-dev/reader:log-stream:*",
            ],
        },
        {
            "Sid": "ReadItsSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:caseapp-dev/app/api-key-??????",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:caseapp-dev/cache/url-??????",
                "arn:aws:secretsmanager:eu-central-1:123456789012:secret:caseapp-dev/app/api-key-??????",
                "arn:aws:secretsmanager:eu-central-1:123456789012:secret:caseapp-dev/cache/url-??????",
            ],
        },
        {
            "Sid": "DecryptItsSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
        },
        {
            "Sid": "DecryptItsSecretsInTheDrRegion",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-central-1:123456789012:key/3333-4444"],
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com"}},
        },
    ],
}

TASK_READER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ObjectsOfItsBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::caseapp-dev-documents-abc/*", "arn:aws:s3:::caseapp-dev-media-abc/*"],
        },
        {
            "Sid": "ListItsBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": ["arn:aws:s3:::caseapp-dev-documents-abc", "arn:aws:s3:::caseapp-dev-media-abc"],
        },
        {
            "Sid": "PlatformKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        },
    ],
}

EXEC_API_DATABASE_CN_DR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": [
                "arn:aws-cn:ecr:cn-north-1:123456789012:repository/caseapp-dev/api",
                "arn:aws-cn:ecr:cn-northwest-1:123456789012:repository/caseapp-dev/api",
            ],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/platform/caseapp-dev/api",
                "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/platform/caseapp-dev/api:log-stream:*",
                "arn:aws-cn:logs:cn-northwest-1:123456789012:log-group:/platform/caseapp-dev/api",
                "arn:aws-cn:logs:cn-northwest-1:123456789012:log-group:/platform/caseapp-dev/api:log-stream:*",
            ],
        },
        {
            "Sid": "ReadItsSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [
                "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:caseapp-dev/database/url-??????",
                "arn:aws-cn:secretsmanager:cn-northwest-1:123456789012:secret:caseapp-dev/database/url-??????",
            ],
        },
        {
            "Sid": "DecryptItsSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.cn-north-1.amazonaws.com"}},
        },
    ],
}

EXEC_FILES_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/caseapp-dev/files"],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/files",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/files:log-stream:*",
            ],
        },
    ],
}

EXEC_WEB_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/caseapp-dev/web"],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/web",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/caseapp-dev/web:log-stream:*",
            ],
        },
    ],
}

TASK_FILES_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ObjectsOfItsBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": ["arn:aws:s3:::caseapp-dev-media-abc/*", "arn:aws:s3:::caseapp-dev-documents-abc/*"],
        },
        {
            "Sid": "ListItsBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": ["arn:aws:s3:::caseapp-dev-media-abc", "arn:aws:s3:::caseapp-dev-documents-abc"],
        },
        {
            "Sid": "PlatformKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        },
    ],
}

API_PLAIN_ROLES = [
    {
        "name": "caseapp-dev-exec-api",
        "service": "api",
        "description": "ECS task execution role of caseapp-dev-api: pulls its image, writes its logs, reads its secrets",
        "tags": {**TAGS, "PlatformRole": "execution", "Service": "api"},
        "policy_name": "execution",
        "policy": EXEC_API_POLICY,
    },
    {
        "name": "caseapp-dev-exec-plain",
        "service": "plain",
        "description": "ECS task execution role of caseapp-dev-plain: pulls its image, writes its logs, reads its secrets",
        "tags": {**TAGS, "PlatformRole": "execution", "Service": "plain"},
        "policy_name": "execution",
        "policy": EXEC_PLAIN_POLICY,
    },
    {
        "name": "caseapp-dev-task-api",
        "service": "api",
        "description": "ECS task role of caseapp-dev-api",
        "tags": {**TAGS, "PlatformRole": "task", "Service": "api"},
        "policy_name": "service-access",
        "policy": TASK_API_POLICY,
    },
    {
        "name": "caseapp-dev-task-plain",
        "service": "plain",
        "description": "ECS task role of caseapp-dev-plain",
        "tags": {**TAGS, "PlatformRole": "task", "Service": "plain"},
        "policy_name": "service-access",
        "policy": None,
    },
]

API_PLAIN_POLICIES = [
    {"role": "caseapp-dev-exec-api", "name": "execution", "document": EXEC_API_POLICY},
    {"role": "caseapp-dev-exec-plain", "name": "execution", "document": EXEC_PLAIN_POLICY},
    {"role": "caseapp-dev-task-api", "name": "service-access", "document": TASK_API_POLICY},
]

IAM_EXPECTED = {
    "nothing wanted, roles left over": {
        "roles": [],
        "converge": [],
        "missing": [],
        "policies": [],
        "remove_policies": [],
        "stale": ["caseapp-dev-task-api", "caseapp-dev-task-execution", "caseapp-dev-exec-old"],
    },
    "new services, nothing found": {
        "roles": API_PLAIN_ROLES,
        "converge": [
            "caseapp-dev-exec-api",
            "caseapp-dev-exec-plain",
            "caseapp-dev-task-api",
            "caseapp-dev-task-plain",
        ],
        "missing": ["caseapp-dev-exec-api", "caseapp-dev-exec-plain", "caseapp-dev-task-api", "caseapp-dev-task-plain"],
        "policies": API_PLAIN_POLICIES,
        "remove_policies": [],
        "stale": [],
    },
    "converged, with stale and unrelated roles": {
        "roles": API_PLAIN_ROLES,
        "converge": [],
        "missing": [],
        "policies": API_PLAIN_POLICIES,
        "remove_policies": [],
        "stale": ["caseapp-dev-task-old", "caseapp-dev-task-execution"],
    },
    "drift: trust, description, path, managed and inline policies": {
        "roles": [
            {
                "name": "caseapp-dev-exec-api",
                "service": "api",
                "description": "ECS task execution role of caseapp-dev-api: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "api"},
                "policy_name": "execution",
                "policy": EXEC_API_POLICY,
            },
            {
                "name": "caseapp-dev-exec-worker",
                "service": "worker",
                "description": "ECS task execution role of caseapp-dev-worker: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "worker"},
                "policy_name": "execution",
                "policy": EXEC_WORKER_POLICY,
            },
            {
                "name": "caseapp-dev-exec-plain",
                "service": "plain",
                "description": "ECS task execution role of caseapp-dev-plain: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "plain"},
                "policy_name": "execution",
                "policy": EXEC_PLAIN_POLICY,
            },
            {
                "name": "caseapp-dev-task-api",
                "service": "api",
                "description": "ECS task role of caseapp-dev-api",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "api"},
                "policy_name": "service-access",
                "policy": TASK_API_POLICY,
            },
            {
                "name": "caseapp-dev-task-worker",
                "service": "worker",
                "description": "ECS task role of caseapp-dev-worker",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "worker"},
                "policy_name": "service-access",
                "policy": None,
            },
            {
                "name": "caseapp-dev-task-plain",
                "service": "plain",
                "description": "ECS task role of caseapp-dev-plain",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "plain"},
                "policy_name": "service-access",
                "policy": None,
            },
        ],
        "converge": [
            "caseapp-dev-exec-api",
            "caseapp-dev-exec-worker",
            "caseapp-dev-exec-plain",
            "caseapp-dev-task-api",
            "caseapp-dev-task-worker",
            "caseapp-dev-task-plain",
        ],
        "missing": [],
        "policies": [
            {"role": "caseapp-dev-exec-api", "name": "execution", "document": EXEC_API_POLICY},
            {"role": "caseapp-dev-exec-worker", "name": "execution", "document": EXEC_WORKER_POLICY},
            {"role": "caseapp-dev-exec-plain", "name": "execution", "document": EXEC_PLAIN_POLICY},
            {"role": "caseapp-dev-task-api", "name": "service-access", "document": TASK_API_POLICY},
        ],
        "remove_policies": [
            {"role": "caseapp-dev-exec-api", "name": "extra"},
            {"role": "caseapp-dev-task-worker", "name": "service-access"},
            {"role": "caseapp-dev-task-worker", "name": "legacy"},
            {"role": "caseapp-dev-task-plain", "name": "service-access"},
        ],
        "stale": [],
    },
    "DR region and key, read-only buckets, a master secret listed": {
        "roles": [
            {
                "name": "caseapp-dev-exec-reader",
                "service": "reader",
                "description": "ECS task execution role of caseapp-dev-reader: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "reader"},
                "policy_name": "execution",
                "policy": EXEC_READER_POLICY,
            },
            {
                "name": "caseapp-dev-task-reader",
                "service": "reader",
                "description": "ECS task role of caseapp-dev-reader",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "reader"},
                "policy_name": "service-access",
                "policy": TASK_READER_POLICY,
            },
        ],
        "converge": ["caseapp-dev-exec-reader", "caseapp-dev-task-reader"],
        "missing": ["caseapp-dev-exec-reader", "caseapp-dev-task-reader"],
        "policies": [
            {"role": "caseapp-dev-exec-reader", "name": "execution", "document": EXEC_READER_POLICY},
            {"role": "caseapp-dev-task-reader", "name": "service-access", "document": TASK_READER_POLICY},
        ],
        "remove_policies": [],
        "stale": [],
    },
    "DR region without a DR key, another partition": {
        "roles": [
            {
                "name": "caseapp-dev-exec-api",
                "service": "api",
                "description": "ECS task execution role of caseapp-dev-api: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "api"},
                "policy_name": "execution",
                "policy": EXEC_API_DATABASE_CN_DR_POLICY,
            },
            {
                "name": "caseapp-dev-task-api",
                "service": "api",
                "description": "ECS task role of caseapp-dev-api",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "api"},
                "policy_name": "service-access",
                "policy": None,
            },
        ],
        "converge": ["caseapp-dev-task-api"],
        "missing": ["caseapp-dev-task-api"],
        "policies": [{"role": "caseapp-dev-exec-api", "name": "execution", "document": EXEC_API_DATABASE_CN_DR_POLICY}],
        "remove_policies": [],
        "stale": [],
    },
    "task roles: bucket_access empty, buckets null; a role listed twice": {
        "roles": [
            {
                "name": "caseapp-dev-exec-files",
                "service": "files",
                "description": "ECS task execution role of caseapp-dev-files: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "files"},
                "policy_name": "execution",
                "policy": EXEC_FILES_POLICY,
            },
            {
                "name": "caseapp-dev-exec-web",
                "service": "web",
                "description": "ECS task execution role of caseapp-dev-web: pulls its image, writes its logs, reads its secrets",
                "tags": {**TAGS, "PlatformRole": "execution", "Service": "web"},
                "policy_name": "execution",
                "policy": EXEC_WEB_POLICY,
            },
            {
                "name": "caseapp-dev-task-files",
                "service": "files",
                "description": "ECS task role of caseapp-dev-files",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "files"},
                "policy_name": "service-access",
                "policy": TASK_FILES_POLICY,
            },
            {
                "name": "caseapp-dev-task-web",
                "service": "web",
                "description": "ECS task role of caseapp-dev-web",
                "tags": {**TAGS, "PlatformRole": "task", "Service": "web"},
                "policy_name": "service-access",
                "policy": None,
            },
        ],
        "converge": ["caseapp-dev-exec-files", "caseapp-dev-exec-web", "caseapp-dev-task-web"],
        "missing": ["caseapp-dev-exec-files", "caseapp-dev-exec-web", "caseapp-dev-task-web"],
        "policies": [
            {"role": "caseapp-dev-exec-files", "name": "execution", "document": EXEC_FILES_POLICY},
            {"role": "caseapp-dev-exec-web", "name": "execution", "document": EXEC_WEB_POLICY},
            {"role": "caseapp-dev-task-files", "name": "service-access", "document": TASK_FILES_POLICY},
        ],
        "remove_policies": [{"role": "caseapp-dev-task-files", "name": "other"}],
        "stale": [],
    },
}

INPUT_EXPECTED = {
    "defaults": [],
    "bounds": [],
    "every number out of range": [
        "identity_password_min_length must be 12 to 99 (got 11)",
        "identity_temporary_password_validity_days must be 0 to 365 (got 366)",
        "identity_access_token_validity_minutes must be 5 to 1440 (got 4)",
        "identity_id_token_validity_minutes must be 5 to 1440 (got 1441)",
        "identity_refresh_token_validity_days must be 1 to 3650 (got 0)",
        "identity_jwt_secret_length must be 32 to 4096 (got 4097)",
    ],
    "numbers as strings": [
        "identity_id_token_validity_minutes must be 5 to 1440 (got 3.9)",
        "identity_jwt_secret_length must be 32 to 4096 (got 0x40)",
    ],
    "floats, booleans, null, collections": [
        "identity_access_token_validity_minutes must be 5 to 1440 (got None)",
        "identity_id_token_validity_minutes must be 5 to 1440 (got False)",
        "identity_refresh_token_validity_days must be 1 to 3650 (got [1])",
        "identity_jwt_secret_length must be 32 to 4096 (got {'a': 1})",
    ],
    "role path /": [],
    "role path with every allowed character": [],
    "role path without the trailing slash": ["identity_role_path /platform is not an IAM path such as /platform/"],
    "role path without the leading slash": ["identity_role_path platform/ is not an IAM path such as /platform/"],
    "role path with a space": ["identity_role_path /plat form/ is not an IAM path such as /platform/"],
    "role path empty": ["identity_role_path  is not an IAM path such as /platform/"],
    "role path with an empty segment": ["identity_role_path /a// is not an IAM path such as /platform/"],
    "duplicate groups": ["identity_user_groups has duplicate group names"],
    "groups differing in case only": ["identity_user_groups has duplicate group names"],
    "no groups": [],
    "service rules": [
        "platform_services[execution].name 'execution' is reserved: the stack's own resources are named caseapp-dev-<component> and caseapp-dev-<kind>-<service> (reserved names: alarms, alb, app, bootstrap, cache, cloudfront-logs, dashboard, database, db, db-bootstrap, db-dr, dr, exec, execution, flow-logs, igw, kms, lock, logs, migrate, migration, nat, private, public, rate-limit, s3, search, task, task-execution, users, vpc, waf; reserved prefixes: exec-, task-, db-, cache-, nat-, private-, public-, migrate-)",
        "platform_services[Bad_Name].name 'Bad_Name' must be a DNS-safe lowercase name of 2-32 characters (letters, digits, single hyphens; starts with a letter)",
        "platform_services[api].bucket_access 'write' must be one of read, read_write",
        "platform_services[api].uses lists 'queue', which is not a component: use any of database, cache, storage, search, identity",
        "platform_services[4] must be a mapping",
        "platform_services[5].name 7 must be a DNS-safe lowercase name of 2-32 characters (letters, digits, single hyphens; starts with a letter)",
        "platform_services[a-very-long-service-name-for-iam-roles-abcdefg].name 'a-very-long-service-name-for-iam-roles-abcdefg' must be a DNS-safe lowercase name of 2-32 characters (letters, digits, single hyphens; starts with a letter)",
        "platform_services has duplicate service names",
    ],
    "IAM role names over 64 characters": [
        "platform_services[worker-service-with-a-long-name].name 'worker-service-with-a-long-name': the IAM role name averyveryverylongname-staging-exec-worker-service-with-a-long-name (66 characters) is longer than IAM's 64: shorten the service name to at most 29 characters",
        "platform_services[worker-service-with-a-long-name].name 'worker-service-with-a-long-name': the IAM role name averyveryverylongname-staging-task-worker-service-with-a-long-name (66 characters) is longer than IAM's 64: shorten the service name to at most 29 characters",
    ],
    "no services": [],
    "everything wrong at once": [
        "platform_services[x].name 'x' must be a DNS-safe lowercase name of 2-32 characters (letters, digits, single hyphens; starts with a letter)",
        "platform_services[x].name 'x' must be a DNS-safe lowercase name of 2-32 characters (letters, digits, single hyphens; starts with a letter)",
        "platform_services has duplicate service names",
        "identity_password_min_length must be 12 to 99 (got 5)",
        "identity_role_path x is not an IAM path such as /platform/",
        "identity_user_groups has duplicate group names",
    ],
}
