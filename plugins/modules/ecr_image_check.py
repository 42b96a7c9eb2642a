#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_check
version_added: 0.1.0
short_description: Check that container images exist in Amazon ECR before anything starts a task from them
description:
  - Checks that every image of O(images) exists in its Amazon ECR repository, and reports which are
    present and which are missing. ECS would otherwise accept a task definition, a service or a
    RunTask for an image that does not exist, and every task would stop with C(CannotPullContainerError).
  - With O(fail_on_missing=true) (the default) the module fails when an image is missing, naming
    each one and giving the shell commands that push it to that account and region
    (C(aws ecr get-login-password | docker login), C(docker tag), C(docker push)).
  - A repository that does not exist makes its images missing too; the message says so and that
    C(ansible-playbook deploy.yml -i inventories/<env> --tags repositories) creates the platform's
    repositories.
  - One DescribeImages request per repository (up to 100 images each) answers the usual case, where
    every image exists. Only when one is missing are the repository's images listed, to tell which.
    No image manifest is downloaded and nothing is pulled.
  - Read-only; never reports a change.
author: Platform Ops Maintainers (@platform-ops)
options:
  images:
    description:
      - The images to check. Each is either a full private ECR image URI
        (C(<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>) or C(...@sha256:<digest>)),
        or a dictionary with C(repository), C(tag) or C(digest), and optionally C(registry_id) (the
        12-digit account of the registry; defaults to the caller's account).
      - A URI names its own account and region; a dictionary uses the module's region.
      - At least one. Duplicates are checked once.
    type: list
    elements: raw
    required: true
  fail_on_missing:
    description:
      - Fail when an image is missing (the message names each one and the push commands).
      - With V(false) the module only warns and reports RV(missing) and RV(push_commands), for
        example in check mode, where a run that creates the repositories has not created them.
    type: bool
    default: true
  hint:
    description:
      - Text added at the end of the failure message (or warning), for example what the caller does
        next once the images are pushed.
    type: str
    default: ""
notes:
  - Supports C(check_mode); the module is read-only and behaves the same in check mode.
  - The IAM permissions needed are C(ecr:DescribeImages) and, only when an image is missing and a
    dictionary entry gives no C(registry_id), C(sts:GetCallerIdentity) (for the registry's URI).
  - C(docker tag) in RV(push_commands) assumes the image was built locally as C(<repository>:<tag>).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Fail before the services start when an image has not been pushed
  platform_ops.aws.ecr_image_check:
    images:
      - 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123
      - repository: caseapp-prod/worker
        tag: 2026.11.23-abc123
    hint: Push the images, then run deploy.yml again.

- name: Report the missing images without failing (check mode)
  platform_ops.aws.ecr_image_check:
    images:
      - repository: caseapp-prod/backend
        tag: "{{ platform_image_tag }}"
    fail_on_missing: "{{ not ansible_check_mode }}"
  register: image_check

- name: Show the push commands
  ansible.builtin.debug:
    msg: "{{ image_check.push_commands }}"
  when: image_check.missing | length > 0
"""

RETURN = r"""
images:
  description: Every image checked, in the order given (duplicates once).
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: Full image URI.
      type: str
      returned: always
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123
    repository:
      description: Repository name.
      type: str
      returned: always
      sample: caseapp-prod/backend
    tag:
      description: Image tag, V(null) when the image is given by digest.
      type: str
      returned: always
      sample: 2026.11.23-abc123
    digest:
      description: Image digest asked for, V(null) when the image is given by tag.
      type: str
      returned: always
      sample: null
    registry_id:
      description: Account of the registry.
      type: str
      returned: always
      sample: "123456789012"
    region:
      description: Region of the registry.
      type: str
      returned: always
      sample: us-east-1
    status:
      description: V(present), V(missing) (the repository has no such image) or V(repository_missing).
      type: str
      returned: always
      sample: present
    image_digest:
      description: Digest of the image found (V(null) when missing).
      type: str
      returned: always
      sample: sha256:3f1c0e7a3c6b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6
present:
  description: URIs of the images that exist.
  returned: always
  type: list
  elements: str
  sample: [123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123]
missing:
  description: URIs of the images that do not exist (including those whose repository does not exist).
  returned: always
  type: list
  elements: str
  sample: [123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/worker:2026.11.23-abc123]
missing_repositories:
  description: Repositories that do not exist.
  returned: always
  type: list
  elements: str
  sample: []
push_commands:
  description: Shell commands that push the missing images (empty when none is missing).
  returned: always
  type: list
  elements: str
  sample:
    - aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com
    - docker tag caseapp-prod/worker:2026.11.23-abc123 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/worker:2026.11.23-abc123
    - docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/worker:2026.11.23-abc123
msg:
  description: What is missing and how to push it; empty when every image exists.
  returned: always
  type: str
  sample: ""
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecr import (
    IDS_PER_REQUEST,
    PRESENT,
    REPOSITORY_MISSING,
    ImageReferenceError,
    caller_account,
    classify,
    describe_image_ids,
    group_by_repository,
    image_id,
    image_uri,
    list_images,
    parse_image,
    push_commands,
    registry_host,
)

REPOSITORIES_HINT = (
    "the platform's repositories are created by `ansible-playbook deploy.yml -i inventories/<env> --tags repositories`"
)


def parse_images(module):
    images, seen = [], set()
    for position, entry in enumerate(module.params["images"] or []):
        try:
            image = parse_image(entry, module.region, position)
        except ImageReferenceError as e:
            module.fail_json(msg=f"Invalid image reference: {e}")
        key = (image["region"], image["account"], image["repository"], image["tag"], image["digest"])
        if key not in seen:
            seen.add(key)
            images.append(image)
    if not images:
        module.fail_json(msg="images must list at least one image")
    return images


def check_repository(module, client, key, images):
    """Set the status of each image of one repository: one DescribeImages per 100 images; the
    repository's images are listed only when one is missing."""
    region, account, repository = key
    for start in range(0, len(images), IDS_PER_REQUEST):
        chunk = images[start : start + IDS_PER_REQUEST]
        try:
            classify(chunk, describe_image_ids(client, repository, [image_id(i) for i in chunk], account))
            continue
        except is_boto3_error_code("RepositoryNotFoundException"):
            for image in images:
                image["status"] = REPOSITORY_MISSING
            return
        except is_boto3_error_code("ImageNotFoundException"):
            pass  # ECR fails the request as a whole: list the repository to tell which are missing
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to describe the images of ECR repository {repository} in {region}")
        try:
            classify(chunk, list_images(client, repository, account))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to list the images of ECR repository {repository} in {region}")


def complete_uris(module, images):
    """Give the dictionary entries without registry_id their registry: the account DescribeImages
    answered with, else the caller's (one GetCallerIdentity, only when such an image is missing)."""
    unresolved = [i for i in images if i["registry"] is None]
    account = next((i["account"] for i in unresolved if i["account"]), None)
    for image in unresolved:
        if not image["account"]:
            if account is None:
                try:
                    account = caller_account(module.client("sts"))
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    module.fail_json_aws(e, msg="Failed to look up the caller's account (for the registry's URI)")
            image["account"] = account
        image["registry"] = registry_host(image["account"], image["region"])
        image["image"] = image_uri(image["registry"], image["repository"], image["tag"], image["digest"])


def message(images, missing, commands, hint):
    if not missing:
        return ""
    lines = [f"{len(missing)} of {len(images)} image(s) are not in Amazon ECR, so no task can start from them:"]
    for image in missing:
        if image["status"] == REPOSITORY_MISSING:
            why = f"the repository {image['repository']} does not exist ({REPOSITORIES_HINT})"
        else:
            why = f"no image {'tagged ' + image['tag'] if image['tag'] else image['digest']} in {image['repository']}"
        lines.append(f"  - {image['image']}: {why}")
    lines.append("Push them (build each image locally as <repository>:<tag> first):")
    lines.extend(f"  {line}" for line in commands)
    if hint:
        lines.append(hint.strip())
    return "\n".join(lines)


def main():
    argument_spec = dict(
        images=dict(type="list", elements="raw", required=True),
        fail_on_missing=dict(type="bool", default=True),
        hint=dict(type="str", default=""),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    images = parse_images(module)

    clients = {}
    for key, group in group_by_repository(images).items():
        region = key[0]
        if region not in clients:
            clients[region] = module.client("ecr", region=region)
        check_repository(module, clients[region], key, group)

    complete_uris(module, images)
    missing = [i for i in images if i["status"] != PRESENT]
    commands = push_commands(missing)
    msg = message(images, missing, commands, module.params["hint"])

    result = {
        "changed": False,
        "images": [
            {
                "image": i["image"],
                "repository": i["repository"],
                "tag": i["tag"],
                "digest": i["digest"],
                "registry_id": i["account"],
                "region": i["region"],
                "status": i["status"],
                "image_digest": i.get("image_digest"),
            }
            for i in images
        ],
        "present": [i["image"] for i in images if i["status"] == PRESENT],
        "missing": [i["image"] for i in missing],
        "missing_repositories": sorted({i["repository"] for i in missing if i["status"] == REPOSITORY_MISSING}),
        "push_commands": commands,
    }
    if missing and module.params["fail_on_missing"]:
        module.fail_json(msg=msg, **result)
    if missing:
        module.warn(msg)
    module.exit_json(msg=msg, **result)


if __name__ == "__main__":
    main()
