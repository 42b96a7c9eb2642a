"""Helpers for the scenarios' check_state.py scripts: boto3 on the emulator, tag lookups."""

from __future__ import annotations

import os
import sys

import boto3

NAME = os.environ["PLATFORM_NAME"]
ENV = os.environ["PLATFORM_ENV"]
REGION = os.environ.get("PLATFORM_REGION", "us-east-1")
ENDPOINT = os.environ["PLATFORM_AWS_ENDPOINT_URL"]
PREFIX = f"{NAME}-{ENV}"
STANDARD_TAGS = {"Project": NAME, "Environment": ENV, "ManagedBy": "ansible", "DataClassification": "phi"}
_failures: list[str] = []


def client(service: str, region: str = REGION):
    return boto3.client(
        service, region_name=region, endpoint_url=ENDPOINT, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def tags_of(resource) -> dict:
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or resource.get("TagList") or []}


def ec2_tag_filters(**extra) -> list:
    filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in STANDARD_TAGS.items()]
    filters += [{"Name": k, "Values": v if isinstance(v, list) else [v]} for k, v in extra.items()]
    return filters


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        _failures.append(what)


def has_standard_tags(tags: dict) -> bool:
    return all(tags.get(k) == v for k, v in STANDARD_TAGS.items())


def done() -> None:
    if _failures:
        print(f"{len(_failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("all checks passed")
