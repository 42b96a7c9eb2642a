"""scripts/moto_launcher.py: request counting and scaled creation latency, on a launcher of our own."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = ROOT / "scripts" / "moto_launcher.py"
WINDOW = 2.0
REGION = "us-east-1"

spec = importlib.util.spec_from_file_location("moto_launcher", LAUNCHER)
launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launcher)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)


def _post(url: str, payload=None) -> dict:
    data = json.dumps(payload).encode() if payload is not None else b""
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.load(resp)


def _start(*args: str, env_extra: dict | None = None):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PLATFORM_LOCAL_LATENCY"} | (env_extra or {})
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(f"{endpoint}/_platform_ops/requests")
            return proc, endpoint
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def endpoint():
    """A launcher with every resource type scaled to WINDOW seconds."""
    spec = ",".join(f"{kind}={WINDOW}" for kind in launcher.KINDS)
    proc, url = _start("--latency", spec)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def client(endpoint):
    def make(service: str):
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint)

    return make


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# Per resource type: create one (returns its identifier) and read its status back through boto3.
def _rds(client):
    name = _name("db")
    rds = client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin1",
        MasterUserPassword="not-a-secret-123",
        AllocatedStorage=20,
    )

    def status():
        (instance,) = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"]
        return instance["DBInstanceStatus"], "Endpoint" in instance

    return name, status, ("creating", False), ("available", True)


def _elasticache(client):
    name = _name("rg")
    cache = client("elasticache")
    cache.create_replication_group(
        ReplicationGroupId=name,
        ReplicationGroupDescription="test",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=2,
    )

    def status():
        (group,) = cache.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"]
        return group["Status"], any("PrimaryEndpoint" in ng for ng in group["NodeGroups"])

    return name, status, ("creating", False), ("available", True)


def _opensearch(client):
    name = _name("dom")
    search = client("opensearch")
    search.create_domain(DomainName=name)

    def status():
        # DescribeDomains answers like DescribeDomain; read it first so that, when the window
        # ends between the two calls, the later DescribeDomain can only be the newer state.
        (listed,) = search.describe_domains(DomainNames=[name])["DomainStatusList"]
        domain = search.describe_domain(DomainName=name)["DomainStatus"]
        assert listed["Processing"] == domain["Processing"] or (listed["Processing"] and not domain["Processing"])
        return domain["Processing"], domain["Created"], "Endpoint" in domain

    return name, status, (True, False, False), (False, True, True)


def _nat(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    assert nat["State"] == "pending"  # the Create response too

    def status():
        (gateway,) = ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"]
        return (gateway["State"],)

    return nat["NatGatewayId"], status, ("pending",), ("available",)


def _cloudfront(client):
    cloudfront = client("cloudfront")
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Origins": {
            "Quantity": 1,
            "Items": [{"Id": "o", "DomainName": "b.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "o",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
        "Comment": "",
        "Enabled": True,
    }
    dist_id = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]

    def status():
        listed = [
            d["Status"] for d in cloudfront.list_distributions()["DistributionList"]["Items"] if d["Id"] == dist_id
        ]
        return cloudfront.get_distribution(Id=dist_id)["Distribution"]["Status"], listed

    return dist_id, status, ("InProgress", ["InProgress"]), ("Deployed", ["Deployed"])


@pytest.mark.parametrize(
    ("kind", "create"),
    [
        ("rds", _rds),
        ("elasticache", _elasticache),
        ("opensearch", _opensearch),
        ("nat", _nat),
        ("cloudfront", _cloudfront),
    ],
)
def test_resource_is_being_created_until_its_window_ends(endpoint, client, kind, create):
    started = time.monotonic()
    identifier, status, creating, available = create(client)
    assert tuple(status()) == creating
    pending = _get(f"{endpoint}/_platform_ops/requests")["pending"][kind]
    assert pending[f"{REGION}/{identifier}"]["window_s"] == WINDOW
    while tuple(status()) == creating:
        assert time.monotonic() - started < WINDOW + 5, f"{kind} {identifier} never became available"
        time.sleep(0.2)
    assert time.monotonic() - started >= WINDOW - 0.1
    assert tuple(status()) == available
    assert f"{REGION}/{identifier}" not in _get(f"{endpoint}/_platform_ops/requests")["pending"].get(kind, {})


def test_only_new_resources_are_rewritten(endpoint, client):
    """A resource created while its type has no latency is available at once, even next to a pending one."""
    _post(f"{endpoint}/_platform_ops/latency", {"rds": WINDOW})
    try:
        rds = client("rds")
        args = {"Engine": "postgres", "DBInstanceClass": "db.t3.micro", "MasterUsername": "admin1"}
        args |= {"MasterUserPassword": "not-a-secret-123", "AllocatedStorage": 20}
        slow, fast = _name("slow"), _name("fast")
        rds.create_db_instance(DBInstanceIdentifier=slow, **args)
        search = client("opensearch")
        domain = _name("dom")
        search.create_domain(DomainName=domain)  # opensearch latency is off now
        _post(f"{endpoint}/_platform_ops/latency", {})
        rds.create_db_instance(DBInstanceIdentifier=fast, **args)
        statuses = {
            i["DBInstanceIdentifier"]: i["DBInstanceStatus"] for i in rds.describe_db_instances()["DBInstances"]
        }
        assert statuses[slow] == "creating"
        assert statuses[fast] == "available"
        assert search.describe_domain(DomainName=domain)["DomainStatus"]["Processing"] is False
    finally:
        _post(f"{endpoint}/_platform_ops/latency", dict.fromkeys(launcher.KINDS, WINDOW))


def test_latency_is_set_and_shown_at_runtime(endpoint):
    assert _get(f"{endpoint}/_platform_ops/latency")["latency"] == dict.fromkeys(sorted(launcher.KINDS), WINDOW)
    try:
        assert _post(f"{endpoint}/_platform_ops/latency", {"rds": 12, "nat": "3"})["latency"] == {
            "nat": 3.0,
            "rds": 12.0,
        }
        assert _post(f"{endpoint}/_platform_ops/latency", "opensearch=15")["latency"] == {"opensearch": 15.0}
        assert _get(f"{endpoint}/_platform_ops/requests")["latency"] == {"opensearch": 15.0}
        for bad in ({"dynamodb": 3}, {"rds": "soon"}, {"rds": -1}, ["rds"]):
            with pytest.raises(urllib.error.HTTPError) as err:
                _post(f"{endpoint}/_platform_ops/latency", bad)
            assert err.value.code == 400
            assert re.search("latency|unknown resource type", json.load(err.value)["error"])
        assert _get(f"{endpoint}/_platform_ops/latency")["latency"] == {"opensearch": 15.0}  # unchanged by bad input
    finally:
        _post(f"{endpoint}/_platform_ops/latency", dict.fromkeys(launcher.KINDS, WINDOW))


def test_moto_reset_forgets_open_windows():
    proc, url = _start("--latency", "rds=30")
    try:
        boto3.client("rds", region_name=REGION, endpoint_url=url).create_db_instance(
            DBInstanceIdentifier="db1",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            MasterUsername="admin1",
            MasterUserPassword="not-a-secret-123",
            AllocatedStorage=20,
        )
        assert list(_get(f"{url}/_platform_ops/requests")["pending"]["rds"]) == [f"{REGION}/db1"]
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=5).close()
        assert _get(f"{url}/_platform_ops/requests")["pending"] == {}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_latency_from_environment_and_bad_option():
    proc, url = _start(env_extra={"PLATFORM_LOCAL_LATENCY": "rds=20,elasticache=15,nat=0"})
    try:
        assert _get(f"{url}/_platform_ops/latency")["latency"] == {"elasticache": 15.0, "rds": 20.0}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run(
        [sys.executable, str(LAUNCHER), "--port", "1", "--latency", "rds=20,redis=3"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 2
    assert "unknown resource type 'redis'" in bad.stderr


def test_requests_are_counted_per_service_and_operation(endpoint, client):
    _post(f"{endpoint}/_platform_ops/requests/reset")
    ec2 = client("ec2")
    for _ in range(3):
        ec2.describe_vpcs()
    client("sts").get_caller_identity()
    bucket = _name("bucket")
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    s3.get_bucket_tagging(Bucket=bucket)
    client("opensearch").list_domain_names()
    client("cloudwatch").describe_alarms()
    client("logs").describe_log_groups()
    stats = _get(f"{endpoint}/_platform_ops/requests")
    assert stats["by_operation"] == {
        "ec2.DescribeVpcs": 3,
        "es.ListDomainNames": 1,
        "logs.DescribeLogGroups": 1,
        "monitoring.DescribeAlarms": 1,
        "s3.CreateBucket": 1,
        "s3.GetBucketTagging": 1,
        "s3.PutBucketTagging": 1,
        "sts.GetCallerIdentity": 1,
    }
    assert stats["total"] == 10
    after = _post(f"{endpoint}/_platform_ops/requests/reset")
    assert after["total"] == 10  # the reset answers with the counts it cleared
    assert _get(f"{endpoint}/_platform_ops/requests")["total"] == 0
    assert _get(f"{endpoint}/_platform_ops/requests")["by_operation"] == {}


# In-process: a fake backend that answers garbage, to prove a response the launcher cannot parse passes through.


def _fake_app(body: bytes, status: str = "200 OK"):
    def app(environ, start_response):
        start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _call(app, form: str, service: str = "rds"):
    data = form.encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, x",
        "wsgi.input": io.BytesIO(data),
    }
    seen = {}
    body = b"".join(app(environ, lambda status, headers, exc_info=None: seen.update(status=status)))
    return seen["status"], body


def test_unparsable_responses_pass_through_and_are_counted():
    garbage = b"<DescribeDBInstancesResponse><DBInstance><DBInst"
    app = launcher.CountingMiddleware(_fake_app(garbage), latency={"rds": 5})
    app.pending["rds"] = {f"{REGION}/db1": (5.0, time.monotonic() + 5)}
    status, body = _call(app, "Action=DescribeDBInstances&Version=2014-10-31")
    assert (status, body) == ("200 OK", garbage)
    # a Create whose request names no identifier: passed through, nothing recorded
    status, body = _call(app, "Action=CreateDBInstance&Version=2014-10-31")
    assert (status, body) == ("200 OK", garbage)
    stats = app.stats()
    assert stats["parse_failures"] == {"rds.CreateDBInstance": 1, "rds.DescribeDBInstances": 1}
    assert stats["rewritten"] == {}
    assert list(stats["pending"]["rds"]) == [f"{REGION}/db1"]


def test_error_responses_are_neither_recorded_nor_rewritten():
    error = b"<ErrorResponse><Error><Code>DBInstanceAlreadyExists</Code></Error></ErrorResponse>"
    app = launcher.CountingMiddleware(_fake_app(error, "400 Bad Request"), latency={"rds": 5})
    status, body = _call(app, "Action=CreateDBInstance&DBInstanceIdentifier=db1&Version=2014-10-31")
    assert (status, body) == ("400 Bad Request", error)
    assert app.stats()["pending"] == {}
    assert app.stats()["parse_failures"] == {}


def test_windows_expire_on_the_clock():
    xml = (
        b'<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult>'
        b"<DBInstances><DBInstance><DBInstanceIdentifier>db1</DBInstanceIdentifier>"
        b"<DBInstanceStatus>available</DBInstanceStatus><Endpoint><Address>h</Address><Port>5432</Port></Endpoint>"
        b"</DBInstance><DBInstance><DBInstanceIdentifier>db2</DBInstanceIdentifier>"
        b"<DBInstanceStatus>available</DBInstanceStatus></DBInstance></DBInstances>"
        b"</DescribeDBInstancesResult></DescribeDBInstancesResponse>"
    )
    now = [100.0]
    app = launcher.CountingMiddleware(_fake_app(xml), latency={"rds": 10}, clock=lambda: now[0])
    app.pending["rds"] = {f"{REGION}/db1": (10.0, 110.0)}
    _, body = _call(app, "Action=DescribeDBInstances")
    assert b"<DBInstanceStatus>creating</DBInstanceStatus>" in body
    assert b"<Endpoint>" not in body
    assert body.count(b"<DBInstanceStatus>available</DBInstanceStatus>") == 1  # db2 untouched
    assert body.startswith(b'<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">')
    assert app.stats()["pending"] == {"rds": {f"{REGION}/db1": {"window_s": 10.0, "remaining_s": 10.0}}}
    now[0] = 110.0
    _, body = _call(app, "Action=DescribeDBInstances")
    assert body == xml
    assert app.stats()["pending"] == {}


def test_parse_latency():
    assert launcher.parse_latency("") == {}
    assert launcher.parse_latency("rds=20, nat=5,cloudfront=0") == {"nat": 5.0, "rds": 20.0}
    for bad in ("rds", "rds=", "rds=x", "redis=1", "rds=-2"):
        with pytest.raises(ValueError, match="latency|unknown"):
            launcher.parse_latency(bad)


def test_api_latency_delays_every_aws_request_not_the_control_endpoints():
    slept = []
    app = launcher.CountingMiddleware(_fake_app(b"<ok/>"), api_latency=0.05, sleep=slept.append)
    assert _call(app, "Action=DescribeDBInstances&Version=2014-10-31")[0] == "200 OK"
    assert _call(app, "Action=DescribeDBInstances&Version=2014-10-31")[0] == "200 OK"
    assert slept == [0.05, 0.05]
    app.stats()  # the control side never waits
    assert slept == [0.05, 0.05]


def test_api_latency_is_set_at_runtime_and_bad_values_are_refused():
    proc, url = _start("--api-latency", "0.02")
    try:
        assert _get(f"{url}/_platform_ops/api_latency") == {"seconds": 0.02}
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url)
        started = time.monotonic()
        for _ in range(5):
            ec2.describe_vpcs()
        assert time.monotonic() - started >= 5 * 0.02
        assert _post(f"{url}/_platform_ops/api_latency", {"seconds": 0}) == {"seconds": 0.0}
        assert _post(f"{url}/_platform_ops/api_latency", 0.05) == {"seconds": 0.05}
        for bad in ({"seconds": "soon"}, {"seconds": -1}, 9):
            with pytest.raises(urllib.error.HTTPError) as err:
                _post(f"{url}/_platform_ops/api_latency", bad)
            assert err.value.code == 400
            assert "api latency" in json.load(err.value)["error"]
        assert _get(f"{url}/_platform_ops/api_latency") == {"seconds": 0.05}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run(
        [sys.executable, str(LAUNCHER), "--port", "1", "--api-latency", "fast"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 2
    assert "api latency must be a number" in bad.stderr


def test_list_buckets_with_a_parameter_pages_and_answers_each_buckets_region(client):
    """AWS (since 2024-10): ListBuckets with a parameter gives each bucket's BucketRegion, in name order, and pages
    with ContinuationToken; without one it answers as before (no BucketRegion)."""
    s3 = client("s3")
    prefix = _name("lb")
    s3.create_bucket(Bucket=f"{prefix}-b")
    s3.create_bucket(Bucket=f"{prefix}-a", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.create_bucket(Bucket=f"{prefix}-c")
    first = s3.list_buckets(Prefix=f"{prefix}-", MaxBuckets=2)
    assert [(b["Name"], b["BucketRegion"]) for b in first["Buckets"]] == [
        (f"{prefix}-a", "eu-west-1"),
        (f"{prefix}-b", REGION),
    ]
    assert first["Prefix"] == f"{prefix}-"
    rest = s3.list_buckets(Prefix=f"{prefix}-", MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in rest["Buckets"]] == [f"{prefix}-c"] and "ContinuationToken" not in rest
    paged = s3.get_paginator("list_buckets").paginate(Prefix=f"{prefix}-").build_full_result()
    assert [b["Name"] for b in paged["Buckets"]] == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    plain = [b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)]
    assert len(plain) == 3 and not any("BucketRegion" in b for b in plain)
