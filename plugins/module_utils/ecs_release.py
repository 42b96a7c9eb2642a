# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release logic of platform_ops.aws.ecs_rollout and platform_ops.aws.ecs_run_task.

The code lives in the private package ``_ecs_release``, one module per section: ``rollout_plan`` (what
to do for each service, no write), ``rollout_wait`` (waiting for the deployments, explaining a failed
one), ``rollout_history`` (known-good and failed revisions, the rollback), ``run_task_jobs`` (the tasks of
the same job that have not stopped) and ``run_task_guard`` (waiting for a task to stop, stopping the
task the module gives up on). This module re-exports the names the modules use; the ECS API calls
and the pure task definition helpers stay in ``module_utils.ecs``.
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_history import (  # noqa: F401 - re-exported
    History,
    mark_task_definition,
    rollback,
    rollback_target,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_plan import (  # noqa: F401 - re-exported
    ROLLOUT_KEYS,
    SWITCH_KEYS,
    annotate,
    is_restart,
    is_switch,
    plan_service,
    plan_switch,
    previous_unfailed_revision,
    result_for,
    revision_arn,
    revision_of,
    rollout_state_of,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_wait import (  # noqa: F401 - re-exported
    MAX_EVENTS,
    MAX_STOPPED_TASKS,
    _primary_deployment,
    deployment_status,
    failure_details,
    wait_for_deployments,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.run_task_guard import (  # noqa: F401 - re-exported
    Interrupted,
    SignalGuard,
    TaskGuard,
    wait_for_stop,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.run_task_jobs import (  # noqa: F401 - re-exported
    RUN_ID_TAG,
    decide,
    describe_running,
    find_job_tasks,
    refuse_message,
    same_run,
    task_run_id,
    task_summary,
)
