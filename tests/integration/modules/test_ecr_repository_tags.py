"""platform_ops.aws.ecr_repository_tags against the moto server; state asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "ecr_repository_tags"
PLATFORM_TAGS = {"Project": "caseapp", "Environment": "prod"}


@pytest.fixture
def prefix():
    return f"ecrtags-{uuid.uuid4().hex[:10]}"


def _create(aws, name: str, tags: dict | None = None) -> str:
    kwargs = {"tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}
    return aws("ecr").create_repository(repositoryName=name, **kwargs)["repository"]["repositoryArn"]


def _tags(aws, arn: str) -> dict:
    return {tag["Key"]: tag["Value"] for tag in aws("ecr").list_tags_for_resource(resourceArn=arn)["tags"]}


def test_tags_two_repositories_then_is_idempotent(run_module, aws, prefix, moto_endpoint):
    backend, frontend = f"{prefix}/backend", f"{prefix}/frontend"
    backend_arn = _create(aws, backend, {"Owner": "platform-team"})
    frontend_arn = _create(aws, frontend)
    args = {"repositories": [backend, frontend], "tags": PLATFORM_TAGS}

    before = api_operations(moto_endpoint)
    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 2,
        "ecr.TagResource": 2,
    }
    assert _tags(aws, backend_arn) == {"Owner": "platform-team", **PLATFORM_TAGS}
    assert _tags(aws, frontend_arn) == PLATFORM_TAGS
    assert first["repositories"] == {
        backend: {
            "arn": backend_arn,
            "tags": {"Owner": "platform-team", **PLATFORM_TAGS},
            "added_tags": PLATFORM_TAGS,
            "removed_tags": [],
        },
        frontend: {"arn": frontend_arn, "tags": PLATFORM_TAGS, "added_tags": PLATFORM_TAGS, "removed_tags": []},
    }
    assert first["missing_repositories"] == []

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args, diff=True)
    assert not again.failed, again
    assert not again.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 2,
    }
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["repositories"][backend]["tags"] == {"Owner": "platform-team", **PLATFORM_TAGS}
    assert again["repositories"][frontend]["added_tags"] == {}
    assert again["repositories"][frontend]["removed_tags"] == []


def test_updates_a_value_with_one_tag_request(run_module, aws, prefix, moto_endpoint):
    name = f"{prefix}/api"
    arn = _create(aws, name, {"Project": "caseapp", "Environment": "staging"})
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"repositories": [name], "tags": PLATFORM_TAGS}, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["repositories"][name]["added_tags"] == {"Environment": "prod"}
    assert result["diff"] == {
        "before": {name: {"Project": "caseapp", "Environment": "staging"}},
        "after": {name: PLATFORM_TAGS},
    }
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 1,
        "ecr.TagResource": 1,
    }
    assert _tags(aws, arn) == PLATFORM_TAGS


def test_purge_tags_false_keeps_other_tags_and_true_removes_them(run_module, aws, prefix, moto_endpoint):
    kept, clean = f"{prefix}/worker", f"{prefix}/web"
    kept_arn = _create(aws, kept, {"Team": "data", "CostCenter": "42", "Project": "caseapp"})
    clean_arn = _create(aws, clean, {"Project": "caseapp"})

    merged = run_module(MODULE, {"repositories": [kept, clean], "tags": PLATFORM_TAGS})
    assert not merged.failed and merged.changed, merged
    assert _tags(aws, kept_arn) == {"Team": "data", "CostCenter": "42", **PLATFORM_TAGS}
    assert merged["repositories"][kept]["added_tags"] == {"Environment": "prod"}
    assert merged["repositories"][kept]["removed_tags"] == []

    before = api_operations(moto_endpoint)
    purged = run_module(MODULE, {"repositories": [kept, clean], "tags": PLATFORM_TAGS, "purge_tags": True}, diff=True)
    assert not purged.failed, purged
    assert purged.changed
    # Only the repository with extra tags is written to, and only to remove them.
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 2,
        "ecr.UntagResource": 1,
    }
    assert _tags(aws, kept_arn) == PLATFORM_TAGS
    assert _tags(aws, clean_arn) == PLATFORM_TAGS
    assert purged["repositories"][kept]["removed_tags"] == ["CostCenter", "Team"]
    assert purged["repositories"][kept]["added_tags"] == {}
    assert purged["repositories"][kept]["tags"] == PLATFORM_TAGS
    assert purged["diff"]["before"][kept] == {"Team": "data", "CostCenter": "42", **PLATFORM_TAGS}
    assert purged["diff"]["after"] == {kept: PLATFORM_TAGS, clean: PLATFORM_TAGS}

    again = run_module(MODULE, {"repositories": [kept, clean], "tags": PLATFORM_TAGS, "purge_tags": True})
    assert not again.failed and not again.changed, again


def test_purge_with_no_tags_removes_all_but_aws_tags(run_module, aws, prefix):
    name = f"{prefix}/legacy"
    # AWS refuses aws: keys from users (CloudFormation sets them); moto accepts them, which lets us
    # check that purging leaves them alone.
    arn = _create(aws, name, {"Team": "data", "aws:cloudformation:stack-name": "legacy"})
    result = run_module(MODULE, {"repositories": [name], "tags": {}, "purge_tags": True})
    assert not result.failed and result.changed, result
    assert result["repositories"][name]["removed_tags"] == ["Team"]
    assert _tags(aws, arn) == {"aws:cloudformation:stack-name": "legacy"}


def test_check_mode_with_diff_changes_nothing(run_module, aws, prefix, moto_endpoint):
    backend, frontend = f"{prefix}/backend", f"{prefix}/frontend"
    backend_arn = _create(aws, backend, {"Team": "data"})
    frontend_arn = _create(aws, frontend)
    args = {"repositories": [backend, frontend], "tags": PLATFORM_TAGS, "purge_tags": True}

    before = api_operations(moto_endpoint)
    result = run_module(MODULE, args, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["diff"] == {
        "before": {backend: {"Team": "data"}, frontend: {}},
        "after": {backend: PLATFORM_TAGS, frontend: PLATFORM_TAGS},
    }
    assert result["repositories"][backend] == {
        "arn": backend_arn,
        "tags": PLATFORM_TAGS,
        "added_tags": PLATFORM_TAGS,
        "removed_tags": ["Team"],
    }
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 2,
    }
    assert _tags(aws, backend_arn) == {"Team": "data"}
    assert _tags(aws, frontend_arn) == {}


def test_a_missing_repository_fails_clearly_and_tags_nothing(run_module, aws, prefix, moto_endpoint):
    present, absent = f"{prefix}/backend", f"{prefix}/not-created"
    arn = _create(aws, present)
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"repositories": [present, absent, f"{prefix}/also-missing"], "tags": PLATFORM_TAGS})
    assert result.failed
    assert f"ECR repositories not found: {absent}, {prefix}/also-missing" in result["msg"]
    assert present + "," not in result["msg"]
    assert "create them first, e.g. with community.aws.ecs_ecr" in result["msg"]
    assert result["missing_repositories"] == [absent, f"{prefix}/also-missing"]
    # ECR fails the whole DescribeRepositories when one name is missing; the module then lists the
    # registry to tell which ones are. Nothing is read or written per repository.
    assert operations_delta(before, api_operations(moto_endpoint)) == {"ecr.DescribeRepositories": 2}
    assert _tags(aws, arn) == {}


def test_check_mode_reports_a_missing_repository(run_module, aws, prefix, moto_endpoint):
    present, absent = f"{prefix}/backend", f"{prefix}/not-created"
    arn = _create(aws, present, PLATFORM_TAGS)
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"repositories": [present, absent], "tags": PLATFORM_TAGS}, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["missing_repositories"] == [absent]
    assert result["repositories"][absent] == {
        "arn": None,
        "tags": PLATFORM_TAGS,
        "added_tags": PLATFORM_TAGS,
        "removed_tags": [],
    }
    assert result["repositories"][present]["added_tags"] == {}
    assert result["diff"] == {
        "before": {present: PLATFORM_TAGS, absent: {}},
        "after": {present: PLATFORM_TAGS, absent: PLATFORM_TAGS},
    }
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 2,
        "ecr.ListTagsForResource": 1,
    }
    assert _tags(aws, arn) == PLATFORM_TAGS


def test_a_name_ecr_accepts_but_moto_refuses_passes_validation(run_module, prefix):
    """ECR's current repositoryName pattern allows "__" and "--" separators; moto's older one does not."""
    name = f"{prefix}/img__v2--beta"
    result = run_module(MODULE, {"repositories": [name], "tags": PLATFORM_TAGS}, check_mode=True)
    assert not result.failed, result
    assert result["missing_repositories"] == [name]


def test_values_become_strings_and_duplicates_are_ignored(run_module, aws, prefix, moto_endpoint):
    name = f"{prefix}/backend"
    arn = _create(aws, name)
    args = {"repositories": [name, name], "tags": {"CostCenter": 1234, "Critical": True, "Note": None}}
    first = run_module(MODULE, args)
    assert not first.failed and first.changed, first
    expected = {"CostCenter": "1234", "Critical": "True", "Note": ""}
    assert _tags(aws, arn) == expected
    assert first["repositories"] == {name: {"arn": arn, "tags": expected, "added_tags": expected, "removed_tags": []}}

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args)
    assert not again.failed and not again.changed, again
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 1,
    }


def test_more_than_one_hundred_repositories_are_described_in_chunks(run_module, aws, prefix, moto_endpoint):
    names = [f"{prefix}/svc-{i:03d}" for i in range(101)]
    for name in names:
        _create(aws, name)
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"repositories": names, "tags": PLATFORM_TAGS})
    assert not result.failed and result.changed, result
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 2,
        "ecr.ListTagsForResource": 101,
        "ecr.TagResource": 101,
    }
    assert sorted(result["repositories"]) == names
    assert _tags(aws, result["repositories"][names[-1]]["arn"]) == PLATFORM_TAGS

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"repositories": names, "tags": PLATFORM_TAGS})
    assert not again.failed and not again.changed, again
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 2,
        "ecr.ListTagsForResource": 101,
    }


def test_more_than_fifty_tags_on_a_repository_fails_before_writing(run_module, aws, prefix, moto_endpoint):
    full, fine = f"{prefix}/full", f"{prefix}/fine"
    full_arn = _create(aws, full, {f"Existing{i}": "x" for i in range(48)})
    fine_arn = _create(aws, fine)
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"repositories": [fine, full], "tags": {**PLATFORM_TAGS, "Service": "x"}})
    assert result.failed
    assert f"ECR repositories would have more than 50 tags: {full} (51)" in result["msg"]
    assert "purge_tags=true" in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeRepositories": 1,
        "ecr.ListTagsForResource": 2,
    }
    assert _tags(aws, fine_arn) == {}
    assert len(_tags(aws, full_arn)) == 48


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        ({"repositories": []}, ["repositories must list at least one ECR repository name"]),
        (
            {"repositories": ["caseapp-prod/backend", "CaseApp/Backend", "bad//name", "x"]},
            ["Invalid ECR repository name(s): 'CaseApp/Backend', 'bad//name', 'x'."],
        ),
        ({"repositories": ["-leading-dash"]}, ["Invalid ECR repository name(s): '-leading-dash'."]),
        ({"repositories": ["a" * 257]}, ["Invalid ECR repository name(s)"]),
        ({"tags": {"aws:owner": "me"}}, ["tag key 'aws:owner' begins with 'aws:', which is reserved by AWS"]),
        ({"tags": {"AWS:Owner": "me"}}, ["tag key 'AWS:Owner' begins with 'aws:'"]),
        ({"tags": {"Note": "v" * 257}}, ["the value of tag 'Note' must be at most 256 characters (got 257)"]),
        ({"tags": {"k" * 129: "v"}}, ["must be 1 to 128 characters (got 129)"]),
        ({"tags": {"": "v"}}, ["tag key '' must be 1 to 128 characters (got 0)"]),
        ({"tags": {f"Key{i}": "v" for i in range(51)}}, ["at most 50 tags are allowed (got 51)"]),
        (
            {"tags": {"aws:a": "v" * 300, "Fine": "ok"}},
            ["tag key 'aws:a' begins with 'aws:'", "the value of tag 'aws:a' must be at most 256 characters"],
        ),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, args, messages):
    full = {"repositories": ["caseapp-prod/backend"], "tags": PLATFORM_TAGS, **args}
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, full)
    assert result.failed, result
    for message in messages:
        assert message in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_bad_input_fails_before_any_aws_call_in_check_mode(run_module, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"repositories": ["Bad"], "tags": {"aws:x": "y"}}, check_mode=True)
    assert result.failed
    assert "Invalid ECR repository name(s): 'Bad'" in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
