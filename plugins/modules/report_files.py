#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: report_files
version_added: 0.1.0
short_description: Write a set of report files, and their directories, in one task
description:
  - Ensures that each file of O(files) exists with exactly the given content and mode, creating its
    directory (and the directory's missing parents) with O(directory_mode) first.
  - The compliance and outputs playbooks write their reports with it. M(ansible.builtin.file) and
    M(ansible.builtin.copy) would take one module run per directory and one per file (each copy first
    runs a stat of the destination); this module does the same in one run.
  - A file whose content and mode are already right is left alone (not even its modification time
    changes), so a second identical run reports no change.
  - Each file is written to a temporary file in its directory, then renamed over the old one, so a reader
    never sees a half-written report.
author: Platform Ops Maintainers (@platform-ops)
options:
  files:
    description:
      - The files to write. Paths must be absolute or relative to the working directory of the module
        (the playbook's directory for a local connection); a path may not repeat.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description:
          - Where the file is written.
        type: path
        required: true
      content:
        description:
          - The whole content of the file (written as UTF-8).
        type: str
        required: true
      mode:
        description:
          - The file's permissions, as an octal string such as V('0600').
        type: str
        default: "0600"
  directory_mode:
    description:
      - The permissions of a directory this module creates (an existing directory's are left alone), as an
        octal string.
    type: str
    default: "0700"
notes:
  - Supports C(check_mode) (reports what would be written, writes nothing) and C(diff) (each changed
    file's content before and after).
  - The content is never shown in the module's result other than in the diff; do not write secrets with it.
"""

EXAMPLES = r"""
- name: Ensure the JSON and Markdown reports are written
  platform_ops.aws.report_files:
    files:
      - path: reports/compliance/caseapp-prod.json
        content: "{{ report | to_nice_json }}\n"
      - path: reports/compliance/caseapp-prod.md
        content: "{{ markdown }}"
        mode: "0640"
"""

RETURN = r"""
files:
  description: Each file, as written (or as it would be in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file's absolute path.
      type: str
      sample: /home/ops/reports/compliance/caseapp-prod.json
    changed:
      description: Whether the file was (or would be) created or rewritten, or its mode changed.
      type: bool
      sample: false
    created:
      description: Whether the file did not exist before.
      type: bool
      sample: false
  sample:
    - path: /home/ops/reports/compliance/caseapp-prod.json
      changed: true
      created: false
directories_created:
  description: The directories this run created (or would create in check mode), parents first.
  returned: always
  type: list
  elements: str
  sample: [/home/ops/reports, /home/ops/reports/compliance]
"""

import os
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule


def parse_mode(module, value, name):
    try:
        mode = int(str(value), 8)
    except ValueError:
        module.fail_json(msg=f"{name} must be an octal string such as '0600', got {value!r}.")
    if not 0 <= mode <= 0o7777:
        module.fail_json(msg=f"{name} must be between '0000' and '7777', got {value!r}.")
    return mode


def missing_directories(path):
    """The directories above ``path`` that do not exist, outermost first."""
    missing = []
    directory = os.path.dirname(path)
    while directory and not os.path.exists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return list(reversed(missing))


def read_current(module, path):
    """(content or None, mode or None) of the file at ``path``."""
    if not os.path.lexists(path):
        return None, None
    if os.path.isdir(path):
        module.fail_json(msg=f"{path} is a directory, not a file: the report cannot be written there.")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return data, stat.S_IMODE(os.stat(path).st_mode)
    except OSError as e:
        module.fail_json(msg=f"Cannot read {path}: {e}")


def write_file(module, path, data, mode):
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".report_files-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        module.fail_json(msg=f"Cannot write {path}: {e}")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    path=dict(type="path", required=True),
                    content=dict(type="str", required=True),
                    mode=dict(type="str", default="0600"),
                ),
            ),
            directory_mode=dict(type="str", default="0700"),
        ),
        supports_check_mode=True,
    )
    directory_mode = parse_mode(module, module.params["directory_mode"], "directory_mode")
    wanted = []
    for index, item in enumerate(module.params["files"]):
        path = os.path.abspath(item["path"])
        if path in (w[0] for w in wanted):
            module.fail_json(msg=f"files[{index}].path {path} is given twice.")
        wanted.append((path, item["content"].encode("utf-8"), parse_mode(module, item["mode"], f"files[{index}].mode")))

    results, created_dirs, diffs = [], [], []
    for path, data, mode in wanted:
        for directory in missing_directories(path):
            if directory in created_dirs:
                continue
            created_dirs.append(directory)
            if not module.check_mode:
                try:
                    os.mkdir(directory, directory_mode)
                    os.chmod(directory, directory_mode)  # mkdir's mode is masked by the umask
                except OSError as e:
                    module.fail_json(msg=f"Cannot create the directory {directory}: {e}")
        current, current_mode = read_current(module, path)
        content_differs = current != data
        changed = content_differs or current_mode != mode
        results.append(dict(path=path, changed=changed, created=current is None))
        if content_differs:
            diffs.append(
                dict(
                    before_header=path,
                    after_header=path,
                    before="" if current is None else current.decode("utf-8", errors="replace"),
                    after=data.decode("utf-8"),
                )
            )
        if changed and not module.check_mode:
            if content_differs:
                write_file(module, path, data, mode)
            else:
                try:
                    os.chmod(path, mode)
                except OSError as e:
                    module.fail_json(msg=f"Cannot set the mode of {path}: {e}")

    changed = bool(created_dirs) or any(r["changed"] for r in results)
    result = dict(changed=changed, files=results, directories_created=created_dirs)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
