#!/usr/bin/env bash
# make localstack-deploy: starts LocalStack (docker-compose.yml here) and deploys
# Ferry's SAM template into it with samlocal. See README.md in this directory for
# what LocalStack's community image lacks and how this path works around it.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=localstack-deploy
# shellcheck source=infra/localstack/lib.sh
. infra/localstack/lib.sh

need_docker
need samlocal sam awslocal aws curl python3 go

# The functions are built for arm64, as in AWS. LocalStack runs each in a
# container of that architecture, which an x86_64 Linux host runs only through
# QEMU's binfmt handler (Docker Desktop ships it).
if [ "$(docker info --format '{{.Architecture}}')" = x86_64 ] && [ "$(uname -s)" = Linux ] &&
  [ -z "${FERRY_LOCALSTACK_SKIP_ARCH_CHECK:-}" ] && ! grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64; then
  die "this x86_64 host cannot run the arm64 Lambda containers: register QEMU with" \
    "'docker run --privileged --rm tonistiigi/binfmt --install arm64'" \
    "(or set FERRY_LOCALSTACK_SKIP_ARCH_CHECK=1 if your Docker runs arm64 images another way)"
fi

docker compose -f "$COMPOSE_FILE" up -d --wait
localstack_up

# The OIDC parameters feed the JWT authorizer, which LocalStack's community
# image does not create; they must only be well-formed. Admins is the group the
# promote.sh admin signs in with. FERRY_LOCALSTACK_PARAMETERS adds or overrides
# parameters (KEY=VALUE, space-separated).
read -r -a extra <<<"${FERRY_LOCALSTACK_PARAMETERS:-}"
samlocal build
samlocal deploy --stack-name "$STACK" --region "$AWS_REGION" --resolve-s3 \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --no-confirm-changeset --no-fail-on-empty-changeset \
  --parameter-overrides OidcIssuer=https://localstack.invalid/ OidcAudience=ferry-localstack Admins=group:admins ${extra[@]+"${extra[@]}"}

awslocal cloudformation describe-stacks --stack-name "$STACK" \
  --query 'Stacks[0].[StackStatus, Outputs[].[OutputKey, OutputValue]]' --output text
echo "Ferry is deployed to LocalStack as stack $STACK; make localstack-test runs a promotion through it."
