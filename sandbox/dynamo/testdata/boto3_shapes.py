"""Checks that a DynamoDB endpoint answers every operation the wsops sandbox
serves in DynamoDB's shape, as boto3 sees it and as it comes over the wire.

usage: python3 boto3_shapes.py ENDPOINT_URL TABLE_PREFIX

It creates two tables named after TABLE_PREFIX, runs every check (a failed
check does not stop the others), deletes the tables, prints one line per
check and exits 1 if any failed. TestBoto3Shapes (shapes_test.go) runs it
against the sandbox's DynamoDB and, as the reference, against dynalite.
"""

import json
import sys

from shapes_wire import VALIDATION, Wire, N, S, check, failures, key_set, no_nulls, passed, run


class Shapes:
    """The checks, grouped by operation; main runs the groups in order."""

    def __init__(self, url, prefix):
        self.db = Wire(url)
        self.prefix = prefix
        self.conns = prefix + "conns"
        self.subs = prefix + "subs"
        self.conn_items = {}  # connectionId -> item, as the table should hold them

    # -- tables -------------------------------------------------------------

    def create_tables(self):
        db = self.db
        conn_defs = [{"AttributeName": a, "AttributeType": t} for a, t in
                     (("connectionId", "S"), ("userId", "S"), ("appId", "S"), ("connectedAt", "N"))]
        out = db.create_table(
            TableName=self.conns, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=conn_defs,
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                {"IndexName": "userId-index", "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "app-index", "KeySchema": [{"AttributeName": "appId", "KeyType": "HASH"},
                                                         {"AttributeName": "connectedAt", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
            ])
        self.description("create_table", db.body.get("TableDescription"), self.conns, conn_defs, on_demand=True,
                         statuses=("CREATING", "ACTIVE"))
        sub_defs = [{"AttributeName": a, "AttributeType": t} for a, t in
                    (("connectionId", "S"), ("subscriptionKey", "S"), ("createdAt", "N"))]
        db.create_table(
            TableName=self.subs, AttributeDefinitions=sub_defs,
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"},
                       {"AttributeName": "subscriptionKey", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {"IndexName": "subscriptionKey-index",
                 "KeySchema": [{"AttributeName": "subscriptionKey", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["userId"]},
                 "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}}],
            LocalSecondaryIndexes=[
                {"IndexName": "createdAt-index",
                 "KeySchema": [{"AttributeName": "connectionId", "KeyType": "HASH"},
                               {"AttributeName": "createdAt", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "ALL"}}])
        self.description("create_table provisioned with an LSI", db.body.get("TableDescription"), self.subs,
                         sub_defs, on_demand=False, statuses=("CREATING", "ACTIVE"))
        db.error("create_table of an existing table", "ResourceInUseException", db.create_table,
                 TableName=self.conns, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=conn_defs[:1],
                 KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}])
        for name in (self.conns, self.subs):
            db.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
        out = db.describe_table(TableName=self.conns)
        self.description("describe_table", db.body.get("Table"), self.conns, conn_defs, on_demand=True,
                         statuses=("ACTIVE",))
        check("describe_table: boto3 parses CreationDateTime",
              hasattr(out["Table"].get("CreationDateTime"), "year"), repr(out["Table"].get("CreationDateTime")))
        db.describe_table(TableName=self.subs)
        self.description("describe_table provisioned", db.body.get("Table"), self.subs, sub_defs,
                         on_demand=False, statuses=("ACTIVE",))
        db.error("describe_table of a missing table", "ResourceNotFoundException", db.describe_table,
                 TableName=self.conns + "-missing")

    def description(self, name, d, table, defs, on_demand, statuses):
        if not isinstance(d, dict):
            check(name + ": a table description", False, repr(self.db.body))
            return
        check(name + ": no null anywhere", no_nulls(d), json.dumps(d))
        want = {"AttributeDefinitions", "TableName", "KeySchema", "TableStatus", "CreationDateTime",
                "ProvisionedThroughput", "TableSizeBytes", "ItemCount", "TableArn", "TableId"}
        check(name + ": fields", want <= set(d), "missing %s" % sorted(want - set(d)))
        check(name + ": TableName", d.get("TableName") == table, repr(d.get("TableName")))
        check(name + ": TableStatus", d.get("TableStatus") in statuses, repr(d.get("TableStatus")))
        check(name + ": AttributeDefinitions", sorted(map(json.dumps, d.get("AttributeDefinitions") or []))
              == sorted(map(json.dumps, defs)), repr(d.get("AttributeDefinitions")))
        arn = d.get("TableArn", "")
        check(name + ": TableArn", arn.startswith("arn:aws:dynamodb:") and arn.endswith(":table/" + table), arn)
        check(name + ": CreationDateTime is epoch seconds", isinstance(d.get("CreationDateTime"), (int, float))
              and d["CreationDateTime"] > 1.5e9, repr(d.get("CreationDateTime")))
        pt = d.get("ProvisionedThroughput") or {}
        check(name + ": ProvisionedThroughput", {"ReadCapacityUnits", "WriteCapacityUnits", "NumberOfDecreasesToday"}
              <= set(pt) and (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == ((0, 0) if on_demand else (5, 3)),
              repr(pt))
        if on_demand:
            check(name + ": BillingModeSummary", (d.get("BillingModeSummary") or {}).get("BillingMode")
                  == "PAY_PER_REQUEST", repr(d.get("BillingModeSummary")))
        gsis = d.get("GlobalSecondaryIndexes") or []
        check(name + ": GlobalSecondaryIndexes", len(gsis) == (2 if on_demand else 1), repr(gsis))
        for g in gsis:
            want = {"IndexName", "KeySchema", "Projection", "IndexStatus", "ProvisionedThroughput",
                    "IndexSizeBytes", "ItemCount", "IndexArn"}
            check(name + ": GSI %s fields" % g.get("IndexName"), want <= set(g), "missing %s" % sorted(want - set(g)))
            check(name + ": GSI %s IndexStatus" % g.get("IndexName"),
                  g.get("IndexStatus") in statuses, repr(g.get("IndexStatus")))
            check(name + ": GSI %s IndexArn" % g.get("IndexName"),
                  g.get("IndexArn") == arn + "/index/" + str(g.get("IndexName")), repr(g.get("IndexArn")))
        proj = {g.get("IndexName"): g.get("Projection") for g in gsis}
        if on_demand:
            check(name + ": GSI projections", proj == {"userId-index": {"ProjectionType": "ALL"},
                                                       "app-index": {"ProjectionType": "KEYS_ONLY"}}, repr(proj))
        else:
            check(name + ": GSI projection and throughput", proj == {"subscriptionKey-index": {
                "ProjectionType": "INCLUDE", "NonKeyAttributes": ["userId"]}} and
                gsis[0].get("ProvisionedThroughput", {}).get("ReadCapacityUnits") == 2, repr(gsis))
            lsis = d.get("LocalSecondaryIndexes") or []
            want = {"IndexName", "KeySchema", "Projection", "IndexSizeBytes", "ItemCount", "IndexArn"}
            check(name + ": LocalSecondaryIndexes", len(lsis) == 1 and want <= set(lsis[0])
                  and "IndexStatus" not in lsis[0], repr(lsis))

    def list_tables(self):
        db = self.db
        out = db.list_tables()
        names = out.get("TableNames")
        check("list_tables: TableNames, and LastEvaluatedTableName only after a full page",
              isinstance(names, list) and set(db.body) <= {"TableNames", "LastEvaluatedTableName"} and
              ("LastEvaluatedTableName" not in db.body or db.body["LastEvaluatedTableName"] == names[-1]),
              repr(db.body)[:300])
        # Other tables may share the endpoint: start right before this run's.
        db.list_tables(ExclusiveStartTableName=self.prefix, Limit=1)
        check("list_tables Limit 1 from ExclusiveStartTableName", db.body == {
            "TableNames": [self.conns], "LastEvaluatedTableName": self.conns}, repr(db.body))
        out = db.list_tables(ExclusiveStartTableName=self.conns, Limit=1)
        check("list_tables: the next page", out.get("TableNames") == [self.subs], repr(db.body))

    # -- single items -------------------------------------------------------

    def conn(self, i, **extra):
        it = {"connectionId": S("c%03d" % i), "userId": S("u%d" % (i % 5)), "appId": S(["drivers", "customers"][i % 2]),
              "connectedAt": N(1700000000000 + i), "platform": S("ios")}
        it.update(extra)
        return it

    def put_get_delete(self):
        db, t = self.db, self.conns
        first = self.conn(900)
        db.put_item(TableName=t, Item=first)
        check("put_item: answer is {}", db.body == {}, repr(db.body))
        db.put_item(TableName=t, Item=self.conn(901), ConditionExpression="attribute_not_exists(connectionId)")
        check("put_item with a passing condition: answer is {}", db.body == {}, repr(db.body))
        db.error("put_item with a failing condition", "ConditionalCheckFailedException", db.put_item,
                 TableName=t, Item=self.conn(900, platform=S("changed")),
                 ConditionExpression="attribute_not_exists(connectionId)")
        got = db.get_item(TableName=t, Key={"connectionId": S("c900")}, ConsistentRead=True)
        check("get_item hit: answer is {Item}", set(db.body) == {"Item"} and got["Item"] == first, repr(db.body))
        replaced = self.conn(900, platform=S("android"))
        out = db.put_item(TableName=t, Item=replaced, ReturnValues="ALL_OLD")
        check("put_item ReturnValues ALL_OLD: the replaced item", db.body == {"Attributes": first}, repr(db.body))
        db.get_item(TableName=t, Key={"connectionId": S("c999")})
        check("get_item miss: answer is {} (no Item)", db.body == {}, repr(db.body))
        db.get_item(TableName=t, Key={"connectionId": S("c900")}, ProjectionExpression="#p",
                    ExpressionAttributeNames={"#p": "platform"})
        check("get_item with a projection", db.body == {"Item": {"platform": S("android")}}, repr(db.body))
        db.delete_item(TableName=t, Key={"connectionId": S("c901")})
        check("delete_item: answer is {}", db.body == {}, repr(db.body))
        db.delete_item(TableName=t, Key={"connectionId": S("c900")}, ReturnValues="ALL_OLD")
        check("delete_item ReturnValues ALL_OLD", db.body == {"Attributes": replaced}, repr(db.body))
        db.delete_item(TableName=t, Key={"connectionId": S("c900")}, ReturnValues="ALL_OLD")
        check("delete_item of a missing item, ALL_OLD: answer is {}", db.body == {}, repr(db.body))
        db.put_item(TableName=t, Item=self.conn(902))
        db.error("delete_item with a failing condition", "ConditionalCheckFailedException", db.delete_item,
                 TableName=t, Key={"connectionId": S("c902")}, ConditionExpression="platform = :p",
                 ExpressionAttributeValues={":p": S("web")})
        db.get_item(TableName=t, Key={"connectionId": S("c902")})
        check("delete_item with a failing condition deletes nothing", "Item" in db.body, repr(db.body))
        db.delete_item(TableName=t, Key={"connectionId": S("c902")})

    def update(self):
        db, t = self.db, self.conns
        key = {"connectionId": S("c800")}
        base = self.conn(800)
        db.put_item(TableName=t, Item=base)
        db.update_item(TableName=t, Key=key, UpdateExpression="SET platform = :p",
                       ExpressionAttributeValues={":p": S("web")})
        check("update_item: answer is {}", db.body == {}, repr(db.body))
        cases = [("ALL_NEW", dict(base, platform=S("android"), hits=N(1))),
                 ("UPDATED_NEW", {"platform": S("android"), "hits": N(1)}),
                 ("ALL_OLD", dict(base, platform=S("web"))),
                 ("UPDATED_OLD", {"platform": S("web")})]
        for rv, want in cases:
            db.put_item(TableName=t, Item=dict(base, platform=S("web")))
            db.update_item(TableName=t, Key=key, UpdateExpression="SET platform = :p, hits = :one",
                           ConditionExpression="attribute_exists(connectionId)", ReturnValues=rv,
                           ExpressionAttributeValues={":p": S("android"), ":one": N(1)})
            check("update_item with a passing condition, ReturnValues " + rv, db.body == {"Attributes": want},
                  repr(db.body))
        before = db.get_item(TableName=t, Key=key, ConsistentRead=True)["Item"]
        db.error("update_item with a failing condition", "ConditionalCheckFailedException", db.update_item,
                 TableName=t, Key=key, UpdateExpression="SET platform = :p", ConditionExpression="platform = :old",
                 ExpressionAttributeValues={":p": S("x"), ":old": S("web")})
        check("update_item with a failing condition changes nothing",
              db.get_item(TableName=t, Key=key, ConsistentRead=True)["Item"] == before, repr(db.body))
        db.update_item(TableName=t, Key={"connectionId": S("c801")}, UpdateExpression="SET userId = :u",
                       ExpressionAttributeValues={":u": S("u1")}, ReturnValues="ALL_NEW")
        check("update_item of a missing item creates it", db.body == {"Attributes": {
            "connectionId": S("c801"), "userId": S("u1")}}, repr(db.body))
        for c in ("c800", "c801"):
            db.delete_item(TableName=t, Key={"connectionId": S(c)})

    # -- refused writes change nothing -------------------------------------

    def refused_writes(self):
        db, t = self.db, self.conns
        keep = self.conn(700)
        db.put_item(TableName=t, Item=keep)
        count = db.scan(TableName=t, Select="COUNT")["Count"]
        key = {"connectionId": S("c700")}

        def unchanged(name):
            got = db.get_item(TableName=t, Key=key, ConsistentRead=True).get("Item")
            check(name + " changes nothing", got == keep, repr(got))

        def absent(name, cid):
            db.get_item(TableName=t, Key={"connectionId": S(cid)}, ConsistentRead=True)
            check(name + " stores nothing", db.body == {}, repr(db.body))

        msg = db.error("put_item with userId N against the S index key", VALIDATION, db.put_item,
                       TableName=t, Item={"connectionId": S("r1"), "userId": N(42)})
        check("  its message", "Type mismatch for Index Key userId" in msg, msg)
        absent("put_item with userId N", "r1")
        msg = db.error("put_item over an item, userId N", VALIDATION, db.put_item,
                       TableName=t, Item=dict(keep, userId=N(42)))
        unchanged("put_item over an item, userId N,")
        msg = db.error("put_item with the table key N", VALIDATION, db.put_item,
                       TableName=t, Item={"connectionId": N(42), "userId": S("u")})
        check("  its message", "Type mismatch for key connectionId" in msg, msg)
        msg = db.error("put_item without the table key", VALIDATION, db.put_item,
                       TableName=t, Item={"userId": S("u"), "platform": S("web")})
        check("  its message", "Missing the key connectionId" in msg, msg)
        db.error("put_item with an empty table key", VALIDATION, db.put_item,
                 TableName=t, Item={"connectionId": S("")})
        db.error("update_item setting userId to N", VALIDATION, db.update_item, TableName=t, Key=key,
                 UpdateExpression="SET userId = :u, platform = :p",
                 ExpressionAttributeValues={":u": N(42), ":p": S("changed")})
        unchanged("update_item setting userId to N")
        db.error("update_item creating an item with userId N", VALIDATION, db.update_item,
                 TableName=t, Key={"connectionId": S("r2")}, UpdateExpression="SET userId = :u",
                 ExpressionAttributeValues={":u": N(42)})
        absent("update_item creating an item with userId N", "r2")
        msg = db.error("update_item of a key attribute", VALIDATION, db.update_item, TableName=t, Key=key,
                       UpdateExpression="SET connectionId = :c", ExpressionAttributeValues={":c": S("moved")})
        check("  its message", "This attribute is part of the key" in msg, msg)
        unchanged("update_item of a key attribute")
        for op, kw in (("get_item", {}), ("delete_item", {}),
                       ("update_item", {"UpdateExpression": "SET platform = :p",
                                        "ExpressionAttributeValues": {":p": S("x")}})):
            msg = db.error(op + " with a key of the wrong type", VALIDATION, getattr(db, op),
                           TableName=t, Key={"connectionId": N(700)}, **kw)
            check("  its message", msg == "The provided key element does not match the schema", msg)
            msg = db.error(op + " with an extra key attribute", VALIDATION, getattr(db, op),
                           TableName=t, Key=dict(key, userId=S("u0")), **kw)
            check("  its message", msg == "The provided key element does not match the schema", msg)
        unchanged("delete_item and update_item with bad keys")
        good = {"PutRequest": {"Item": self.conn(701)}}
        msg = db.error("batch_write_item with one bad item", VALIDATION, db.batch_write_item, RequestItems={
            t: [good, {"PutRequest": {"Item": {"connectionId": S("r3"), "userId": N(42)}}}]})
        absent("batch_write_item with one bad item: the good one", "c701")
        absent("batch_write_item with one bad item: the bad one", "r3")
        msg = db.error("batch_write_item with a duplicate key", VALIDATION, db.batch_write_item, RequestItems={
            t: [good, {"DeleteRequest": {"Key": {"connectionId": S("c701")}}}]})
        check("  its message", msg == "Provided list of item keys contains duplicates", msg)
        absent("batch_write_item with a duplicate key", "c701")
        db.error("batch_write_item with a missing table", "ResourceNotFoundException", db.batch_write_item,
                 RequestItems={t: [good], t + "-missing": [good]})
        absent("batch_write_item with a missing table", "c701")
        db.error("batch_write_item deleting with a key of the wrong type", VALIDATION, db.batch_write_item,
                 RequestItems={t: [good, {"DeleteRequest": {"Key": {"connectionId": N(700)}}}]})
        absent("batch_write_item deleting with a bad key", "c701")
        unchanged("batch_write_item refusals")
        db.error("batch_get_item with a key of the wrong type", VALIDATION, db.batch_get_item,
                 RequestItems={t: {"Keys": [key, {"connectionId": N(1)}]}})
        db.error("put_item to a missing table", "ResourceNotFoundException", db.put_item,
                 TableName=t + "-missing", Item=keep)
        check("refused writes: the table holds as many items as before them",
              db.scan(TableName=t, Select="COUNT")["Count"] == count, repr(db.body))
        db.delete_item(TableName=t, Key=key)

    # -- batches ------------------------------------------------------------

    def batches(self):
        db = self.db
        table = db.resource.Table(self.conns)
        with table.batch_writer() as bw:
            for i in range(60):
                item = self.conn(i)
                self.conn_items[item["connectionId"]["S"]] = item
                bw.put_item(Item={k: boto3_value(v) for k, v in item.items()})
        check("batch_writer: BatchWriteItem answered with UnprocessedItems {}",
              db.body == {"UnprocessedItems": {}}, repr(db.body))
        with table.batch_writer(overwrite_by_pkeys=["connectionId"]) as bw:
            for i in range(55, 60):
                bw.delete_item(Key={"connectionId": "c%03d" % i})
                del self.conn_items["c%03d" % i]
        out = db.scan(TableName=self.conns, Select="COUNT")
        check("batch_writer: the table holds what it wrote", out.get("Count") == len(self.conn_items), repr(out))
        subs = []
        for i in range(20):
            subs.append({"connectionId": S("c%03d" % (i % 4)), "subscriptionKey": S("order#%02d" % i),
                         "createdAt": N(1000 + i), "userId": S("u%d" % (i % 4)), "isActive": {"BOOL": True}})
        out = db.batch_write_item(RequestItems={self.subs: [{"PutRequest": {"Item": s}} for s in subs]})
        check("batch_write_item: answer is {UnprocessedItems: {}}", db.body == {"UnprocessedItems": {}},
              repr(db.body))
        check("batch_write_item: boto3 sees UnprocessedItems", out.get("UnprocessedItems") == {}, repr(out))
        self.sub_items = subs
        out = db.batch_get_item(RequestItems={
            self.conns: {"Keys": [{"connectionId": S("c001")}, {"connectionId": S("c002")},
                                  {"connectionId": S("nope")}]},
            self.subs: {"Keys": [{"connectionId": S("nope"), "subscriptionKey": S("order#00")}]}})
        body = db.body or {}
        check("batch_get_item: Responses and UnprocessedKeys only", set(body) == {"Responses", "UnprocessedKeys"},
              repr(body))
        check("batch_get_item: UnprocessedKeys {}", body.get("UnprocessedKeys") == {}, repr(body))
        resp = body.get("Responses", {})
        check("batch_get_item: the items found", key_set(resp.get(self.conns, []), "connectionId")
              == key_set([self.conn(1), self.conn(2)], "connectionId"), repr(resp))
        check("batch_get_item: a table with nothing found answers []", resp.get(self.subs) == [], repr(resp))
        db.batch_get_item(RequestItems={self.conns: {"Keys": [{"connectionId": S("c003")}],
                                                     "ProjectionExpression": "userId"}})
        check("batch_get_item with a projection", db.body.get("Responses") == {self.conns: [{"userId": S("u3")}]},
              repr(db.body))

    # -- reads --------------------------------------------------------------

    def page_shape(self, name, body, want_more=None):
        ok = isinstance(body, dict) and isinstance(body.get("Count"), int) and isinstance(
            body.get("ScannedCount"), int) and isinstance(body.get("Items"), list) and body["Count"] == len(
            body["Items"]) and set(body) <= {"Count", "ScannedCount", "Items", "LastEvaluatedKey"}
        if ok and want_more is not None:
            ok = ("LastEvaluatedKey" in body) == want_more
        check(name + ": page shape", ok, repr(body)[:400])

    def pages(self, name, op, **kw):
        items, pages = [], 0
        while pages < 500:
            getattr(self.db, op)(**kw)
            body = self.db.body
            pages += 1
            self.page_shape("%s page %d" % (name, pages), body)
            items += body.get("Items", [])
            if "LastEvaluatedKey" not in body:
                return items, pages
            check(name + ": LastEvaluatedKey is not empty", body["LastEvaluatedKey"] != {}, repr(body))
            kw["ExclusiveStartKey"] = body["LastEvaluatedKey"]
        check(name + ": ends", False, "over 500 pages")
        return items, pages

    def queries(self):
        db, items = self.db, list(self.conn_items.values())
        u2 = [it for it in items if it["userId"] == S("u2")]
        db.query(TableName=self.conns, KeyConditionExpression="connectionId = :c",
                 ExpressionAttributeValues={":c": S("c007")})
        self.page_shape("query on the table", db.body, want_more=False)
        check("query on the table: the item", db.body.get("Items") == [self.conn_items["c007"]], repr(db.body))
        db.query(TableName=self.conns, KeyConditionExpression="connectionId = :c",
                 ExpressionAttributeValues={":c": S("nobody")})
        check("query with no match: Items [] and zero counts",
              db.body == {"Items": [], "Count": 0, "ScannedCount": 0}, repr(db.body))
        db.query(TableName=self.conns, IndexName="userId-index", KeyConditionExpression="userId = :u",
                 ExpressionAttributeValues={":u": S("u2")})
        self.page_shape("query on userId-index", db.body, want_more=False)
        check("query on userId-index (ALL): whole items", key_set(db.body["Items"], "connectionId", "platform")
              == key_set(u2, "connectionId", "platform") and db.body["ScannedCount"] == len(u2), repr(db.body)[:300])
        got, pages = self.pages("query on userId-index, Limit 3", "query", TableName=self.conns,
                                IndexName="userId-index", Limit=3, KeyConditionExpression="userId = :u",
                                ExpressionAttributeValues={":u": S("u2")})
        check("query on userId-index, Limit 3: every item once", key_set(got, "connectionId")
              == key_set(u2, "connectionId") and pages >= len(u2) // 3, "%d items in %d pages" % (len(got), pages))
        drivers = sorted((it for it in items if it["appId"] == S("drivers")), key=lambda it: int(it["connectedAt"]["N"]))
        db.query(TableName=self.conns, IndexName="app-index", KeyConditionExpression="appId = :a AND connectedAt > :t",
                 ExpressionAttributeValues={":a": S("drivers"), ":t": N(0)}, ScanIndexForward=False)
        self.page_shape("query on app-index", db.body, want_more=False)
        check("query on app-index (KEYS_ONLY): keys only, newest first", db.body.get("Items") ==
              [{k: it[k] for k in ("connectionId", "appId", "connectedAt")} for it in reversed(drivers)],
              repr(db.body)[:300])
        db.query(TableName=self.subs, KeyConditionExpression="connectionId = :c AND begins_with(subscriptionKey, :o)",
                 ExpressionAttributeValues={":c": S("c001"), ":o": S("order#")})
        want = [s for s in self.sub_items if s["connectionId"] == S("c001")]
        check("query on the table with a range condition", db.body.get("Items") == sorted(
            want, key=lambda s: s["subscriptionKey"]["S"]) and db.body.get("Count") == len(want), repr(db.body)[:300])
        db.query(TableName=self.subs, IndexName="subscriptionKey-index", KeyConditionExpression="subscriptionKey = :k",
                 ExpressionAttributeValues={":k": S("order#05")})
        check("query on subscriptionKey-index (INCLUDE userId)", db.body.get("Items") == [
            {k: self.sub_items[5][k] for k in ("connectionId", "subscriptionKey", "userId")}], repr(db.body))
        db.query(TableName=self.subs, IndexName="createdAt-index", KeyConditionExpression="connectionId = :c AND createdAt >= :t",
                 ExpressionAttributeValues={":c": S("c002"), ":t": N(1010)})
        want = [s for s in self.sub_items if s["connectionId"] == S("c002") and int(s["createdAt"]["N"]) >= 1010]
        check("query on createdAt-index (LSI)", db.body.get("Items") == sorted(
            want, key=lambda s: int(s["createdAt"]["N"])), repr(db.body)[:300])
        db.query(TableName=self.conns, IndexName="userId-index", KeyConditionExpression="userId = :u",
                 FilterExpression="appId = :a", ExpressionAttributeValues={":u": S("u2"), ":a": S("drivers")})
        want = [it for it in u2 if it["appId"] == S("drivers")]
        check("query with a filter: Count after it, ScannedCount before it", db.body.get("Count") == len(want)
              and db.body.get("ScannedCount") == len(u2), repr(db.body)[:300])
        db.query(TableName=self.conns, IndexName="userId-index", KeyConditionExpression="userId = :u",
                 Select="COUNT", ExpressionAttributeValues={":u": S("u2")})
        check("query Select COUNT: no Items", db.body == {"Count": len(u2), "ScannedCount": len(u2)}, repr(db.body))
        db.error("query on a missing index", VALIDATION, db.query, TableName=self.conns, IndexName="nope-index",
                 KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": S("u2")})

    def scans(self):
        db, want = self.db, key_set(self.conn_items.values(), "connectionId")
        db.scan(TableName=self.conns)
        self.page_shape("scan", db.body, want_more=False)
        check("scan: every item", key_set(db.body.get("Items", []), "connectionId") == want, repr(db.body)[:300])
        got, pages = self.pages("scan, Limit 7", "scan", TableName=self.conns, Limit=7)
        check("scan, Limit 7 with ExclusiveStartKey: every item once", key_set(got, "connectionId") == want
              and pages >= len(want) // 7, "%d items in %d pages" % (len(got), pages))
        seen = []
        for seg in range(3):
            got, _ = self.pages("scan segment %d of 3, Limit 9" % seg, "scan", TableName=self.conns,
                                Segment=seg, TotalSegments=3, Limit=9)
            seen += got
        check("scan with Segment/TotalSegments: each item in exactly one segment",
              key_set(seen, "connectionId") == want, "%d items" % len(seen))
        db.scan(TableName=self.conns, Select="COUNT", FilterExpression="appId = :a",
                ExpressionAttributeValues={":a": S("drivers")})
        n = sum(1 for it in self.conn_items.values() if it["appId"] == S("drivers"))
        check("scan Select COUNT with a filter", db.body == {"Count": n, "ScannedCount": len(want)}, repr(db.body))
        got, _ = self.pages("scan of an index", "scan", TableName=self.conns, IndexName="app-index", Limit=20)
        check("scan of a KEYS_ONLY index: every item, keys only", key_set(got, "connectionId") == want and
              all(set(it) == {"connectionId", "appId", "connectedAt"} for it in got), repr(got[:2]))

    def delete_tables(self):
        db = self.db
        for name in (self.conns, self.subs):
            db.delete_table(TableName=name)
            d = db.body.get("TableDescription", {})
            check("delete_table %s: TableDescription, DELETING" % name, d.get("TableName") == name and
                  d.get("TableStatus") == "DELETING" and no_nulls(d), repr(db.body)[:300])
        db.error("delete_table of a missing table", "ResourceNotFoundException", db.delete_table, TableName=self.conns)
        db.error("get_item from a deleted table", "ResourceNotFoundException", db.get_item,
                 TableName=self.conns, Key={"connectionId": S("c001")})


def boto3_value(v):
    """The resource API's Python value for a DynamoDB JSON value."""
    (t, x), = v.items()
    return int(x) if t == "N" else x


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    s = Shapes(sys.argv[1], sys.argv[2])
    run("tables", s.create_tables)
    run("list_tables", s.list_tables)
    run("put, get and delete", s.put_get_delete)
    run("update", s.update)
    run("refused writes", s.refused_writes)
    run("batches", s.batches)
    run("queries", s.queries)
    run("scans", s.scans)
    run("delete tables", s.delete_tables)
    print("boto3 shapes: %d checks ok, %d failed" % (len(passed), len(failures)))
    if failures:
        print("failed: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
