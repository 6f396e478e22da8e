# The lab's everyday commands. `make` (or `make run`) runs the baseline variant;
# `make help` lists every target.

GO        ?= go
LAB       := bin/lab
BENCHTIME ?= 3s
PROFILE_ORDERS ?= 3000
# smoke runs sit beside a lab that `make run` may have started on 8080.
SMOKE_PORT_BASE ?= 18080
HAVE_NODE := $(shell command -v node 2>/dev/null)

UI_DIR   := ui-frontend
UI_INDEX := $(UI_DIR)/dist/index.html
UI_DEPS  := $(UI_DIR)/node_modules/.package-lock.json
UI_SRC   := $(shell find $(UI_DIR)/src $(UI_DIR)/public $(UI_DIR)/index.html $(UI_DIR)/vite.config.ts \
              $(UI_DIR)/tsconfig.json -type f 2>/dev/null)

# Containers: one image serves every variant (deploy/Containerfile). Podman runs
# with deploy/containers.conf (runc, lower limits); docker when podman is absent.
IMAGE   ?= localhost/lab:dev
VARIANT ?= rest
ENGINE  := $(firstword $(shell command -v podman docker 2>/dev/null))
ENGINE_ENV := $(if $(findstring podman,$(ENGINE)),CONTAINERS_CONF=$(CURDIR)/deploy/containers.conf)
COMPOSE_FILE := deploy/compose/compose.yaml
IMAGE_STAGE  := .lab/image

.DEFAULT_GOAL := run
.PHONY: help run list doctor ui ui-fresh test test-ui smoke bench bench-gateway profile-flow compare measure clean $(LAB) images images-local compose-check k8s k8s-check drill-abort proto drill-replicas

help: ## list the targets
	@echo "usage: make <target>"
	@grep -hE '^[a-zA-Z0-9%_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'

run: run-rest ## run the baseline variant (rest): open http://localhost:8080, Ctrl-C stops it

run-%: $(LAB) ui-fresh ## run a variant: make run-event-notification, make run-event-notification+retry; REPLICAS=2 runs two instances of each service on PostgreSQL
	@$(if $(REPLICAS),LAB_REPLICAS=$(REPLICAS) )$(LAB) run $*

list: $(LAB) ## list the bases, the patterns and the combinations tested
	@$(LAB) list

doctor: ## check what the lab needs here (Go, Node, RabbitMQ, PostgreSQL, chromium, prometheus, free ports) and say how to fix it
	@command -v $(GO) >/dev/null || { echo "  FAIL  Go: not installed; install Go 1.26 or later from https://go.dev/dl/, then make doctor again"; exit 1; }
	@$(GO) build -o $(LAB) ./cmd/lab && $(LAB) doctor

smoke: smoke-rest ## start rest on fresh data, run the acceptance suite against it, stop it

smoke-%: $(LAB) ## the same for another variant: make smoke-retry
	@LAB_PORT_BASE=$(SMOKE_PORT_BASE) $(LAB) smoke $*

drill-abort: ## the abort drill, longer: 800 orders of clients that give up, kill -9 of ordering, then the invariants
	LAB_DRILL_ROUNDS=$${LAB_DRILL_ROUNDS:-800} $(GO) test -count=1 -timeout 10m -v -run TestDrill_abortAndKill ./shared/acceptance/

drill-replicas: ## the replica drill, longer: 2 instances of each service on PostgreSQL, 1500 orders, kill -9 of one instance of each in turn and again
	LAB_DRILL_ORDERS=$${LAB_DRILL_ORDERS:-1500} $(GO) test -count=1 -timeout 10m -v -run TestDrill_killReplicas ./shared/acceptance/

compare: $(LAB) ## measure every variant under the same load, in interleaved rounds: writes data/comparison.md and .svg (VARIANTS="rest tracing …", COMPARE="-rounds 5")
	@$(LAB) compare $(COMPARE) $(VARIANTS)

bench-gateway: $(LAB) ## requests/s and CPU per request through the gateway, a bare Go reverse proxy (alone; with the gateway's timeouts; with those, a request id and the access line) and nginx (when installed) to one upstream, interleaved, under wrk and at a paced rate (needs wrk)
	@$(LAB) bench-gateway $(BENCH_GATEWAY)

demo-%: $(LAB) ## run a base alone and with a reliability pattern under the same load and faults: make demo-retry
	@$(LAB) demo $*

# bin/lab is the runner and every service of every variant (lab serve). go build
# is asked every time and does nothing when no source changed.
$(LAB):
	@$(GO) build -o $@ ./cmd/lab

ui: ## build the web UI into ui-frontend/dist (needs Node.js)
ifdef HAVE_NODE
	cd $(UI_DIR) && npm ci && npm run build
else
	@echo "make: node is not installed, so the UI cannot be built; the gateway serves the API only"
endif

# ui-fresh rebuilds the UI when it is missing or older than its sources. A UI that
# does not build never stops a run: the gateway then serves the API and a note. A
# build that was interrupted (Ctrl-C: npm exits above 128) stops it: its rule
# leaves a mark (NPM_INTERRUPTED) that ui-fresh turns into exit status 130.
UI_STOPPED      := $(UI_DIR)/node_modules/.lab-interrupted
NPM_INTERRUPTED  = || { s=$$?; [ $$s -gt 128 ] && mkdir -p $(dir $(UI_STOPPED)) && touch $(UI_STOPPED); exit $$s; }

ui-fresh:
ifdef HAVE_NODE
	@rm -f $(UI_STOPPED); $(MAKE) -s --no-print-directory $(UI_INDEX) || { s=$$?; \
		if [ -e $(UI_STOPPED) ] || [ $$s -gt 128 ]; then rm -f $(UI_STOPPED); echo "make: the UI build was interrupted"; exit 130; fi; \
		echo "make: the UI did not build; the gateway serves the API only (see the error above)"; }
else
	@echo "make: node is not installed, so the gateway serves the API only (make ui builds the UI once it is)"
endif

$(UI_DEPS): $(UI_DIR)/package.json $(UI_DIR)/package-lock.json
	cd $(UI_DIR) && npm ci $(NPM_INTERRUPTED)
	@touch $@

$(UI_INDEX): $(UI_DEPS) $(UI_SRC)
	cd $(UI_DIR) && npm run build $(NPM_INTERRUPTED)

test: ## vet, every Go test with the race detector, the smoke run, the UI's unit and browser tests
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory k8s-check compose-check
	@$(MAKE) --no-print-directory test-ui

test-ui: $(LAB) ## the UI's unit tests, lints (OpenAPI, Mermaid), then rest, two async variants (one event-sourced) and a security variant through the acceptance suite, the browser tests and the audits
ifdef HAVE_NODE
	cd $(UI_DIR) && npm ci --no-audit --no-fund && npm run build && npm test
	cd $(UI_DIR) && npm run --silent lint:openapi && npm run --silent lint:mermaid
	LAB_PORT_BASE=$(SMOKE_PORT_BASE) $(LAB) smoke rest -ui
	LAB_PORT_BASE=$(SMOKE_PORT_BASE) E2E_LIGHTHOUSE=0 $(LAB) smoke event-carried-state-transfer -ui
	LAB_PORT_BASE=$(SMOKE_PORT_BASE) E2E_LIGHTHOUSE=0 $(LAB) smoke event-sourcing -ui
	LAB_PORT_BASE=$(SMOKE_PORT_BASE) E2E_LIGHTHOUSE=0 $(LAB) smoke token-exchange -ui
else
	@echo "make: node is not installed: the UI tests cannot run"; test -z "$$CI"
	LAB_PORT_BASE=$(SMOKE_PORT_BASE) $(LAB) smoke rest
endif

bench: ## run the flow benchmarks of every base and every pattern on rest (BENCHTIME=3s)
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./cmd/lab/

profile-flow: $(LAB) ## profile the rest flow in one process (PROFILE_ORDERS=3000) and print its CPU's shares: garbage collection, SQL, JSON, logging, HTTP, the scheduler (data/cpu.out)
	@mkdir -p data
	$(GO) test -run '^$$' -bench 'Flow/rest$$' -benchtime $(PROFILE_ORDERS)x -cpuprofile data/cpu.out -o data/lab.test ./cmd/lab/
	@$(LAB) profile data/cpu.out

measure: ## every figure of the README's performance section in one run, one command after the other (about 40 minutes): refreshes docs/comparison.md, the rest goes to data/measure/
	@scripts/measure.sh

images: ## build the one image of every variant (IMAGE=localhost/lab:dev) with podman or docker (deploy/Containerfile)
	@test -n "$(ENGINE)" || { echo "make: neither podman nor docker is installed"; exit 1; }
	$(ENGINE_ENV) $(ENGINE) build -f deploy/Containerfile -t $(IMAGE) .

images-local: ui-fresh ## the same image from a binary and UI built here, for hosts that cannot pull base images
	@test -n "$(ENGINE)" || { echo "make: neither podman nor docker is installed"; exit 1; }
	rm -rf $(IMAGE_STAGE) && mkdir -p $(IMAGE_STAGE)/data $(IMAGE_STAGE)/ui
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(IMAGE_STAGE)/lab ./cmd/lab
	@if [ -f $(UI_INDEX) ]; then cp -R $(UI_DIR)/dist/. $(IMAGE_STAGE)/ui/; \
	 else echo "make: no built UI: the image's gateway serves the API only"; fi
	@cp /etc/ssl/certs/ca-certificates.crt $(IMAGE_STAGE)/ 2>/dev/null || \
	 { echo "make: no /etc/ssl/certs/ca-certificates.crt: the image trusts no CA"; : > $(IMAGE_STAGE)/ca-certificates.crt; }
	$(ENGINE_ENV) $(ENGINE) build -f deploy/Containerfile.local -t $(IMAGE) $(IMAGE_STAGE)

compose-check: ## validate deploy/compose/compose.yaml with docker-compose (or docker compose) config
	@if command -v docker-compose >/dev/null; then c=docker-compose; \
	 elif docker compose version >/dev/null 2>&1; then c="docker compose"; \
	 else echo "make: neither docker-compose nor docker compose is installed: $(COMPOSE_FILE) is not checked"; \
	   test -z "$$CI"; exit; fi; \
	 $$c -f $(COMPOSE_FILE) config -q && $$c -f $(COMPOSE_FILE) --profile security config -q && \
	 echo "$(COMPOSE_FILE): valid ($$c)"

k8s: ## print the Kubernetes manifests of a variant: make k8s VARIANT=retry | kubectl apply -f -
	@$(GO) -C tools tool kustomize build ../deploy/k8s/overlays/$(VARIANT)

k8s-check: ## build every overlay of deploy/k8s and decode each object strictly (tools/k8scheck)
	$(GO) -C tools vet ./...
	$(GO) -C tools test -count=1 ./...

proto: ## regenerate the grpc base's Go code from shared/proto (protoc from protobuf-compiler, the plugins pinned in tools/)
	@command -v protoc >/dev/null || { echo "make: protoc is missing: apt-get install -y protobuf-compiler"; exit 1; }
	protoc --proto_path=shared/proto \
		--plugin=protoc-gen-go="$$($(GO) -C tools tool -n protoc-gen-go)" \
		--plugin=protoc-gen-go-grpc="$$($(GO) -C tools tool -n protoc-gen-go-grpc)" \
		--go_out=shared/proto --go_opt=paths=source_relative \
		--go-grpc_out=shared/proto --go-grpc_opt=paths=source_relative \
		shared/proto/lab/v1/lab.proto

clean: ## remove the binaries, the built UI and the data of every variant (in data/, or LAB_DATA_DIR)
	rm -rf bin data $(UI_DIR)/dist $(UI_DIR)/test-results $(if $(LAB_DATA_DIR),$(LAB_DATA_DIR))
