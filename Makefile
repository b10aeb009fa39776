GO ?= go

.PHONY: run test build vet fuzz clean bench

# Generate text from the embedded seed model: no download, no flags.
run:
	$(GO) run ./cmd/sovra run

# Every test; needs no GPU. Tests that need ../shared skip with a reason when it is absent.
test: vet
	$(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory test-xla
	@$(MAKE) --no-print-directory test-arm64

# The xla-tagged code (GoMLX's XLA engine, cgo) must keep compiling: type-check
# it with go vet. Skips with a reason without a C compiler.
.PHONY: test-xla
test-xla:
	@if command -v gcc >/dev/null; then echo 'CGO_ENABLED=1 $(GO) vet -tags xla ./backends/gomlx/'; CGO_ENABLED=1 $(GO) vet -tags xla ./backends/gomlx/; \
	else echo "test-xla: skipped: no C compiler (apt-get install gcc)"; fi

# The kernels' tests again as arm64 code under qemu user-mode emulation, so
# that the neon and dotprod kernels run on any host: QEMU_CPU=max has every
# feature and KERNELS_FLAGSHIP=1 fails, instead of skipping, an implementation
# the emulated CPU cannot run. Skips with a reason without qemu-aarch64-static
# (Debian package qemu-user-static).
TEST_ARM64 = QEMU_CPU=max KERNELS_FLAGSHIP=1 GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64-static ./kernels/...
.PHONY: test-arm64
test-arm64:
	@if command -v qemu-aarch64-static >/dev/null; then echo '$(TEST_ARM64)'; $(TEST_ARM64); \
	else echo "test-arm64: skipped: qemu-aarch64-static not found (apt-get install qemu-user-static)"; fi

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...

# The static, cgo-free binary.
build:
	CGO_ENABLED=0 $(GO) build -o bin/sovra ./cmd/sovra

# The binary with GoMLX's XLA engine as well (cgo; it loads a PJRT plugin at
# run time: see README, "GoMLX backend"). go vet checks the xla-tagged code too.
.PHONY: build-xla
build-xla:
	$(GO) vet -tags xla ./backends/gomlx/
	CGO_ENABLED=1 $(GO) build -tags xla -o bin/sovra-xla ./cmd/sovra

# A short run of every fuzz target (longer: make fuzz FUZZTIME=10m).
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./models/gguf/
	$(GO) test -run='^$$' -fuzz=FuzzDequantize -fuzztime=$(FUZZTIME) ./kernels/quant/
	$(GO) test -run='^$$' -fuzz=FuzzVecDotImpls -fuzztime=$(FUZZTIME) ./kernels/quant/
	$(GO) test -run='^$$' -fuzz=FuzzEncode -fuzztime=$(FUZZTIME) ./models/tokenizer/
	$(GO) test -run='^$$' -fuzz=FuzzRequests -fuzztime=$(FUZZTIME) ./runtime/server/
	$(GO) test -run='^$$' -fuzz=FuzzTemplate -fuzztime=$(FUZZTIME) ./models/chat/
	$(GO) test -run='^$$' -fuzz=FuzzDotRows -fuzztime=$(FUZZTIME) ./kernels/quant/

# The standard benchmark: tinyllama-1.1b at its real shape (random weights) in
# q4_0, q8_0, f16 and q4_k_m, measured by sovra and by llama.cpp's llama-bench side by
# side (built on first use: needs npm, git and g++), written to bench/RESULTS.md
# with a chart in bench/results.svg. The models are synthesized once into
# bench/.models (git-ignored). Every setting can be overridden, for instance
#   make bench BENCH_MODELS="../shared/models/parity-llama-Q4_0.gguf" BENCH_R=5
BENCH_DIR    ?= bench/.models
BENCH_SHAPE  ?= tinyllama-1.1b
BENCH_TYPES  ?= q4_0 q8_0 f16 q4_k_m
BENCH_MODELS ?= $(foreach t,$(BENCH_TYPES),$(BENCH_DIR)/$(BENCH_SHAPE)-$(t).gguf)
BENCH_P      ?= 64,512
BENCH_N      ?= 32
BENCH_T      ?= 2
BENCH_R      ?= 3
BENCH_ARGS    = $(foreach m,$(BENCH_MODELS),-m $(m)) -p $(BENCH_P) -n $(BENCH_N) -t $(BENCH_T) -r $(BENCH_R) --vs llama.cpp
# Then a float model on the cpu backend and on gomlx, GoMLX's pure-Go engine
# (GOMLX_BACKEND=go; the XLA engine needs a PJRT plugin this machine cannot
# download), appended to bench/RESULTS.md; skipped with a note when the model
# (../shared/models) is absent.
BENCH_BACKEND_MODEL ?= ../shared/models/parity-llama-F32.gguf
BENCH_BACKEND_ARGS   = -m $(BENCH_BACKEND_MODEL) --backend cpu,gomlx -p 64 -n 32 -r $(BENCH_R) -t $(BENCH_T)

bench: build $(BENCH_MODELS)
	bin/sovra bench $(BENCH_ARGS) --plot bench/results.svg --progress -o md > bench/RESULTS.md.tmp
	{ echo "# Benchmark results"; echo; \
	  echo "Written by \`make bench\` on $$(date -u +%Y-%m-%d): \`sovra bench $(BENCH_ARGS)\`."; \
	  echo "The models are synthetic (random weights at the real shape, \`sovra synth\`); speed does not depend on the values."; \
	  echo "Chart: [results.svg](results.svg)."; echo; \
	  cat bench/RESULTS.md.tmp; } > bench/RESULTS.md
	rm bench/RESULTS.md.tmp
	@if [ ! -f $(BENCH_BACKEND_MODEL) ]; then \
	  echo "bench: backend comparison skipped: $(BENCH_BACKEND_MODEL) not found (../shared/models is not beside the checkout)"; exit 0; fi; \
	echo 'GOMLX_BACKEND=go bin/sovra bench $(BENCH_BACKEND_ARGS) --progress -o md'; \
	GOMLX_BACKEND=go bin/sovra bench $(BENCH_BACKEND_ARGS) --progress -o md > bench/RESULTS.md.tmp || exit 1; \
	{ echo; echo "## Backends: cpu and gomlx (the pure-Go engine of GoMLX)"; echo; \
	  echo 'Written by `make bench` too: `GOMLX_BACKEND=go sovra bench $(BENCH_BACKEND_ARGS)`.'; \
	  echo "One small float32 model (the parity model of ../shared/reference: dim 128, 3 layers, vocab 32000) on sovra's CPU backend and on the gomlx backend running GoMLX's pure-Go engine (GOMLX_BACKEND=go)."; \
	  echo "XLA was not run here: its PJRT plugin is not installed and this machine has no internet to fetch it (see README, GoMLX backend)."; \
	  echo "compile ms is gomlx compiling the graph of each shape, once (pp64: the 64-row bucket; tg: the one-token step, compiled while loading); it is not part of t/s."; \
	  echo; cat bench/RESULTS.md.tmp; } >> bench/RESULTS.md; \
	rm bench/RESULTS.md.tmp

$(BENCH_DIR)/$(BENCH_SHAPE)-%.gguf: | build
	@mkdir -p $(BENCH_DIR)
	bin/sovra synth --shape $(BENCH_SHAPE) --type $* -o $@

clean:
	rm -rf bin
