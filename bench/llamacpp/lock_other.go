//go:build !linux

package llamacpp

// lockFile does nothing: Find builds llama-bench only on Linux.
func lockFile(path string) (unlock func(), err error) {
	return func() {}, nil
}
