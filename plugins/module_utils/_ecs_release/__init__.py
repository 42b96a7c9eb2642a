# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The code of platform_ops.aws.ecs_rollout and platform_ops.aws.ecs_run_task (private: import it through
``module_utils.ecs_release``)."""

from __future__ import annotations
