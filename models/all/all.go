// Package all links every architecture into a binary. Import it for its side
// effect: import _ "sovra/models/all".
package all

import (
	_ "sovra/models/llama" // Llama family
)
