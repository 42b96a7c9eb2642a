"""platform_ops.aws.elasticache_replication_group against the moto server.

What moto (5.2.5, moto/elasticache/models.py) does and does not do, which these tests rely on:

* A created group is ``available`` at once (no ``creating`` phase), so the polling loop is proven
  with a stub client (``test_wait_*``) and the "start now, wait later" flow with real calls.
* ``DeleteReplicationGroup`` takes the final snapshot and removes the group at once, or after the
  launcher's ``elasticache`` latency (``deleting`` meanwhile; scripts/moto_faults.py; moto alone
  keeps it ``deleting`` forever). ``_deletion_takes`` sets that latency for a test.
* ``ModifyReplicationGroup`` applies only description, engine, cache node type, automatic
  failover, Multi-AZ and snapshot retention (scripts/moto_fixes.py applies engine version,
  windows, security groups and parameter group to the member clusters).
* Member cache clusters are created by scripts/moto_fixes.py (moto alone creates none, and
  ignores ``NumCacheClusters``), so the cluster-level attributes are read back as on AWS.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
import uuid

import botocore.exceptions
import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import elasticache as ec_utils

from tests.conftest import faults, set_faults
from tests.helpers import FakeClock

MODULE = "elasticache_replication_group"
TOKEN = "Sup3rSecretAuthToken-" + uuid.uuid4().hex  # 53 chars, valid AUTH token


def _name(prefix: str = "rg") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _base(rg_id: str, **extra) -> dict:
    args = {
        "replication_group_id": rg_id,
        "description": "platform cache",
        "engine": "redis",
        "cache_node_type": "cache.t4g.small",
        "replicas_per_node_group": 1,
        "at_rest_encryption_enabled": True,
        "transit_encryption_enabled": True,
        "auth_token": TOKEN,
        "automatic_failover_enabled": True,
        "multi_az_enabled": True,
        "snapshot_retention_limit": 7,
        "snapshot_window": "03:00-04:00",
        "port": 6379,
        "tags": {"Project": "caseapp", "Environment": "test"},
        "wait": False,
    }
    args.update(extra)
    return args


def _describe(ec, rg_id):
    return ec.describe_replication_groups(ReplicationGroupId=rg_id)["ReplicationGroups"][0]


def _tags(ec, arn):
    return {t["Key"]: t["Value"] for t in ec.list_tags_for_resource(ResourceName=arn)["TagList"]}


def _requests(endpoint: str) -> dict:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310
        return json.load(resp)["by_operation"]


def _elasticache_calls(before: dict, after: dict) -> dict:
    return {
        k: after[k] - before.get(k, 0) for k in after if k.startswith("elasticache.") and after[k] != before.get(k, 0)
    }


@contextlib.contextmanager
def _deletion_takes(endpoint: str, seconds: int):
    """The emulator keeps a deleted group ``deleting`` for ``seconds`` (launcher latency), as AWS does for minutes."""

    def post(body: dict) -> None:
        request = urllib.request.Request(
            f"{endpoint}/_platform_ops/latency", data=json.dumps(body).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=5).close()

    with urllib.request.urlopen(f"{endpoint}/_platform_ops/latency", timeout=5) as resp:
        before = json.load(resp)["latency"]
    post(dict(before, elasticache=seconds))
    try:
        yield
    finally:
        post(before)


@pytest.fixture
def ec(aws):
    return aws("elasticache")


@pytest.fixture
def group(run_module, ec):
    """An existing group created by the module (no wait: moto is available at once)."""
    rg_id = _name()
    result = run_module(MODULE, _base(rg_id))
    assert result.changed, result
    return rg_id


# ---------------------------------------------------------------- create / idempotence


def test_create_returns_group_with_endpoint_and_never_the_token(run_module, ec):
    rg_id = _name()
    result = run_module(MODULE, _base(rg_id), diff=True)
    assert result.changed and not result.failed, result
    rg = result["replication_group"]
    assert rg["replication_group_id"] == rg_id
    assert rg["arn"].endswith(f":replicationgroup:{rg_id}")
    assert rg["endpoint"]["address"].startswith("master.")
    assert rg["primary_endpoint"] == rg["endpoint"]
    assert rg["port"] == 6379 and rg["endpoint"]["port"] == 6379
    assert rg["auth_token_enabled"] is True
    assert rg["tags"] == {"Project": "caseapp", "Environment": "test"}
    assert TOKEN not in json.dumps(result)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["cache_node_type"] == "cache.t4g.small"
    assert "auth_token" not in result["diff"]["after"]

    real = _describe(ec, rg_id)
    assert real["CacheNodeType"] == "cache.t4g.small"
    assert real["AtRestEncryptionEnabled"] is True
    assert real["TransitEncryptionEnabled"] is True
    assert real["AuthTokenEnabled"] is True
    assert real["AutomaticFailover"] == "enabled"
    assert real["MultiAZ"] == "enabled"
    assert real["SnapshotRetentionLimit"] == 7
    assert real["SnapshotWindow"] == "03:00-04:00"
    assert real["Engine"] == "redis"
    assert len(real["MemberClusters"]) == 2  # primary + 1 replica
    assert _tags(ec, real["ARN"]) == {"Project": "caseapp", "Environment": "test"}


def test_second_identical_run_is_a_noop_with_few_calls(run_module, ec, group, moto_endpoint):
    before = _requests(moto_endpoint)
    result = run_module(MODULE, _base(group, wait=True))
    after = _requests(moto_endpoint)
    assert not result.changed and not result.failed, result
    assert TOKEN not in json.dumps(result)
    calls = _elasticache_calls(before, after)
    # describe group + one member cluster + tags; nothing written
    assert calls == {
        "elasticache.DescribeReplicationGroups": 1,
        "elasticache.DescribeCacheClusters": 1,
        "elasticache.ListTagsForResource": 1,
    }


def test_start_now_wait_later(run_module, ec):
    """Create with wait=false, then a minimal call with wait=true changes nothing and returns the group."""
    rg_id = _name()
    started = run_module(MODULE, _base(rg_id, wait=False))
    assert started.changed
    waited = run_module(MODULE, {"replication_group_id": rg_id, "wait": True, "wait_timeout": 60})
    assert not waited.changed and not waited.failed, waited
    assert waited["replication_group"]["status"] == "available"
    assert waited["replication_group"]["endpoint"]["address"]
    assert waited["replication_group"]["tags"] == {"Project": "caseapp", "Environment": "test"}
    # the minimal call did not touch any attribute
    assert _describe(ec, rg_id)["Description"] == "platform cache"


def test_wait_only_call_never_creates(run_module, ec):
    rg_id = _name()
    result = run_module(MODULE, {"replication_group_id": rg_id, "wait": True})
    assert result.failed
    assert "does not exist and cannot be created" in result["msg"]
    assert "description and cache_node_type" in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


# ---------------------------------------------------------------- check mode / diff


def test_check_mode_create_changes_nothing(run_module, ec):
    rg_id = _name()
    result = run_module(MODULE, _base(rg_id), check_mode=True, diff=True)
    assert result.changed and not result.failed
    assert result["replication_group"] == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["engine"] == "redis"
    assert result["diff"]["after"]["auth_token_enabled"] is True
    assert TOKEN not in json.dumps(result)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        _describe(ec, rg_id)
    assert err.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_check_mode_update_reports_but_changes_nothing(run_module, ec, group):
    args = _base(group, cache_node_type="cache.r7g.large", tags={"Project": "other"})
    result = run_module(MODULE, args, check_mode=True, diff=True)
    assert result.changed and not result.failed
    assert result["diff"]["before"]["cache_node_type"] == "cache.t4g.small"
    assert result["diff"]["after"]["cache_node_type"] == "cache.r7g.large"
    assert result["diff"]["after"]["tags"] == {"Project": "other"}
    real = _describe(ec, group)
    assert real["CacheNodeType"] == "cache.t4g.small"
    assert _tags(ec, real["ARN"]) == {"Project": "caseapp", "Environment": "test"}


# ---------------------------------------------------------------- update in place


def test_update_in_place_only_what_the_task_sets(run_module, ec, group):
    args = {
        "replication_group_id": group,
        "cache_node_type": "cache.r7g.large",
        "snapshot_retention_limit": 14,
        "apply_immediately": True,
        "tags": {"Owner": "ops"},
        "purge_tags": False,
    }
    result = run_module(MODULE, args, diff=True)
    assert result.changed and not result.failed, result
    assert result["diff"]["before"]["snapshot_retention_limit"] == 7
    assert result["diff"]["after"]["snapshot_retention_limit"] == 14
    real = _describe(ec, group)
    assert real["CacheNodeType"] == "cache.r7g.large"
    assert real["SnapshotRetentionLimit"] == 14
    # untouched: not set by the task
    assert real["Description"] == "platform cache"
    assert real["AutomaticFailover"] == "enabled"
    assert real["MultiAZ"] == "enabled"
    assert _tags(ec, real["ARN"]) == {"Project": "caseapp", "Environment": "test", "Owner": "ops"}
    assert result["replication_group"]["tags"] == {"Project": "caseapp", "Environment": "test", "Owner": "ops"}

    again = run_module(MODULE, args)
    assert not again.changed, again


def test_update_failover_multi_az_description_and_purge_tags(run_module, ec, group):
    args = {
        "replication_group_id": group,
        "description": "new description",
        "automatic_failover_enabled": False,
        "multi_az_enabled": False,
        "tags": {"Project": "caseapp"},
    }
    result = run_module(MODULE, args)
    assert result.changed and not result.failed, result
    real = _describe(ec, group)
    assert real["Description"] == "new description"
    assert real["AutomaticFailover"] == "disabled"
    assert real["MultiAZ"] == "disabled"
    assert _tags(ec, real["ARN"]) == {"Project": "caseapp"}
    assert not run_module(MODULE, args).changed


def test_engine_upgrade_redis_to_valkey(run_module, ec, group):
    no_version = run_module(MODULE, {"replication_group_id": group, "engine": "valkey"})
    assert no_version.failed and "needs engine_version" in no_version["msg"]
    assert _describe(ec, group)["Engine"] == "redis"

    result = run_module(MODULE, {"replication_group_id": group, "engine": "valkey", "engine_version": "8.0"})
    assert result.changed and not result.failed, result
    assert _describe(ec, group)["Engine"] == "valkey"

    back = run_module(MODULE, {"replication_group_id": group, "engine": "redis"})
    assert back.failed and "engine cannot be changed from valkey to redis" in back["msg"]


def test_immutable_attributes_fail_clearly(run_module, ec, group):
    result = run_module(
        MODULE,
        {
            "replication_group_id": group,
            "at_rest_encryption_enabled": False,
            "transit_encryption_enabled": False,
            "port": 6380,
            "cache_node_type": "cache.r7g.large",
        },
    )
    assert result.failed
    msg = result["msg"]
    assert msg.startswith(f"Cannot update replication group {group} in place")
    assert "at_rest_encryption_enabled is True, not False" in msg
    assert "transit_encryption_enabled is True, not False" in msg
    assert "port is 6379, not 6380" in msg
    # nothing was modified, not even the mutable attribute of the same task
    assert _describe(ec, group)["CacheNodeType"] == "cache.t4g.small"


def test_auth_token_sent_only_with_update_strategy(run_module, ec, group):
    plain = run_module(MODULE, {"replication_group_id": group, "auth_token": TOKEN + "x"})
    assert not plain.changed and not plain.failed

    rotate = {
        "replication_group_id": group,
        "auth_token": "An0therValidToken-" + uuid.uuid4().hex,
        "auth_token_update_strategy": "ROTATE",
        "apply_immediately": True,
    }
    checked = run_module(MODULE, rotate, check_mode=True, diff=True)
    assert checked.changed
    assert checked["diff"]["after"]["auth_token_update_strategy"] == "ROTATE"
    assert rotate["auth_token"] not in json.dumps(checked)
    result = run_module(MODULE, rotate)
    assert result.changed and not result.failed, result
    assert rotate["auth_token"] not in json.dumps(result)
    assert _describe(ec, group)["AuthTokenEnabled"] is True


def test_member_cluster_compared_and_topology_warns(run_module, ec, group):
    """Cluster-level options are read from a member cache cluster (the emulator creates them, as
    AWS does: scripts/moto_fixes.py); a topology difference only warns."""
    args = {
        "replication_group_id": group,
        "engine_version": "7.1",
        "security_group_ids": ["sg-0123456789abcdef0"],
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "replicas_per_node_group": 2,
    }
    result = run_module(MODULE, args)
    assert result.changed and not result.failed, result
    warnings = json.dumps(result.get("warnings", []))
    assert "Could not read member cluster" not in warnings
    assert "replicas_per_node_group" in warnings and "is 1, not 2" in warnings
    member = ec.describe_cache_clusters(CacheClusterId=f"{group}-001")["CacheClusters"][0]
    assert [g["SecurityGroupId"] for g in member["SecurityGroups"]] == ["sg-0123456789abcdef0"]
    again = run_module(MODULE, args)
    assert not again.changed and not again.failed, again


# ---------------------------------------------------------------- delete


def test_delete_then_delete_again_is_noop(run_module, ec, group, moto_endpoint):
    checked = run_module(MODULE, {"replication_group_id": group, "state": "absent"}, check_mode=True, diff=True)
    assert checked.changed
    assert checked["diff"]["after"] == {}
    assert checked["diff"]["before"]["cache_node_type"] == "cache.t4g.small"
    assert _describe(ec, group)["Status"] == "available"

    with _deletion_takes(moto_endpoint, 60):
        result = run_module(MODULE, {"replication_group_id": group, "state": "absent", "wait": False})
        assert result.changed and not result.failed, result
        assert _describe(ec, group)["Status"] == "deleting"

        again = run_module(MODULE, {"replication_group_id": group, "state": "absent", "wait": False})
        assert not again.changed and not again.failed

        recreate = run_module(MODULE, _base(group))
        assert recreate.failed and "is being deleted" in recreate["msg"]


def test_delete_missing_group_is_noop(run_module):
    result = run_module(MODULE, {"replication_group_id": _name(), "state": "absent"})
    assert not result.changed and not result.failed
    assert result["replication_group"] == {}


def test_delete_waits_until_the_group_is_gone(run_module, ec, group):
    """Without a deletion latency the emulator finishes a deletion at once (scripts/moto_faults.py)."""
    result = run_module(MODULE, {"replication_group_id": group, "state": "absent", "wait": True})
    assert result.changed and not result.failed, result
    assert result["replication_group"] == {}
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, group)
    again = run_module(MODULE, {"replication_group_id": group, "state": "absent"})
    assert not again.changed and not again.failed


def test_delete_wait_times_out_clearly(run_module, ec, group, moto_endpoint):
    """A deletion that takes longer than wait_timeout ends in a clear timeout."""
    with _deletion_takes(moto_endpoint, 60):
        result = run_module(MODULE, {"replication_group_id": group, "state": "absent", "wait": True, "wait_timeout": 1})
        assert result.failed
        assert f"Timed out after 1 s waiting for replication group {group} to be deleted" in result["msg"]
        assert "last status: deleting" in result["msg"]
        assert result.changed  # the deletion was requested by this run before the wait timed out
        assert _describe(ec, group)["Status"] == "deleting"


def test_delete_with_final_snapshot(run_module, ec, group):
    result = run_module(
        MODULE,
        {
            "replication_group_id": group,
            "state": "absent",
            "final_snapshot_identifier": f"{group}-final",
            "wait": False,
        },
    )
    assert result.changed and not result.failed, result
    snapshots = ec.describe_snapshots()["Snapshots"]
    assert any(s["SnapshotName"] == f"{group}-final" for s in snapshots)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"auth_token": "short"}, "auth_token must be 16 to 128 characters long (got 5)"),
        ({"auth_token": "has/slash" + "x" * 16}, "auth_token may contain only ASCII letters, digits and"),
        ({"auth_token": "has/slash%percent" + "x" * 16}, "(2 characters of it are not allowed)"),
        ({"kms_key_id": "k", "at_rest_encryption_enabled": False}, "kms_key_id requires at_rest_encryption_enabled"),
        ({"automatic_failover_enabled": False}, "multi_az_enabled=true requires automatic_failover_enabled=true"),
        ({"snapshot_window": "3am"}, "snapshot_window must look like hh24:mi-hh24:mi"),
        ({"preferred_maintenance_window": "sunday"}, "preferred_maintenance_window must look like"),
        ({"num_cache_clusters": 9, "replicas_per_node_group": None}, "num_cache_clusters must be between 1 and 6"),
        ({"num_cache_clusters": 2}, "mutually exclusive: num_cache_clusters|replicas_per_node_group"),
        ({"auth_token_update_strategy": "SET", "auth_token": None}, "auth_token_update_strategy is SET"),
        ({"engine": "memcached"}, "value of engine must be one of: redis, valkey"),
    ],
)
def test_bad_input_fails_before_any_change(run_module, ec, extra, message):
    rg_id = _name()
    args = _base(rg_id, **extra)
    args = {k: v for k, v in args.items() if v is not None}
    result = run_module(MODULE, args)
    assert result.failed, result
    assert message in result["msg"]
    assert "has/slash" not in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


def test_create_validation(run_module, ec):
    rg_id = _name()
    result = run_module(
        MODULE,
        _base(rg_id, transit_encryption_enabled=False, replicas_per_node_group=0),
    )
    assert result.failed
    assert "auth_token requires transit_encryption_enabled=true" in result["msg"]
    assert "automatic_failover_enabled=true needs at least one replica" in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


# ---------------------------------------------------------------- pure helpers / polling


class _StubClient:
    """Answers DescribeReplicationGroups from a script of statuses (None = not found)."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = 0

    def describe_replication_groups(self, ReplicationGroupId):  # noqa: N803 - boto3 argument name
        self.calls += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status and status.startswith("error:"):
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": status[len("error:") :], "Message": "injected"}}, "DescribeReplicationGroups"
            )
        if status is None:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ReplicationGroupNotFoundFault", "Message": "not found"}},
                "DescribeReplicationGroups",
            )
        return {"ReplicationGroups": [{"ReplicationGroupId": ReplicationGroupId, "Status": status}]}


def test_wait_polls_with_backoff_until_available():
    client, clock = _StubClient(["creating"] * 5 + ["available"]), FakeClock()
    group = ec_utils.wait_for_replication_group(client, "rg", "available", 600, sleep=clock.sleep, clock=clock)
    assert group["Status"] == "available"
    assert clock.sleeps == [2, 4, 8, 16, 30]
    assert client.calls == 6


def test_wait_until_deleted_and_failures():
    client, clock = _StubClient(["deleting", "deleting", None]), FakeClock()
    assert ec_utils.wait_for_replication_group(client, "rg", "deleted", 600, sleep=clock.sleep, clock=clock) is None

    client, clock = _StubClient(["creating", "create-failed"]), FakeClock()
    with pytest.raises(ec_utils.ElastiCacheWaitError, match="is create-failed; it will not become available"):
        ec_utils.wait_for_replication_group(client, "rg", "available", 600, sleep=clock.sleep, clock=clock)

    client, clock = _StubClient(["modifying"]), FakeClock()
    with pytest.raises(ec_utils.ElastiCacheWaitError, match=r"Timed out after 10 s .* \(last status: modifying\)"):
        ec_utils.wait_for_replication_group(client, "rg", "available", 10, sleep=clock.sleep, clock=clock)
    assert sum(clock.sleeps) == 10


@pytest.fixture
def no_retry_sleep(monkeypatch):
    """AWSRetry's jittered backoff sleeps through amazon.aws's cloud module: make it instant."""
    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize(
    "code", ["Throttling", "ThrottlingException", "RequestLimitExceeded", "InternalFailure", "ServiceUnavailable"]
)
def test_wait_retries_throttling_and_server_errors(no_retry_sleep, code):
    statuses = ["creating", f"error:{code}", f"error:{code}", "available"]
    client, clock = _StubClient(statuses), FakeClock()
    group = ec_utils.wait_for_replication_group(client, "rg", "available", 600, sleep=clock.sleep, clock=clock)
    assert group["Status"] == "available"
    assert client.calls == 4
    assert len(no_retry_sleep) == 2  # two AWSRetry backoffs, then the waiter's own poll


def test_wait_does_not_retry_a_real_error(no_retry_sleep):
    client, clock = _StubClient(["error:AccessDenied"]), FakeClock()
    with pytest.raises(botocore.exceptions.ClientError):
        ec_utils.wait_for_replication_group(client, "rg", "available", 600, sleep=clock.sleep, clock=clock)
    assert client.calls == 1 and not no_retry_sleep


def test_create_answered_already_exists_after_a_retried_write(run_module, ec, monkeypatch):
    """A 5xx after the write, retried: CreateReplicationGroup then answers AlreadyExists for OUR group."""
    from ansible_collections.platform_ops.aws.plugins.modules import elasticache_replication_group as mod

    real_create = mod.create_replication_group

    def create_then_already_exists(client, params):
        real_create(client, params)
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ReplicationGroupAlreadyExists", "Message": "exists"}}, "CreateReplicationGroup"
        )

    monkeypatch.setattr(mod, "create_replication_group", create_then_already_exists)
    rg_id = _name()
    result = run_module(MODULE, _base(rg_id))
    assert result.changed and not result.failed, result
    assert result["replication_group"]["replication_group_id"] == rg_id
    assert _describe(ec, rg_id)["Status"] == "available"


# What every playbook sets in module_defaults (aws_config): botocore retries a 5xx itself.
AWS_CONFIG = {"retries": {"mode": "standard", "total_max_attempts": 10}}


@contextlib.contextmanager
def _write_then_500(endpoint: str, operation: str):
    """The next ``operation`` takes effect, then its answer is lost (HTTP 500): botocore retries it."""
    set_faults(endpoint, error_after_write={operation: 1})
    try:
        yield
    finally:
        set_faults(endpoint)


def test_create_whose_answer_was_lost_adopts_the_group(run_module, ec, moto_endpoint):
    rg_id = _name()
    with _write_then_500(moto_endpoint, "elasticache.CreateReplicationGroup"):
        result = run_module(MODULE, _base(rg_id, aws_config=AWS_CONFIG))
        assert faults(moto_endpoint)["injected"], "the fault was not injected"
    assert result.changed and not result.failed, result
    assert result["replication_group"]["replication_group_id"] == rg_id
    again = run_module(MODULE, _base(rg_id, aws_config=AWS_CONFIG))
    assert not again.changed and not again.failed, again


def test_delete_whose_answer_was_lost_succeeds(run_module, ec, group, moto_endpoint):
    with _write_then_500(moto_endpoint, "elasticache.DeleteReplicationGroup"):
        result = run_module(MODULE, {"replication_group_id": group, "state": "absent", "aws_config": AWS_CONFIG})
        assert faults(moto_endpoint)["injected"], "the fault was not injected"
    assert result.changed and not result.failed, result
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, group)


@pytest.mark.parametrize(
    ("wanted", "current", "expected"),
    [
        ("7.1", "7.1.0", True),
        ("7.x", "7.2.4", True),
        ("7.1.0", "7.1.0", True),
        ("7.1", "7.2.0", False),
        ("7.1.0.1", "7.1.0", False),
        ("6.2", None, False),
    ],
)
def test_version_matches(wanted, current, expected):
    assert ec_utils.version_matches(wanted, current) is expected


def test_kms_key_matches():
    arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd"
    assert ec_utils.kms_key_matches("1234abcd", arn)
    assert ec_utils.kms_key_matches(arn, arn)
    assert ec_utils.kms_key_matches("alias/cache", arn)
    assert not ec_utils.kms_key_matches("ffff", arn)
    assert not ec_utils.kms_key_matches("1234abcd", None)


# ---------------------------------------------------------------- auth token from Secrets Manager


@pytest.fixture
def sm(aws):
    return aws("secretsmanager")


def _secret(sm, value: str, prefix: str = "cache-token") -> str:
    name = f"{_name(prefix)}/auth-token"
    sm.create_secret(Name=name, SecretString=value)
    return name


def _from_secret(rg_id: str, secret_id: str, **extra) -> dict:
    args = _base(rg_id, auth_token=None, auth_token_secret_id=secret_id, **extra)
    return {k: v for k, v in args.items() if v is not None}


def _secretsmanager_calls(before: dict, after: dict) -> dict:
    return {
        k: after[k] - before.get(k, 0)
        for k in after
        if k.startswith("secretsmanager.") and after[k] != before.get(k, 0)
    }


def test_create_with_token_from_secret_never_outputs_it(run_module, ec, sm, moto_endpoint):
    token = "FromSecret-" + uuid.uuid4().hex + "!&#$^<>-"
    secret_id = _secret(sm, token)
    rg_id = _name()
    result = run_module(MODULE, _from_secret(rg_id, secret_id), diff=True)
    assert result.changed and not result.failed, result
    assert token not in json.dumps(result)
    assert result["diff"]["after"]["auth_token_enabled"] is True
    real = _describe(ec, rg_id)
    assert real["AuthTokenEnabled"] is True
    assert real["TransitEncryptionEnabled"] is True

    # a run that changes nothing does not read the secret at all
    before = _requests(moto_endpoint)
    again = run_module(MODULE, _from_secret(rg_id, secret_id))
    after = _requests(moto_endpoint)
    assert not again.changed and not again.failed, again
    assert _secretsmanager_calls(before, after) == {}


def test_token_from_json_secret_key(run_module, ec, sm):
    token = "JsonKeyToken-" + uuid.uuid4().hex
    secret_id = _secret(sm, json.dumps({"username": "default", "auth_token": token}))
    rg_id = _name()
    result = run_module(MODULE, _from_secret(rg_id, secret_id, auth_token_secret_key="auth_token"))
    assert result.changed and not result.failed, result
    assert token not in json.dumps(result)
    assert _describe(ec, rg_id)["AuthTokenEnabled"] is True

    missing_key = run_module(MODULE, _from_secret(_name(), secret_id, auth_token_secret_key="password"))
    assert missing_key.failed
    assert f"secret {secret_id} has no JSON key 'password'" in missing_key["msg"]
    assert token not in json.dumps(missing_key)


def test_missing_secret_fails_clearly_and_creates_nothing(run_module, ec):
    rg_id = _name()
    secret_id = f"{_name('nothere')}/auth-token"
    result = run_module(MODULE, _from_secret(rg_id, secret_id))
    assert result.failed
    assert result["msg"] == f"Auth token secret {secret_id} does not exist or has no value"
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


def test_missing_secret_in_check_mode_warns(run_module, ec):
    rg_id = _name()
    secret_id = f"{_name('later')}/auth-token"
    result = run_module(MODULE, _from_secret(rg_id, secret_id), check_mode=True, diff=True)
    assert result.changed and not result.failed, result
    assert result["diff"]["after"]["auth_token_enabled"] is True
    assert f"Auth token secret {secret_id} does not exist" in json.dumps(result.get("warnings", []))
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


def test_secret_scheduled_for_deletion_fails_clearly(run_module, ec, sm):
    secret_id = _secret(sm, "Scheduled-" + uuid.uuid4().hex)
    sm.delete_secret(SecretId=secret_id, RecoveryWindowInDays=7)
    rg_id = _name()
    result = run_module(MODULE, _from_secret(rg_id, secret_id))
    assert result.failed
    assert f"Cannot read the auth token from secret {secret_id} (is it scheduled for deletion?)" in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


def test_invalid_token_in_secret_fails_without_showing_it(run_module, ec, sm):
    bad = "has space and / slash " + uuid.uuid4().hex
    secret_id = _secret(sm, bad)
    rg_id = _name()
    result = run_module(MODULE, _from_secret(rg_id, secret_id))
    assert result.failed
    assert (
        f"The auth token in secret {secret_id} is invalid: auth_token may contain only ASCII letters, digits"
        in result["msg"]
    )
    assert "set auth_token_secret_replace_invalid=true" in result["msg"]
    assert bad not in json.dumps(result)
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


# A token the old role generated (exclude_characters '@"/ '): printable, but with characters
# ElastiCache refuses ("InvalidParameterValue: Invalid AuthToken provided").
OLD_RULE_TOKEN = "Old%Rule(token)*" + uuid.uuid4().hex + "+=?_~"


def test_old_rule_token_is_replaced_on_creation_when_asked(run_module, ec, sm, moto_endpoint):
    secret_id = _secret(sm, OLD_RULE_TOKEN)
    rg_id = _name()
    args = _from_secret(rg_id, secret_id, auth_token_secret_replace_invalid=True)

    checked = run_module(MODULE, args, check_mode=True)
    assert checked.changed and not checked.failed, checked
    assert "would be generated and stored in the secret" in json.dumps(checked.get("warnings", []))
    assert sm.get_secret_value(SecretId=secret_id)["SecretString"] == OLD_RULE_TOKEN  # check mode wrote nothing

    result = run_module(MODULE, args)
    assert result.changed and not result.failed, result
    assert "was generated and stored as the secret's current version" in json.dumps(result.get("warnings", []))
    new = sm.get_secret_value(SecretId=secret_id)["SecretString"]
    assert new != OLD_RULE_TOKEN
    assert len(new) == len(OLD_RULE_TOKEN)
    assert ec_utils.auth_token_problem(new) is None
    assert new not in json.dumps(result) and OLD_RULE_TOKEN not in json.dumps(result)
    assert _describe(ec, rg_id)["AuthTokenEnabled"] is True

    # the next run neither reads nor rewrites the secret
    before = _requests(moto_endpoint)
    again = run_module(MODULE, args)
    assert not again.changed and not again.failed, again
    assert _secretsmanager_calls(before, _requests(moto_endpoint)) == {}
    assert sm.get_secret_value(SecretId=secret_id)["SecretString"] == new


def test_replaced_token_is_clamped_to_the_allowed_length(run_module, ec, sm):
    secret_id = _secret(sm, "short/bad")
    rg_id = _name()
    result = run_module(MODULE, _from_secret(rg_id, secret_id, auth_token_secret_replace_invalid=True))
    assert result.changed and not result.failed, result
    new = sm.get_secret_value(SecretId=secret_id)["SecretString"]
    assert len(new) == 16 and ec_utils.auth_token_problem(new) is None


def test_existing_group_never_reads_or_replaces_the_secret(run_module, ec, sm, group, moto_endpoint):
    secret_id = _secret(sm, OLD_RULE_TOKEN)
    before = _requests(moto_endpoint)
    result = run_module(
        MODULE, _from_secret(group, secret_id, auth_token_secret_replace_invalid=True, auth_token_update_strategy=None)
    )
    assert not result.changed and not result.failed, result
    assert _secretsmanager_calls(before, _requests(moto_endpoint)) == {}
    assert sm.get_secret_value(SecretId=secret_id)["SecretString"] == OLD_RULE_TOKEN


def test_rotate_replaces_an_invalid_token_when_asked(run_module, ec, sm, group):
    secret_id = _secret(sm, OLD_RULE_TOKEN)
    args = {
        "replication_group_id": group,
        "auth_token_secret_id": secret_id,
        "auth_token_secret_replace_invalid": True,
        "auth_token_update_strategy": "ROTATE",
        "apply_immediately": True,
    }
    result = run_module(MODULE, args)
    assert result.changed and not result.failed, result
    new = sm.get_secret_value(SecretId=secret_id)["SecretString"]
    assert ec_utils.auth_token_problem(new) is None
    assert new not in json.dumps(result)


def test_role_generates_tokens_from_the_allowed_characters_only():
    """The cache role's exclude_characters is exactly the module's set, and GetRandomPassword can then
    only produce letters, digits and ! & # $ ^ < > -."""
    import string
    from pathlib import Path

    import yaml

    role = Path(__file__).parents[3] / "roles/cache"
    # One set in vars/main.yml, which present.yml (through __cache_secret_args) and rotate.yml pass.
    variables = yaml.safe_load((role / "vars/main.yml").read_text())
    exclude = variables["__cache_auth_token_exclude_characters"]
    assert exclude == ec_utils.AUTH_TOKEN_EXCLUDE_CHARACTERS
    assert variables["__cache_secret_args"]["exclude_characters"] == "{{ __cache_auth_token_exclude_characters }}"
    tasks = yaml.safe_load((role / "tasks/present.yml").read_text())
    secret_task = next(t for t in tasks if "platform_ops.aws.secretsmanager_generated_secret" in t)
    assert secret_task["platform_ops.aws.secretsmanager_generated_secret"]["exclude_characters"] == (
        "{{ __cache_secret_args.exclude_characters }}"
    )
    rotate = yaml.safe_load((role / "tasks/rotate.yml").read_text())
    rotate_task = next(t for t in rotate if "platform_ops.aws.secretsmanager_secret_rotate" in t)
    assert rotate_task["platform_ops.aws.secretsmanager_secret_rotate"]["exclude_characters"] == (
        "{{ __cache_auth_token_exclude_characters }}"
    )
    possible = set(string.ascii_letters + string.digits + string.punctuation) - set(exclude)
    assert possible == set(string.ascii_letters + string.digits + "!&#$^<>-")
    assert " " in exclude


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        ("A" * 16, True),
        ("A" * 128, True),
        ("A" * 15, False),
        ("A" * 129, False),
        ("Aa1!&#$^<>-" + "x" * 10, True),
        *[("x" * 20 + ch, False) for ch in "\"%'()*+,./:;=?@[\\]_`{|}~ "],
        ("x" * 20 + "é", False),
        ("x" * 20 + "\t", False),
    ],
)
def test_auth_token_problem_follows_elasticache(token, ok):
    problem = ec_utils.auth_token_problem(token)
    assert (problem is None) is ok, problem
    if problem:
        assert token not in problem


def test_rotate_with_token_from_secret(run_module, ec, sm, group):
    token = "Rotated-" + uuid.uuid4().hex
    secret_id = _secret(sm, token)
    args = {
        "replication_group_id": group,
        "auth_token_secret_id": secret_id,
        "auth_token_update_strategy": "ROTATE",
        "apply_immediately": True,
    }
    checked = run_module(MODULE, args, check_mode=True, diff=True)
    assert checked.changed and not checked.failed, checked
    assert checked["diff"]["after"]["auth_token_update_strategy"] == "ROTATE"
    assert token not in json.dumps(checked)
    result = run_module(MODULE, args)
    assert result.changed and not result.failed, result
    assert token not in json.dumps(result)
    assert _describe(ec, group)["AuthTokenEnabled"] is True


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"auth_token": TOKEN}, "parameters are mutually exclusive: auth_token|auth_token_secret_id"),
        ({"transit_encryption_enabled": False}, "auth_token_secret_id requires transit_encryption_enabled=true"),
        ({"auth_token_secret_id": " "}, "auth_token_secret_id must not be empty"),
        (
            {"auth_token_secret_replace_invalid": True, "auth_token_secret_key": "k"},
            "auth_token_secret_replace_invalid cannot be used with auth_token_secret_key",
        ),
    ],
)
def test_secret_option_bad_input(run_module, ec, sm, extra, message):
    secret_id = _secret(sm, "Valid-" + uuid.uuid4().hex)
    rg_id = _name()
    args = _from_secret(rg_id, secret_id)
    args.update(extra)
    result = run_module(MODULE, args)
    assert result.failed, result
    assert message in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        _describe(ec, rg_id)


def test_secret_key_requires_secret_id(run_module):
    args = {k: v for k, v in _base(_name(), auth_token_secret_key="auth_token").items() if v is not None}
    result = run_module(MODULE, args)
    assert result.failed
    assert "auth_token_secret_key" in result["msg"] and "auth_token_secret_id" in result["msg"]


def test_rotate_sends_the_pending_version_of_the_secret(run_module, ec, sm, moto_endpoint):
    """The Secrets Manager rotation steps: ROTATE with the AWSPENDING token, then SET once it is current."""
    token = "CurrentToken-" + uuid.uuid4().hex
    secret_id = _secret(sm, token)
    rg_id = _name()
    assert run_module(MODULE, _from_secret(rg_id, secret_id)).changed
    rotate = {
        "replication_group_id": rg_id,
        "auth_token_secret_id": secret_id,
        "auth_token_secret_version_stage": "AWSPENDING",
        "auth_token_update_strategy": "ROTATE",
        "apply_immediately": True,
    }
    missing = run_module(MODULE, rotate)
    assert missing.failed and "labelled AWSPENDING" in missing["msg"], missing

    pending = "PendingToken-" + uuid.uuid4().hex
    sm.put_secret_value(SecretId=secret_id, SecretString=pending, VersionStages=["AWSPENDING"])
    before = _requests(moto_endpoint)
    result = run_module(MODULE, rotate)
    after = _requests(moto_endpoint)
    assert result.changed and not result.failed, result
    assert pending not in json.dumps(result) and token not in json.dumps(result)
    assert _elasticache_calls(before, after).get("elasticache.ModifyReplicationGroup") == 1
    assert _describe(ec, rg_id)["AuthTokenEnabled"] is True
    assert sm.get_secret_value(SecretId=secret_id)["SecretString"] == token  # AWSCURRENT untouched

    bad = run_module(MODULE, dict(rotate, auth_token_secret_replace_invalid=True))
    assert bad.failed and "auth_token_secret_version_stage" in bad["msg"]
