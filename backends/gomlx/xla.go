//go:build xla

package gomlx

// With the build tag xla, GoMLX's XLA engine is linked in: GOMLX_BACKEND (or
// the spec "gomlx:xla:<plugin>") then selects "xla:cpu", "xla:cuda", ... It
// needs cgo and loads a PJRT plugin at run time (see README, section "GoMLX
// backend").
import _ "github.com/gomlx/gomlx/backends/xla"
