"""platform_ops.aws.network_security_group_differences against amazon.aws.ec2_security_group itself on the moto server:
the groups are made by the module with the shapes of roles/network/tasks/security_groups.yml, drift is made by
hand with boto3, and the filter must see a difference exactly when the module (check mode) would change the
group: a missed difference would leave drift in place."""

from __future__ import annotations

import copy
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter.platform import sg_rule_from_cidr
from ansible_collections.platform_ops.aws.plugins.filter.security_groups import (
    FilterModule,
    security_group_differences,
    security_group_id,
)

VPC_CIDR = "10.40.0.0/16"
ALB_CIDRS = ["10.1.0.0/16", "192.168.10.0/24"]
APP_PORTS = [8080, "9000"]  # as a template may hand them over
DATA_PORTS = {"database": 5432, "cache": 6379, "search": 443, "endpoints": 443}
BASE_TAGS = {"Project": "caseapp", "Environment": "test"}


def _tags(prefix, key):
    return {**BASE_TAGS, "Name": f"{prefix}-{key}", "Tier": key}


def _alb(prefix, vpc):
    return {
        "name": f"{prefix}-alb",
        "description": f"{prefix} load balancer",
        "vpc_id": vpc,
        "rules": [sg_rule_from_cidr(pair) for pair in ((c, p) for c in ALB_CIDRS for p in (80, 443))],
        "rules_egress": [{"proto": "tcp", "ports": APP_PORTS, "cidr_ip": VPC_CIDR, "rule_desc": "to the app tasks"}],
        "tags": _tags(prefix, "alb"),
        "purge_tags": False,
    }


def _data(prefix, vpc, key):
    return {
        "name": f"{prefix}-{key}",
        "description": f"{prefix} {key}",
        "vpc_id": vpc,
        "rules": [
            {
                "proto": "tcp",
                "ports": [str(DATA_PORTS[key])],
                "group_name": [f"{prefix}-app"],
                "group_desc": f"{prefix} application tasks",
                "rule_desc": "from the app tasks",
            }
        ],
        "rules_egress": [],
        "purge_rules_egress": True,
        "tags": _tags(prefix, key),
        "purge_tags": False,
    }


def _app(prefix, vpc, alb_id, data_ids, prefix_list=None):
    if prefix_list:
        egress = [
            {
                "proto": "tcp",
                "ports": [443],
                "ip_prefix": [prefix_list],
                "rule_desc": "HTTPS to S3 through the gateway endpoint",
            }
        ]
    else:
        egress = [{"proto": "tcp", "ports": [443], "cidr_ip": "0.0.0.0/0", "rule_desc": "HTTPS: AWS APIs, ECR"}]
    descs = {
        "endpoints": "HTTPS to the interface endpoints",
        "database": "to the database",
        "cache": "to the cache",
        "search": "to the search domain",
    }
    egress += [
        {"proto": "tcp", "ports": [DATA_PORTS[key]], "group_id": data_ids[key], "rule_desc": descs[key]}
        for key in ("endpoints", "database", "cache", "search")
        if key in data_ids
    ]
    return {
        "name": f"{prefix}-app",
        "description": f"{prefix} application tasks",
        "vpc_id": vpc,
        "rules": [{"proto": "tcp", "ports": APP_PORTS, "group_id": alb_id, "rule_desc": "from the ALB"}],
        "rules_egress": egress,
        "purge_rules_egress": True,
        "tags": _tags(prefix, "app"),
        "purge_tags": False,
    }


class Net:
    """A VPC and the groups the network role makes in it, made by the module."""

    def __init__(self, amazon, aws, data=("database",), app=True, s3=False):
        self.amazon, self.ec2 = amazon, aws("ec2")
        self.prefix = f"sg-{uuid.uuid4().hex[:8]}"
        self.vpc = self.ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
        self.wanted, self.ids = {}, {}
        self.put("alb", _alb(self.prefix, self.vpc))
        for key in data:
            self.put(key, _data(self.prefix, self.vpc, key))
        if app:
            prefix_list = None
            if s3:
                lists = self.ec2.describe_prefix_lists(
                    Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}]
                )["PrefixLists"]
                prefix_list = lists[0]["PrefixListId"]
            data_ids = {key: self.ids[key] for key in data}
            self.put("app", _app(self.prefix, self.vpc, self.ids["alb"], data_ids, prefix_list))

    def put(self, key, wanted):
        result = self.amazon("ec2_security_group", wanted)
        assert not result.get("failed"), result
        self.wanted[key], self.ids[key] = wanted, result["group_id"]

    def read(self):
        response = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])
        response.pop("ResponseMetadata", None)
        return response

    def check(self, wanted):
        """(the filter's differences, whether the module in check mode would change the group)."""
        result = self.amazon("ec2_security_group", wanted, check_mode=True)
        assert not result.get("failed"), result
        return security_group_differences(wanted, self.read(), self.vpc), result["changed"]

    def assert_converged(self, key, wanted=None):
        differences, changed = self.check(wanted or self.wanted[key])
        assert differences == [] and not changed, (differences, changed)

    def assert_differs(self, key, wanted=None, expect=None):
        differences, changed = self.check(wanted or self.wanted[key])
        assert differences and changed, (differences, changed)
        if expect:
            assert any(expect in d for d in differences), differences
        return differences


def _cidr_perm(port, cidr, desc=None, proto="tcp"):
    ip_range = {"CidrIp": cidr, **({"Description": desc} if desc else {})}
    return {"IpProtocol": proto, "FromPort": port, "ToPort": port, "IpRanges": [ip_range]}


def _group_perm(port, group_id, desc=None):
    # moto matches a group pair to revoke with its description (AWS ignores it): revokes pass it.
    pair = {"GroupId": group_id, **({"Description": desc} if desc else {})}
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [pair]}


def test_filter_plugin_exports():
    assert set(FilterModule().filters()) == {"network_security_group_differences", "network_security_group_id"}


def test_whole_network_converged(amazon, aws):
    """Every group of the role, both app egress variants: no difference, and the module agrees."""
    net = Net(amazon, aws, data=("database", "cache", "search", "endpoints"), s3=True)
    for key in net.wanted:
        net.assert_converged(key)
    response = net.read()
    assert security_group_id(response, f"{net.prefix}-app", net.vpc) == net.ids["app"]
    assert security_group_id(response, f"{net.prefix}-app") == net.ids["app"]
    assert security_group_id(response, f"{net.prefix}-nope", net.vpc) == ""
    assert security_group_id(response, f"{net.prefix}-app", "vpc-other") == ""
    # The default egress rule of the data-tier groups was purged, a real run changes nothing either.
    assert amazon("ec2_security_group", net.wanted["app"])["changed"] is False
    # The internet variant of the app egress.
    internet = _app(net.prefix, net.vpc, net.ids["alb"], {k: net.ids[k] for k in DATA_PORTS})
    net.assert_differs("app", internet, "egress tcp 443 to 0.0.0.0/0 missing")
    net.put("app", internet)
    net.assert_converged("app")
    assert security_group_differences(net.wanted["app"], net.read()) == []  # vpc_id argument optional


def test_missing_group(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    wanted = _data(net.prefix, net.vpc, "cache")
    assert net.check(wanted) == (["missing"], True)
    assert security_group_differences(wanted, None) == ["missing"]


def test_ingress_rule_revoked(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.revoke_security_group_ingress(GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(443, ALB_CIDRS[1])])
    net.assert_differs("alb", expect=f"ingress tcp 443 from {ALB_CIDRS[1]} missing")


def test_extra_ingress_rule(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.authorize_security_group_ingress(GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(22, "0.0.0.0/0")])
    net.assert_differs("alb", expect="ingress tcp 22 from 0.0.0.0/0 to be purged")
    # Not purged when purge_rules is false: then the module changes nothing.
    net.assert_converged("alb", {**net.wanted["alb"], "purge_rules": False})


def test_ingress_cidr_changed(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.revoke_security_group_ingress(GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(80, ALB_CIDRS[0])])
    net.ec2.authorize_security_group_ingress(
        GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(80, "10.2.0.0/16", "HTTP to the ALB")]
    )
    differences = net.assert_differs("alb", expect=f"ingress tcp 80 from {ALB_CIDRS[0]} missing")
    assert "ingress tcp 80 from 10.2.0.0/16 to be purged" in differences


def test_ingress_port_changed(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.revoke_security_group_ingress(GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(443, ALB_CIDRS[0])])
    net.ec2.authorize_security_group_ingress(
        GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(444, ALB_CIDRS[0], "HTTPS to the ALB")]
    )
    differences = net.assert_differs("alb", expect=f"ingress tcp 443 from {ALB_CIDRS[0]} missing")
    assert f"ingress tcp 444 from {ALB_CIDRS[0]} to be purged" in differences


def test_rule_description_changed(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.update_security_group_rule_descriptions_ingress(
        GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(80, ALB_CIDRS[0], "something else")]
    )
    differences = net.assert_differs("alb", expect="rule description differs")
    assert differences == [
        f"rule description differs: ingress tcp 80 from {ALB_CIDRS[0]}: 'something else' -> 'HTTP to the ALB'"
    ]
    # The module does update descriptions: a real run converges the group.
    assert amazon("ec2_security_group", net.wanted["alb"])["changed"] is True
    net.assert_converged("alb")


def test_extra_egress_rule(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.authorize_security_group_egress(GroupId=net.ids["alb"], IpPermissions=[_cidr_perm(25, "0.0.0.0/0")])
    net.assert_differs("alb", expect="egress tcp 25 to 0.0.0.0/0 to be purged")


def test_egress_rule_on_group_that_should_have_none(amazon, aws):
    net = Net(amazon, aws)
    net.assert_converged("database")
    net.ec2.authorize_security_group_egress(
        GroupId=net.ids["database"], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    net.assert_differs("database", expect="egress -1 to 0.0.0.0/0 to be purged")


def test_tag_changed_and_removed(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.create_tags(Resources=[net.ids["alb"]], Tags=[{"Key": "Tier", "Value": "web"}])
    assert net.assert_differs("alb") == ["tag Tier differs"]
    net.ec2.delete_tags(Resources=[net.ids["alb"]], Tags=[{"Key": "Name"}])
    assert net.assert_differs("alb") == ["tag Name missing", "tag Tier differs"]


def test_unrelated_tag_is_no_difference_without_purge(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    net.ec2.create_tags(Resources=[net.ids["alb"]], Tags=[{"Key": "Owner", "Value": "someone"}])
    net.assert_converged("alb")
    # With the module's default purge_tags (true) the extra tag is removed.
    wanted = {k: v for k, v in net.wanted["alb"].items() if k != "purge_tags"}
    assert net.assert_differs("alb", wanted) == ["tag Owner to be purged"]
    # tags: {} with purge_tags removes every tag; no tags at all leaves them alone.
    assert len(net.assert_differs("alb", {**wanted, "tags": {}})) == 5
    net.assert_converged("alb", {k: v for k, v in wanted.items() if k != "tags"})


def test_group_id_rule_pointed_elsewhere(amazon, aws):
    net = Net(amazon, aws)
    net.assert_converged("app")
    net.ec2.revoke_security_group_ingress(
        GroupId=net.ids["app"], IpPermissions=[_group_perm(8080, net.ids["alb"], "from the ALB")]
    )
    net.ec2.authorize_security_group_ingress(
        GroupId=net.ids["app"], IpPermissions=[_group_perm(8080, net.ids["database"], "from the ALB")]
    )
    differences = net.assert_differs("app", expect=f"ingress tcp 8080 from {net.ids['alb']} missing")
    assert f"ingress tcp 8080 from {net.ids['database']} to be purged" in differences


def test_group_name_rule_pointed_elsewhere(amazon, aws):
    net = Net(amazon, aws)
    net.ec2.revoke_security_group_ingress(
        GroupId=net.ids["database"], IpPermissions=[_group_perm(5432, net.ids["app"], "from the app tasks")]
    )
    net.ec2.authorize_security_group_ingress(
        GroupId=net.ids["database"], IpPermissions=[_group_perm(5432, net.ids["alb"], "from the app tasks")]
    )
    differences = net.assert_differs("database", expect=f"ingress tcp 5432 from {net.ids['app']} missing")
    assert f"ingress tcp 5432 from {net.ids['alb']} to be purged" in differences


def test_group_name_target_not_created_yet(amazon, aws):
    """A data-tier group whose app group does not exist: the module would create it."""
    net = Net(amazon, aws, app=False)
    wanted = copy.deepcopy(net.wanted["database"])
    wanted["rules"][0]["group_name"] = f"{net.prefix}-other"  # a string, as Ansible also takes it
    net.assert_differs("database", wanted, f"group {net.prefix}-other to be created")


def test_app_egress_drift(amazon, aws):
    net = Net(amazon, aws, s3=True)
    net.assert_converged("app")
    prefix_list = net.wanted["app"]["rules_egress"][0]["ip_prefix"][0]
    perm = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list}]}
    net.ec2.revoke_security_group_egress(GroupId=net.ids["app"], IpPermissions=[perm])
    net.assert_differs("app", expect=f"egress tcp 443 to {prefix_list} missing")
    net.put("app", net.wanted["app"])
    net.assert_converged("app")
    # moto cannot update a group pair's description (it matches the pair with its description): revoke and
    # authorize it again with other words, which is what AWS's UpdateSecurityGroupRuleDescriptionsEgress leaves.
    database = net.ids["database"]
    net.ec2.revoke_security_group_egress(
        GroupId=net.ids["app"], IpPermissions=[_group_perm(5432, database, "to the database")]
    )
    net.ec2.authorize_security_group_egress(
        GroupId=net.ids["app"], IpPermissions=[_group_perm(5432, database, "old words")]
    )
    net.assert_differs("app", expect=f"rule description differs: egress tcp 5432 to {net.ids['database']}")


def test_description_differs_is_no_change(amazon, aws):
    """The module cannot change a group's description: it only warns, and reports no change."""
    net = Net(amazon, aws, data=(), app=False)
    net.assert_converged("alb", {**net.wanted["alb"], "description": "another description"})


def test_egress_left_alone_without_rules_egress(amazon, aws):
    net = Net(amazon, aws, data=(), app=False)
    wanted = {k: v for k, v in net.wanted["alb"].items() if k != "rules_egress"}
    net.assert_converged("alb", wanted)  # egress to the app ports, no allow-all: left alone
    net.ec2.authorize_security_group_egress(
        GroupId=net.ids["alb"], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    net.assert_converged("alb", wanted)  # the default allow-all rule present: still nothing to do
    net.assert_differs("alb", expect="egress -1 to 0.0.0.0/0 to be purged")  # the role's arguments purge it


@pytest.mark.parametrize(
    "rule",
    [
        {"proto": "tcp", "ports": ["8000-8100", 22], "cidr_ip": ["10.9.0.0/16", "10.8.0.0/16"], "rule_desc": "a"},
        {"proto": "udp", "from_port": 53, "to_port": 53, "cidr_ip": "10.9.0.0/16"},
        {"proto": "all", "cidr_ip": "10.9.0.0/16", "rule_desc": "everything"},
        {"proto": "-1", "group_name": "SELF"},
        {"proto": "icmp", "icmp_type": -1, "icmp_code": -1, "cidr_ip": "10.9.0.0/16"},
        {"proto": "tcp", "ports": [443], "cidr_ipv6": "2001:db8::/64", "rule_desc": "v6"},
    ],
    ids=["ranges-and-lists", "from-to", "all", "self-by-name", "icmp", "ipv6"],
)
def test_other_rule_shapes(amazon, aws, rule):
    """Shapes beyond the role's: converged after a run, and a changed port or description differs."""
    net = Net(amazon, aws, data=(), app=False)
    rule = {**rule, **({"group_name": net.wanted["alb"]["name"]} if rule.get("group_name") == "SELF" else {})}
    wanted = {**net.wanted["alb"], "rules": [rule]}
    net.put("alb", wanted)
    net.assert_converged("alb")
    net.assert_differs("alb", {**wanted, "rules": [{**rule, "rule_desc": "changed"}]}, "rule description differs")
    net.assert_differs("alb", {**wanted, "rules": []}, "to be purged")


def test_not_modelled_shapes_differ():
    response = {
        "SecurityGroups": [
            {
                "GroupId": "sg-1",
                "GroupName": "g",
                "Description": "d",
                "VpcId": "vpc-1",
                "OwnerId": "123456789012",
                "IpPermissions": [],
                "IpPermissionsEgress": [],
                "Tags": [],
            }
        ]
    }
    base = {"name": "g", "description": "d", "vpc_id": "vpc-1", "rules": [], "rules_egress": []}
    assert security_group_differences(base, response) == []
    assert security_group_differences(base, response, "vpc-1") == []
    foreign = [{"proto": "tcp", "ports": [80], "group_id": "amazon-elb/sg-12345678/amazon-elb-sg"}]
    for wanted, why in [
        ({**base, "group_id": "sg-1"}, "group_id"),
        ({k: v for k, v in base.items() if k != "vpc_id"}, "no vpc_id"),
        ({**base, "state": "absent"}, "state absent"),
        ({**base, "rules": [{"proto": "tcp", "cidr_ip": "10.0.0.0/8"}]}, "without ports"),
        ({**base, "rules": [{"proto": "tcp", "ports": [80], "cidr_ip": "10.0.0.1/8"}]}, "host bits"),
        ({**base, "rules": foreign}, "foreign group"),
        ({**base, "rules": [{"ports": [80], "cidr_ip": "10.0.0.0/8", "colour": "red"}]}, "colour"),
        ({**base, "rules": [{"ports": [80], "from_port": 80, "cidr_ip": "10.0.0.0/8"}]}, "both ports and"),
        ({**base, "rules": [{"proto": "tcp", "ports": [80], "group_name": "nope"}]}, "no group_desc"),
        ({**base, "purge_tags": "maybe"}, "purge_tags"),
        ({**base, "tags": None}, "tags: null"),
    ]:
        differences = security_group_differences(wanted, response)
        assert len(differences) == 1 and differences[0].startswith("not modelled:"), (wanted, differences)
        assert why in differences[0], differences
    assert security_group_differences(base, response, "vpc-2")[0].startswith("not modelled:")
    twice = {"SecurityGroups": response["SecurityGroups"] * 2}
    assert security_group_differences(base, twice) == ["not modelled: 2 groups named g"]
    assert security_group_id(twice, "g") == ""
    assert security_group_differences(base, {**response, "NextToken": "x"})[0].startswith("not modelled:")


def test_protocol_number_without_moto():
    """A protocol number (ESP): moto answers 500 to authorizing it, so the response is the one AWS documents
    (IpProtocol "50", no ports). The module sends "50" without ports and compares it as text."""
    group = {
        "GroupId": "sg-1",
        "GroupName": "g",
        "Description": "d",
        "VpcId": "vpc-1",
        "OwnerId": "123456789012",
        "IpPermissions": [{"IpProtocol": "50", "IpRanges": [{"CidrIp": "10.9.0.0/16", "Description": "ESP"}]}],
        "IpPermissionsEgress": [],
        "Tags": [],
    }
    response = {"SecurityGroups": [group]}
    wanted = {"name": "g", "description": "d", "vpc_id": "vpc-1", "rules_egress": []}
    esp = {"proto": "50", "cidr_ip": "10.9.0.0/16", "rule_desc": "ESP"}
    assert security_group_differences({**wanted, "rules": [esp]}, response) == []
    assert security_group_differences({**wanted, "rules": [{**esp, "ports": [500]}]}, response) == []  # no ports
    assert security_group_differences({**wanted, "rules": [{**esp, "proto": 50}]}, response) == []
    assert security_group_differences({**wanted, "rules": [{**esp, "proto": "51"}]}, response) == [
        "ingress 50 from 10.9.0.0/16 to be purged",
        "ingress 51 from 10.9.0.0/16 missing",
    ]
