# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HIPAA compliance audit of one platform: the controls catalogue, resource discovery and checks.

Used by the ``platform_ops.aws.compliance_audit`` module. Everything here is read-only.

Scope: a resource belongs to the audited platform when its tags carry
``Project={platform_name}`` and ``Environment={platform_env}``. Where an API lists names and the
naming contract fixes them (S3 buckets, IAM roles, log groups, ECS task definition families, SNS
topics), candidates are first narrowed by name and then confirmed by their tags. A resource lacking
those tags, or carrying another platform's, is never evaluated.

Every check returns findings with a status among PASS, FAIL, WAIVED (set later by a waiver) and
NOT_APPLICABLE (no resource of that type, a control that only applies to prod). An API the endpoint
does not implement gives "could not be evaluated: <API> unsupported": a FAIL (the audit fails closed),
NOT_APPLICABLE only when the caller allows unsupported APIs (an emulator's inventory).

The code lives in the private package ``_compliance`` (``catalogue``, ``client``, ``discovery`` and
``discovery_infra``, one ``checks_*`` module per group of services, ``engine``, ``report``); this module
re-exports every name it had, so the module and the tests keep importing ``module_utils.compliance``.
Importing it imports ``engine``, which imports every ``checks_*`` module: ``CHECKS`` is complete.
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (  # noqa: F401 - re-exported
    _CATALOGUE,
    BACKUP_MIN_RETENTION_DAYS,
    BASELINE_SERVICES,
    BASELINE_SWITCHES,
    CHECKS,
    CLOUDFRONT_PRINCIPAL,
    CONTROLS,
    CREDENTIALS_IN_URL_RE,
    DATA_PORTS,
    FSBP_STANDARD_RE,
    LEGACY_TLS,
    MASTER_READER_FAMILY_SUFFIX,
    MASTER_READER_ROLE_SUFFIX,
    PHI_BUCKET_PURPOSES,
    PROD_ENV,
    REQUIRED_TAGS,
    RESOURCE_NOUNS,
    ROOT_USERS,
    ROTATED_AT_TAG,
    S3_ORIGIN_DOMAIN_RE,
    SEARCH_PORTS,
    SECRET_MAX_AGE_DAYS,
    SECRET_NAME_RE,
    SECRET_REFERENCE_SUFFIXES,
    SEVERITIES,
    SEVERITY_RANK,
    STATUSES,
    T_ANY,
    T_BACKUP_PLAN,
    T_BUCKET,
    T_CACHE,
    T_CACHE_SNAPSHOT,
    T_DB,
    T_DETECTOR,
    T_DISTRIBUTION,
    T_EBS_DEFAULT,
    T_HUB,
    T_KEY,
    T_LB,
    T_LISTENER,
    T_LOG_GROUP,
    T_POOL,
    T_RECORDER,
    T_REPO,
    T_ROLE,
    T_SEARCH,
    T_SG,
    T_SM,
    T_SNAPSHOT,
    T_TASK_DEF,
    T_TOPIC,
    T_TRAIL,
    T_VPC,
    T_WEB_ACL,
    TLS12_OPENSEARCH_POLICY_PREFIX,
    UNEVALUATED,
    UNSUPPORTED_CODES,
    UTC,
    WAF_LOG_DESTINATION_PREFIX,
    WORLD_CIDRS,
    _catalogue,
    check,
    control_severity,
    severity_text,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_baseline import (  # noqa: F401 - re-exported
    _TAG_KEY_PREFIX,
    _backup_coverage,
    _backup_plans,
    _baseline_check,
    _baseline_note,
    _cloudtrail,
    _cloudtrail_encrypted,
    _cloudtrail_validation,
    _config_recording,
    _guardduty,
    _logging_trail_property,
    _logging_trails,
    _no_trail,
    _phi_buckets,
    _records_all_supported,
    _rule_retention,
    _securityhub,
    _service_resource,
    _tag_condition,
    _trail_is_baseline,
    _trail_statuses,
    _wildcard_match,
    selection_covers,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_cache_search import (  # noqa: F401 - re-exported
    _cache_at_rest,
    _cache_failover,
    _cache_snapshots,
    _cache_transit,
    _search_at_rest,
    _search_https,
    _search_logs,
    _search_node_to_node,
    _search_zones,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_issue12 import (  # noqa: F401 - re-exported
    _as_datetime,
    _cloudfront_oac_pinned,
    _condition_values,
    _destination_name,
    _grants_secret_read,
    _is_cloudfront_statement,
    _master_exposure,
    _references_secret,
    _secrets_rotation,
    _snapshot_key_retained,
    _waf_logging,
    master_secrets,
    secret_last_rotation,
    unpinned_cloudfront_grants,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_lb_waf_cloudfront import (  # noqa: F401 - re-exported
    _cache_behaviours,
    _cloudfront_https,
    _cloudfront_s3_origin_access,
    _cloudfront_tls,
    _elb_access_logs,
    _elb_https_only,
    _elb_tls_policy,
    _listener_results,
    _redirects_to_https,
    _s3_origins,
    _waf_alb,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_network_identity import (  # noqa: F401 - re-exported
    _cognito_mfa,
    _cognito_password,
    _ecs_secrets,
    _ecs_user,
    _iam_wildcards,
    _open_data_ports,
    _open_ranges,
    _search_security_groups,
    _tags_required,
    _vpc_flow_logs,
    plaintext_secret_names,
    wildcard_grants,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_rds import (  # noqa: F401 - re-exported
    _rds_backup_retention,
    _rds_deletion_protection,
    _rds_encryption,
    _rds_force_ssl,
    _rds_log_exports,
    _rds_multi_az,
    _rds_public_access,
    _ssl_parameter,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_s3 import (  # noqa: F401 - re-exported
    _s3_access_logging,
    _s3_encryption,
    _s3_policy_public,
    _s3_public_access_block,
    _s3_replication,
    _s3_tls_only,
    _s3_versioning,
    _tls_only_statement,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.checks_sns_logs_ecr_kms import (  # noqa: F401 - re-exported
    _ebs_default,
    _ecr_encryption,
    _ecr_immutable,
    _ecr_scan,
    _kms_rotation,
    _logs_encryption,
    _logs_retention,
    _registry_scans,
    _secrets_cmk,
    _sns_encryption,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (  # noqa: F401 - re-exported
    AuditError,
    Auditor,
    Unsupported,
    _call,
    _each,
    _each_closed,
    _fail_closed,
    _is_unsupported,
    _paginate,
    _partition,
    _passfail,
    _prod_only,
    client_factory,
    result,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (  # noqa: F401 - re-exported
    Resource,
    _as_list,
    _policy_document,
    _principal_is_everyone,
    _statements,
    tag_dict,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.engine import (  # noqa: F401 - re-exported
    _apply_waivers,
    run_audit,
    select_controls,
    validate_waivers,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.report import (  # noqa: F401 - re-exported
    _STATUS_ORDER,
    _cell,
    render_markdown,
)
