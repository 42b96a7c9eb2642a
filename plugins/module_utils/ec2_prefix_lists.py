# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS-managed prefix lists (DescribePrefixLists) for platform_ops.aws.ec2_prefix_list_info."""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def service_name(region, service):
    """The endpoint service (and prefix list) name of an AWS service in ``region``.

    China regions name theirs ``cn.com.amazonaws.<region>.<service>``.
    """
    return f"{'cn.' if region.startswith('cn-') else ''}com.amazonaws.{region}.{service}"


@AWSRetry.jittered_backoff()
def describe_prefix_lists(client, names):
    """The AWS-managed prefix lists named ``names`` (boto3 shape), every page."""
    paginator = client.get_paginator("describe_prefix_lists")
    filters = [{"Name": "prefix-list-name", "Values": list(names)}]
    return paginator.paginate(Filters=filters).build_full_result().get("PrefixLists", [])


def to_ansible(prefix_list):
    return {
        "prefix_list_id": prefix_list.get("PrefixListId"),
        "prefix_list_name": prefix_list.get("PrefixListName"),
        "cidrs": list(prefix_list.get("Cidrs") or []),
    }
