# shellcheck shell=bash
# What deploy.sh and promote.sh share: the stack's name, LocalStack's address,
# credentials that can reach nothing but LocalStack, and the checks that stop a
# run early with a message saying what is missing.

# shellcheck disable=SC2034 # STACK, ENDPOINT and COMPOSE_FILE are for the scripts that source this
STACK=${FERRY_LOCALSTACK_STACK:-ferry-localstack}
ENDPOINT=${FERRY_LOCALSTACK_ENDPOINT:-http://localhost:4566}
# shellcheck disable=SC2034
COMPOSE_FILE=infra/localstack/docker-compose.yml

# LocalStack accepts any key; these are its documented defaults. Exporting them
# keeps a developer's real AWS credentials and profile out of every command here.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

# die prints its arguments as one line on stderr, prefixed with the make target,
# and exits 1.
die() {
  echo "make $TARGET: $*" >&2
  exit 1
}

# need fails unless each named command is on PATH, saying how to get it.
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 && continue
    case $tool in
      docker) die "docker is not installed; this path runs LocalStack in Docker (https://docs.docker.com/get-docker/)" ;;
      samlocal) die "samlocal is not installed: pip install aws-sam-cli-local (it wraps the AWS SAM CLI, which must be installed too)" ;;
      awslocal) die "awslocal is not installed: pip install awscli-local (it wraps the AWS CLI, which must be installed too)" ;;
      sam) die "the AWS SAM CLI is not installed (samlocal wraps it): https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html" ;;
      aws) die "the AWS CLI is not installed (awslocal wraps it): https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" ;;
      *) die "$tool is not installed" ;;
    esac
  done
}

# need_docker fails unless a Docker daemon answers and Compose v2 is there.
need_docker() {
  need docker
  docker info >/dev/null 2>&1 || die "docker is installed but no Docker daemon answers (docker info fails): start Docker"
  docker compose version >/dev/null 2>&1 || die "docker compose (Compose v2) is not available: install the Docker Compose plugin"
}

# localstack_up fails unless LocalStack answers on ENDPOINT with the services
# Ferry uses available or running.
localstack_up() {
  local health
  health=$(curl -fsS "$ENDPOINT/_localstack/health" 2>/dev/null) ||
    die "LocalStack does not answer at $ENDPOINT: make localstack-deploy starts it"
  python3 - "$health" <<'PY' || die "LocalStack answers at $ENDPOINT but lacks a service Ferry needs (see above)"
import json, sys
services = json.loads(sys.argv[1]).get("services", {})
missing = [s for s in ("cloudformation", "cloudwatch", "dynamodb", "events", "iam", "lambda", "logs", "s3",
                     "stepfunctions", "sts")
           if services.get(s) not in ("available", "running")]
if missing:
    sys.exit("LocalStack services not available: " + ", ".join(missing))
PY
}
