#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_bucket_availability
version_added: 0.1.0
short_description: Tell whether S3 bucket names are free, this account's, or taken by another account
description:
  - S3 bucket names are global across all AWS accounts. Before creating buckets, this module asks
    C(HeadBucket) about each name, in one module call, and reports it as V(ours) (200, or a redirect to
    another region, so this account already has it), V(free) (404) or V(taken) (403, the bucket exists and
    belongs to another account).
  - With O(fail_on_taken=true) (the default) it fails, naming every taken bucket and the O(hint) on how to
    choose other names.
  - Read-only; never reports a change.
author: Platform Ops Maintainers (@platform-ops)
options:
  names:
    description:
      - Bucket names to look up.
    type: list
    elements: str
    required: true
  fail_on_taken:
    description:
      - Fail when a name belongs to another account.
    type: bool
    default: true
  hint:
    description:
      - Sentence added to the failure message, for example how to set a bucket name suffix.
    type: str
    default: ""
notes:
  - Supports C(check_mode) (it reads only).
  - Needs C(s3:ListBucket) on the names looked up (the permission C(HeadBucket) uses).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check that the bucket names are free or already ours
  platform_ops.aws.s3_bucket_availability:
    names:
      - caseapp-prod-documents-123456789012
      - caseapp-prod-logs-123456789012
    hint: Set storage_bucket_suffix to a short unique suffix such as "-a1b2".
"""

RETURN = r"""
buckets:
  description: Each name looked up, with V(ours), V(free) or V(taken).
  returned: always
  type: dict
  sample: {"caseapp-prod-documents-123456789012": "free", "caseapp-prod-logs-123456789012": "ours"}
taken:
  description: The names that belong to another account.
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import s3 as s3u


def main():
    argument_spec = dict(
        names=dict(type="list", elements="str", required=True),
        fail_on_taken=dict(type="bool", default=True),
        hint=dict(type="str", default=""),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    names = module.params["names"]
    invalid = [name for name in names if not s3u.BUCKET_NAME_RE.match(name or "") or ".." in name]
    if invalid:
        module.fail_json(
            msg=(
                f"Not valid S3 bucket names: {', '.join(repr(n) for n in invalid)} "
                "(3-63 lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit)."
            )
        )

    client = module.client("s3")
    found = {}
    for name in dict.fromkeys(names):
        try:
            found[name] = s3u.bucket_availability(client, name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to look up whether bucket {name} exists")
    taken = [name for name, status in found.items() if status == "taken"]
    if taken and module.params["fail_on_taken"]:
        hint = module.params["hint"]
        module.fail_json(
            msg=(
                f"S3 bucket name{'s' if len(taken) > 1 else ''} {', '.join(taken)} "
                f"{'belong' if len(taken) > 1 else 'belongs'} to another AWS account (bucket names are global)."
                + (f" {hint}" if hint else "")
            ),
            buckets=found,
            taken=taken,
        )
    module.exit_json(changed=False, buckets=found, taken=taken)


if __name__ == "__main__":
    main()
