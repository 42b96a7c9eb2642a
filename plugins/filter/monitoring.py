# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the monitoring role: ALB/target group names and dimensions, what the alarms watch
(``monitoring_targets``), alarm and log group plans, the dashboard body.

The role reads what exists once (all alarms, all log groups of the platform), computes here what
differs from what it wants, and calls the per-resource modules only for those: a run with nothing
to change costs one read per resource type instead of one module call per alarm.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.plugins.filter.core import to_bool
from ansible_collections.platform_ops.aws.plugins.filter.plans import log_group_tags_read
from ansible_collections.platform_ops.aws.plugins.module_utils import cloudwatch, platform_rules

# Elastic Load Balancing names (load balancers and target groups): at most 32 characters,
# letters, digits and hyphens, not starting or ending with a hyphen.
# Retention periods amazon.aws.cloudwatchlogs_log_group accepts (it deletes a group it has just
# created when given another value, so anything else is refused before any AWS call).
LOG_RETENTION_DAYS = platform_rules.LOG_RETENTION_DAYS
COMPONENTS = ("ecs", "alb", "database", "cache", "search")
# Alarm thresholds: the defaults of every key of ``monitoring_thresholds``.
THRESHOLD_DEFAULTS = {
    "ecs_cpu_percent": 80,
    "ecs_memory_percent": 80,
    "alb_5xx_count": 10,
    "alb_target_5xx_count": 10,
    "alb_response_time_seconds": 2,
    "alb_unhealthy_hosts": 0,
    "rds_cpu_percent": 80,
    "rds_free_storage_bytes": 10 * 1024**3,
    "rds_freeable_memory_bytes": 256 * 1024**2,
    "rds_connections": 100,
    "cache_cpu_percent": 75,
    "cache_evictions": 100,
    "search_free_storage_mb": 20480,
}
# Marker at the end of every alarm description: which alarms this role manages (and may delete).
MARKER = "[platform_ops.aws.monitoring {prefix}]"
# Dashboard widget titles by (namespace, metric).
WIDGET_TITLES = {
    ("AWS/ECS", "CPUUtilization"): "ECS CPU utilization (%)",
    ("AWS/ECS", "MemoryUtilization"): "ECS memory utilization (%)",
    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"): "ALB 5xx responses",
    ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"): "Target 5xx responses",
    ("AWS/ApplicationELB", "TargetResponseTime"): "Target response time (s)",
    ("AWS/ApplicationELB", "UnHealthyHostCount"): "Unhealthy targets",
    ("AWS/RDS", "CPUUtilization"): "RDS CPU utilization (%)",
    ("AWS/RDS", "FreeStorageSpace"): "RDS free storage (bytes)",
    ("AWS/RDS", "FreeableMemory"): "RDS freeable memory (bytes)",
    ("AWS/RDS", "DatabaseConnections"): "RDS connections",
    ("AWS/ElastiCache", "CPUUtilization"): "Redis CPU utilization (%)",
    ("AWS/ElastiCache", "Evictions"): "Redis evictions",
    ("AWS/ES", "ClusterStatus.red"): "OpenSearch red cluster status",
    ("AWS/ES", "FreeStorageSpace"): "OpenSearch free storage (MB)",
}


def target_group_name(service, prefix):
    """Name of a service's target group, as the ecs_service role names it (module_utils/platform_rules'
    ``target_group_name``)."""
    return platform_rules.target_group_name(service, prefix)


def load_balancer_dimension(arn):
    """``LoadBalancer`` dimension of an ALB ARN: ``app/{name}/{id}`` (the part after ``loadbalancer/``)."""
    match = re.search(r":loadbalancer/(app/[^/]+/[^/]+)$", str(arn or ""))
    if not match:
        raise AnsibleFilterError(f"{arn!r} is not an application load balancer ARN")
    return match.group(1)


def target_group_dimension(arn):
    """``TargetGroup`` dimension of a target group ARN: ``targetgroup/{name}/{id}``."""
    match = re.search(r":(targetgroup/[^/]+/[^/]+)$", str(arn or ""))
    if not match:
        raise AnsibleFilterError(f"{arn!r} is not a target group ARN")
    return match.group(1)


def _number(value):
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return float(value)


def monitoring_config_errors(config):
    """Checks of the monitoring role's input before any AWS call; returns messages (empty: valid)."""
    errors = []
    retention = config.get("retention_days")
    try:
        if int(retention) not in LOG_RETENTION_DAYS:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(
            f"monitoring_log_retention_days {retention!r} must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    thresholds = config.get("thresholds") or {}
    if not isinstance(thresholds, dict):
        errors.append("monitoring_thresholds must be a mapping")
    else:
        unknown = sorted(set(thresholds) - set(THRESHOLD_DEFAULTS))
        if unknown:
            errors.append(
                f"monitoring_thresholds has unknown keys {', '.join(unknown)} (known: {', '.join(THRESHOLD_DEFAULTS)})"
            )
        for key, value in thresholds.items():
            try:
                if _number(value) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                errors.append(f"monitoring_thresholds.{key} {value!r} must be a non-negative number")
    period = config.get("period")
    try:
        if int(period) < 60 or int(period) % 60:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(f"monitoring_alarm_period {period!r} must be a multiple of 60 seconds")
    evaluations = config.get("evaluation_periods")
    try:
        if not 1 <= int(evaluations) <= 288:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(f"monitoring_alarm_evaluation_periods {evaluations!r} must be between 1 and 288")
    components = config.get("components") or []
    if not isinstance(components, list) or set(components) - set(COMPONENTS):
        errors.append(f"monitoring_components must be a list of {', '.join(COMPONENTS)}, got {components!r}")
    emails = config.get("emails") or []
    if not isinstance(emails, list) or not all(
        isinstance(e, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", e) for e in emails
    ):
        errors.append("platform_alarm_emails must be a list of email addresses")
    services = config.get("services") or []
    names = [s.get("name") for s in services if isinstance(s, dict)]
    if len(names) != len(services) or not all(isinstance(n, str) and re.match(r"^[a-z][a-z0-9-]*$", n) for n in names):
        errors.append("platform_services must be a list of service specs with lowercase names")
    elif len(set(names)) != len(names):
        errors.append("platform_services has duplicate service names")
    return errors


# What each alarm watches: namespace, metric, statistic (pNN = extended statistic), comparison,
# threshold key, timing ("sustained": the configured period and evaluation periods; "status": one
# period of at most 5 minutes, missing data not breaching) and the description.
ALARM_KINDS = {
    "ecs-cpu": ("AWS/ECS", "CPUUtilization", "Average", ">", "ecs_cpu_percent", "sustained",
                "{target}: average CPU of the ECS service above {limit}%."),
    "ecs-memory": ("AWS/ECS", "MemoryUtilization", "Average", ">", "ecs_memory_percent", "sustained",
                   "{target}: average memory of the ECS service above {limit}%."),
    "alb-5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", ">", "alb_5xx_count", "status",
                "The load balancer returned more than {limit} 5xx responses of its own."),
    "alb-target-5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", ">", "alb_target_5xx_count", "status",
                       "{target}: more than {limit} 5xx responses from the targets."),
    "alb-latency": ("AWS/ApplicationELB", "TargetResponseTime", "p95", ">", "alb_response_time_seconds", "sustained",
                    "{target}: p95 target response time above {limit} s."),
    "alb-unhealthy": ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", ">", "alb_unhealthy_hosts", "status",
                      "{target}: more than {limit} unhealthy targets."),
    "rds-cpu": ("AWS/RDS", "CPUUtilization", "Average", ">", "rds_cpu_percent", "sustained",
                "Database CPU above {limit}%."),
    "rds-free-storage": ("AWS/RDS", "FreeStorageSpace", "Minimum", "<", "rds_free_storage_bytes", "sustained",
                         "Database free storage below {limit} bytes."),
    "rds-freeable-memory": ("AWS/RDS", "FreeableMemory", "Minimum", "<", "rds_freeable_memory_bytes", "sustained",
                            "Database freeable memory below {limit} bytes."),
    "rds-connections": ("AWS/RDS", "DatabaseConnections", "Maximum", ">", "rds_connections", "sustained",
                        "More than {limit} database connections."),
    "cache-cpu": ("AWS/ElastiCache", "CPUUtilization", "Average", ">", "cache_cpu_percent", "sustained",
                  "Redis node {target}: CPU above {limit}%."),
    "cache-evictions": ("AWS/ElastiCache", "Evictions", "Sum", ">", "cache_evictions", "sustained",
                        "Redis node {target}: more than {limit} evictions."),
    "search-red": ("AWS/ES", "ClusterStatus.red", "Maximum", ">=", None, "status",
                   "The OpenSearch cluster status is red (a primary shard is unassigned)."),
    "search-free-storage": ("AWS/ES", "FreeStorageSpace", "Minimum", "<", "search_free_storage_mb", "sustained",
                            "OpenSearch free storage below {limit} MB."),
}  # fmt: skip
COMPARISONS = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
}


def _alarm(kind, name, dimensions, *, target="", context):
    namespace, metric, stat, comparison, limit_key, timing, text = ALARM_KINDS[kind]
    limit = context["limits"][limit_key] if limit_key else 1
    period, evaluations = context["period"], context["evaluation_periods"]
    if timing == "status":
        # Status metrics: one period (the red cluster status is published every minute).
        period, evaluations = (60 if namespace == "AWS/ES" else min(period, 300)), 1
    prefix, topic_arn = context["prefix"], context["topic_arn"]
    alarm = {
        "name": f"{prefix}-{name}",
        "description": f"{text.format(target=target, limit=limit)} {MARKER.format(prefix=prefix)}",
        "namespace": namespace,
        "metric_name": metric,
        "dimensions": dimensions,
        "comparison": COMPARISONS[comparison],
        "threshold": float(limit),
        "period": int(period),
        "evaluation_periods": int(evaluations),
        "datapoints_to_alarm": int(evaluations),
        "treat_missing_data": "notBreaching" if timing == "status" else "missing",
        "alarm_actions": [topic_arn],
        "ok_actions": [topic_arn],
        "insufficient_data_actions": [],
    }
    alarm["extended_statistic" if re.match(r"^p\d+(\.\d+)?$", stat) else "statistic"] = stat
    return alarm


def monitoring_alarms(targets, prefix, topic_arn, thresholds=None, *, period=300, evaluation_periods=3):
    """The alarms the monitoring role wants, as ``platform_ops.aws.cloudwatch_metric_alarms``' ``alarms`` items.

    ``targets``: ``{ecs, cluster, services: [{name, ecs_service, public, target_group}], load_balancer,
    database, cache_group, cache_members, search: {domain_name, client_id}}``; a component left empty
    (or ``ecs`` false) gets no alarms. ``thresholds`` override :data:`THRESHOLD_DEFAULTS` key by key.
    Every alarm notifies ``topic_arn`` on ALARM and on OK, and its description ends with the role's
    marker (see :data:`ALARM_KINDS` for what each alarm watches).
    """
    if not topic_arn:
        raise AnsibleFilterError("monitoring_alarms needs the alarm topic ARN")
    unknown = sorted(set(thresholds or {}) - set(THRESHOLD_DEFAULTS))
    if unknown:
        raise AnsibleFilterError(f"unknown monitoring_thresholds keys: {', '.join(unknown)}")
    context = {
        "prefix": prefix,
        "topic_arn": topic_arn,
        "limits": dict(THRESHOLD_DEFAULTS, **(thresholds or {})),
        "period": int(period),
        "evaluation_periods": int(evaluation_periods),
    }
    alarms = []
    services = targets.get("services") or []
    cluster = targets.get("cluster") or prefix
    for svc in services if targets.get("ecs", True) else []:
        dims = {"ClusterName": cluster, "ServiceName": svc["ecs_service"]}
        for what in ("cpu", "memory"):
            alarms.append(_alarm(f"ecs-{what}", f"ecs-{svc['name']}-{what}", dims, target=svc["name"], context=context))

    load_balancer = targets.get("load_balancer") or ""
    if load_balancer:
        # HTTPCode_ELB_5XX_Count is published per load balancer, not per target group.
        alarms.append(_alarm("alb-5xx", "alb-5xx", {"LoadBalancer": load_balancer}, context=context))
        for svc in services:
            if not svc.get("public") or not svc.get("target_group"):
                continue
            dims = {"LoadBalancer": load_balancer, "TargetGroup": svc["target_group"]}
            for what, kind in (("5xx", "alb-target-5xx"), ("latency", "alb-latency"), ("unhealthy", "alb-unhealthy")):
                alarms.append(_alarm(kind, f"alb-{svc['name']}-{what}", dims, target=svc["name"], context=context))

    if targets.get("database"):
        dims = {"DBInstanceIdentifier": targets["database"]}
        for kind in ("rds-cpu", "rds-free-storage", "rds-freeable-memory", "rds-connections"):
            alarms.append(_alarm(kind, kind, dims, context=context))

    group = str(targets.get("cache_group") or "")
    for member in targets.get("cache_members") or []:
        label = str(member)[len(group) + 1 :] if group and str(member).startswith(group + "-") else str(member)
        for what in ("cpu", "evictions"):
            alarms.append(
                _alarm(
                    f"cache-{what}", f"cache-{label}-{what}", {"CacheClusterId": member}, target=member, context=context
                )
            )

    search = targets.get("search") or {}
    if search.get("domain_name"):
        dims = {"DomainName": search["domain_name"], "ClientId": str(search["client_id"])}
        for kind in ("search-red", "search-free-storage"):
            alarms.append(_alarm(kind, kind, dims, context=context))
    return alarms


def cache_member_clusters(replication_group):
    """The member cache clusters (nodes) of a replication group, sorted.

    ``replication_group`` is a DescribeReplicationGroups entry (``MemberClusters``, ``NodeGroups``)
    or the snake_case ``replication_group`` of ``platform_ops.aws.elasticache_replication_group``.
    ``MemberClusters`` lists every node (primary and replicas of every shard); the members of the
    node groups are used when it is missing. Empty for an empty or unknown group.
    """
    group = replication_group or {}
    if not isinstance(group, dict):
        raise AnsibleFilterError("cache_member_clusters expects a replication group (a mapping)")
    members = group.get("member_clusters", group.get("MemberClusters")) or []
    if not members:
        for node_group in group.get("node_groups", group.get("NodeGroups")) or []:
            for member in node_group.get("node_group_members", node_group.get("NodeGroupMembers")) or []:
                cluster_id = member.get("cache_cluster_id", member.get("CacheClusterId"))
                if cluster_id:
                    members.append(cluster_id)
    return sorted({str(m) for m in members if m})


def monitoring_targets(inputs):
    """What ``monitoring_alarms`` watches: the ECS cluster and services, the ALB and the target groups of the
    public services, the database, the Redis replication group and its nodes, the OpenSearch domain.

    ``inputs`` is a dict of

    - ``components`` (monitoring_components), ``prefix`` ({platform_name}-{platform_env}), ``topic_arn`` (the
      alarm topic: its account is the search domain's ClientId), ``services`` (platform_services);
    - ``ecs``, ``database``, ``cache``, ``search``: the platform_ecs, platform_database, platform_cache and
      platform_search facts of the roles that made them (none when not set);
    - without ``ecs``, what the role found by name: ``load_balancers`` (the ``{prefix}-alb`` entries of
      amazon.aws.elb_application_lb_info), ``target_groups`` (the target groups of community.aws.elb_target_group_info);
    - ``cache_group``: the ``replication_group`` of platform_ops.aws.elasticache_replication_group, for the nodes
      when ``cache`` has no ``member_clusters``.

    Answers ``{cluster, ecs, services: [{name, ecs_service, public, target_group}], load_balancer, database,
    cache_group, cache_members, search: {domain_name, client_id} or {}}``.
    """
    components = inputs["components"]
    prefix = inputs["prefix"]
    account = inputs["topic_arn"].split(":")[4]
    ecs = inputs.get("ecs")
    services = inputs["services"]
    target_groups = {}
    load_balancer = ""
    if "alb" in components:
        if ecs is not None:
            if ecs.get("alb_arn"):
                load_balancer = load_balancer_dimension(ecs["alb_arn"])
            for name, arn in (ecs.get("target_group_arns") or {}).items():
                target_groups[name] = target_group_dimension(arn)
        elif inputs.get("load_balancers"):
            load_balancer = load_balancer_dimension(inputs["load_balancers"][0]["load_balancer_arn"])
            found = inputs.get("target_groups") or []
            by_name = {tg["target_group_name"]: tg["target_group_arn"] for tg in found}
            for svc in services:
                tg_name = target_group_name(svc["name"], prefix)
                if tg_name in by_name:
                    target_groups[svc["name"]] = target_group_dimension(by_name[tg_name])
    ecs_services = (ecs.get("services") or {}) if ecs is not None else {}
    watched = [
        {
            "name": svc["name"],
            "ecs_service": ecs_services[svc["name"]]["name"]
            if svc["name"] in ecs_services
            else f"{prefix}-{svc['name']}",
            "public": to_bool(svc.get("public", False)),
            "target_group": target_groups.get(svc["name"], ""),
        }
        for svc in services
    ]
    cache = inputs.get("cache") or {}
    cache_group = cache.get("replication_group_id", "") if "cache" in components else ""
    if not cache_group:
        cache_members = []
    elif "member_clusters" in cache:
        cache_members = cache["member_clusters"]
    else:
        cache_members = cache_member_clusters(inputs.get("cache_group") or {})
    search = inputs.get("search") or {}
    return {
        "cluster": (ecs.get("cluster_name") or prefix) if ecs is not None else prefix,
        "ecs": "ecs" in components,
        "services": watched,
        "load_balancer": load_balancer,
        "database": (inputs.get("database") or {}).get("instance_id", "") if "database" in components else "",
        "cache_group": cache_group,
        "cache_members": cache_members,
        "search": {"domain_name": search.get("domain_name", ""), "client_id": account}
        if "search" in components
        else {},
    }


def _as_info(existing):
    """The alarms as ``amazon.aws.cloudwatch_metric_alarm_info`` returns them (snake_case): its ``metric_alarms``
    are kept; DescribeAlarms ``MetricAlarms`` (CamelCase, e.g. read with aws_read) are converted the way that
    module converts them (``camel_dict_to_snake_dict``)."""
    alarms = []
    for alarm in existing or []:
        if not isinstance(alarm, dict):
            raise AnsibleFilterError(f"an alarm must be a mapping, got {alarm!r}")
        alarms.append(camel_dict_to_snake_dict(alarm) if "AlarmName" in alarm else alarm)
    return alarms


def alarms_to_converge(desired, existing):
    """The desired alarms that are missing from ``existing`` or differ from it.

    ``existing`` is ``amazon.aws.cloudwatch_metric_alarm_info``'s ``metric_alarms`` (snake_case) or the
    ``MetricAlarms`` of a DescribeAlarms read (aws_read; CamelCase, converted as that module converts them).
    Everything the role sets is compared: metric, statistic, dimensions, threshold, periods,
    description, missing-data treatment and the ALARM / OK / INSUFFICIENT_DATA actions.
    """
    by_name = {a.get("alarm_name"): a for a in _as_info(existing)}
    return [want for want in desired if cloudwatch.alarm_differences(want, by_name.get(want["name"]))]


def stale_alarms(existing, desired, prefix):
    """Names of alarms this role made for ``prefix`` (by the description marker) that are no longer wanted.

    ``existing``: cloudwatch_metric_alarm_info's ``metric_alarms`` or DescribeAlarms' ``MetricAlarms``
    (as ``monitoring_alarms_to_converge`` takes them).
    """
    marker = MARKER.format(prefix=prefix)
    wanted = {a["name"] for a in desired or []}
    return sorted(
        a["alarm_name"]
        for a in _as_info(existing)
        if str(a.get("alarm_name", "")).startswith(f"{prefix}-")
        and str(a.get("alarm_description") or "").endswith(marker)
        and a["alarm_name"] not in wanted
    )


def managed_alarm_names(existing, prefix):
    """Names of every alarm this role made for ``prefix`` (for removal)."""
    return stale_alarms(existing, [], prefix)


def _metric_row(alarm):
    row = [alarm["namespace"], alarm["metric_name"]]
    for key, value in alarm["dimensions"].items():
        row += [key, str(value)]
    return row


def dashboard_body(alarms, region, prefix):
    """CloudWatch dashboard body for the alarms: an alarm status widget, then one graph per metric.

    Each graph shows the metric of every alarm on it (e.g. the CPU of every service) with the
    alarm's statistic and period; a graph whose alarms share one threshold draws it as a line.
    """
    widgets = []
    topic = next((a["alarm_actions"][0] for a in alarms if a.get("alarm_actions")), "")
    parts = topic.split(":")
    if len(parts) >= 6 and alarms:
        partition, account = parts[1], parts[4]
        widgets.append(
            {
                "type": "alarm",
                "x": 0,
                "y": 0,
                "width": 24,
                "height": 2 + (len(alarms) + 3) // 4,
                "properties": {
                    "title": f"{prefix} alarms",
                    "alarms": [f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{a['name']}" for a in alarms],
                },
            }
        )
    groups = {}
    for alarm in alarms:
        groups.setdefault((alarm["namespace"], alarm["metric_name"]), []).append(alarm)
    top = widgets[0]["height"] if widgets else 0
    for index, ((namespace, metric), members) in enumerate(groups.items()):
        first = members[0]
        properties = {
            "title": WIDGET_TITLES.get((namespace, metric), f"{namespace} {metric}"),
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "stat": first.get("statistic") or first.get("extended_statistic"),
            "period": first["period"],
            "metrics": [_metric_row(a) for a in members],
        }
        thresholds = {a["threshold"] for a in members}
        if len(thresholds) == 1:
            properties["annotations"] = {"horizontal": [{"label": "alarm threshold", "value": thresholds.pop()}]}
        widgets.append(
            {
                "type": "metric",
                "x": (index % 2) * 12,
                "y": top + (index // 2) * 6,
                "width": 12,
                "height": 6,
                "properties": properties,
            }
        )
    if not widgets:
        widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": 0,
                "width": 24,
                "height": 2,
                "properties": {"markdown": f"# {prefix}\nNo monitored resources yet."},
            }
        )
    return {"widgets": widgets}


def log_group_reads(services, prefix):
    """The ``platform_ops.aws.aws_read`` reads of the service log groups ``/platform/{prefix}/{service}``: the
    groups whose name holds ``prefix`` (DescribeLogGroups) and each service group's tags
    (``platform_log_group_tags_read``). ``log_group_plan`` takes the answer."""
    reads = [
        {
            "id": "groups",
            "service": "logs",
            "operation": "describe_log_groups",
            "paginate": True,
            # Every group whose name holds the prefix (the plan picks its own by name), as the compliance audit
            # lists them: a run that changed nothing lends the audit this answer.
            "params": {"logGroupNamePattern": prefix},
        }
    ]
    for index, service in enumerate(services or []):
        reads.append(log_group_tags_read(f"tags_{index}", "groups", f"/platform/{prefix}/{service}"))
    return reads


def _log_groups_from_read(responses, services, prefix):
    """``log_group_reads``' answer as ``cloudwatchlogs_log_group_info``'s ``log_groups`` (snake_case, with tags)."""
    tags = {
        f"/platform/{prefix}/{service}": ((responses.get(f"tags_{index}") or {}).get("tags") or {})
        for index, service in enumerate(services or [])
    }
    groups = []
    for group in (responses.get("groups") or {}).get("logGroups") or []:
        view = camel_dict_to_snake_dict(group)
        view["tags"] = tags.get(group.get("logGroupName"), {})
        groups.append(view)
    return groups


def log_group_plan(services, existing, prefix, *, retention_days, kms_key_arn, tags):
    """Which service log groups to converge, and which cannot get the platform KMS key in place.

    ``services`` are the service names; ``existing`` is the answer to ``log_group_reads`` (aws_read's
    ``responses``) or ``amazon.aws.cloudwatchlogs_log_group_info``'s ``log_groups`` for the prefix
    ``/platform/{prefix}/``. Returns ``{"converge": [{name, service,
    tags, exists}], "kms_mismatch": [names], "names": {service: name}}``: a group is converged when it is
    missing, its retention differs or a wanted tag is missing or different; an existing group
    encrypted with another key (or none) is listed in ``kms_mismatch`` because
    ``cloudwatchlogs_log_group`` sets the key only when it creates a group.
    """
    if isinstance(existing, dict):
        existing = _log_groups_from_read(existing, services, prefix)
    by_name = {g.get("log_group_name"): g for g in existing or []}
    plan = {"converge": [], "kms_mismatch": [], "names": {}}
    for service in services:
        name = f"/platform/{prefix}/{service}"
        plan["names"][service] = name
        want_tags = dict(tags, Service=str(service))
        have = by_name.get(name)
        if have is not None and (have.get("kms_key_id") or "") != kms_key_arn:
            plan["kms_mismatch"].append(name)
        if (
            have is None
            or have.get("retention_in_days") != int(retention_days)
            or any((have.get("tags") or {}).get(k) != v for k, v in want_tags.items())
        ):
            plan["converge"].append({"name": name, "service": service, "tags": want_tags, "exists": have is not None})
    return plan


def alarm_subscriptions(emails):
    """``community.aws.sns_topic`` subscriptions (email protocol) for a list of addresses."""
    return [{"protocol": "email", "endpoint": str(email)} for email in emails or []]


def managed_log_groups(existing, prefix, tags):
    """Service log groups of ``prefix`` this role made: ``/platform/{prefix}/{name}`` with a Service tag and the platform's tags."""
    pattern = re.compile(rf"^/platform/{re.escape(prefix)}/[a-z][a-z0-9-]*$")
    found = []
    for group in existing or []:
        name = group.get("log_group_name", "")
        have = group.get("tags") or {}
        if pattern.match(name) and have.get("Service") and all(have.get(k) == v for k, v in tags.items()):
            found.append(name)
    return sorted(found)


class FilterModule:
    """platform_ops.aws monitoring filters."""

    def filters(self):
        return {
            "monitoring_config_errors": monitoring_config_errors,
            "monitoring_alarms": monitoring_alarms,
            "cache_member_clusters": cache_member_clusters,
            "monitoring_targets": monitoring_targets,
            "monitoring_alarms_to_converge": alarms_to_converge,
            "monitoring_stale_alarms": stale_alarms,
            "monitoring_managed_alarm_names": managed_alarm_names,
            "monitoring_dashboard_body": dashboard_body,
            "monitoring_log_group_plan": log_group_plan,
            "monitoring_log_group_reads": log_group_reads,
            "monitoring_managed_log_groups": managed_log_groups,
            "monitoring_alarm_subscriptions": alarm_subscriptions,
        }
