#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository_tags
version_added: 0.1.0
short_description: Tag a set of existing ECR repositories
description:
  - Ensures the tags of one or more existing Amazon ECR repositories in one task, so that a role can tag
    every service's repository with a single module run.
  - M(community.aws.ecs_ecr) creates and configures repositories but cannot tag them; this module fills that
    gap and changes nothing else of the repositories. Create the repositories with M(community.aws.ecs_ecr)
    first.
  - All repositories are looked up with one DescribeRepositories request (one per 100 names). Then the tags
    of each repository are read (ListTagsForResource) and compared with O(tags); TagResource and
    UntagResource are called only for the repositories whose tags differ. A run with nothing to change makes
    no other request.
  - Nothing is written unless every repository exists and every repository's tags can be set, so a failed
    run leaves all the repositories as they were (except when AWS itself fails a write part-way).
author: Platform Ops Maintainers (@platform-ops)
options:
  repositories:
    description:
      - Names of the repositories to tag, for example C(caseapp-prod/backend) (2 to 256 characters, ECR's
        repository name pattern). At least one. Duplicates are ignored.
      - Every repository must exist in the account and region, except in check mode, where a repository that
        does not exist is reported in RV(missing_repositories) as one that would be tagged once created.
    type: list
    elements: str
    required: true
  tags:
    description:
      - Tags to ensure on every repository, as a dictionary of key and value.
      - Keys are 1 to 128 characters and must not begin with C(aws:) (reserved by AWS); values are 0 to
        256 characters. At most 50 tags.
      - Values are converted to strings (V(true) becomes C(True)); a null value becomes the empty string.
      - With O(purge_tags=false) the tags are added to (or update) the repositories' other tags.
    type: dict
    required: true
  purge_tags:
    description:
      - Remove the tags of the repositories whose keys are not in O(tags). Tags whose keys begin with
        C(aws:) are never removed.
      - With O(tags={}) and O(purge_tags=true) all the repositories' tags are removed.
    type: bool
    default: false
notes:
  - Supports C(check_mode) and C(diff) (the tags of every repository before and after).
  - A repository holds at most 50 tags (not counting C(aws:) ones); the module fails, before writing
    anything, when a repository would end up with more.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure every service's repository carries the platform's tags
  platform_ops.aws.ecr_repository_tags:
    repositories:
      - caseapp-prod/backend
      - caseapp-prod/frontend
      - caseapp-prod/worker
    tags:
      Project: caseapp
      Environment: prod
  register: ecr_tags

- name: Make the tags of the backend repository exactly these
  platform_ops.aws.ecr_repository_tags:
    repositories: [caseapp-prod/backend]
    tags:
      Project: caseapp
      Environment: prod
      Service: backend
    purge_tags: true
"""

RETURN = r"""
repositories:
  description:
    - The repositories, by name, with their tags after the task (as predicted in check mode).
  returned: always
  type: dict
  sample:
    caseapp-prod/backend:
      arn: arn:aws:ecr:us-east-1:123456789012:repository/caseapp-prod/backend
      tags:
        Project: caseapp
        Environment: prod
        Owner: platform-team
      added_tags:
        Environment: prod
      removed_tags: []
  contains:
    arn:
      description: ARN of the repository; V(null) for a repository that does not exist (check mode only).
      returned: always
      type: str
      sample: arn:aws:ecr:us-east-1:123456789012:repository/caseapp-prod/backend
    tags:
      description: The repository's tags after the task.
      returned: always
      type: dict
      sample:
        Project: caseapp
        Environment: prod
    added_tags:
      description: The tags that were (or in check mode would be) added or given a new value.
      returned: always
      type: dict
      sample:
        Environment: prod
    removed_tags:
      description: The keys of the tags that were (or in check mode would be) removed.
      returned: always
      type: list
      elements: str
      sample: [Team]
missing_repositories:
  description:
    - Repositories of O(repositories) that do not exist. Only check mode reports them (as repositories that
      would be tagged once created); otherwise the module fails when a repository is missing.
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: The tags of every repository (by name) before and after (diff mode).
  returned: when diff mode is on
  type: dict
  sample:
    before:
      caseapp-prod/backend:
        Project: caseapp
    after:
      caseapp-prod/backend:
        Project: caseapp
        Environment: prod
"""

import re

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

# The repositoryName pattern of the ECR API (botocore's model): path components of lowercase letters and
# digits separated by ".", "_", "__" or one or more "-", joined by "/". It accepts everything the older,
# stricter pattern (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)* accepts.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_NAME_RE = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
NAME_MIN = 2
NAME_MAX = 256
KEY_MAX = 128
VALUE_MAX = 256
TAGS_MAX = 50
RESERVED_PREFIX = "aws:"
DESCRIBE_CHUNK = 100  # DescribeRepositories takes at most 100 repositoryNames
LIST_PAGE_SIZE = 1000

# AWSRetry retries throttling (ThrottlingException, TooManyRequestsException, ...) and 5xx codes by default.


@AWSRetry.jittered_backoff()
def _describe_repositories(client, names):
    # With repositoryNames ECR answers every repository in one page (and refuses maxResults), so the
    # paginator sends no page size and simply makes one request.
    paginator = client.get_paginator("describe_repositories")
    return paginator.paginate(repositoryNames=names).build_full_result().get("repositories", [])


@AWSRetry.jittered_backoff()
def _list_all_repositories(client):
    paginator = client.get_paginator("describe_repositories")
    pages = paginator.paginate(PaginationConfig={"PageSize": LIST_PAGE_SIZE})
    return pages.build_full_result().get("repositories", [])


@AWSRetry.jittered_backoff()
def _list_tags(client, arn):
    return client.list_tags_for_resource(resourceArn=arn).get("tags", [])


@AWSRetry.jittered_backoff()
def _tag(client, arn, tags):
    return client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def _untag(client, arn, keys):
    return client.untag_resource(resourceArn=arn, tagKeys=keys)


def _is_reserved(key):
    return key.lower().startswith(RESERVED_PREFIX)


def _names(module):
    """The repository names, without duplicates, in the order given; fails on a bad one."""
    names = list(dict.fromkeys(module.params["repositories"] or []))
    if not names:
        module.fail_json(msg="repositories must list at least one ECR repository name")
    bad = [name for name in names if not NAME_MIN <= len(name) <= NAME_MAX or not REPOSITORY_NAME_RE.fullmatch(name)]
    if bad:
        module.fail_json(
            msg=f"Invalid ECR repository name(s): {', '.join(repr(name) for name in bad)}. A repository name is "
            f"{NAME_MIN} to {NAME_MAX} characters: lowercase letters and digits, separated by '.', '_', '__' or "
            "'-', in path components joined by '/' (for example caseapp-prod/backend)"
        )
    return names


def _tags(module):
    """The desired tags as strings; fails on a key or value ECR would refuse."""
    tags = {to_text(key): "" if value is None else to_text(value) for key, value in module.params["tags"].items()}
    problems = []
    if len(tags) > TAGS_MAX:
        problems.append(f"at most {TAGS_MAX} tags are allowed (got {len(tags)})")
    for key, value in tags.items():
        if not 1 <= len(key) <= KEY_MAX:
            problems.append(f"tag key {key!r} must be 1 to {KEY_MAX} characters (got {len(key)})")
        if _is_reserved(key):
            problems.append(f"tag key {key!r} begins with {RESERVED_PREFIX!r}, which is reserved by AWS")
        if len(value) > VALUE_MAX:
            problems.append(f"the value of tag {key!r} must be at most {VALUE_MAX} characters (got {len(value)})")
    if problems:
        module.fail_json(msg="Invalid tags: " + "; ".join(problems))
    return tags


def find_repositories(module, client, names):
    """name -> ARN of the repositories that exist."""
    found = {}
    some_missing = False
    for start in range(0, len(names), DESCRIBE_CHUNK):
        chunk = names[start : start + DESCRIBE_CHUNK]
        try:
            repositories = _describe_repositories(client, chunk)
        except is_boto3_error_code("RepositoryNotFoundException"):
            # ECR fails the whole request when one name does not exist (naming only the first), so which
            # ones are missing is found below by listing the registry's repositories.
            some_missing = True
            continue
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to describe the ECR repositories {', '.join(chunk)}")
        found.update((repo["repositoryName"], repo["repositoryArn"]) for repo in repositories)
    if some_missing:
        wanted = set(names) - set(found)
        try:
            repositories = _list_all_repositories(client)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="Failed to list the ECR repositories of the registry")
        found.update(
            (repo["repositoryName"], repo["repositoryArn"]) for repo in repositories if repo["repositoryName"] in wanted
        )
    return found


def current_tags(module, client, name, arn):
    try:
        return boto3_tag_list_to_ansible_dict(_list_tags(client, arn))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to list the tags of ECR repository {name}")


def plan(current, desired, purge):
    """(tags to set, keys to remove, tags after) for one repository."""
    to_set, to_remove = compare_aws_tags(current, desired, purge)
    to_set = {key: to_text(value) for key, value in to_set.items()}
    to_remove = sorted(to_remove)
    after = {key: value for key, value in current.items() if key not in to_remove}
    after.update(to_set)
    return to_set, to_remove, after


def apply(module, client, name, arn, changes):
    """Remove, then set (which keeps a repository under the tag limit while tags are swapped)."""
    to_set, to_remove = changes["set"], changes["remove"]
    if to_remove:
        try:
            _untag(client, arn, to_remove)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to remove tags {', '.join(to_remove)} from ECR repository {name}")
    if to_set:
        try:
            _tag(client, arn, to_set)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to tag ECR repository {name}")


def main():
    argument_spec = dict(
        repositories=dict(type="list", elements="str", required=True),
        tags=dict(type="dict", required=True),
        purge_tags=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    names = _names(module)
    desired = _tags(module)
    purge = module.params["purge_tags"]
    client = module.client("ecr")

    arns = find_repositories(module, client, names)
    missing = [name for name in names if name not in arns]
    if missing and not module.check_mode:
        module.fail_json(
            msg=f"ECR repositories not found: {', '.join(missing)}; create them first, e.g. with community.aws.ecs_ecr",
            missing_repositories=missing,
        )

    plans = {}
    for name in names:
        before = current_tags(module, client, name, arns[name]) if name in arns else {}
        to_set, to_remove, after = plan(before, desired, purge)
        plans[name] = {"before": before, "set": to_set, "remove": to_remove, "after": after}

    too_many = []
    for name, p in plans.items():
        count = sum(1 for key in p["after"] if not _is_reserved(key))
        if count > TAGS_MAX:
            too_many.append(f"{name} ({count})")
    if too_many:
        module.fail_json(
            msg=f"ECR repositories would have more than {TAGS_MAX} tags: {', '.join(too_many)}; "
            "remove some of their tags or set purge_tags=true"
        )

    # A missing repository (check mode only) counts as changed: it would be tagged once created.
    changed = bool(missing)
    repositories = {}
    for name, p in plans.items():
        if p["set"] or p["remove"]:
            changed = True
            if name in arns and not module.check_mode:
                apply(module, client, name, arns[name], p)
        repositories[name] = {
            "arn": arns.get(name),
            "tags": p["after"],
            "added_tags": p["set"],
            "removed_tags": p["remove"],
        }

    result = {"repositories": repositories, "missing_repositories": missing}
    if module._diff:
        result["diff"] = {
            "before": {name: p["before"] for name, p in plans.items()},
            "after": {name: p["after"] for name, p in plans.items()},
        }
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
