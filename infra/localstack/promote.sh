#!/usr/bin/env bash
# make localstack-test: one promotion through Ferry deployed to LocalStack by
# make localstack-deploy. An admin creates an environment whose policy wants one
# approval from group:reviewers; CI uploads a release and starts its promotion
# (the IAM route, /ci/api); the state machine plans it and waits; a reviewer
# approves (the JWT route, /api); the promotion must end SUCCEEDED with the
# environment at version 1, approved by the reviewer. The environment is deleted
# afterwards.
#
# LocalStack's community image has no API Gateway v2, so there is no HTTP API:
# every request is an invocation of the api function with the event API Gateway
# would send after its authorizer let the request in (apigw.py). Everything
# behind that is real: the api function's code, DynamoDB, Step Functions running
# statemachine/promotion.asl.json, the step functions in Lambda containers.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=localstack-test
# shellcheck source=infra/localstack/lib.sh
. infra/localstack/lib.sh

need awslocal aws curl python3
localstack_up
awslocal cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1 ||
  die "stack $STACK is not deployed to LocalStack: run make localstack-deploy first"
api=$(awslocal cloudformation describe-stack-resource --stack-name "$STACK" --logical-resource-id ApiFunction \
  --query StackResourceDetail.PhysicalResourceId --output text)

# A function just deployed may still be Pending: invoking it then is refused.
awslocal lambda wait function-active-v2 --function-name "$api" ||
  die "the api function $api did not become active; see docker compose -f $COMPOSE_FILE logs localstack"

TIMEOUT=${FERRY_LOCALSTACK_TIMEOUT:-600} # seconds; the first invocations pull the Lambda image
ADMIN=jwt:admin@example.com:admins
CI=iam:arn:aws:iam::000000000000:user/ferry-ci
REVIEWER=jwt:ana@example.com:reviewers

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# call METHOD PATH IDENTITY [BODY] invokes the api function with the request and
# sets STATUS; the response body is in $work/body.json.
call() {
  local args=(event "$1" "$2" "$3")
  LAST="$1 $2"
  if [ $# -gt 3 ]; then
    printf '%s' "$4" >"$work/request.json"
    args+=("$work/request.json")
  fi
  python3 infra/localstack/apigw.py "${args[@]}" >"$work/event.json"
  awslocal lambda invoke --cli-read-timeout 300 --function-name "$api" --payload "fileb://$work/event.json" "$work/out.json" >/dev/null ||
    die "$LAST: invoking the api function $api failed"
  python3 infra/localstack/apigw.py response "$work/out.json" >"$work/response"
  STATUS=$(head -n 1 "$work/response")
  tail -n +2 "$work/response" >"$work/body.json"
}

# expect fails unless the last call answered one of the given statuses.
expect() {
  local want
  for want in "$@"; do
    [ "$STATUS" = "$want" ] && return 0
  done
  die "$LAST answered HTTP $STATUS, not $*: $(cat "$work/body.json")"
}

# field prints a field of the last response body (dotted path).
field() { python3 infra/localstack/apigw.py field "$work/body.json" "$1"; }

# wait_for ID STATE polls the promotion until it is in STATE, and fails when it
# ends in another state or TIMEOUT passes.
wait_for() {
  local id=$1 want=$2 state deadline=$((SECONDS + TIMEOUT))
  while :; do
    call GET "/ci/api/promotions/$id" "$CI"
    expect 200
    state=$(field promotion.state)
    [ "$state" = "$want" ] && return 0
    case $state in
      SUCCEEDED | NO_CHANGES | REJECTED | EXPIRED | CANCELLED | ROLLED_BACK | FAILED)
        die "promotion $id ended $state, not $want: $(field promotion.error)" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] ||
      die "promotion $id is still $state after ${TIMEOUT}s, not $want; see docker compose -f $COMPOSE_FILE logs localstack"
    sleep 2
  done
}

step() { echo "== $*"; }

env="localstack-$(date -u +%Y%m%d-%H%M%S)"

step "admin creates environment $env: one approval from group:reviewers"
call PUT "/api/environments/$env" "$ADMIN" \
  '{"policy": {"approval": "always", "approvers": ["group:reviewers"], "min_approvals": 1, "ttl": "2h"}, "ephemeral": true}'
expect 200 201

step "CI uploads a release"
call POST /ci/api/releases "$CI" "{\"name\": \"$env\", \"source\": {\"commit\": \"0000000\", \"message\": \"LocalStack check\"},
  \"nodes\": [{\"name\": \"customers\", \"kind\": \"model\", \"spec\": {\"sql\": \"select 1\"}},
              {\"name\": \"orders\", \"kind\": \"model\", \"depends_on\": [\"customers\"], \"spec\": {\"sql\": \"select 2\"}}]}"
expect 200 201
release=$(field id)

step "CI starts the promotion of $release into $env"
call POST /ci/api/promotions "$CI" "{\"environment\": \"$env\", \"release_id\": \"$release\"}"
expect 201
id=$(field id)
[ "$(field requested_by)" = "${CI#iam:}" ] || die "the promotion was requested by $(field requested_by), not the IAM caller ${CI#iam:}"

step "the state machine plans promotion $id and waits for approval"
wait_for "$id" AWAITING_APPROVAL
digest=$(field promotion.plan_digest)

step "ana (group reviewers) approves plan $digest"
call POST "/api/promotions/$id/approve" "$REVIEWER" "{\"comment\": \"read the plan on LocalStack\", \"plan_digest\": \"$digest\"}"
expect 200

step "the state machine applies, verifies and finalizes"
wait_for "$id" SUCCEEDED

call GET "/ci/api/environments/$env" "$CI"
expect 200
version=$(field environment.version)
by=$(python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["history"]; print(h[0]["by"] if h else "")' "$work/body.json")
if [ "$version" != 1 ] || [ "$by" != ana@example.com ]; then
  die "environment $env is at version $version, approved by '$by'; expected version 1 approved by ana@example.com"
fi

call DELETE "/api/environments/$env" "$ADMIN"
expect 200 204
echo "ok: promotion $id SUCCEEDED through LocalStack; $env reached version 1, approved by ana@example.com (environment deleted)"
