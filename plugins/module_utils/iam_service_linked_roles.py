# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM service-linked role helpers for platform_ops.aws.iam_service_linked_role.

A service-linked role lives under the path ``/aws-service-role/<service principal>/`` and is
created with CreateServiceLinkedRole, never with CreateRole. It belongs to the whole account: one
per service (a few services allow more with a custom suffix), shared by every stack in it.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# The documented role names of the services the platform uses (IAM User Guide, "AWS services that
# work with IAM", and each service's "Using service-linked roles" page).
KNOWN_ROLE_NAMES = {
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "ecs.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_ECSService",
    "elasticache.amazonaws.com": "AWSServiceRoleForElastiCache",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "es.amazonaws.com": "AWSServiceRoleForAmazonElasticsearchService",
    "opensearchservice.amazonaws.com": "AWSServiceRoleForAmazonOpenSearchService",
    "rds.amazonaws.com": "AWSServiceRoleForRDS",
}

SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")
PATH_PREFIX = "/aws-service-role/"


def path_of(service):
    return f"{PATH_PREFIX}{service}/"


@AWSRetry.jittered_backoff()
def list_service_linked_roles(client):
    """Every role under /aws-service-role/ (one paginated ListRoles)."""
    paginator = client.get_paginator("list_roles")
    return paginator.paginate(PathPrefix=PATH_PREFIX).build_full_result().get("Roles", [])


@AWSRetry.jittered_backoff()
def create_service_linked_role(client, service, description=None):
    params = {"AWSServiceName": service}
    if description:
        params["Description"] = description
    return client.create_service_linked_role(**params)["Role"]


def roles_by_service(roles):
    """{service principal: role} from ListRoles output (the first role found per service path)."""
    found = {}
    for role in sorted(roles, key=lambda r: r.get("RoleName", "")):
        path = role.get("Path") or ""
        if path.startswith(PATH_PREFIX) and path.endswith("/"):
            found.setdefault(path[len(PATH_PREFIX) : -1], role)
    return found


def already_exists(error):
    """CreateServiceLinkedRole's answer when the role exists (created meanwhile, or listed late)."""
    response = getattr(error, "response", None) or {}
    code = (response.get("Error") or {}).get("Code", "")
    message = (response.get("Error") or {}).get("Message", "")
    return code == "EntityAlreadyExists" or (code == "InvalidInput" and "has been taken" in message)


def validate_services(services):
    errors = []
    seen = set()
    for service in services:
        if not SERVICE_RE.match(service or ""):
            errors.append(f"{service!r} is not an AWS service principal (such as ecs.amazonaws.com)")
        elif service in seen:
            errors.append(f"{service!r} is listed more than once")
        seen.add(service)
    return errors


def describe(service, role):
    """The module's view of one service's role (``role`` in boto3 shape, or None when missing)."""
    if not role:
        return {"service": service, "exists": False, "role_name": KNOWN_ROLE_NAMES.get(service, ""), "arn": ""}
    return {"service": service, "exists": True, "role_name": role.get("RoleName", ""), "arn": role.get("Arn", "")}
