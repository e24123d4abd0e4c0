"""Puts API Gateway metrics for one API stage into moto with boto3 (never
with wsops's code) and prints the sums it put per metric and minute as JSON.

usage: seed_metrics.py API_ID NOW_UNIX [REGION]   (MOTO_URL in the environment)"""
import datetime
import json
import os
import sys

import boto3

api_id, now = sys.argv[1], int(sys.argv[2])
region = sys.argv[3] if len(sys.argv) > 3 else "us-east-1"
cw = boto3.client("cloudwatch", endpoint_url=os.environ["MOTO_URL"], region_name=region)
minute = now - now % 60
dims = [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": "dev"}]
# (minutes ago, metric, value): two data points in one minute add up.
points = [
    (5, "ConnectCount", 3), (5, "ConnectCount", 2), (5, "MessageCount", 40),
    (3, "ConnectCount", 7), (3, "MessageCount", 11), (3, "ClientError", 1),
    (1, "MessageCount", 5), (1, "IntegrationError", 2), (1, "ExecutionError", 1),
]
sums = {}
for ago, metric, value in points:
    t = minute - ago * 60 + 10
    cw.put_metric_data(Namespace="AWS/ApiGateway", MetricData=[{
        "MetricName": metric, "Dimensions": dims, "Value": value, "Unit": "Count",
        "Timestamp": datetime.datetime.fromtimestamp(t, datetime.timezone.utc)}])
    key = str(minute - ago * 60)
    sums.setdefault(metric, {}).setdefault(key, 0)
    sums[metric][key] += value
# The same metric of another stage must not count.
cw.put_metric_data(Namespace="AWS/ApiGateway", MetricData=[{
    "MetricName": "ConnectCount", "Value": 1000, "Unit": "Count",
    "Dimensions": [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": "prod"}],
    "Timestamp": datetime.datetime.fromtimestamp(minute - 120, datetime.timezone.utc)}])
print(json.dumps(sums))
