# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's checks of load balancers (listeners, access logs, WAF association) and CloudFront."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    LEGACY_TLS,
    S3_ORIGIN_DOMAIN_RE,
    T_LISTENER,
    UNEVALUATED,
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    Unsupported,
    _each,
    _passfail,
    result,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (
    Resource,
)


# --- load balancers, WAF, CloudFront ------------------------------------------------------------
def _listener_results(a, evaluate):
    out = []
    for lb in a.load_balancers():
        try:
            listeners = a.listeners(lb["id"])
        except Unsupported as e:
            out.append(result(lb, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported"))
            continue
        if not listeners:
            out.append(result(lb, "NOT_APPLICABLE", "load balancer has no listeners"))
            continue
        out.extend(
            _each(
                [Resource(ls["ListenerArn"], ls["ListenerArn"], T_LISTENER, lb["tags"], ls) for ls in listeners],
                evaluate,
            )
        )
    return out


def _redirects_to_https(listener):
    for action in listener.get("DefaultActions", []):
        if action.get("Type") == "redirect" and (action.get("RedirectConfig") or {}).get("Protocol") == "HTTPS":
            return True
    return False


@check("ELB.HTTPS_ONLY")
def _elb_https_only(a):
    def evaluate(listener):
        data = listener["data"]
        protocol = data.get("Protocol")
        port = data.get("Port")
        if protocol == "HTTPS":
            return result(listener, "PASS", f"HTTPS on port {port}")
        if protocol == "HTTP" and _redirects_to_https(data):
            return result(listener, "PASS", f"HTTP on port {port} only redirects to HTTPS")
        kinds = ", ".join(act.get("Type", "?") for act in data.get("DefaultActions", []))
        return result(
            listener,
            "FAIL",
            f"{protocol} listener on port {port} serves traffic (default action: {kinds}) instead of redirecting to HTTPS",
        )

    return _listener_results(a, evaluate)


@check("ELB.TLS_POLICY")
def _elb_tls_policy(a):
    def evaluate(listener):
        data = listener["data"]
        if data.get("Protocol") != "HTTPS":
            return None
        policy = data.get("SslPolicy") or "unset"
        protocols = a.ssl_policy_protocols([policy]).get(policy)
        if protocols is None:
            return result(
                listener, "FAIL", f"security policy {policy} is unknown to the endpoint; cannot confirm TLS 1.2+"
            )
        legacy = [p for p in protocols if p in LEGACY_TLS]
        return _passfail(
            listener, not legacy, f"{policy}: {', '.join(protocols)}", f"{policy} allows {', '.join(legacy)}"
        )

    return _listener_results(a, evaluate)


@check("ELB.ACCESS_LOGS")
def _elb_access_logs(a):
    def evaluate(lb):
        attrs = a.call("elbv2", "describe_load_balancer_attributes", LoadBalancerArn=lb["id"]).get("Attributes", [])
        values = {attr["Key"]: attr.get("Value") for attr in attrs}
        on = values.get("access_logs.s3.enabled") == "true"
        return _passfail(
            lb, on, f"access logs to s3://{values.get('access_logs.s3.bucket')}", "access_logs.s3.enabled is not true"
        )

    return _each(a.load_balancers(), evaluate)


@check("WAF.ALB_ASSOCIATION")
def _waf_alb(a):
    def evaluate(lb):
        if lb["data"].get("Scheme") == "internal":
            return result(lb, "NOT_APPLICABLE", "internal load balancer")
        resp = a.call(
            "wafv2", "get_web_acl_for_resource", ignore=("WAFNonexistentItemException",), ResourceArn=lb["id"]
        )
        acl = (resp or {}).get("WebACL")
        return _passfail(lb, acl, f"web ACL {(acl or {}).get('Name')}", "no WAFv2 web ACL associated")

    return _each(a.load_balancers(), evaluate)


def _cache_behaviours(dist):
    behaviours = [("default", dist.get("DefaultCacheBehavior") or {})]
    for item in (dist.get("CacheBehaviors") or {}).get("Items", []) or []:
        behaviours.append((item.get("PathPattern", "?"), item))
    return behaviours


@check("CLOUDFRONT.VIEWER_HTTPS")
def _cloudfront_https(a):
    def evaluate(dist):
        plain = [
            f"{path}: {behaviour.get('ViewerProtocolPolicy', 'allow-all')}"
            for path, behaviour in _cache_behaviours(dist["data"])
            if behaviour.get("ViewerProtocolPolicy", "allow-all") not in ("redirect-to-https", "https-only")
        ]
        return _passfail(dist, not plain, "every cache behaviour requires HTTPS", f"HTTP allowed on {'; '.join(plain)}")

    return _each(a.distributions(), evaluate)


@check("CLOUDFRONT.TLS_POLICY")
def _cloudfront_tls(a):
    def evaluate(dist):
        cert = dist["data"].get("ViewerCertificate") or {}
        custom = cert.get("ACMCertificateArn") or cert.get("IAMCertificateId")
        if not custom:
            return result(dist, "FAIL", "default *.cloudfront.net certificate: viewers may negotiate TLS 1.0")
        version = cert.get("MinimumProtocolVersion") or "unset"
        return _passfail(
            dist, version.startswith("TLSv1.2"), f"minimum protocol {version}", f"MinimumProtocolVersion is {version}"
        )

    return _each(a.distributions(), evaluate)


def _s3_origins(dist):
    """The distribution's origins that read an S3 bucket's REST endpoint."""
    return [
        origin
        for origin in (dist.get("Origins") or {}).get("Items", []) or []
        if "S3OriginConfig" in origin or S3_ORIGIN_DOMAIN_RE.match(origin.get("DomainName") or "")
    ]


@check("CLOUDFRONT.S3_ORIGIN_ACCESS")
def _cloudfront_s3_origin_access(a):
    def signing_behavior(control_id):
        """The OAC's SigningBehavior (read once per audit), None when it does not exist."""

        def load():
            resp = a.call(
                "cloudfront", "get_origin_access_control", ignore=("NoSuchOriginAccessControl",), Id=control_id
            )
            if resp is None:
                return None
            config = (resp.get("OriginAccessControl") or {}).get("OriginAccessControlConfig") or {}
            return config.get("SigningBehavior") or ""

        return a.memo(f"cloudfront.oac.{control_id}", load)

    def evaluate(dist):
        origins = _s3_origins(dist["data"])
        if not origins:
            return result(dist, "NOT_APPLICABLE", "no S3 origin")
        problems, controls, unsupported = [], [], None
        for origin in origins:
            oid = origin.get("Id", "?")
            control_id = origin.get("OriginAccessControlId") or ""
            if not control_id:
                if (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity"):
                    problems.append(f"{oid}: uses a legacy origin access identity, not an origin access control")
                else:
                    problems.append(
                        f"{oid}: no origin access control or identity (the bucket must be public or CloudFront gets 403)"
                    )
                continue
            try:
                behavior = signing_behavior(control_id)
            except Unsupported as e:
                unsupported = e.api
                behavior = "unknown"
            if behavior is None:
                problems.append(f"{oid}: origin access control {control_id} does not exist")
            elif behavior == "never":
                problems.append(
                    f"{oid}: origin access control {control_id} has SigningBehavior never (requests are not signed)"
                )
            else:
                controls.append(f"{oid}: {control_id}")
        if problems:
            return result(dist, "FAIL", "; ".join(problems))
        if unsupported:
            return result(dist, "NOT_APPLICABLE", f"{UNEVALUATED}{unsupported} unsupported")
        return result(dist, "PASS", f"S3 origins read through origin access control ({', '.join(controls)})")

    return _each(a.distributions(), evaluate)
