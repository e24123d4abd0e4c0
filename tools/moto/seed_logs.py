"""Writes a WebSocket API stage's three kinds of logs into moto with boto3
(never with wsops's code): the access log (JSON, with the token in the
query string as both reference systems have it), the execution log and two
Lambda handlers' logs, for several connections whose requests interleave.
Prints, as JSON, the groups, the access format, and for each connection
its expected trail: requests in time order, each with its lines' messages in
time order.

usage: seed_logs.py PREFIX START_MS [GROUPS_JSON]   (MOTO_URL in the environment)

GROUPS_JSON, when given, names the groups and the access format (as an API's
stage and routes name them): {"access","execution","connect","default","format","region"}."""
import json
import os
import sys
import uuid

import boto3

prefix, start = sys.argv[1], int(sys.argv[2])
named = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
logs = boto3.client("logs", endpoint_url=os.environ["MOTO_URL"], region_name=named.get("region", "us-east-1"))
access = f"/aws/apigateway/{prefix}api-access"
execution = f"API-Gateway-Execution-Logs_{prefix}api/dev"
connect_fn, default_fn = f"/aws/lambda/{prefix}connect", f"/aws/lambda/{prefix}default"
fmt = json.dumps({"requestId": "$context.requestId", "connectionId": "$context.connectionId",
                  "eventType": "$context.eventType", "routeKey": "$context.routeKey",
                  "status": "$context.status", "integrationRequestId": "$context.awsEndpointRequestId",
                  "query": "$context.requestOverride.querystring"})
if named:
    access, execution, fmt = named["access"], named["execution"], named["format"]
    connect_fn, default_fn = named["connect"], named["default"]
events = {g: [] for g in (access, execution, connect_fn, default_fn)}
trails = {}
token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LXNlY3JldCJ9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl"
conns = [f"{prefix[:4]}Conn{i:07d}=" for i in range(3)]
t = start
for step in range(4):           # connect, two messages, disconnect — connections interleaved
    for i, cid in enumerate(conns):
        t += 10
        rid = f"R{step}{i}{uuid.uuid4().hex[:12]}="
        lam = str(uuid.uuid4())
        event, route = [("CONNECT", "$connect"), ("MESSAGE", "heartbeat"), ("MESSAGE", "subscribe_order"),
                        ("DISCONNECT", "$disconnect")][step]
        fn = connect_fn if step in (0, 3) else default_fn
        line = json.dumps({"requestId": rid, "connectionId": cid, "eventType": event, "routeKey": route,
                           "status": "200", "integrationRequestId": lam,
                           "query": f"token={token}&platform=web" if step == 0 else "-"})
        events[access].append((t, line))
        lines = [(t - 8, f"({rid}) Received request. Route: {route}"),
                 (t - 2, f"({rid}) Method completed with status: 200")]
        for m in lines:
            events[execution].append(m)
        hl = [(t - 7, f"START RequestId: {lam} Version: $LATEST"),
              (t - 6, f"2026-12-03T00:00:00.000Z\t{lam}\tINFO\t{route} handled for {cid}"),
              (t - 5, f"END RequestId: {lam}"),
              (t - 4, f"REPORT RequestId: {lam}\tDuration: 3.21 ms\tBilled Duration: 4 ms")]
        events[fn].extend(hl)
        trails.setdefault(cid, []).append({"access": line, "lines": [m for _, m in sorted(lines + hl)]})
for g, evs in events.items():
    try:
        logs.create_log_group(logGroupName=g)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass  # a Lambda group another test's API shares
    stream = prefix + "s1"
    logs.create_log_stream(logGroupName=g, logStreamName=stream)
    logs.put_log_events(logGroupName=g, logStreamName=stream,
                        logEvents=[{"timestamp": ts, "message": m} for ts, m in sorted(evs)])
print(json.dumps({"access": access, "execution": execution, "handlers": sorted([connect_fn, default_fn]),
                  "format": fmt, "trails": trails, "token": token}))
