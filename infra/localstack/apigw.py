#!/usr/bin/env python3
"""What API Gateway would hand Ferry's api function, for promote.sh.

LocalStack's community image has no API Gateway v2 (HTTP APIs, JWT and IAM
authorizers), so promote.sh invokes the api function directly with the event an
HTTP API sends after its authorizer let the request in: payload format 2.0, with
the JWT authorizer's claims (routes under /api) or the IAM authorizer's caller
(routes under /ci/api) in requestContext.authorizer. The function trusts that
context as it trusts API Gateway's: whoever may invoke it directly may claim any
identity, which is why in AWS nothing but API Gateway should hold
lambda:InvokeFunction on it.

Usage:
  apigw.py event METHOD PATH IDENTITY [BODY_FILE]   print the event
  apigw.py response FILE                           print the status, then the body
  apigw.py field FILE PATH                         print a field of a JSON file

IDENTITY is iam:ARN or jwt:SUBJECT[:GROUP,GROUP...]. PATH (for field) is dotted,
such as promotion.state; a missing field prints nothing.
"""

import base64
import json
import sys
import time
import uuid


def authorizer(identity):
    kind, _, rest = identity.partition(":")
    if kind == "iam":
        return {"iam": {"accessKey": "LOCALSTACKEXAMPLE", "accountId": "000000000000",
                        "callerId": "LOCALSTACKEXAMPLE", "principalOrgId": None,
                        "userArn": rest, "userId": "LOCALSTACKEXAMPLE"}}
    if kind == "jwt":
        subject, _, groups = rest.partition(":")
        # API Gateway flattens a list claim to "[a b]"; Ferry reads that form.
        claims = {"sub": subject, "email": subject, "groups": "[" + " ".join(g for g in groups.split(",") if g) + "]"}
        return {"jwt": {"claims": claims, "scopes": None}}
    sys.exit("apigw.py: identity %r is neither iam:ARN nor jwt:SUBJECT[:GROUPS]" % identity)


def event(method, path, identity, body_file=None):
    body = open(body_file, encoding="utf-8").read() if body_file else ""
    now = time.time()
    route = "ANY /ci/api/{proxy+}" if path.startswith("/ci/api/") else "ANY /api/{proxy+}"
    raw_path, _, query = path.partition("?")
    return {
        "version": "2.0",
        "routeKey": route,
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": {"content-type": "application/json", "host": "localstack.invalid", "user-agent": "ferry-localstack-promote"},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "localstack",
            "authorizer": authorizer(identity),
            "domainName": "localstack.invalid",
            "domainPrefix": "localstack",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "ferry-localstack-promote"},
            "requestId": str(uuid.uuid4()),
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def response(path):
    with open(path, encoding="utf-8") as f:
        out = json.load(f)
    if "statusCode" not in out:  # the function failed: Lambda's error object
        print(500)
        print(json.dumps(out))
        return
    body = out.get("body", "")
    if out.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    print(out["statusCode"])
    print(body)


def field(path, dotted):
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return
        value = value[key]
    print(value if isinstance(value, str) else json.dumps(value))


def main(argv):
    if len(argv) >= 4 and argv[0] == "event":
        json.dump(event(*argv[1:5]), sys.stdout)
    elif len(argv) == 2 and argv[0] == "response":
        response(argv[1])
    elif len(argv) == 3 and argv[0] == "field":
        field(argv[1], argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
