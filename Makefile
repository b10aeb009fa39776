GO ?= go

.PHONY: run test build vet fuzz clean

# Generate text from the embedded seed model: no download, no flags.
run:
	$(GO) run ./cmd/sovra run

# Every test; needs no GPU. Tests that need ../shared skip with a reason when it is absent.
test: vet
	$(GO) test -count=1 ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...

# The static, cgo-free binary.
build:
	CGO_ENABLED=0 $(GO) build -o bin/sovra ./cmd/sovra

# A short run of every fuzz target (longer: make fuzz FUZZTIME=10m).
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./models/gguf/
	$(GO) test -run='^$$' -fuzz=FuzzDequantize -fuzztime=$(FUZZTIME) ./kernels/quant/
	$(GO) test -run='^$$' -fuzz=FuzzEncode -fuzztime=$(FUZZTIME) ./models/tokenizer/

clean:
	rm -rf bin
