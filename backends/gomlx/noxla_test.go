//go:build !xla

package gomlx_test

import (
	"strings"
	"testing"

	"sovra/backends"
)

// Without the build tag xla, asking for the XLA engine says how to get it.
func TestXLANotLinked(t *testing.T) {
	_, err := backends.Open("gomlx:xla:cpu", 0)
	if err == nil || !strings.Contains(err.Error(), "make build-xla") || !strings.Contains(err.Error(), "GOMLX_BACKEND=go") {
		t.Errorf("gomlx:xla:cpu in a build without xla: err = %v", err)
	}
	if _, err := backends.Open("gomlx:nosuch", 0); err == nil {
		t.Error("gomlx:nosuch opened")
	}
}
