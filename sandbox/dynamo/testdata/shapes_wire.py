"""The plumbing of boto3_shapes.py: a boto3 client that keeps each answer's
raw status and body, the check bookkeeping, and DynamoDB JSON helpers."""

import json
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

VALIDATION = "com.amazon.coral.validate#ValidationException"
DYNAMO = "com.amazonaws.dynamodb.v20120810#"

failures = []  # the names of the checks that failed
passed = []  # and of those that passed


def check(name, ok, detail=""):
    """Records and prints one check; detail says what was seen instead."""
    if ok:
        passed.append(name)
        print("ok   " + name)
    else:
        failures.append(name)
        print("FAIL " + name + (": " + detail if detail else ""))


def run(name, fn):
    """Runs one group of checks; an exception fails the group, not the script."""
    try:
        fn()
    except Exception:  # noqa: BLE001 - report and go on with the next group
        failures.append(name)
        print("FAIL " + name + ": raised\n" + traceback.format_exc())


class Wire:
    """A client that also keeps the raw status and JSON body of each answer."""

    def __init__(self, url):
        kw = dict(endpoint_url=url, region_name="us-east-1",
                  aws_access_key_id="x", aws_secret_access_key="x",
                  config=Config(retries={"max_attempts": 1, "mode": "standard"}))
        self.client = boto3.client("dynamodb", **kw)
        self.resource = boto3.resource("dynamodb", **kw)
        self.status, self.body = None, None
        for events in (self.client.meta.events, self.resource.meta.client.meta.events):
            events.register("after-call.dynamodb", self._keep)

    def _keep(self, http_response, **_):
        self.status = http_response.status_code
        self.body = json.loads(http_response.content or b"null")

    def __getattr__(self, op):
        return getattr(self.client, op)

    def error(self, name, want_type, fn, **kw):
        """Calls fn(**kw), which must fail with want_type (a bare DynamoDB
        error name or a qualified __type) as DynamoDB sends it: HTTP 400 and
        a JSON body of exactly __type and message. Returns the message."""
        qualified = want_type if "#" in want_type else DYNAMO + want_type
        try:
            fn(**kw)
        except ClientError as e:
            body = self.body or {}
            check(name, self.status == 400 and body.get("__type") == qualified
                  and isinstance(body.get("message"), str) and set(body) == {"__type", "message"},
                  "HTTP %s %s, want 400 __type %s and a message" % (self.status, body, qualified))
            return e.response["Error"]["Message"]
        check(name, False, "succeeded, want " + qualified)
        return ""


def no_nulls(v):
    if v is None:
        return False
    if isinstance(v, dict):
        return all(no_nulls(x) for x in v.values())
    if isinstance(v, list):
        return all(no_nulls(x) for x in v)
    return True


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def key_set(items, *names):
    return sorted(tuple(json.dumps(it[n], sort_keys=True) for n in names) for it in items)
