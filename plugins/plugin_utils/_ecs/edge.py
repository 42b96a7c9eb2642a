# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The assets bucket's CloudFront distribution: its ``community.aws.cloudfront_distribution``
arguments, finding it among the distributions, and why it differs from what is wanted.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

# Well-known values of ecs_service_cloudfront_cache_policy_id: CachingOptimized.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


# --- CloudFront ---------------------------------------------------------------------------------


def ecs_cloudfront_distribution(ctx):
    """``community.aws.cloudfront_distribution`` arguments for the assets bucket.

    ``ctx``: prefix, bucket, region, origin_access_control_id (the id of the origin
    access control CloudFront signs its requests to the private bucket with; "" only in check mode
    before it exists), aliases, certificate_arn, price_class, default_root_object, cache_policy_id,
    tags. The origin has no origin access identity (OAI, the legacy way, which cannot read SSE-KMS
    objects).
    With a certificate (custom aliases) the viewer minimum is TLSv1.2_2021; with the default
    ``*.cloudfront.net`` certificate CloudFront fixes the minimum itself (TLSv1).
    """
    origin_id = f"{ctx['prefix']}-assets"
    if ctx.get("certificate_arn"):
        certificate = {
            "acm_certificate_arn": ctx["certificate_arn"],
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        }
    else:
        certificate = {"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1"}
    return {
        "caller_reference": f"{ctx['prefix']}-assets",
        "comment": f"{ctx['prefix']} static assets",
        "origins": [
            {
                "id": origin_id,
                "domain_name": f"{ctx['bucket']}.s3.{ctx['region']}.amazonaws.com",
                "origin_path": "",
                "s3_origin_config": {"origin_access_identity": ""},
                "origin_access_control_id": ctx.get("origin_access_control_id") or "",
            }
        ],
        "default_cache_behavior": {
            "target_origin_id": origin_id,
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": {"items": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]},
            "cache_policy_id": ctx.get("cache_policy_id") or CACHING_OPTIMIZED,
            "compress": True,
        },
        "default_root_object": ctx.get("default_root_object", "index.html"),
        "price_class": ctx.get("price_class", "PriceClass_100"),
        "http_version": "http2",
        "ipv6_enabled": True,
        "aliases": list(ctx.get("aliases") or []),
        # Legacy (S3) standard logging stays off: it writes through bucket ACLs, which the logs bucket
        # disables (BucketOwnerEnforced), so AWS refuses it. The access logs go through CloudWatch Logs
        # vended-log delivery instead (platform_ops.aws.cloudwatch_log_delivery, logging v2).
        "logging": {"enabled": False, "include_cookies": False, "bucket": "", "prefix": ""},
        "viewer_certificate": certificate,
        "enabled": True,
        "tags": dict(ctx["tags"]),
    }


def ecs_cloudfront_find(distributions, bucket, region):
    """The summary (``cloudfront_distribution_info`` ``list_distributions``) of the distribution
    whose origin is the assets bucket, or ``{}``. Bucket names are global, so the origin identifies
    the platform's distribution."""
    domain = f"{bucket}.s3.{region}.amazonaws.com"
    if isinstance(distributions, dict):  # keyed by id and alias
        distributions = list(distributions.values())
    for dist in distributions or []:
        origins = ((dist.get("Origins") or dist.get("origins") or {}).get("Items")) or []
        if any(o.get("DomainName") == domain for o in origins):
            return dist
    return {}


def ecs_cloudfront_differences(want, have):
    """Why the distribution config ``have`` (``DistributionConfig`` of ``get_distribution``) is not
    ``want`` (``ecs_cloudfront_distribution``); empty when it is. An origin's ``S3OriginConfig``
    or ``OriginAccessControlId`` that the endpoint does not return counts as none."""
    if not have:
        return ["missing"]
    diffs = []
    if have.get("Comment") != want["comment"]:
        diffs.append("Comment")
    if bool(have.get("Enabled")) != want["enabled"]:
        diffs.append("Enabled")
    if (have.get("DefaultRootObject") or "") != want["default_root_object"]:
        diffs.append("DefaultRootObject")
    if have.get("PriceClass") != want["price_class"]:
        diffs.append("PriceClass")
    if (have.get("HttpVersion") or "").lower() != want["http_version"]:
        diffs.append("HttpVersion")
    if bool(have.get("IsIPV6Enabled")) != want["ipv6_enabled"]:
        diffs.append("IsIPV6Enabled")
    if sorted((have.get("Aliases") or {}).get("Items") or []) != sorted(want["aliases"]):
        diffs.append("Aliases")
    origins = (have.get("Origins") or {}).get("Items") or []
    wo = want["origins"][0]
    if len(origins) != 1 or origins[0].get("Id") != wo["id"] or origins[0].get("DomainName") != wo["domain_name"]:
        diffs.append("Origins")
    else:
        if ((origins[0].get("S3OriginConfig") or {}).get("OriginAccessIdentity") or "") != wo["s3_origin_config"][
            "origin_access_identity"
        ]:
            diffs.append("Origins.S3OriginConfig")
        if (origins[0].get("OriginAccessControlId") or "") != wo["origin_access_control_id"]:
            diffs.append("Origins.OriginAccessControlId")
    behavior = have.get("DefaultCacheBehavior") or {}
    wb = want["default_cache_behavior"]
    if (
        behavior.get("TargetOriginId") != wb["target_origin_id"]
        or behavior.get("ViewerProtocolPolicy") != wb["viewer_protocol_policy"]
        or behavior.get("CachePolicyId") != wb["cache_policy_id"]
        or bool(behavior.get("Compress")) != wb["compress"]
        or sorted((behavior.get("AllowedMethods") or {}).get("Items") or []) != sorted(wb["allowed_methods"]["items"])
    ):
        diffs.append("DefaultCacheBehavior")
    logging = have.get("Logging") or {}
    wl = want["logging"]
    if bool(logging.get("Enabled")) != wl["enabled"] or (
        wl["enabled"]
        and (
            logging.get("Bucket") != wl["bucket"]
            or logging.get("Prefix") != wl["prefix"]
            or bool(logging.get("IncludeCookies")) != wl["include_cookies"]
        )
    ):
        diffs.append("Logging")
    cert = have.get("ViewerCertificate") or {}
    wc = want["viewer_certificate"]
    if wc.get("acm_certificate_arn"):
        if (
            cert.get("ACMCertificateArn") != wc["acm_certificate_arn"]
            or cert.get("MinimumProtocolVersion") != wc["minimum_protocol_version"]
        ):
            diffs.append("ViewerCertificate")
    elif not cert.get("CloudFrontDefaultCertificate"):
        diffs.append("ViewerCertificate")
    return diffs
