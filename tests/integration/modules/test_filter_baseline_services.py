"""plugins/filter/baseline_services.py: the security baseline's read-once plans (GuardDuty, Security Hub, AWS
Config, AWS Backup) on state read with aws_read from the moto server, each part in a region of its own (the
detector, the hub and the recorder are one per account and region), plus edge cases."""

from __future__ import annotations

import datetime
import json
import uuid

from ansible_collections.platform_ops.aws.plugins.filter import baseline_services as bs

ACCOUNT = "123456789012"
TAGS = {"Project": "caseapp", "Environment": "dev"}


def _read(run_module, reads, region):
    result = run_module("aws_read", {"region": region, "reads": reads})
    assert not result.failed, result
    return result["responses"]


def _rule(name, present=True):
    return {
        "present": present,
        "name": name,
        "description": "findings to the alarm topic",
        "event_pattern": json.dumps({"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 4.0]}]}}),
        "targets": [{"id": "alarm-topic", "arn": f"arn:aws:sns:eu-west-2:{ACCOUNT}:alarms"}],
    }


def test_guardduty_plan_answers_each_drift(run_module, aws):
    region, rule = "eu-west-2", f"gd-{uuid.uuid4().hex[:8]}"
    reads = [
        {"id": "detectors", "service": "guardduty", "operation": "list_detectors", "paginate": True},
        {
            "id": "detector",
            "service": "guardduty",
            "operation": "get_detector",
            "params_from": {"DetectorId": "detectors.DetectorIds.0"},
            "missing_ok": ["BadRequestException"],
        },
        {
            "id": "findings_rule",
            "service": "events",
            "operation": "describe_rule",
            "params": {"Name": rule},
            "missing_ok": ["ResourceNotFoundException"],
        },
        {
            "id": "findings_targets",
            "service": "events",
            "operation": "list_targets_by_rule",
            "paginate": True,
            "params": {"Rule": rule},
            "missing_ok": ["ResourceNotFoundException"],
        },
    ]
    wanted = {
        "enable": True,
        "finding_publishing_frequency": "FIFTEEN_MINUTES",
        "tags": TAGS,
        "region": region,
        "account": ACCOUNT,
        "partition": "aws",
        "rule": _rule(rule),
    }
    gd, events = aws("guardduty", region), aws("events", region)
    for detector_id in gd.list_detectors()["DetectorIds"]:
        gd.delete_detector(DetectorId=detector_id)
    plan = bs.guardduty_plan(_read(run_module, reads, region), wanted)
    assert plan == {"converge": ["detector", "rule"], "detector_id": "", "detector_arn": ""}

    detector_id = gd.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES", Tags=TAGS)["DetectorId"]
    spec = wanted["rule"]
    events.put_rule(Name=rule, EventPattern=spec["event_pattern"], Description=spec["description"], State="ENABLED")
    events.put_targets(Rule=rule, Targets=[{"Id": "alarm-topic", "Arn": spec["targets"][0]["arn"]}])
    plan = bs.guardduty_plan(_read(run_module, reads, region), wanted)
    assert plan["converge"] == []
    assert plan["detector_id"] == detector_id
    assert plan["detector_arn"].endswith(f":guardduty:{region}:{ACCOUNT}:detector/{detector_id}")

    gd.update_detector(DetectorId=detector_id, FindingPublishingFrequency="SIX_HOURS")
    events.remove_targets(Rule=rule, Ids=["alarm-topic"])
    state = _read(run_module, reads, region)
    assert bs.guardduty_plan(state, wanted)["converge"] == ["detector", "rule"]
    # the rule switched off: an existing rule converges (deleted), a missing one does not
    assert "rule" in bs.guardduty_plan(state, {**wanted, "rule": _rule(rule, present=False)})["converge"]
    events.delete_rule(Name=rule)
    gd.update_detector(DetectorId=detector_id, FindingPublishingFrequency="FIFTEEN_MINUTES")
    gd.untag_resource(ResourceArn=plan["detector_arn"], TagKeys=["Project"])
    state = _read(run_module, reads, region)
    assert bs.guardduty_plan(state, {**wanted, "rule": _rule(rule, present=False)})["converge"] == ["detector"]


def test_findings_rule_compares_the_pattern_as_the_module_holds_it():
    rule = {"Name": "r", "EventPattern": '{"a": [1]}', "State": "ENABLED", "Description": "d"}
    targets = {"Targets": [{"Id": "t", "Arn": "arn:x"}]}
    wanted = {"name": "r", "description": "d", "event_pattern": {"a": [1]}, "targets": [{"id": "t", "arn": "arn:x"}]}
    assert not bs.findings_rule_differs(rule, targets, wanted)  # a structure is dumped as json.dumps does
    assert bs.findings_rule_differs(rule, targets, {**wanted, "event_pattern": '{"a":[1]}'})  # the module: strings
    assert bs.findings_rule_differs({**rule, "State": "DISABLED"}, targets, wanted)
    extra = {"Targets": targets["Targets"] + [{"Id": "other", "Arn": "arn:y"}]}
    assert bs.findings_rule_differs(rule, extra, wanted)
    assert not bs.findings_rule_differs(None, None, {**wanted, "present": False})


def test_securityhub_plan_answers_each_drift(run_module, aws):
    region = "eu-west-3"
    hub = aws("securityhub", region)
    try:
        hub.disable_security_hub()
    except hub.exceptions.ClientError:
        pass
    reads = [
        {"id": "hub", "service": "securityhub", "operation": "describe_hub", "missing_ok": ["InvalidAccessException"]},
        {
            "id": "hub_standards",
            "service": "securityhub",
            "operation": "get_enabled_standards",
            "paginate": True,
            "missing_ok": ["InvalidAccessException"],
        },
        {
            "id": "hub_products",
            "service": "securityhub",
            "operation": "list_enabled_products_for_import",
            "paginate": True,
            "missing_ok": ["InvalidAccessException"],
        },
        {
            "id": "hub_tags",
            "service": "securityhub",
            "operation": "list_tags_for_resource",
            "params_from": {"ResourceArn": "hub.HubArn"},
            "missing_ok": ["ResourceNotFoundException", "InvalidAccessException"],
        },
    ]
    fsbp = f"arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"
    wanted = {"standards": [fsbp], "purge_standards": False, "integrations": ["aws/guardduty"], "tags": TAGS}
    assert bs.securityhub_plan(_read(run_module, reads, region), wanted) == {
        "converge": ["hub"],
        "hub_arn": "",
        "standards": [],
    }
    args = {"region": region, "standards": [fsbp], "integrations": ["aws/guardduty"], "tags": TAGS, "purge_tags": False}
    assert not run_module("securityhub_hub", args).failed
    state = _read(run_module, reads, region)
    plan = bs.securityhub_plan(state, wanted)
    assert plan["converge"] == [] and plan["hub_arn"].startswith(f"arn:aws:securityhub:{region}:")
    assert plan["standards"] == [fsbp]
    assert bs.securityhub_plan(state, {**wanted, "tags": {**TAGS, "Owner": "ops"}})["converge"] == ["hub"]
    assert bs.securityhub_plan(state, {**wanted, "integrations": ["aws/macie", "aws/nope"]})["converge"] == ["hub"]
    other = f"arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0"
    assert bs.securityhub_plan(state, {**wanted, "standards": [other]})["converge"] == ["hub"]
    assert bs.securityhub_plan(state, {**wanted, "standards": [], "purge_standards": True})["converge"] == ["hub"]
    assert bs.securityhub_plan(state, {**wanted, "standards": []})["converge"] == []
    hub.batch_disable_standards(
        StandardsSubscriptionArns=[
            s["StandardsSubscriptionArn"] for s in hub.get_enabled_standards()["StandardsSubscriptions"]
        ]
    )
    assert bs.securityhub_plan(_read(run_module, reads, region), wanted)["converge"] == ["hub"]


def _config_reads(role, name):
    return [
        {
            "id": "config_role",
            "service": "iam",
            "operation": "get_role",
            "params": {"RoleName": role},
            "missing_ok": ["NoSuchEntity"],
        },
        {
            "id": "config_role_policies",
            "service": "iam",
            "operation": "list_attached_role_policies",
            "paginate": True,
            "params": {"RoleName": role},
            "missing_ok": ["NoSuchEntity"],
        },
        {
            "id": "config_policy",
            "service": "iam",
            "operation": "get_role_policy",
            "params": {"RoleName": role, "PolicyName": "deliver-configuration"},
            "missing_ok": ["NoSuchEntity"],
        },
        {"id": "recorders", "service": "config", "operation": "describe_configuration_recorders"},
        {"id": "channels", "service": "config", "operation": "describe_delivery_channels"},
        {
            "id": "recorder_status",
            "service": "config",
            "operation": "describe_configuration_recorder_status",
            "params": {"ConfigurationRecorderNames": [name]},
            "missing_ok": ["NoSuchConfigurationRecorderException"],
        },
    ]


def test_config_plan_answers_each_drift(run_module, aws):
    region, suffix = "ap-southeast-1", uuid.uuid4().hex[:8]
    name, role, bucket = f"cfg-{suffix}", f"cfg-{suffix}-config", f"cfg-{suffix}-trail"
    config, iam, s3 = aws("config", region), aws("iam"), aws("s3", region)
    for recorder in config.describe_configuration_recorders()["ConfigurationRecorders"]:
        config.stop_configuration_recorder(ConfigurationRecorderName=recorder["name"])
    for channel in config.describe_delivery_channels()["DeliveryChannels"]:
        config.delete_delivery_channel(DeliveryChannelName=channel["name"])
    for recorder in config.describe_configuration_recorders()["ConfigurationRecorders"]:
        config.delete_configuration_recorder(ConfigurationRecorderName=recorder["name"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject*", "Resource": "*"}]}
    managed = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    wanted = {
        "role": {
            "trust": json.dumps(trust),
            "description": f"AWS Config recorder {name}",
            "tags": TAGS,
            "managed_policies": [managed],
            "purge_policies": True,
        },
        "policy": json.dumps(policy),
        "recorder": {
            "name": name,
            "role_arn": role_arn,
            "all_supported": True,
            "include_global_types": True,
            "resource_types": [],
            "recording": True,
            "delivery_channel": {
                "s3_bucket": bucket,
                "s3_prefix": "config",
                "kms_key_arn": "",
                "sns_topic_arn": "",
                "delivery_frequency": "TwentyFour_Hours",
            },
        },
    }
    reads = _config_reads(role, name)
    plan = bs.config_plan(_read(run_module, reads, region), wanted)
    assert plan == {"converge": ["role", "policy", "recorder"], "role_exists": False}

    iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps(trust),
        Description=f"AWS Config recorder {name}",
        Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()],
    )
    iam.attach_role_policy(RoleName=role, PolicyArn=managed)
    iam.put_role_policy(RoleName=role, PolicyName="deliver-configuration", PolicyDocument=json.dumps(policy))
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    result = run_module("config_recorder", {"region": region, **wanted["recorder"]})
    assert not result.failed, result
    plan = bs.config_plan(_read(run_module, reads, region), wanted)
    assert plan == {"converge": [], "role_exists": True}

    iam.detach_role_policy(RoleName=role, PolicyArn=managed)
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.put_role_policy(
        RoleName=role,
        PolicyName="deliver-configuration",
        PolicyDocument=json.dumps({**policy, "Statement": [{**policy["Statement"][0], "Action": "s3:*"}]}),
    )
    config.stop_configuration_recorder(ConfigurationRecorderName=name)
    state = _read(run_module, reads, region)
    assert bs.config_plan(state, wanted)["converge"] == ["role", "policy", "recorder"]
    # the recorder's own comparisons: another prefix, frequency or global types
    started = json.loads(json.dumps(state))
    started["recorder_status"]["ConfigurationRecordersStatus"][0]["recording"] = True
    assert "recorder" not in bs.config_plan(started, wanted)["converge"]
    channel = dict(wanted["recorder"]["delivery_channel"], delivery_frequency="One_Hour")
    assert (
        "recorder"
        in bs.config_plan(started, {**wanted, "recorder": {**wanted["recorder"], "delivery_channel": channel}})[
            "converge"
        ]
    )
    assert (
        "recorder"
        in bs.config_plan(started, {**wanted, "recorder": {**wanted["recorder"], "include_global_types": False}})[
            "converge"
        ]
    )
    # another customer managed recorder: the module fails naming it, so the plan runs it
    other = json.loads(json.dumps(started))
    other["recorders"]["ConfigurationRecorders"].append({"name": "someone-else", "roleARN": role_arn})
    assert "recorder" in bs.config_plan(other, wanted)["converge"]


def test_iam_role_and_kms_key_edge_cases():
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "x"}, "Action": "sts:AssumeRole"}],
    }
    role = {"AssumeRolePolicyDocument": trust, "Description": "d", "Tags": [{"Key": "Project", "Value": "caseapp"}]}
    attached = {"AttachedPolicies": [{"PolicyArn": "arn:a"}, {"PolicyArn": "arn:b"}]}
    wanted = {
        "trust": json.dumps(trust),
        "description": "d",
        "tags": {"Project": "caseapp"},
        "managed_policies": ["arn:a", "arn:b"],
    }
    assert not bs.iam_role_differs(role, attached, wanted)
    assert not bs.iam_role_differs(role, attached, {**wanted, "managed_policies": ["arn:a"]})  # no purge
    assert bs.iam_role_differs(role, attached, {**wanted, "managed_policies": ["arn:a"], "purge_policies": True})
    assert bs.iam_role_differs(role, attached, {**wanted, "tags": {"Project": "other"}})
    assert bs.iam_role_differs(None, None, wanted)
    key = {"KeyMetadata": {"KeyState": "Enabled", "Description": "k"}}
    policy = {"Policy": json.dumps(trust)}
    rotation, tags = {"KeyRotationEnabled": True}, {"Tags": [{"TagKey": "Name", "TagValue": "k"}]}
    want = {
        "enabled": True,
        "description": "k",
        "tags": {"Name": "k"},
        "policy": json.dumps(trust),
        "enable_key_rotation": True,
    }
    assert not bs.kms_key_differs(key, policy, rotation, tags, want)
    assert bs.kms_key_differs(
        {"KeyMetadata": {"KeyState": "PendingDeletion", "Description": "k"}}, policy, rotation, tags, want
    )
    assert bs.kms_key_differs(key, policy, {"KeyRotationEnabled": False}, tags, want)
    assert bs.kms_key_differs(key, None, rotation, tags, want)
    assert bs.kms_key_differs(None, None, None, None, want)


def test_vault_lock_modes():
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)  # noqa: UP017
    governance = {"Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 3650}
    want = {"present": True, "min_retention_days": 7, "max_retention_days": 3650, "changeable_for_days": None}
    assert not bs.vault_lock_differs(governance, want, now)
    assert bs.vault_lock_differs(governance, {**want, "min_retention_days": 14}, now)
    assert bs.vault_lock_differs(governance, {**want, "changeable_for_days": 3}, now)
    assert bs.vault_lock_differs(governance, {**want, "present": False}, now)
    assert not bs.vault_lock_differs({"Locked": False}, {**want, "present": False}, now)
    immutable = {**governance, "LockDate": "2029-06-01T00:00:00+00:00"}
    pending = {**governance, "LockDate": "2030-06-01T00:00:00+00:00"}
    assert not bs.vault_lock_differs(immutable, {**want, "changeable_for_days": 3}, now)
    assert not bs.vault_lock_differs(pending, {**want, "changeable_for_days": 3}, now)
    assert bs.vault_lock_differs(pending, want, now)  # compliance to governance
    assert bs.vault_lock_differs(None, want, now)


def _backup_reads(role, vault, plan, selection, *, alias, dr):
    return [
        {
            "id": "backup_role",
            "service": "iam",
            "operation": "get_role",
            "params": {"RoleName": role},
            "missing_ok": ["NoSuchEntity"],
        },
        {
            "id": "backup_role_policies",
            "service": "iam",
            "operation": "list_attached_role_policies",
            "paginate": True,
            "params": {"RoleName": role},
            "missing_ok": ["NoSuchEntity"],
        },
        {
            "id": "vault",
            "service": "backup",
            "operation": "describe_backup_vault",
            "params": {"BackupVaultName": vault},
            "missing_ok": ["AccessDeniedException", "ResourceNotFoundException"],
        },
        {
            "id": "vault_tags",
            "service": "backup",
            "operation": "list_tags",
            "params_from": {"ResourceArn": "vault.BackupVaultArn"},
        },
        {
            "id": "vault_policy",
            "service": "backup",
            "operation": "get_backup_vault_access_policy",
            "params_from": {"BackupVaultName": "vault.BackupVaultName"},
            "missing_ok": ["ResourceNotFoundException", "AccessDeniedException"],
        },
        {"id": "plans", "service": "backup", "operation": "list_backup_plans", "paginate": True},
        {
            "id": "plan",
            "service": "backup",
            "operation": "get_backup_plan",
            "params_from": {"BackupPlanId": f"plans.BackupPlansList.BackupPlanName={plan}.BackupPlanId"},
        },
        {
            "id": "plan_tags",
            "service": "backup",
            "operation": "list_tags",
            "params_from": {"ResourceArn": "plan.BackupPlanArn"},
        },
        {
            "id": "selections",
            "service": "backup",
            "operation": "list_backup_selections",
            "paginate": True,
            "params_from": {"BackupPlanId": "plan.BackupPlanId"},
        },
        {
            "id": "selection",
            "service": "backup",
            "operation": "get_backup_selection",
            "params_from": {
                "BackupPlanId": "plan.BackupPlanId",
                "SelectionId": f"selections.BackupSelectionsList.SelectionName={selection}.SelectionId",
            },
        },
        {
            "id": "dr_key",
            "service": "kms",
            "operation": "describe_key",
            "region": dr,
            "params": {"KeyId": alias},
            "missing_ok": ["NotFoundException"],
        },
        {
            "id": "dr_key_policy",
            "service": "kms",
            "operation": "get_key_policy",
            "region": dr,
            "params": {"PolicyName": "default"},
            "params_from": {"KeyId": "dr_key.KeyMetadata.KeyId"},
        },
        {
            "id": "dr_key_rotation",
            "service": "kms",
            "operation": "get_key_rotation_status",
            "region": dr,
            "params_from": {"KeyId": "dr_key.KeyMetadata.KeyId"},
        },
        {
            "id": "dr_key_tags",
            "service": "kms",
            "operation": "list_resource_tags",
            "region": dr,
            "paginate": True,
            "params_from": {"KeyId": "dr_key.KeyMetadata.KeyId"},
        },
        {
            "id": "dr_vault",
            "service": "backup",
            "operation": "describe_backup_vault",
            "region": dr,
            "params": {"BackupVaultName": vault},
            "missing_ok": ["AccessDeniedException", "ResourceNotFoundException"],
        },
        {
            "id": "dr_vault_tags",
            "service": "backup",
            "operation": "list_tags",
            "region": dr,
            "params_from": {"ResourceArn": "dr_vault.BackupVaultArn"},
        },
        {
            "id": "dr_vault_policy",
            "service": "backup",
            "operation": "get_backup_vault_access_policy",
            "region": dr,
            "params_from": {"BackupVaultName": "dr_vault.BackupVaultName"},
            "missing_ok": ["ResourceNotFoundException", "AccessDeniedException"],
        },
    ]


def test_backup_plan_answers_each_drift(run_module, aws, amazon):
    region, dr, suffix = "us-east-1", "us-west-2", uuid.uuid4().hex[:8]
    role, vault, plan_name, selection = (
        f"bk-{suffix}",
        f"bk-{suffix}-vault",
        f"bk-{suffix}-backup",
        f"bk-{suffix}-tagged",
    )
    alias = f"alias/bk-{suffix}-backup"
    backup, backup_dr, iam, kms_dr = aws("backup"), aws("backup", dr), aws("iam"), aws("kms", dr)
    # another plan listed first: the plan is read by its name, not by its place in the list
    backup.create_backup_plan(
        BackupPlan={"BackupPlanName": f"other-{suffix}", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "x"}]}
    )
    reads = _backup_reads(role, vault, plan_name, selection, alias=alias, dr=dr)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    vault_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoDelete",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": ["backup:DeleteRecoveryPoint"],
                "Resource": "*",
            }
        ],
    }
    dr_vault_arn = f"arn:aws:backup:{dr}:{ACCOUNT}:backup-vault:{vault}"
    rules = [
        {
            "rule_name": "daily",
            "target_backup_vault_name": vault,
            "schedule_expression": "cron(0 5 ? * * *)",
            "schedule_expression_timezone": "Etc/UTC",
            "start_window_minutes": 60,
            "completion_window_minutes": 1440,
            "lifecycle": {"delete_after_days": 7},
            "copy_actions": [{"destination_backup_vault_arn": dr_vault_arn, "lifecycle": {"delete_after_days": 7}}],
        }
    ]
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    conditions = {"string_equals": [{"condition_key": "aws:ResourceTag/PlatformBackup", "condition_value": "true"}]}
    wanted = {
        "dr": True,
        "dr_key": {
            "enabled": True,
            "enable_key_rotation": True,
            "description": "dr copies",
            "policy": json.dumps(key_policy),
            "tags": {"Name": alias},
        },
        "role": {
            "trust": json.dumps(trust),
            "description": "backup",
            "tags": TAGS,
            "managed_policies": ["arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"],
            "purge_policies": True,
        },
        "vault_tags": {**TAGS, "Name": vault},
        "regions": [region, dr],
        "policy": {"present": True, "policy": json.dumps(vault_policy)},
        "lock": {"present": True, "min_retention_days": 7, "max_retention_days": 3650, "changeable_for_days": None},
        "rules": rules,
        "plan_tags": {**TAGS, "Name": plan_name},
        "selection": {"iam_role_arn": role_arn, "resources": [f"arn:aws:s3:::bk-{suffix}-*"], "conditions": conditions},
    }
    empty = bs.backup_plan(_read(run_module, reads, region), wanted)
    assert empty["converge"] == ["dr_key", "role", "vault", "dr_vault", "plan", "selection"]
    assert empty["policy_regions"] == empty["lock_regions"] == empty["missing_vault_regions"] == [region, dr]
    assert empty["plan_id"] == empty["plan_arn"] == empty["dr_key_arn"] == ""

    key = kms_dr.create_key(
        Description="dr copies", Policy=json.dumps(key_policy), Tags=[{"TagKey": "Name", "TagValue": alias}]
    )["KeyMetadata"]
    kms_dr.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    kms_dr.enable_key_rotation(KeyId=key["KeyId"])
    iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="backup",
        Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()],
    )
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup")
    for client in (backup, backup_dr):
        client.create_backup_vault(BackupVaultName=vault, BackupVaultTags={**TAGS, "Name": vault})
        client.put_backup_vault_access_policy(BackupVaultName=vault, Policy=json.dumps(vault_policy))
        client.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=7, MaxRetentionDays=3650)
    created = amazon("backup_plan", {"backup_plan_name": plan_name, "rules": rules, "tags": wanted["plan_tags"]}, False)
    assert created["changed"], created
    plan = {"BackupPlanId": created["backup_plan_id"], "BackupPlanArn": created["backup_plan_arn"]}
    selection_id = backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={
            "SelectionName": selection,
            "IamRoleArn": role_arn,
            "Resources": wanted["selection"]["resources"],
            "Conditions": {
                "StringEquals": [{"ConditionKey": "aws:ResourceTag/PlatformBackup", "ConditionValue": "true"}],
                "StringLike": [],
                "StringNotEquals": [],
                "StringNotLike": [],
            },
        },
    )["SelectionId"]
    state = _read(run_module, reads, region)
    converged = bs.backup_plan(state, wanted)
    assert converged == {
        "converge": [],
        "policy_regions": [],
        "lock_regions": [],
        "missing_vault_regions": [],
        "dr_key_arn": key["Arn"],
        "plan_arn": plan["BackupPlanArn"],
        "plan_id": plan["BackupPlanId"],
    }
    # the modules agree: nothing to change (outside check mode, where amazon.aws.backup_plan reports tagged plans)
    same_plan = amazon(
        "backup_plan", {"backup_plan_name": plan_name, "rules": rules, "tags": wanted["plan_tags"]}, False
    )
    assert not same_plan["changed"], same_plan
    same_selection = amazon(
        "backup_selection",
        {"backup_plan_name": plan_name, "selection_name": selection, **wanted["selection"]},
        check_mode=True,
    )
    assert not same_selection["changed"], same_selection
    same_vault = amazon(
        "backup_vault", {"backup_vault_name": vault, "tags": wanted["vault_tags"], "purge_tags": False}, check_mode=True
    )
    assert not same_vault["changed"], same_vault
    # what the role would ask otherwise
    assert bs.backup_plan(state, {**wanted, "policy": {"present": False, "policy": None}})["policy_regions"] == [
        region,
        dr,
    ]
    assert bs.backup_plan(state, {**wanted, "lock": {**wanted["lock"], "present": False}})["lock_regions"] == [
        region,
        dr,
    ]
    longer = [{**rules[0], "lifecycle": {"delete_after_days": 14}}]
    assert bs.backup_plan(state, {**wanted, "rules": longer})["converge"] == ["plan"]

    kms_dr.disable_key_rotation(KeyId=key["KeyId"])
    iam.untag_role(RoleName=role, TagKeys=["Project"])
    backup.untag_resource(ResourceArn=state["vault"]["BackupVaultArn"], TagKeyList=["Name"])
    backup_dr.untag_resource(ResourceArn=state["dr_vault"]["BackupVaultArn"], TagKeyList=["Project"])
    backup_dr.delete_backup_vault_access_policy(BackupVaultName=vault)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=vault)
    backup.untag_resource(ResourceArn=plan["BackupPlanArn"], TagKeyList=["Name"])
    backup.delete_backup_selection(BackupPlanId=plan["BackupPlanId"], SelectionId=selection_id)
    drifted = bs.backup_plan(_read(run_module, reads, region), wanted)
    assert drifted["converge"] == ["dr_key", "role", "vault", "dr_vault", "plan", "selection"]
    assert drifted["policy_regions"] == [dr] and drifted["lock_regions"] == [region]
    assert drifted["missing_vault_regions"] == []


def test_aws_read_picks_a_list_item_by_key(run_module, aws):
    backup, suffix = aws("backup"), uuid.uuid4().hex[:8]
    ids = {
        name: backup.create_backup_plan(
            BackupPlan={"BackupPlanName": name, "Rules": [{"RuleName": "r", "TargetBackupVaultName": "v"}]}
        )["BackupPlanId"]
        for name in (f"a-{suffix}", f"b-{suffix}")
    }
    reads = [
        {"id": "plans", "service": "backup", "operation": "list_backup_plans", "paginate": True},
        {
            "id": "b",
            "service": "backup",
            "operation": "get_backup_plan",
            "params_from": {"BackupPlanId": f"plans.BackupPlansList.BackupPlanName=b-{suffix}.BackupPlanId"},
        },
        {
            "id": "none",
            "service": "backup",
            "operation": "get_backup_plan",
            "params_from": {"BackupPlanId": f"plans.BackupPlansList.BackupPlanName=c-{suffix}.BackupPlanId"},
        },
    ]
    result = run_module("aws_read", {"reads": reads})
    assert not result.failed, result
    assert result["responses"]["b"]["BackupPlanId"] == ids[f"b-{suffix}"]
    assert result["responses"]["none"] is None and result["missing"] == ["none"]


def _facts_names(suffix, region):
    prefix = f"sf-{suffix}"
    return {
        "trail_name": f"{prefix}-trail",
        "trail_arn": f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{prefix}-trail",
        "trail_bucket": f"{prefix}-trail-{ACCOUNT}",
        "trail_log_group": f"/platform/{prefix}/cloudtrail",
        "config_recorder": prefix,
        "findings_rule": f"{prefix}-guardduty-findings",
        "alarm_topic_arn": f"arn:aws:sns:{region}:{ACCOUNT}:{prefix}-alarms",
        "region": region,
        "account": ACCOUNT,
        "partition": "aws",
        "backup_vault": f"{prefix}-vault",
        "backup_vault_arn": f"arn:aws:backup:{region}:{ACCOUNT}:backup-vault:{prefix}-vault",
        "backup_dr_vault_arn": "",
        "backup_plan": f"{prefix}-backup",
        "backup_selection": f"{prefix}-tagged",
        "backup_role_arn": f"arn:aws:iam::{ACCOUNT}:role/{prefix}-backup",
        "backup_retention_days": "35",
    }


def _facts_reads(alias):
    """The reads of roles/security_baseline/tasks/facts.yml, every switch on."""
    return [
        {
            "id": "key",
            "service": "kms",
            "operation": "describe_key",
            "params": {"KeyId": alias},
            "missing_ok": ["NotFoundException"],
        },
        {"id": "detectors", "service": "guardduty", "operation": "list_detectors", "paginate": True},
        {"id": "hub", "service": "securityhub", "operation": "describe_hub", "missing_ok": ["InvalidAccessException"]},
        {
            "id": "hub_standards",
            "service": "securityhub",
            "operation": "get_enabled_standards",
            "paginate": True,
            "missing_ok": ["InvalidAccessException"],
        },
        {"id": "plans", "service": "backup", "operation": "list_backup_plans", "paginate": True},
    ]


SWITCHES = ("cloudtrail", "guardduty", "securityhub", "config", "backup")


def test_security_baseline_facts_publishes_what_the_converging_run_publishes(run_module, aws):
    """The facts path (facts.yml: one aws_read, then security_baseline_facts) publishes each part's keys as the
    part's file does (cloudtrail.yml, guardduty.yml, securityhub.yml, config.yml, backup.yml), from the stack as
    read: the key's ARN, the detector, the hub's ARN and standards, the plan's ARN; names as derived."""
    region, suffix = "ap-south-1", uuid.uuid4().hex[:8]
    names = _facts_names(suffix, region)
    alias = f"alias/sf-{suffix}-baseline"
    kms, guardduty, hub, backup = (aws(s, region) for s in ("kms", "guardduty", "securityhub", "backup"))
    empty = bs.security_baseline_facts(
        _read(run_module, _facts_reads(alias), region), {**dict.fromkeys(SWITCHES, True), "names": names}
    )
    assert empty["kms_key_arn"] == "" and empty["guardduty_detector_id"] == "" and empty["guardduty_detector_arn"] == ""
    assert (
        empty["securityhub_hub_arn"] == "" and empty["securityhub_standards"] == [] and empty["backup_plan_arn"] == ""
    )

    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    hub.enable_security_hub(EnableDefaultStandards=True)
    backup.create_backup_plan(
        BackupPlan={"BackupPlanName": f"other-{suffix}", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "x"}]}
    )
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": names["backup_plan"],
            "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "v"}],
        }
    )
    state = _read(run_module, _facts_reads(alias), region)
    facts = bs.security_baseline_facts(state, {**dict.fromkeys(SWITCHES, True), "names": names})
    standards = [s["StandardsArn"] for s in hub.get_enabled_standards()["StandardsSubscriptions"]]
    assert facts == {
        "kms_key_arn": key["Arn"],
        "trail_name": names["trail_name"],
        "trail_arn": names["trail_arn"],
        "trail_bucket": names["trail_bucket"],
        "trail_log_group": names["trail_log_group"],
        "guardduty_detector_id": detector,
        "guardduty_detector_arn": f"arn:aws:guardduty:{region}:{ACCOUNT}:detector/{detector}",
        "guardduty_findings_rule": names["findings_rule"],
        "alarm_topic_arn": names["alarm_topic_arn"],
        "securityhub_hub_arn": hub.describe_hub()["HubArn"],
        "securityhub_standards": standards,
        "config_recorder": names["config_recorder"],
        "backup_vault_name": names["backup_vault"],
        "backup_vault_arn": names["backup_vault_arn"],
        "backup_dr_vault_arn": "",
        "backup_plan_name": names["backup_plan"],
        "backup_plan_arn": plan["BackupPlanArn"],
        "backup_selection_name": names["backup_selection"],
        "backup_role_arn": names["backup_role_arn"],
        "backup_retention_days": 35,
        "backup_tag": {"PlatformBackup": "true"},
    }
    # Only the parts switched on publish their keys (the trail's key ARN comes with AWS Config too).
    only_config = bs.security_baseline_facts(state, {**dict.fromkeys(SWITCHES, False), "config": True, "names": names})
    assert only_config == {
        "kms_key_arn": key["Arn"],
        "trail_bucket": names["trail_bucket"],
        "config_recorder": names["config_recorder"],
    }
    assert bs.security_baseline_facts({}, {**dict.fromkeys(SWITCHES, False), "names": names}) == {}
    hub.disable_security_hub()
