"""Seeds moto with WebSocket APIs as a Serverless deployment leaves them, with
boto3 (never with wsops's code), and prints what moto assigned as JSON.

usage: seed_apis.py PREFIX   (MOTO_URL in the environment)

PREFIX keeps the names of one test apart from another's in a shared moto."""
import json
import os
import sys

import boto3

prefix = sys.argv[1]
url = os.environ["MOTO_URL"]
region = "ap-south-1"
gw = boto3.client("apigatewayv2", endpoint_url=url, region_name=region)
account = "123456789012"


def function_uri(name):
    return (f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:{region}:{account}:function:{name}/invocations")


def websocket_api(name, routes, access_log=True, logging="INFO"):
    api = gw.create_api(Name=name, ProtocolType="WEBSOCKET",
                        RouteSelectionExpression="$request.body.action")
    api_id = api["ApiId"]
    for key, function in routes.items():
        integ = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                      IntegrationMethod="POST",
                                      IntegrationUri=function_uri(function))
        gw.create_route(ApiId=api_id, RouteKey=key,
                        Target="integrations/" + integ["IntegrationId"])
    stage = {"ApiId": api_id, "StageName": "dev",
             "DefaultRouteSettings": {"LoggingLevel": logging, "DataTraceEnabled": False,
                                      "DetailedMetricsEnabled": True,
                                      "ThrottlingBurstLimit": 500, "ThrottlingRateLimit": 1000.0}}
    if access_log:
        stage["AccessLogSettings"] = {
            "DestinationArn": f"arn:aws:logs:{region}:{account}:log-group:/aws/apigateway/{name}-access",
            "Format": json.dumps({"requestId": "$context.requestId", "connectionId": "$context.connectionId",
                                  "eventType": "$context.eventType", "routeKey": "$context.routeKey",
                                  "status": "$context.status", "integrationRequestId": "$context.awsEndpointRequestId",
                                  "query": "$context.requestOverride.querystring"})}
    gw.create_stage(**stage)
    gw.create_stage(ApiId=api_id, StageName="prod")
    return api_id


this27 = websocket_api(prefix + "this27-websocket-dev", {
    "$connect": "this27-websocket-dev-websocketConnect",
    "$disconnect": "this27-websocket-dev-websocketDisconnect",
    "$default": "this27-websocket-dev-websocketDefault",
})
# A second API the wizz preset would expect more routes of, logging OFF and no access log.
wizz = websocket_api(prefix + "WizzUser-WebSocket-dev", {
    "$connect": "wizzuser-websocket-dev-connect",
    "$disconnect": "wizzuser-websocket-dev-disconnect",
    "$default": "wizzuser-websocket-dev-default",
    "heartbeat": "wizzuser-websocket-dev-heartbeat",
}, access_log=False, logging="OFF")
# An HTTP API of the same name: discovery lists WebSocket APIs only.
http_api = gw.create_api(Name=prefix + "this27-websocket-dev", ProtocolType="HTTP")["ApiId"]

domain = prefix.lower().strip("-") + "-ws.example.com"
gw.create_domain_name(DomainName=domain, DomainNameConfigurations=[
    {"CertificateArn": f"arn:aws:acm:{region}:{account}:certificate/abc", "EndpointType": "REGIONAL"}])
gw.create_api_mapping(DomainName=domain, ApiId=this27, Stage="dev", ApiMappingKey="")
gw.create_api_mapping(DomainName=domain, ApiId=wizz, Stage="dev", ApiMappingKey="wizz")

print(json.dumps({"this27": this27, "wizz": wizz, "http": http_api, "domain": domain, "region": region}))
