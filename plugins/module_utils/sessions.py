# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""boto3 clients for a module that talks to several services (or regions): all from one session.

amazon.aws's ``module.client()`` opens a new boto3 session for every client, and each session loads botocore's
endpoint and service data again (about 0.1 s a client, most of it JSON parsing). A module that reads a dozen
services (``aws_read``, ``compliance_audit``) makes its clients here instead: the same connection settings
(``get_aws_connection_info``: region, endpoint, credentials or profile, ``aws_config``), one session.
"""

from __future__ import annotations

try:
    import boto3
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info


def client_factory(module, user_agent_extra=None):
    """``factory(service, region=None)`` -> a boto3 client (``region`` defaults to the module's), every client
    from ONE session with the module's connection settings. Not thread-safe: make the clients before starting
    threads, or under a lock (boto3 clients themselves are thread-safe)."""
    region, endpoint_url, params = get_aws_connection_info(module)
    params = dict(params)
    profile = params.pop("profile_name", None)
    config = botocore.config.Config(user_agent_extra=user_agent_extra or f"platform_ops.aws/{module._name}")
    for key in ("config", "aws_config"):
        extra = params.pop(key, None)
        if extra:
            config = config.merge(
                extra if isinstance(extra, botocore.config.Config) else botocore.config.Config(**extra)
            )
    try:
        session = boto3.session.Session(profile_name=profile)
    except botocore.exceptions.BotoCoreError as e:
        module.fail_json_aws(e, msg="Could not open an AWS session")

    def make(service, region_name=None):
        try:
            return session.client(
                service, region_name=region_name or region, endpoint_url=endpoint_url, config=config, **params
            )
        except (botocore.exceptions.BotoCoreError, ValueError) as e:
            module.fail_json_aws(e, msg=f"Could not create the {service} client")

    return make
