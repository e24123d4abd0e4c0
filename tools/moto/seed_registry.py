"""Creates the wizz preset's registry tables in moto and puts N connection
records of one user, with boto3 (never with wsops's code); prints their ids
as JSON.

usage: seed_registry.py USER N   (MOTO_URL in the environment)"""
import json
import os
import sys
import time

import boto3

user, n = sys.argv[1], int(sys.argv[2])
db = boto3.client("dynamodb", endpoint_url=os.environ["MOTO_URL"], region_name="ap-south-1")
conns, subs = "WizzUser_websocket_connections_dev", "WizzUser_websocket_subscriptions_dev"
existing = db.list_tables()["TableNames"]
if conns not in existing:
    db.create_table(TableName=conns, BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"},
                                          {"AttributeName": "userId", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
                    GlobalSecondaryIndexes=[{"IndexName": "userId-index",
                                             "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "ALL"}}])
if subs not in existing:
    db.create_table(TableName=subs, BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"},
                                          {"AttributeName": "subscriptionKey", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"},
                               {"AttributeName": "subscriptionKey", "KeyType": "RANGE"}],
                    GlobalSecondaryIndexes=[{"IndexName": "subscriptionKey-index",
                                             "KeySchema": [{"AttributeName": "subscriptionKey", "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "ALL"}}])
ids = []
now = str(int(time.time() * 1000))
for i in range(n):
    cid = f"Moto{user[-6:]:>6}{i:05d}="[-16:]
    ids.append(cid)
    db.put_item(TableName=conns, Item={
        "connectionId": {"S": cid}, "userId": {"S": user}, "entityType": {"S": "driver"},
        "appId": {"S": "drivers"}, "platform": {"S": "ios"}, "connectedAt": {"N": now}})
print(json.dumps(ids))
