# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's RDS checks."""

from __future__ import annotations

import re

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    _each,
    _passfail,
    _prod_only,
    result,
)


# --- RDS ----------------------------------------------------------------------------------------
@check("RDS.ENCRYPTION")
def _rds_encryption(a):
    return _each(
        a.db_instances(),
        lambda db: _passfail(
            db,
            db["data"].get("StorageEncrypted"),
            f"storage encrypted with {db['data'].get('KmsKeyId', 'KMS')}",
            "StorageEncrypted is false",
        ),
    )


def _ssl_parameter(engine, version):
    """(parameter name, engine default) of the "require TLS" setting, or None when not governed by one."""
    major = 0
    match = re.match(r"(\d+)", version or "")
    if match:
        major = int(match.group(1))
    if engine in ("postgres", "aurora-postgresql"):
        return "rds.force_ssl", "1" if major >= 15 else "0"
    if engine in ("mysql", "mariadb", "aurora-mysql", "aurora"):
        return "require_secure_transport", "0"
    if engine.startswith("sqlserver"):
        return "rds.force_ssl", "0"
    return None


@check("RDS.FORCE_SSL")
def _rds_force_ssl(a):
    def evaluate(db):
        data = db["data"]
        engine = data.get("Engine", "")
        setting = _ssl_parameter(engine, data.get("EngineVersion"))
        if setting is None:
            return result(db, "NOT_APPLICABLE", f"engine {engine} is not governed by a force-SSL parameter")
        parameter, default = setting
        groups = data.get("DBParameterGroups", [])
        if not groups:
            return result(db, "FAIL", "no DB parameter group reported")
        group = groups[0]["DBParameterGroupName"]
        values = a.db_parameters(group)
        value = (values or {}).get(parameter)
        source = f"parameter group {group}"
        if value is None:
            value = default
            source = f"engine default for {engine} {data.get('EngineVersion', '')} ({group} does not set it)"
        pending = groups[0].get("ParameterApplyStatus") == "pending-reboot"
        ok = str(value).lower() in ("1", "on", "true")
        detail = f"{parameter}={value} from {source}" + ("; pending reboot" if pending else "")
        return result(db, "PASS" if ok else "FAIL", detail)

    return _each(a.db_instances(), evaluate)


@check("RDS.LOG_EXPORTS")
def _rds_log_exports(a):
    def evaluate(db):
        exports = db["data"].get("EnabledCloudwatchLogsExports") or []
        engine = db["data"].get("Engine", "")
        if engine in ("postgres", "aurora-postgresql"):
            ok = "postgresql" in exports
            want = "postgresql"
        else:
            ok = bool(exports)
            want = "any log type"
        return _passfail(
            db, ok, f"exports {', '.join(exports)}", f"CloudWatch log exports {exports or 'none'}; expected {want}"
        )

    return _each(a.db_instances(), evaluate)


@check("RDS.BACKUP_RETENTION")
def _rds_backup_retention(a):
    def evaluate(db):
        data = db["data"]
        if data.get("ReadReplicaSourceDBInstanceIdentifier"):
            return result(
                db,
                "NOT_APPLICABLE",
                f"read replica of {data['ReadReplicaSourceDBInstanceIdentifier']}; backups are taken on the source",
            )
        days = int(data.get("BackupRetentionPeriod") or 0)
        return _passfail(db, days >= 7, f"backup retention {days} days", f"backup retention {days} days (< 7)")

    return _each(a.db_instances(), evaluate)


@check("RDS.MULTI_AZ")
def _rds_multi_az(a):
    def evaluate(db):
        multi = bool(db["data"].get("MultiAZ"))
        if not a.is_prod:
            return _prod_only(a, db, f"MultiAZ={multi}")
        if db["data"].get("ReadReplicaSourceDBInstanceIdentifier"):
            return result(db, "NOT_APPLICABLE", "read replica")
        return _passfail(db, multi, "Multi-AZ", "MultiAZ is false in prod")

    return _each(a.db_instances(), evaluate)


@check("RDS.DELETION_PROTECTION")
def _rds_deletion_protection(a):
    def evaluate(db):
        protected = bool(db["data"].get("DeletionProtection"))
        if not a.is_prod:
            return _prod_only(a, db, f"DeletionProtection={protected}")
        return _passfail(db, protected, "deletion protection on", "DeletionProtection is false in prod")

    return _each(a.db_instances(), evaluate)


@check("RDS.PUBLIC_ACCESS")
def _rds_public_access(a):
    return _each(
        a.db_instances(),
        lambda db: _passfail(
            db, not db["data"].get("PubliclyAccessible"), "not publicly accessible", "PubliclyAccessible is true"
        ),
    )
