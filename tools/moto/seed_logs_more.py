"""Puts, with boto3, a later request of one connection (request id
LATER-REQ=) into the access and execution groups seed_logs.py made, and a
later request of another connection, timestamped now.

usage: seed_logs_more.py ACCESS_GROUP EXECUTION_GROUP CONNECTION_ID   (MOTO_URL in the environment)"""
import json
import os
import sys
import time

import boto3

access, execution, cid = sys.argv[1:4]
logs = boto3.client("logs", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1")
now = int(time.time() * 1000) - 1000
logs.create_log_stream(logGroupName=access, logStreamName="s2")
logs.create_log_stream(logGroupName=execution, logStreamName="s2")
line = lambda rid, conn: json.dumps({"requestId": rid, "connectionId": conn, "eventType": "MESSAGE",
                                     "routeKey": "heartbeat", "status": "200", "integrationRequestId": "-", "query": "-"})
logs.put_log_events(logGroupName=access, logStreamName="s2", logEvents=[
    {"timestamp": now, "message": line("OTHER-REQ=", "OtherConn000000=")},
    {"timestamp": now + 1, "message": line("LATER-REQ=", cid)}])
logs.put_log_events(logGroupName=execution, logStreamName="s2", logEvents=[
    {"timestamp": now - 5, "message": "(LATER-REQ=) Received request. Route: heartbeat"},
    {"timestamp": now - 4, "message": "(OTHER-REQ=) Received request. Route: heartbeat"}])
