# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The single home of the collection's input rules, shared by the deploy checks (the filters that
``roles/platform/tasks/main.yml`` runs before the first AWS call, the roles' own checks) and the
compliance audit (``module_utils/compliance.py``), so a deploy never accepts what the audit then fails.

Every function is pure (no AWS call, no network): it takes values and returns a list of messages
(empty: valid) or a boolean. Each message names the variable, the value and the rule.

The code lives in the private package ``_platform_rules``, one module per group of rules (``secret_names``,
``naming``, ``service_specs``, ``wiring``, ``regions``, ``dr``); this module re-exports every name it had, so
the filters, the roles' plugin code, the compliance audit and the tests keep importing
``module_utils.platform_rules``.
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.dr import (  # noqa: F401 - re-exported
    DNS_LABEL_RE,
    PRIVATE_RANGES,
    _truthy,
    dr_errors,
    dr_vpc_cidr,
    is_fqdn,
    private_network,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.naming import (  # noqa: F401 - re-exported
    BUCKET_PURPOSE_RE,
    BUCKET_SUFFIX_RE,
    DR_BUCKET_SUFFIX,
    IAM_PATH_RE,
    NAME_LIMITS,
    RESERVED_SERVICE_NAMES,
    RESERVED_SERVICE_PREFIXES,
    SERVICE_NAME_RE,
    SERVICE_ROLE_PATTERNS,
    TARGET_GROUP_HASH_LENGTH,
    bucket_name_errors,
    iam_role_name_errors,
    is_iam_path,
    name_length_errors,
    reserved_service_name_errors,
    service_name_errors,
    service_role_names,
    target_group_name,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.regions import (  # noqa: F401 - re-exported
    AWS_REGIONS,
    endpoint_url_errors,
    is_loopback_host,
    region_errors,
    region_partitions,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.secret_names import (  # noqa: F401 - re-exported
    CREDENTIALS_IN_URL_RE,
    MASTER_SECRET_NAME_RE,
    MASTER_SECRET_NAMES,
    MASTER_SECRET_PATHS,
    SECRET_ENV_NAME_RE,
    SECRET_LIKE_NAME_RE,
    SECRET_REFERENCE_SUFFIXES,
    credentials_in_url,
    is_master_secret,
    plaintext_secret_reason,
    secret_like_name,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.service_specs import (  # noqa: F401 - re-exported
    BUCKET_ACCESS,
    ECS_MAX_GRACE_PERIOD,
    LOG_RETENTION_DAYS,
    SERVICE_KEYS,
    buckets_errors,
    environment_errors,
    secrets_errors,
    unknown_key_errors,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.wiring import (  # noqa: F401 - re-exported
    COMPONENT_SECRETS,
    COMPONENTS,
    ECR_IMAGE_RE,
    INJECTED_ENVIRONMENT,
    INJECTED_ENVIRONMENT_PREFIXES,
    WIRING_LABEL,
    bucket_env_name,
    grace_period_errors,
    https_endpoint,
    image_errors,
    injected_environment_name,
    service_environment,
    service_secret_names,
    service_uses,
    service_wiring_label,
    uses_errors,
)
