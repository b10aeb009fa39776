// Package seeds holds the small models the sovra binary embeds, so that
// `sovra run` works with no download. See README.md beside this file for where
// each one comes from.
package seeds

import _ "embed"

// Default is the GGUF file used when no model is given:
// llama-2-tiny-random.gguf, a one-layer Llama with random weights and the full
// Llama 2 SentencePiece vocabulary. Its text is gibberish; it exists to show
// the whole pipeline working.
//
//go:embed llama-2-tiny-random.gguf
var Default []byte

// DefaultName is the file name of Default.
const DefaultName = "llama-2-tiny-random.gguf"
