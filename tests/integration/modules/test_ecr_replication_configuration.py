"""platform_ops.aws.ecr_replication_configuration against the moto server (with scripts/moto_fixes.py's
ECR replication); state asserted with boto3, replicated images with the local docker push stand-in."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "ecr_replication_configuration"
DR = "us-west-2"
ACCOUNT = "123456789012"
ROOT = Path(__file__).resolve().parents[3]

_spec = importlib.util.spec_from_file_location("local_ecr_under_test", ROOT / "scripts" / "local_ecr.py")
local_ecr = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = local_ecr
_spec.loader.exec_module(local_ecr)


@pytest.fixture
def ecr(aws):
    client = aws("ecr")
    client.put_replication_configuration(replicationConfiguration={"rules": []})
    yield client
    client.put_replication_configuration(replicationConfiguration={"rules": []})


@pytest.fixture
def prefix():
    return f"repl{uuid.uuid4().hex[:8]}-prod/"


def _rules(ecr):
    return ecr.describe_registry()["replicationConfiguration"]["rules"]


OTHER_RULE = {
    "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}],
    "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}],
}


def test_rule_added_beside_others_then_noop(run_module, ecr, prefix, moto_endpoint):
    ecr.put_replication_configuration(replicationConfiguration={"rules": [OTHER_RULE]})
    check = run_module(MODULE, {"prefixes": [prefix], "destinations": [DR]}, check_mode=True, diff=True)
    assert check.changed and not check.failed, check
    assert _rules(ecr) == [OTHER_RULE]
    assert len(check["diff"]["after"]["rules"]) == 2

    first = run_module(MODULE, {"prefixes": [prefix], "destinations": [DR]})
    assert first.changed and first["registry_id"] == ACCOUNT, first
    assert _rules(ecr) == [
        OTHER_RULE,
        {
            "destinations": [{"region": DR, "registryId": ACCOUNT}],
            "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}],
        },
    ]
    assert first["rule"]["destinations"] == [{"region": DR, "registry_id": ACCOUNT}]

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"prefixes": [prefix], "destinations": [{"region": DR, "registry_id": ACCOUNT}]})
    assert not again.changed, again
    assert operations_delta(before, api_operations(moto_endpoint)) == {"ecr.DescribeRegistry": 1}


def test_destinations_changed_in_place_and_absent_keeps_other_rules(run_module, ecr, prefix):
    ecr.put_replication_configuration(replicationConfiguration={"rules": [OTHER_RULE]})
    run_module(MODULE, {"prefixes": [prefix], "destinations": [DR]})
    moved = run_module(MODULE, {"prefixes": [prefix], "destinations": ["eu-central-1", DR]})
    assert moved.changed, moved
    rules = _rules(ecr)
    assert len(rules) == 2 and rules[0] == OTHER_RULE
    assert {d["region"] for d in rules[1]["destinations"]} == {"eu-central-1", DR}

    check = run_module(MODULE, {"prefixes": [prefix], "state": "absent"}, check_mode=True)
    assert check.changed and len(_rules(ecr)) == 2
    gone = run_module(MODULE, {"prefixes": [prefix], "state": "absent"})
    assert gone.changed and gone["rule"] is None and _rules(ecr) == [OTHER_RULE], gone
    assert not run_module(MODULE, {"prefixes": [prefix], "state": "absent"}).changed


def test_pushed_image_is_replicated_to_the_dr_region(run_module, ecr, aws, prefix, moto_endpoint):
    repository = f"{prefix}backend"
    old = f"{prefix}old"
    ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")
    ecr.create_repository(repositoryName=old)
    local_ecr.push_images(moto_endpoint, "us-east-1", [old], "v0")  # before the rule: never replicated
    run_module(MODULE, {"prefixes": [prefix], "destinations": [DR]})
    local_ecr.push_images(moto_endpoint, "us-east-1", [repository], "v1")

    dr = aws("ecr", DR)
    replica = dr.describe_repositories(repositoryNames=[repository])["repositories"][0]
    # created by the replication with ECR's defaults
    assert replica["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert replica["imageTagMutability"] == "MUTABLE"
    tags = [t for i in dr.describe_images(repositoryName=repository)["imageDetails"] for t in i.get("imageTags", [])]
    assert tags == ["v1"]
    assert old not in {r["repositoryName"] for r in dr.describe_repositories()["repositories"]}
    # a repository created beforehand in the DR region keeps its settings and receives the image
    second = f"{prefix}worker"
    key = aws("kms", DR).create_key()["KeyMetadata"]["Arn"]
    dr.create_repository(
        repositoryName=second,
        imageTagMutability="IMMUTABLE",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
    )
    ecr.create_repository(repositoryName=second)
    local_ecr.push_images(moto_endpoint, "us-east-1", [second], "v1")
    ours = dr.describe_repositories(repositoryNames=[second])["repositories"][0]
    assert ours["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key}
    assert dr.describe_images(repositoryName=second)["imageDetails"][0]["imageTags"] == ["v1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"prefixes": ["Bad Prefix"]}, "not an ECR repository filter"),
        ({"prefixes": ["caseapp-prod/"]}, "destinations is required"),
        ({"prefixes": ["caseapp-prod/"], "destinations": ["us-east-1"]}, "own region"),
        ({"prefixes": ["caseapp-prod/"], "destinations": [{"zone": "x"}]}, "must be a region name"),
    ],
)
def test_bad_input(run_module, ecr, args, message):
    result = run_module(MODULE, args)
    assert result.failed and message in result["msg"], result
    assert _rules(ecr) == []


def test_rule_limit(run_module, ecr):
    rules = [
        {
            "destinations": [{"region": DR, "registryId": ACCOUNT}],
            "repositoryFilters": [{"filter": f"team{i}", "filterType": "PREFIX_MATCH"}],
        }
        for i in range(10)
    ]
    ecr.put_replication_configuration(replicationConfiguration={"rules": rules})
    result = run_module(MODULE, {"prefixes": ["caseapp-prod/"], "destinations": [DR]})
    assert result.failed and "at most 10" in result["msg"], result
