#!/usr/bin/env python3
"""fake_cloud.py - the project's fault-injecting fake of the Azure and GCP control planes.

Started by the tests on 127.0.0.1 with a free port (port 0; the port is written to
--port-file once it listens) and stopped by its pid.  One process serves both clouds, the
way `sculpt live --endpoint URL` points every service of a provider at one URL:

Azure (Resource Manager and Entra ID token endpoint):
  POST /{tenant}/oauth2/v2.0/token                 client credentials -> access_token
  GET  /subscriptions/S/resourceGroups/G/providers/Microsoft.Compute/
       virtualMachineScaleSets/N?api-version=V     {"sku": {"capacity": C}, ...}
  GET  .../virtualMachineScaleSets/N/virtualMachines?$expand=instanceView&api-version=V
                the set's C instances (Virtual Machine Scale Set VMs - List): instanceId,
                properties.provisioningState and instanceView.statuses (ProvisioningState/
                and PowerState/ codes); pages of {"vm_page": K} with nextLink; the first
                instances of set N take the states of {"vm_states": {"N": ["Failed",
                "Deleting", "Creating", "Stopped", ...]}} (Stopped: Succeeded, PowerState/
                deallocated), the rest Succeeded and PowerState/running
  PATCH (same)  {"sku": {"capacity": C}}           202 + Azure-AsyncOperation header
  PUT (same)    create (bootstrap): the set exists, at its capacity, once the PUT is
                accepted; If-None-Match: * on an existing set = 412 PreconditionFailed
  GET  /_azure/operations/ID                      {"status": "InProgress"|"Succeeded"|"Failed"}
  PATCH .../Microsoft.Network/trafficmanagerprofiles/P/azureEndpoints/E?api-version=V
GCP (OAuth token endpoint and Compute Engine v1):
  POST /token                                      JWT bearer grant -> access_token
  GET  /compute/v1/projects/P/regions/R/instanceGroupManagers/M
  POST /compute/v1/projects/P/regions/R/instanceGroupManagers/M/resize?size=N&requestId=U
  GET  /compute/v1/projects/P/regions/R/operations/OP (and .../global/operations/OP)
  GET|PATCH /compute/v1/projects/P/global/backendServices/B[?requestId=U]
  POST /compute/v1/projects/P/global/instanceTemplates           insert; 409 alreadyExists
  POST /compute/v1/projects/P/regions/R/instanceGroupManagers    insert; 409 alreadyExists
                                                                 (the template must exist)

AWS (Query API: POST / with a form body; the SigV4 Authorization header must name the
service in its scope; no signature check, moto does that):
  Auto Scaling  DescribeAutoScalingGroups, SetDesiredCapacity, UpdateAutoScalingGroup,
                CreateAutoScalingGroup (groups also created on first sight with --initial
                NAME=N; instances all InService)
  EC2           CreateLaunchTemplate, RunInstances (a repeated ClientToken is answered with the first answer
                and launches nothing, as EC2 documents), TerminateInstances,
                DescribeInstances (filters tag:KEY and instance-state-name; pages of
                {"ec2_page": K} instances with NextToken); Reserved Instances (moto 5.2
                answers DescribeReservedInstancesOfferings without honouring its filters
                and fails the other two with HTTP 500): DescribeReservedInstancesOfferings
                (a catalogue per type, see ri_offerings; pages of {"ri_page": K}),
                PurchaseReservedInstancesOffering (the RI active at once; no ClientToken:
                a repeat buys again, as EC2 does), DescribeReservedInstances (filters
                instance-type, state, scope, product-description, availability-zone)

Every request must carry the api-version the adapter pins (Azure) and a bearer token the
token endpoint issued; the token endpoints check the client secret / the JWT's shape.
A repeated GCP requestId (or Azure x-ms-client-request-id on a PATCH) is answered with
the first answer, without a second change.  Groups are created on first sight with
capacity from --initial NAME=N (default 0); with --strict only the --initial ones exist
(others answer 404 until created: the bootstrap tests).

Faults (POST /_fault, JSON): {"method": "PATCH", "path": "virtualMachineScaleSets",
"times": 1, "status": 429, "headers": {"Retry-After": "1"}, "body": {...}} answers the
next `times` matching requests with that status before they reach the state; "drop": true
closes the connection without an answer; "delay_s": X answers after X seconds (the
request still counts); "action": A matches only the AWS Query action A; "after": true
applies the request first, then delays or drops its answer (a change made, its answer
lost; AWS, Azure and GCP requests alike); {"async": "Failed"} makes the next Azure async operation end
Failed (the change is not applied); {"op_polls": K} keeps operations running for K polls.

Inspection: GET /_state (groups, weights, scalers), GET /_log (every request: method,
path, query, headers, body), GET /_count (changes applied per resource).
"""
import argparse
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

AZ_COMPUTE_API = "2024-07-01"
AZ_TM_API = "2022-04-01"

LOCK = threading.RLock()
STATE = {
    "vmss": {},        # name -> capacity
    "tm": {},          # "profile/endpoint" -> {"weight": w, "endpointStatus": s}
    "mig": {},         # "region/name" -> targetSize
    "backend": {},     # backend service name -> {group url: capacityScaler}
    "changes": {},     # resource -> changes applied
    "asg": {},         # AWS group name -> {"desired": n, "od_base": b or None}
    "ec2": {},         # instance id -> {"pool", "state", "type", "token"}
    "lt": {},          # AWS launch template name -> instance type
    "created": {},     # Azure set / GCP template or group -> its create request body
    "ri": {},          # reservedInstancesId -> the offering bought, "count", "state"
}
OFFERINGS = {}         # reservedInstancesOfferingId -> offering (ri_offerings)
EC2_TOKENS = {}        # ClientToken -> body of the first RunInstances answer
FAULTS = []
OPS = {}               # id -> {"status", "polls_left", "apply", "result"}
SEEN = {}              # request id -> (status, headers, body) of the first answer
LOG = []
CFG = {"secret": None, "async_next": None, "op_polls": 1, "initial": {}, "ec2_page": 1000,
       "strict": False, "ri_page": 1000, "vm_page": 1000, "vm_states": {}}
TOKENS = set()


def member_n(k):
    m = re.search(r"(\d+)$", k)
    return int(m.group(1)) if m else 0


def instance_xml(iid, i):
    codes = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48}
    tags = ""
    if i["pool"] is not None:
        tags = ("<tagSet><item><key>sculpt-pool</key><value>%s</value></item></tagSet>"
                % i["pool"])
    return ("<item><instanceId>%s</instanceId><instanceType>%s</instanceType><instanceState>"
            "<code>%d</code><name>%s</name></instanceState>%s</item>"
            % (iid, i["type"], codes[i["state"]], i["state"], tags))


def aws_error(code, msg, ec2):
    if ec2:
        return ("<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors>"
                "<RequestID>%s</RequestID></Response>" % (code, msg, uuid.uuid4()))
    return ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
            "</Error></ErrorResponse>" % (code, msg))


def ec2_filters(f):
    """Filter.N.Name / Filter.N.Value.M of an EC2 Query request: {name: {values}}."""
    filt = {}
    for k, v in f.items():
        m = re.fullmatch(r"Filter\.(\d+)\.Name", k)
        if m:
            filt[v] = {vv for kk, vv in f.items()
                       if kk.startswith("Filter.%s.Value." % m.group(1))}
    return filt


def count_change(res):
    STATE["changes"][res] = STATE["changes"].get(res, 0) + 1


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def log_message(self, *a):  # quiet
        pass

    def reply(self, status, obj=None, headers=None):
        if getattr(self, "mute", False):  # an "after" fault: the answer is not sent
            return status, headers or {}, obj
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        return status, headers or {}, obj

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode() if n else ""

    def handle_any(self, method):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        body = self.read_body()
        entry = {"method": method, "path": u.path, "query": q,
                 "headers": {k: v for k, v in self.headers.items()}, "body": body}
        if not u.path.startswith("/_"):
            with LOCK:
                LOG.append(entry)
        # control endpoints
        if u.path == "/_fault" and method == "POST":
            f = json.loads(body)
            with LOCK:
                if "async" in f:
                    CFG["async_next"] = f["async"]
                elif "op_polls" in f:
                    CFG["op_polls"] = int(f["op_polls"])
                elif "ec2_page" in f:
                    CFG["ec2_page"] = int(f["ec2_page"])
                elif "ri_page" in f:
                    CFG["ri_page"] = int(f["ri_page"])
                elif "vm_page" in f:
                    CFG["vm_page"] = int(f["vm_page"])
                elif "vm_states" in f:
                    CFG["vm_states"].update(f["vm_states"])
                else:
                    f.setdefault("times", 1)
                    FAULTS.append(f)
            return self.reply(200, {})
        if u.path == "/_state":
            with LOCK:
                return self.reply(200, STATE)
        if u.path == "/_log":
            with LOCK:
                return self.reply(200, LOG)
        form = {}
        if method == "POST" and u.path == "/" and "Action=" in body:
            form = {k: v[0] for k, v in parse_qs(body).items()}
        # faults
        with LOCK:
            fault = None
            for f in FAULTS:
                if f["times"] > 0 and f.get("method", method) == method and \
                        re.search(f.get("path", ""), u.path) and \
                        f.get("action", form.get("Action")) == form.get("Action"):
                    f["times"] -= 1
                    fault = dict(f)
                    break
        if form:
            if fault and not fault.get("after"):
                if fault.get("delay_s"):
                    time.sleep(float(fault["delay_s"]))
                if fault.get("drop"):
                    return self.drop()
                return self.reply_xml(int(fault.get("status", 500)), fault.get("xml", ""))
            status, xml = self.aws(form)
            if fault:
                if fault.get("delay_s"):
                    time.sleep(float(fault["delay_s"]))
                if fault.get("drop"):
                    return self.drop()
            return self.reply_xml(status, xml)
        if fault and fault.get("after"):
            # the request reaches the state, then its answer is delayed or lost
            self.mute = True
            try:
                ans = self.route(method, u.path, q, body)
            finally:
                self.mute = False
            if fault.get("delay_s"):
                time.sleep(float(fault["delay_s"]))
            if fault.get("drop"):
                return self.drop()
            return self.reply(ans[0], ans[2], ans[1]) if ans else None
        if fault:
            if fault.get("delay_s"):
                time.sleep(float(fault["delay_s"]))
            if fault.get("drop"):
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return None
            if fault.get("status"):
                return self.reply(int(fault["status"]), fault.get("body"), fault.get("headers"))
        # idempotency: GCP requestId, Azure x-ms-client-request-id on a change
        rid = q.get("requestId") if method in ("POST", "PATCH") else None
        if method == "PATCH" and not rid:
            rid = self.headers.get("x-ms-client-request-id")
        if rid:
            with LOCK:
                first = SEEN.get(rid)
            if first:
                return self.reply(first[0], first[2], first[1])
        ans = self.route(method, u.path, q, body)
        if rid and ans and ans[0] < 300:
            with LOCK:
                SEEN[rid] = ans
        return ans

    def drop(self):
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(2)
        return None

    def reply_xml(self, status, xml):
        body = xml.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status, {}, xml

    # ---- AWS Query APIs (answers per the EC2 and Auto Scaling API references) ----
    def aws(self, f):
        act = f.get("Action")
        ec2 = act in ("RunInstances", "TerminateInstances", "DescribeInstances",
                      "CreateLaunchTemplate", "DescribeReservedInstancesOfferings",
                      "PurchaseReservedInstancesOffering", "DescribeReservedInstances")
        service = "ec2" if ec2 else "autoscaling"
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or \
                "/%s/aws4_request" % service not in auth:
            return 403, aws_error("IncompleteSignature", "SigV4 for %s expected" % service, ec2)
        m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", auth)
        region = m.group(1) if m else ""  # Reserved Instances are per region
        with LOCK:
            if act == "DescribeAutoScalingGroups":
                names = [v for k, v in sorted(f.items(), key=lambda kv: member_n(kv[0]))
                         if k.startswith("AutoScalingGroupNames.member.")]
                out = []
                for n in names:
                    g = self.group(n)
                    insts = "".join("<member><InstanceId>i-%s-%d</InstanceId><LifecycleState>"
                                    "InService</LifecycleState></member>" % (n, i)
                                    for i in range(g["desired"]))
                    mip = ""
                    if g["od_base"] is not None:
                        mip = ("<MixedInstancesPolicy><InstancesDistribution><OnDemandBaseCapacity>"
                               "%d</OnDemandBaseCapacity></InstancesDistribution>"
                               "</MixedInstancesPolicy>" % g["od_base"])
                    out.append("<member><AutoScalingGroupName>%s</AutoScalingGroupName>"
                               "<DesiredCapacity>%d</DesiredCapacity>%s<Instances>%s</Instances>"
                               "</member>" % (n, g["desired"], mip, insts))
                return 200, ('<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.'
                             'amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingGroupsResult>'
                             '<AutoScalingGroups>%s</AutoScalingGroups>'
                             '</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>'
                             % "".join(out))
            if act == "CreateLaunchTemplate":
                name = f["LaunchTemplateName"]
                if name in STATE["lt"]:
                    return 400, aws_error("InvalidLaunchTemplateName.AlreadyExistsException",
                                          name, True)
                STATE["lt"][name] = f.get("LaunchTemplateData.InstanceType")
                return 200, "<CreateLaunchTemplateResponse/>"
            if act == "CreateAutoScalingGroup":
                name = f["AutoScalingGroupName"]
                if name in STATE["asg"]:
                    return 400, aws_error("AlreadyExists", name, False)
                STATE["asg"][name] = {"desired": int(f.get("DesiredCapacity", "0")),
                                      "od_base": None}
                return 200, "<CreateAutoScalingGroupResponse/>"
            if act in ("SetDesiredCapacity", "UpdateAutoScalingGroup"):
                name = f["AutoScalingGroupName"]
                g = self.group(name)
                g["desired"] = int(f["DesiredCapacity"])
                b = f.get("MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity")
                if b is not None:
                    g["od_base"] = int(b)
                count_change(name)
                return 200, "<%sResponse/>" % act
            if act == "RunInstances":
                tok = f.get("ClientToken")
                if tok and tok in EC2_TOKENS:
                    return 200, EC2_TOKENS[tok]
                n = int(f["MaxCount"])
                if int(f["MinCount"]) != n:
                    return 400, aws_error("InvalidParameterValue", "MinCount", True)
                pool = f.get("TagSpecification.1.Tag.1.Value") \
                    if f.get("TagSpecification.1.Tag.1.Key") == "sculpt-pool" else None
                items = []
                for _ in range(n):
                    iid = "i-%017x" % (len(STATE["ec2"]) + 1)
                    STATE["ec2"][iid] = {"pool": pool, "state": "running",
                                         "type": f.get("InstanceType"), "token": tok}
                    items.append(instance_xml(iid, STATE["ec2"][iid]))
                count_change("ec2:" + str(pool))
                xml = ('<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                       '<requestId>%s</requestId><reservationId>r-%s</reservationId>'
                       '<instancesSet>%s</instancesSet></RunInstancesResponse>'
                       % (uuid.uuid4(), uuid.uuid4().hex[:17], "".join(items)))
                if tok:
                    EC2_TOKENS[tok] = xml
                return 200, xml
            if act == "TerminateInstances":
                ids = [v for k, v in f.items() if k.startswith("InstanceId.")]
                items = []
                for iid in ids:
                    i = STATE["ec2"].get(iid)
                    if not i:
                        return 400, aws_error("InvalidInstanceID.NotFound", iid, True)
                    prev = i["state"]
                    if prev != "terminated":
                        i["state"] = "terminated"
                        count_change("ec2:" + str(i["pool"]))
                    items.append("<item><instanceId>%s</instanceId><currentState><code>32"
                                 "</code><name>shutting-down</name></currentState>"
                                 "<previousState><name>%s</name></previousState></item>"
                                 % (iid, prev))
                return 200, ('<TerminateInstancesResponse xmlns="http://ec2.amazonaws.com/doc/'
                             '2016-11-15/"><instancesSet>%s</instancesSet>'
                             '</TerminateInstancesResponse>' % "".join(items))
            if act == "DescribeInstances":
                filt = {}
                for k, v in f.items():
                    m = re.fullmatch(r"Filter\.(\d+)\.Name", k)
                    if m:
                        filt[v] = {vv for kk, vv in f.items()
                                   if kk.startswith("Filter.%s.Value." % m.group(1))}
                sel = []
                for iid in sorted(STATE["ec2"]):
                    i = STATE["ec2"][iid]
                    ok = True
                    for name, vals in filt.items():
                        if name == "instance-state-name":
                            ok = ok and i["state"] in vals
                        elif name == "tag:sculpt-pool":
                            ok = ok and i["pool"] in vals
                        else:
                            return 400, aws_error("InvalidParameterValue", name, True)
                    if ok:
                        sel.append(iid)
                start = int(f.get("NextToken", "0"))
                page = sel[start:start + CFG["ec2_page"]]
                nxt = ""
                if start + len(page) < len(sel):
                    nxt = "<nextToken>%d</nextToken>" % (start + len(page))
                res = "".join("<item><reservationId>r-1</reservationId><instancesSet>%s"
                              "</instancesSet></item>" % instance_xml(iid, STATE["ec2"][iid])
                              for iid in page)
                return 200, ('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/'
                             '2016-11-15/"><requestId>%s</requestId><reservationSet>%s'
                             '</reservationSet>%s</DescribeInstancesResponse>'
                             % (uuid.uuid4(), res, nxt))
            if act == "DescribeReservedInstancesOfferings":
                return self.ri_offerings(f)
            if act == "PurchaseReservedInstancesOffering":
                o = OFFERINGS.get(f.get("ReservedInstancesOfferingId", ""))
                if o is None:
                    return 400, aws_error("InvalidReservedInstancesOfferingId",
                                          f.get("ReservedInstancesOfferingId", ""), True)
                n = int(f.get("InstanceCount", "0"))
                if n < 1:
                    return 400, aws_error("InvalidParameterValue", "InstanceCount", True)
                rid = "%08x-%04x-4%03x-8%03x-%012x" % (len(STATE["ri"]) + 1, 0, 0, 0,
                                                      len(STATE["ri"]) + 1)
                STATE["ri"][rid] = dict(o, count=n, state="active", offering=o["id"],
                                        region=region)
                count_change("ri:" + o["type"])
                return 200, ('<PurchaseReservedInstancesOfferingResponse xmlns="http://ec2.'
                             'amazonaws.com/doc/2016-11-15/"><requestId>%s</requestId>'
                             '<reservedInstancesId>%s</reservedInstancesId>'
                             '</PurchaseReservedInstancesOfferingResponse>' % (uuid.uuid4(), rid))
            if act == "DescribeReservedInstances":
                filt = ec2_filters(f)
                keys = {"instance-type": "type", "state": "state", "scope": "scope",
                        "product-description": "product", "availability-zone": "zone",
                        "duration": "duration"}
                items = []
                for rid in sorted(STATE["ri"]):
                    r = STATE["ri"][rid]
                    ok = r["region"] == region
                    for name, vals in filt.items():
                        if name not in keys:
                            return 400, aws_error("InvalidParameterValue", name, True)
                        ok = ok and str(r.get(keys[name])) in vals
                    if ok:
                        items.append(
                            "<item><reservedInstancesId>%s</reservedInstancesId><instanceType>%s"
                            "</instanceType>%s<duration>%d</duration><fixedPrice>%.2f"
                            "</fixedPrice><usagePrice>%.4f</usagePrice><instanceCount>%d"
                            "</instanceCount><productDescription>%s</productDescription>"
                            "<state>%s</state><instanceTenancy>default</instanceTenancy>"
                            "<currencyCode>USD</currencyCode><offeringType>%s</offeringType>"
                            "<offeringClass>%s</offeringClass><scope>%s</scope></item>"
                            % (rid, r["type"], "<availabilityZone>%s</availabilityZone>"
                               % r["zone"] if r["zone"] else "", r["duration"], r["fixed"],
                               r["usage"], r["count"], r["product"], r["state"], r["otype"],
                               r["cls"], r["scope"]))
                return 200, ('<DescribeReservedInstancesResponse xmlns="http://ec2.amazonaws.com/'
                             'doc/2016-11-15/"><requestId>%s</requestId><reservedInstancesSet>%s'
                             '</reservedInstancesSet></DescribeReservedInstancesResponse>'
                             % (uuid.uuid4(), "".join(items)))
        return 400, aws_error("InvalidAction", str(act), ec2)

    def ri_offerings(self, f):
        """The catalogue: per instance type asked for, each offering class x type x term
        (1 and 3 years) with scope Region, plus a zonal one per zone asked for, and a
        cheaper Marketplace resale shown only with IncludeMarketplace=true.  From an
        on-demand price od = 0.1 USD per hour: No Upfront 0.6 od hourly; Partial Upfront
        0.28 od hourly + 0.28 od x term hours upfront; All Upfront 0.55 od x term hours
        upfront (convertible: x 1.15)."""
        typ = f.get("InstanceType")
        if not typ:
            return 400, aws_error("MissingParameter", "InstanceType", True)
        od = 0.1
        zone = f.get("AvailabilityZone")
        filt = ec2_filters(f)
        cat = []
        for cls in ("standard", "convertible"):
            for otype in ("No Upfront", "Partial Upfront", "All Upfront"):
                for years in (1, 3):
                    for sc_ in ("Region", "Availability Zone"):
                        hours = 8760 * years
                        k = 1.15 if cls == "convertible" else 1.0
                        fixed, usage = {"No Upfront": (0.0, 0.60 * od),
                                        "Partial Upfront": (0.28 * od * hours, 0.28 * od),
                                        "All Upfront": (0.55 * od * hours, 0.0)}[otype]
                        o = {"type": typ, "cls": cls, "otype": otype, "duration": 31536000 * years,
                             "scope": sc_, "zone": zone if sc_ != "Region" else None,
                             "fixed": round(fixed * k, 2), "usage": round(usage * k, 4),
                             "product": "Linux/UNIX", "market": False}
                        if sc_ != "Region" and not zone:
                            continue
                        cat.append(o)
        m = dict(cat[0], market=True, fixed=0.0, usage=0.001)  # resale: never sold to sculpt
        cat.append(m)
        out = []
        for o in cat:
            o["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(o, sort_keys=True)))
            OFFERINGS[o["id"]] = o
            if o["market"] and f.get("IncludeMarketplace", "true") != "true":
                continue
            if "OfferingClass" in f and o["cls"] != f["OfferingClass"]:
                continue
            if "OfferingType" in f and o["otype"] != f["OfferingType"]:
                continue
            if "ProductDescription" in f and o["product"] != f["ProductDescription"]:
                continue
            if "MinDuration" in f and o["duration"] < int(f["MinDuration"]):
                continue
            if "MaxDuration" in f and o["duration"] > int(f["MaxDuration"]):
                continue
            if "InstanceTenancy" in f and f["InstanceTenancy"] != "default":
                continue
            if zone and o["zone"] not in (None, zone):
                continue
            if "scope" in filt and o["scope"] not in filt["scope"]:
                continue
            out.append(o)
        start = int(f.get("NextToken", "0"))
        page = out[start:start + CFG["ri_page"]]
        nxt = ""
        if start + len(page) < len(out):
            nxt = "<nextToken>%d</nextToken>" % (start + len(page))
        items = "".join(
            "<item><reservedInstancesOfferingId>%s</reservedInstancesOfferingId><instanceType>%s"
            "</instanceType>%s<duration>%d</duration><usagePrice>%.4f</usagePrice><fixedPrice>"
            "%.2f</fixedPrice><productDescription>%s</productDescription><instanceTenancy>default"
            "</instanceTenancy><currencyCode>USD</currencyCode><offeringType>%s</offeringType>"
            "<recurringCharges/><marketplace>%s</marketplace><pricingDetailsSet/>"
            "<offeringClass>%s</offeringClass><scope>%s</scope></item>"
            % (o["id"], o["type"], "<availabilityZone>%s</availabilityZone>" % o["zone"]
               if o["zone"] else "", o["duration"], o["usage"], o["fixed"], o["product"],
               o["otype"], "true" if o["market"] else "false", o["cls"], o["scope"])
            for o in page)
        return 200, ('<DescribeReservedInstancesOfferingsResponse xmlns="http://ec2.amazonaws.com/'
                     'doc/2016-11-15/"><requestId>%s</requestId><reservedInstancesOfferingsSet>'
                     '%s</reservedInstancesOfferingsSet>%s'
                     '</DescribeReservedInstancesOfferingsResponse>'
                     % (uuid.uuid4(), items, nxt))

    def group(self, name):
        g = STATE["asg"].get(name)
        if g is None:
            g = STATE["asg"][name] = {"desired": CFG["initial"].get(name, 0), "od_base": None}
        return g

    def authorized(self):
        a = self.headers.get("Authorization", "")
        return a.startswith("Bearer ") and a[7:] in TOKENS

    def new_token(self):
        t = "tok-" + uuid.uuid4().hex
        with LOCK:
            TOKENS.add(t)
        return t

    def route(self, method, path, q, body):
        # ---- token endpoints ----
        m = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if m and method == "POST":
            f = {k: v[0] for k, v in parse_qs(body).items()}
            if f.get("grant_type") != "client_credentials" or not f.get("client_id") or \
                    f.get("scope") != "https://management.azure.com/.default":
                return self.reply(400, {"error": "invalid_request"})
            if CFG["secret"] is not None and f.get("client_secret") != CFG["secret"]:
                return self.reply(401, {"error": "invalid_client",
                                        "error_description": "AADSTS7000215: Invalid client secret provided."})
            return self.reply(200, {"token_type": "Bearer", "expires_in": 3599,
                                    "access_token": self.new_token()})
        if path == "/token" and method == "POST":
            f = {k: v[0] for k, v in parse_qs(body).items()}
            if f.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or \
                    f.get("assertion", "").count(".") != 2:
                return self.reply(400, {"error": "invalid_grant"})
            return self.reply(200, {"token_type": "Bearer", "expires_in": 3599,
                                    "access_token": self.new_token()})
        if not self.authorized():
            return self.reply(401, {"error": {"code": "AuthenticationFailed",
                                              "message": "no valid bearer token"}})
        # ---- Azure ----
        m = re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                         r"Microsoft\.Compute/virtualMachineScaleSets/([^/]+)/virtualMachines",
                         path)
        if m and method == "GET":
            if q.get("api-version") != AZ_COMPUTE_API:
                return self.reply(400, {"error": {"code": "InvalidApiVersionParameter"}})
            return self.vmss_vms(m.group(1), q)
        m = re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                         r"Microsoft\.Compute/virtualMachineScaleSets/([^/]+)", path)
        if m:
            if q.get("api-version") != AZ_COMPUTE_API:
                return self.reply(400, {"error": {"code": "InvalidApiVersionParameter"}})
            name = m.group(1)
            with LOCK:
                exists = name in STATE["vmss"] or name in CFG["initial"] or \
                    name in STATE["created"]
                if method == "PUT":
                    if exists and self.headers.get("If-None-Match") == "*":
                        return self.reply(412, {"error": {"code": "PreconditionFailed",
                                                          "message": "the scale set exists"}})
                    doc = json.loads(body)
                    for k in ("location", "sku", "properties"):
                        if k not in doc:
                            return self.reply(400, {"error": {"code": "InvalidRequestContent",
                                                              "message": "no " + k}})
                    # the set exists once the PUT is accepted, at its capacity, whether
                    # or not its answer reaches the client (the operation only reports)
                    STATE["created"][name] = doc
                    self.set_vmss(name, doc["sku"]["capacity"])
                    return self.async_op(None, {"name": name, "sku": doc["sku"]})
                if CFG["strict"] and not exists:
                    return self.reply(404, {"error": {"code": "ResourceNotFound",
                                                      "message": "scale set " + name}})
                cap = STATE["vmss"].setdefault(name, CFG["initial"].get(name, 0))
            if method == "GET":
                return self.reply(200, {"name": name, "sku": {"name": "Standard_D2s_v5",
                                                              "capacity": cap},
                                        "properties": {"provisioningState": "Succeeded"}})
            if method == "PATCH":
                new = json.loads(body)["sku"]["capacity"]
                return self.async_op(lambda: self.set_vmss(name, new),
                                     {"name": name, "sku": {"capacity": new}})
        m = re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                         r"Microsoft\.Network/trafficmanagerprofiles/([^/]+)/"
                         r"(azureEndpoints|externalEndpoints)/([^/]+)", path)
        if m and method == "PATCH":
            if q.get("api-version") != AZ_TM_API:
                return self.reply(400, {"error": {"code": "InvalidApiVersionParameter"}})
            props = json.loads(body)["properties"]
            key = m.group(1) + "/" + m.group(3)
            with LOCK:
                e = STATE["tm"].setdefault(key, {})
                e.update(props)
                count_change(key)
            return self.reply(200, {"name": m.group(3), "properties": e})
        m = re.fullmatch(r"/_azure/operations/([^/]+)", path)
        if m and method == "GET":
            return self.poll(m.group(1), azure=True)
        # ---- GCP ----
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/global/instanceTemplates", path)
        if m and method == "POST":
            doc = json.loads(body)
            with LOCK:
                if "tmpl:" + doc["name"] in STATE["created"]:
                    return self.gce_exists(doc["name"])
                STATE["created"]["tmpl:" + doc["name"]] = doc
            return self.gce_op(None, m.group(1), "global")
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/regions/([^/]+)/instanceGroupManagers",
                         path)
        if m and method == "POST":
            doc = json.loads(body)
            key = m.group(2) + "/" + doc["name"]
            with LOCK:
                if key in STATE["mig"] or doc["name"] in CFG["initial"]:
                    return self.gce_exists(doc["name"])
                t = doc.get("instanceTemplate", "").rsplit("/", 1)[-1]
                if "tmpl:" + t not in STATE["created"]:
                    return self.reply(404, {"error": {"code": 404, "message": "template " + t}})
                STATE["created"]["mig:" + key] = doc
            return self.gce_op(lambda: self.set_mig(key, int(doc["targetSize"])), m.group(1),
                               m.group(2))
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/regions/([^/]+)/"
                         r"instanceGroupManagers/([^/]+)(/resize)?", path)
        if m:
            key = m.group(2) + "/" + m.group(3)
            with LOCK:
                if CFG["strict"] and key not in STATE["mig"] and \
                        m.group(3) not in CFG["initial"]:
                    return self.reply(404, {"error": {"code": 404, "message": "group " + key}})
                size = STATE["mig"].setdefault(key, CFG["initial"].get(m.group(3), 0))
            if method == "GET" and not m.group(4):
                return self.reply(200, {"name": m.group(3), "targetSize": size,
                                        "currentActions": {"none": size, "creating": 0,
                                                           "deleting": 0}})
            if method == "POST" and m.group(4):
                if "size" not in q or "requestId" not in q:
                    return self.reply(400, {"error": {"code": 400, "message": "size and requestId"}})
                n = int(q["size"])
                return self.gce_op(lambda: self.set_mig(key, n), m.group(1), m.group(2))
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/(regions/[^/]+|global)/operations/([^/]+)",
                         path)
        if m and method == "GET":
            return self.poll(m.group(3), azure=False)
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/global/backendServices/([^/]+)", path)
        if m:
            name = m.group(2)
            with LOCK:
                be = STATE["backend"].setdefault(name, {})
            if method == "GET":
                return self.reply(200, {"name": name, "fingerprint": "fp%d" % len(be),
                                        "backends": [{"group": g, "capacityScaler": s}
                                                     for g, s in sorted(be.items())]})
            if method == "PATCH":
                doc = json.loads(body)
                if doc.get("fingerprint") != "fp%d" % len(be):
                    return self.reply(412, {"error": {"code": 412, "message": "fingerprint"}})

                def apply():
                    with LOCK:
                        STATE["backend"][name] = {b["group"]: b.get("capacityScaler", 1.0)
                                                  for b in doc["backends"]}
                        count_change(name)
                return self.gce_op(apply, m.group(1), "global")
        return self.reply(404, {"error": {"code": "NotFound", "message": path}})

    def gce_exists(self, name):
        return self.reply(409, {"error": {"code": 409, "message": "The resource '%s' already "
                                          "exists" % name,
                                          "errors": [{"reason": "alreadyExists",
                                                      "message": name}]}})

    def vmss_vms(self, name, q):
        with LOCK:
            cap = STATE["vmss"].get(name, CFG["initial"].get(name, 0))
            states = list(CFG["vm_states"].get(name, []))
            page = CFG["vm_page"]
        expand = q.get("$expand") == "instanceView"
        start = int(q.get("$skiptoken", "0"))
        vms = []
        for i in range(start, min(cap, start + page)):
            st = states[i] if i < len(states) else "Succeeded"
            prov, power = {"Failed": ("Failed", "running"), "Deleting": ("Deleting", "stopping"),
                           "Creating": ("Creating", "starting"),
                           "Stopped": ("Succeeded", "deallocated")}.get(st, (st, "running"))
            vm = {"name": "%s_%d" % (name, i), "instanceId": str(i),
                  "properties": {"provisioningState": prov, "latestModelApplied": True}}
            if expand:
                vm["properties"]["instanceView"] = {"statuses": [
                    {"code": "ProvisioningState/" + prov.lower(), "level": "Info"},
                    {"code": "PowerState/" + power, "level": "Info"}]}
            vms.append(vm)
        out = {"value": vms}
        if start + page < cap:
            host = self.headers.get("Host")
            out["nextLink"] = ("http://%s%s?api-version=%s&$expand=instanceView&$skiptoken=%d"
                               % (host, urlparse(self.path).path, AZ_COMPUTE_API, start + page))
        return self.reply(200, out)

    def set_vmss(self, name, cap):
        with LOCK:
            STATE["vmss"][name] = cap
            count_change(name)

    def set_mig(self, key, n):
        with LOCK:
            STATE["mig"][key] = n
            count_change(key)

    def async_op(self, apply, result):
        oid = uuid.uuid4().hex
        with LOCK:
            end = CFG["async_next"] or "Succeeded"
            CFG["async_next"] = None
            OPS[oid] = {"status": end, "polls_left": CFG["op_polls"], "apply": apply}
        host = self.headers.get("Host")
        return self.reply(202, result, {
            "Azure-AsyncOperation": "http://%s/_azure/operations/%s" % (host, oid),
            "Retry-After": "0"})

    def gce_op(self, apply, project, region):
        oid = "operation-" + uuid.uuid4().hex[:12]
        with LOCK:
            OPS[oid] = {"status": "DONE", "polls_left": CFG["op_polls"], "apply": apply}
        scope = "global" if region == "global" else "regions/" + region
        link = "/compute/v1/projects/%s/%s/operations/%s" % (project, scope, oid)
        with LOCK:
            OPS[oid]["selfLink"] = link
        return self.reply(200, {"kind": "compute#operation", "name": oid, "status": "RUNNING",
                                "selfLink": link})

    def poll(self, oid, azure):
        with LOCK:
            op = OPS.get(oid)
        if not op:
            return self.reply(404, {"error": {"code": "NotFound"}})
        with LOCK:
            if op["polls_left"] > 0:
                op["polls_left"] -= 1
                running = True
            else:
                running = False
                if op["apply"] and op["status"] in ("Succeeded", "DONE"):
                    op["apply"]()
                op["apply"] = None
        if azure:
            if running:
                return self.reply(200, {"status": "InProgress"}, {"Retry-After": "0"})
            doc = {"status": op["status"]}
            if op["status"] == "Failed":
                doc["error"] = {"code": "OperationNotAllowed",
                                "message": "Operation results in exceeding quota limits of Core."}
            return self.reply(200, doc)
        doc = {"kind": "compute#operation", "name": oid, "selfLink": op["selfLink"],
               "status": "RUNNING" if running else "DONE"}
        return self.reply(200, doc)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--secret", help="the Azure client secret the token endpoint accepts")
    ap.add_argument("--initial", action="append", default=[], help="NAME=N initial capacity")
    ap.add_argument("--strict", action="store_true", help="only --initial groups exist")
    a = ap.parse_args()
    CFG["secret"] = a.secret
    CFG["strict"] = a.strict
    for kv in a.initial:
        k, v = kv.split("=")
        CFG["initial"][k] = int(v)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
