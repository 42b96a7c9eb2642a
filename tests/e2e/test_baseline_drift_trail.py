"""The security baseline's key, trail bucket and trail are read once and written only where they drift (issue 15).

On an emulator of its own, the baseline as molecule/security_baseline/converge.yml runs it (every switch on, DR
region us-west-2, vault lock and deny-delete on): a converge; a second run changes nothing and starts one module
process for the key, the bucket and the trail (their aws_read) where it started seven; then one drift by hand per
kind of resource planned (the key's rotation, the bucket's versioning, its lifecycle rule deleted, the log group's
retention, a tag of the delivery role, its inline policy, the trail's logging): ``--check --diff`` reports the
writing task of each (s3_bucket and s3_lifecycle have no check mode, and cloudwatchlogs_log_group puts a retention
even in check mode: their "(check mode)" reports) and changes nothing; a normal run reverts each (checked with boto3); a last run changes nothing.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import api_operations, moto_server, operations_delta
from tests.helpers import ROOT, playbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("baseline_drift_trail")]

REGION = "us-east-1"  # inventories/local
PREFIX = "caseapp-local"
ACCOUNT = "123456789012"
ALIAS = f"alias/{PREFIX}-baseline"
BUCKET = f"{PREFIX}-trail-{ACCOUNT}"
LOG_GROUP = f"/platform/{PREFIX}/cloudtrail"
ROLE = f"{PREFIX}-cloudtrail-logs"
TRAIL = f"{PREFIX}-trail"
ROLE_NAME = "platform_ops.aws.security_baseline : "
READ = "Read the trail's state (baseline key, trail bucket, log group, delivery role and policy, trail)"
KEY_READ = "Read the baseline key's state (its policy, rotation and tags; the trail bucket's when AWS Config uses it)"
BUCKET_READ = "Read the trail bucket's state (settings, policy, tags, lifecycle)"
KEY = "Ensure the baseline KMS key exists with rotation and a least-privilege key policy"
BUCKET_TASK = "Ensure the trail bucket is versioned, encrypted with the baseline key, private, TLS-only and tagged"
LIFECYCLE = "Ensure the trail bucket moves its logs to Glacier and expires them per environment"
LOG_GROUP_TASK = "Ensure the trail's log group is encrypted with the baseline key and keeps its events per environment"
ROLE_TASK = "Ensure CloudTrail's log delivery role exists, assumable by this trail only"
POLICY = "Ensure the CloudTrail role may write only to the trail's log group"
TRAIL_TASK = "Ensure the multi-region trail logs, validated and encrypted, to its bucket and log group"
WRITES = [KEY, BUCKET_TASK, LIFECYCLE, LOG_GROUP_TASK, ROLE_TASK, POLICY, TRAIL_TASK]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """An emulator of its own: the session's may hold another stack's baseline."""
    with moto_server(tmp_path_factory.mktemp("baseline-drift-trail") / "moto.log") as endpoint:
        yield endpoint


def _run(endpoint, tmp_path, name, *args, playbook_path="molecule/security_baseline/converge.yml"):
    modules = tmp_path / f"{name}-modules.json"
    env = {
        "ANSIBLE_CALLBACK_PLUGINS": str(ROOT / "benchmarks" / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.profile_tasks,platform_ops.aws.preload,module_processes",
        "PLATFORM_BENCH_MODULES_FILE": str(modules),
    }
    before = api_operations(endpoint)
    run = playbook(endpoint, playbook_path, *args, env=env, timeout=900)
    assert run.returncode == 0, run.tail(120)
    run.modules = json.loads(modules.read_text())["by_task"]
    run.operations = operations_delta(before, api_operations(endpoint))
    return run


def _mine(names):
    """The tasks of the key, bucket and trail among ``names`` (changed tasks or module counts), unprefixed."""
    ours = [
        READ,
        KEY_READ,
        BUCKET_READ,
        *WRITES,
        *(f"{w} (check mode)" for w in (BUCKET_TASK, LIFECYCLE, LOG_GROUP_TASK)),
    ]
    found = {}
    for name in names:
        short = name.split(ROLE_NAME)[-1]
        if short in ours:
            found[short] = names[name] if isinstance(names, dict) else True
    return found


def _clients(endpoint):
    def make(service):
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return make


def _state(aws):
    """The real state of each drifted setting."""
    kms, s3, logs, iam, cloudtrail = aws("kms"), aws("s3"), aws("logs"), aws("iam"), aws("cloudtrail")
    key_id = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"]
    try:
        rules = [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]]
    except ClientError:
        rules = []
    group = next(g for g in logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"])
    role_tags = {t["Key"]: t["Value"] for t in iam.get_role(RoleName=ROLE)["Role"].get("Tags", [])}
    policy = iam.get_role_policy(RoleName=ROLE, PolicyName="deliver-trail-events")["PolicyDocument"]
    return {
        "rotation": kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
        "versioning": s3.get_bucket_versioning(Bucket=BUCKET).get("Status"),
        "lifecycle": rules,
        "retention": group.get("retentionInDays"),
        "role_tag": role_tags.get("Project"),
        "policy_actions": sorted(a for s in policy["Statement"] for a in s.get("Action", [])),
        "logging": cloudtrail.get_trail_status(Name=TRAIL)["IsLogging"],
    }


def _drift(aws):
    """One drift by hand per kind of resource the plans compare."""
    kms, s3, logs, iam, cloudtrail = aws("kms"), aws("s3"), aws("logs"), aws("iam"), aws("cloudtrail")
    kms.disable_key_rotation(KeyId=kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"])  # a setting
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})  # a setting
    s3.delete_bucket_lifecycle(Bucket=BUCKET)  # a deleted sub-resource
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=1)  # a setting
    iam.untag_role(RoleName=ROLE, TagKeys=["Project"])  # a missing tag
    policy = iam.get_role_policy(RoleName=ROLE, PolicyName="deliver-trail-events")["PolicyDocument"]
    policy["Statement"][0]["Action"] = ["logs:PutLogEvents"]
    iam.put_role_policy(RoleName=ROLE, PolicyName="deliver-trail-events", PolicyDocument=json.dumps(policy))  # a policy
    cloudtrail.stop_logging(Name=TRAIL)  # the trail's status


def test_trail_key_and_bucket_are_written_only_where_they_drift(emulator, tmp_path):
    aws = _clients(emulator)
    converge = _run(emulator, tmp_path, "converge")
    assert set(_mine(converge.changed_tasks())) == set(WRITES), converge.changed_tasks()
    converged = _state(aws)
    assert converged == {
        "rotation": True,
        "versioning": "Enabled",
        "lifecycle": ["audit-trail-retention"],
        "retention": 90,
        "role_tag": "caseapp",
        "policy_actions": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "logging": True,
    }

    # Nothing to change: one module process (the read) for the key, the bucket and the trail, no write.
    noop = _run(emulator, tmp_path, "noop")
    assert noop.recap["changed"] == 0, noop.changed_tasks()
    assert _mine(noop.modules) == {READ: 1}, noop.modules
    # No write, and the bucket and the trail read once each (nothing else in the baseline reads them): the
    # seven S3 reads of the plan where s3_bucket and s3_lifecycle made sixteen.
    writes = ("Put", "Create", "Update", "Tag", "Untag", "Enable", "Disable", "Start", "Stop", "Delete", "Schedule")
    assert not [op for op in noop.operations if op.split(".")[1].startswith(writes)], noop.operations
    assert {op: n for op, n in noop.operations.items() if op.split(".")[0] in ("s3", "cloudtrail")} == {
        "s3.GetBucketVersioning": 1,
        "s3.GetBucketEncryption": 1,
        "s3.GetPublicAccessBlock": 1,
        "s3.GetBucketOwnershipControls": 1,
        "s3.GetBucketPolicy": 1,
        "s3.GetBucketTagging": 1,
        "s3.GetBucketLifecycle": 1,
        "cloudtrail.DescribeTrails": 1,
        "cloudtrail.GetTrailStatus": 1,
        "cloudtrail.ListTags": 1,
    }, noop.operations

    _drift(aws)
    drifted = {
        "rotation": False,
        "versioning": "Suspended",
        "lifecycle": [],
        "retention": 1,
        "role_tag": None,
        "policy_actions": ["logs:PutLogEvents"],
        "logging": False,
    }
    assert _state(aws) == drifted

    # --check --diff reports the writing task of each drifted resource, and changes nothing.
    check = _run(emulator, tmp_path, "check", "--check", "--diff")
    assert set(_mine(check.changed_tasks())) == {
        KEY,
        f"{BUCKET_TASK} (check mode)",
        f"{LIFECYCLE} (check mode)",
        f"{LOG_GROUP_TASK} (check mode)",
        ROLE_TASK,
        POLICY,
        TRAIL_TASK,
    }, check.changed_tasks()
    assert set(check.changed_tasks()) == {ROLE_NAME + t for t in _mine(check.changed_tasks())}, "only ours changed"
    assert _state(aws) == drifted

    # A normal run reverts each.
    fix = _run(emulator, tmp_path, "fix")
    assert set(_mine(fix.changed_tasks())) == set(WRITES), fix.changed_tasks()
    assert set(fix.changed_tasks()) == {ROLE_NAME + t for t in WRITES}, "only ours changed"
    assert _state(aws) == converged

    final = _run(emulator, tmp_path, "final")
    assert final.recap["changed"] == 0, final.changed_tasks()
    assert _mine(final.modules) == {READ: 1}, final.modules


def test_without_the_trail_the_key_reads_the_bucket_for_aws_config(tmp_path_factory, tmp_path):
    """security_baseline_cloudtrail false, AWS Config on: key.yml reads the key and the bucket in one run and
    bucket.yml plans from it; the key and the bucket drift and are reverted the same way."""
    no_trail = "tests/e2e/playbooks/baseline_no_trail.yml"
    with moto_server(tmp_path_factory.mktemp("baseline-no-trail") / "moto.log") as endpoint:
        aws = _clients(endpoint)
        converge = _run(endpoint, tmp_path, "converge", playbook_path=no_trail)
        assert set(_mine(converge.changed_tasks())) == {KEY, BUCKET_TASK, LIFECYCLE}, converge.changed_tasks()
        assert aws("cloudtrail").describe_trails()["trailList"] == []

        noop = _run(endpoint, tmp_path, "noop", playbook_path=no_trail)
        assert noop.recap["changed"] == 0, noop.changed_tasks()
        assert _mine(noop.modules) == {KEY_READ: 1}, noop.modules

        kms, s3 = aws("kms"), aws("s3")
        key_id = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"]
        kms.update_key_description(KeyId=key_id, Description="edited by hand")
        s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "Owner", "Value": "someone"}]})
        check = _run(endpoint, tmp_path, "check", "--check", "--diff", playbook_path=no_trail)
        assert set(check.changed_tasks()) == {ROLE_NAME + KEY, ROLE_NAME + f"{BUCKET_TASK} (check mode)"}, (
            check.changed_tasks()
        )
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "edited by hand"

        fix = _run(endpoint, tmp_path, "fix", playbook_path=no_trail)
        assert set(fix.changed_tasks()) == {ROLE_NAME + KEY, ROLE_NAME + BUCKET_TASK}, fix.changed_tasks()
        assert (
            kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"]
            == f"{PREFIX} security baseline: CloudTrail logs, AWS Config deliveries"
        )
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
        assert tags["SecurityBaseline"] == "trail" and tags["Purpose"] == "audit-trail"
        final = _run(endpoint, tmp_path, "final", playbook_path=no_trail)
        assert final.recap["changed"] == 0, final.changed_tasks()
