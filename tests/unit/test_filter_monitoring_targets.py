"""plugins/filter/monitoring.py monitoring_targets: what the monitoring role's alarms watch.

The expected targets were captured from the role's former Jinja template (removed), which the filter replaces,
rendered with Ansible's templar on the same inputs (and the role's task expression gave the same).
"""

from __future__ import annotations

import copy

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import monitoring as m

ACCOUNT = "123456789012"
PREFIX = "caseapp-prod"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:{PREFIX}-alarms"
ELB = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}"
ALB_ARN = f"{ELB}:loadbalancer/app/{PREFIX}-alb/50dc6c495c0c9188"
LONG = "notification-dispatcher"  # {prefix}-{service} is longer than 32 characters: a hashed name


def tg_arn(name, suffix="73e2d6bc24d8a067"):
    return f"{ELB}:targetgroup/{name}/{suffix}"


SERVICES = [
    {"name": "api", "public": True, "port": 8000},
    {"name": "web", "public": "yes"},
    {"name": "worker"},
    {"name": LONG, "public": "true"},
    {"name": "admin", "public": False},
]
ECS = {
    "cluster_name": f"{PREFIX}-cluster",
    "alb_arn": ALB_ARN,
    "target_group_arns": {"api": tg_arn(f"{PREFIX}-api"), "web": tg_arn(f"{PREFIX}-web", "0a1b2c3d4e5f6071")},
    "services": {"api": {"name": f"{PREFIX}-api-svc"}, "worker": {"name": f"{PREFIX}-worker-svc"}},
}
DATABASE = {"instance_id": f"{PREFIX}-db", "endpoint": "db.example"}
CACHE = {"replication_group_id": f"{PREFIX}-cache", "member_clusters": [f"{PREFIX}-cache-002", f"{PREFIX}-cache-001"]}
SEARCH = {"domain_name": f"{PREFIX}-search", "endpoint": "search.example"}
# The replication_group of platform_ops.aws.elasticache_replication_group (snake_case).
CACHE_GROUP = {
    "replication_group_id": f"{PREFIX}-cache",
    "member_clusters": [f"{PREFIX}-cache-003", f"{PREFIX}-cache-001", f"{PREFIX}-cache-002"],
}
FOUND_ALB = [{"load_balancer_name": f"{PREFIX}-alb", "load_balancer_arn": ALB_ARN}]
FOUND_TARGET_GROUPS = [
    {"target_group_name": f"{PREFIX}-api", "target_group_arn": tg_arn(f"{PREFIX}-api")},
    {
        "target_group_name": m.target_group_name(LONG, PREFIX),
        "target_group_arn": tg_arn(m.target_group_name(LONG, PREFIX)),
    },
    {"target_group_name": f"{PREFIX}-other", "target_group_arn": tg_arn(f"{PREFIX}-other")},
]

INPUTS = {
    "components": ["ecs", "alb", "database", "cache", "search"],
    "prefix": PREFIX,
    "topic_arn": TOPIC,
    "services": SERVICES,
    "ecs": ECS,
    "database": DATABASE,
    "cache": CACHE,
    "search": SEARCH,
    "load_balancers": [],
    "target_groups": [],
    "cache_group": {},
}
# Without the other roles' facts (an earlier run made the resources): found by name and facts.yml.
FOUND = dict(
    INPUTS,
    ecs=None,
    database=None,
    cache=None,
    search=None,
    load_balancers=FOUND_ALB,
    target_groups=FOUND_TARGET_GROUPS,
)


def inputs(base=None, **changes):
    return dict(copy.deepcopy(base or INPUTS), **changes)


def svc(name, ecs_service, public, target_group=""):
    """A service of the expected targets."""
    return {"name": name, "ecs_service": ecs_service, "public": public, "target_group": target_group}


CASES = [
    (
        "every fact given",
        inputs(),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-002", "caseapp-prod-cache-001"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "every fact given, other components",
        inputs(components=["ecs", "database"]),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "",
            "database": "caseapp-prod-db",
            "cache_group": "",
            "cache_members": [],
            "search": {},
        },
    ),
    (
        "no component",
        inputs(components=[]),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": False,
            "services": [
                svc("api", "caseapp-prod-api-svc", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "",
            "database": "",
            "cache_group": "",
            "cache_members": [],
            "search": {},
        },
    ),
    (
        "platform_ecs without an ALB, cluster name or services",
        inputs(ecs={"alb_arn": "", "cluster_name": "", "target_group_arns": None, "services": None}),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-002", "caseapp-prod-cache-001"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "platform_ecs empty",
        inputs(ecs={}),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-002", "caseapp-prod-cache-001"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "platform_ecs wins over an ALB found",
        inputs(load_balancers=FOUND_ALB, target_groups=FOUND_TARGET_GROUPS),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-002", "caseapp-prod-cache-001"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "ALB and target groups found by name",
        inputs(FOUND),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc(
                    "notification-dispatcher",
                    "caseapp-prod-notification-dispatcher",
                    True,
                    "targetgroup/caseapp-prod-notification-b28ac1/73e2d6bc24d8a067",
                ),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "", "client_id": "123456789012"},
        },
    ),
    (
        "ALB found, no target groups",
        inputs(FOUND, target_groups=[]),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "", "client_id": "123456789012"},
        },
    ),
    (
        "no ALB found",
        inputs(FOUND, load_balancers=[], target_groups=[]),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "",
            "database": "",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "", "client_id": "123456789012"},
        },
    ),
    (
        "ALB found, alb not a component",
        inputs(FOUND, components=["ecs", "search"]),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "",
            "database": "",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "", "client_id": "123456789012"},
        },
    ),
    (
        "facts of an earlier run: database, cache and search",
        inputs(
            FOUND,
            database={"instance_id": f"{PREFIX}-db"},
            cache={"replication_group_id": f"{PREFIX}-cache"},
            search={"domain_name": f"{PREFIX}-search"},
            cache_group=CACHE_GROUP,
        ),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True),
                svc("worker", "caseapp-prod-worker", False),
                svc(
                    "notification-dispatcher",
                    "caseapp-prod-notification-dispatcher",
                    True,
                    "targetgroup/caseapp-prod-notification-b28ac1/73e2d6bc24d8a067",
                ),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-001", "caseapp-prod-cache-002", "caseapp-prod-cache-003"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "cache group described with node groups only",
        inputs(
            cache={"replication_group_id": f"{PREFIX}-cache"},
            cache_group={
                "node_groups": [
                    {
                        "node_group_members": [
                            {"cache_cluster_id": f"{PREFIX}-cache-002"},
                            {"cache_cluster_id": f"{PREFIX}-cache-001"},
                        ]
                    }
                ]
            },
        ),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-001", "caseapp-prod-cache-002"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "cache group not found",
        inputs(cache={"replication_group_id": f"{PREFIX}-cache"}, cache_group={}),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": [],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "no cache",
        inputs(cache={"replication_group_id": ""}, cache_group=CACHE_GROUP),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "cache without a group id",
        inputs(cache={}),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "123456789012"},
        },
    ),
    (
        "empty data tier facts",
        inputs(database={}, search={}),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-002", "caseapp-prod-cache-001"],
            "search": {"domain_name": "", "client_id": "123456789012"},
        },
    ),
    (
        "no services",
        inputs(FOUND, services=[]),
        {
            "cluster": "caseapp-prod",
            "ecs": True,
            "services": [],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "",
            "cache_group": "",
            "cache_members": [],
            "search": {"domain_name": "", "client_id": "123456789012"},
        },
    ),
    (
        "another partition and account",
        inputs(topic_arn="arn:aws-us-gov:sns:us-gov-west-1:210987654321:caseapp-prod-alarms"),
        {
            "cluster": "caseapp-prod-cluster",
            "ecs": True,
            "services": [
                svc("api", "caseapp-prod-api-svc", True, "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"),
                svc("web", "caseapp-prod-web", True, "targetgroup/caseapp-prod-web/0a1b2c3d4e5f6071"),
                svc("worker", "caseapp-prod-worker-svc", False),
                svc("notification-dispatcher", "caseapp-prod-notification-dispatcher", True),
                svc("admin", "caseapp-prod-admin", False),
            ],
            "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
            "database": "caseapp-prod-db",
            "cache_group": "caseapp-prod-cache",
            "cache_members": ["caseapp-prod-cache-002", "caseapp-prod-cache-001"],
            "search": {"domain_name": "caseapp-prod-search", "client_id": "210987654321"},
        },
    ),
]


@pytest.mark.parametrize(("given", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_monitoring_targets(given, expected):
    before = copy.deepcopy(given)
    assert m.monitoring_targets(given) == expected
    assert given == before  # the inputs are left as they were


def test_targets_feed_the_alarms():
    alarms = m.monitoring_alarms(m.monitoring_targets(inputs()), PREFIX, TOPIC)
    names = {a["name"] for a in alarms}
    assert f"{PREFIX}-alb-api-5xx" in names and f"{PREFIX}-cache-001-cpu" in names
    assert f"{PREFIX}-search-red" in names


def test_filter_module_exports():
    assert m.FilterModule().filters()["monitoring_targets"] is m.monitoring_targets
