package llamacpp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// NodeLlamaCppVersion is the node-llama-cpp release whose prebuilt libraries and
// llama.cpp source Find uses.
const NodeLlamaCppVersion = "3.22.1"

// ErrMissingTool is matched (errors.Is) by the error Find returns when a tool it
// needs to build llama-bench (npm, git, g++) is not on PATH.
var ErrMissingTool = errors.New("missing tool")

// ErrUnsupportedPlatform is returned by Find on a platform node-llama-cpp ships no
// prebuilt Linux libraries for.
var ErrUnsupportedPlatform = errors.New("no prebuilt llama.cpp libraries for this platform")

// Options configures Find.
type Options struct {
	// CacheDir holds the npm package, the llama.cpp source and the built binary.
	// Empty means os.UserCacheDir()/sovra/llama-bench.
	CacheDir string
	// Log receives progress messages and the output of npm, git and g++; nil
	// discards them.
	Log io.Writer
}

// missingTool is one tool Find needs and did not find on PATH.
type missingTool struct {
	tool, hint string
}

func (e *missingTool) Error() string        { return e.tool + " not found: " + e.hint }
func (e *missingTool) Is(target error) bool { return target == ErrMissingTool }

// toolHints says how to install each tool Find may need.
var toolHints = map[string]string{
	"npm": "install Node.js and npm (apt-get install nodejs npm)",
	"git": "apt-get install git",
	"g++": "apt-get install g++",
}

// layout names the files Find keeps under one cache directory.
type layout struct {
	root   string // <CacheDir>/node-llama-cpp-<version>
	npm    string // npm --prefix directory
	pkg    string // npm/node_modules/node-llama-cpp
	libDir string // prebuilt libraries
	src    string // llama.cpp checkout (the files llama-bench needs)
	bin    string // bin/llama-bench
	log    io.Writer
}

// Find returns a llama-bench binary cached under o.CacheDir, building it on first
// use as the package documentation describes. Later calls only check that the
// cached binary runs (about 20 ms); it is rebuilt when it is missing or does not
// run. Concurrent calls, also from different processes, wait for each other.
func Find(ctx context.Context, o Options) (*Bench, error) {
	platform, err := platformName()
	if err != nil {
		return nil, err
	}
	cacheDir := o.CacheDir
	if cacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("llamacpp: no cache directory (set Options.CacheDir): %w", err)
		}
		cacheDir = filepath.Join(dir, "sovra", "llama-bench")
	}
	if cacheDir, err = filepath.Abs(cacheDir); err != nil {
		return nil, fmt.Errorf("llamacpp: %w", err)
	}
	root := filepath.Join(cacheDir, "node-llama-cpp-"+NodeLlamaCppVersion)
	l := &layout{
		root:   root,
		npm:    filepath.Join(root, "npm"),
		pkg:    filepath.Join(root, "npm", "node_modules", "node-llama-cpp"),
		libDir: filepath.Join(root, "npm", "node_modules", "@node-llama-cpp", platform, "bins", platform),
		src:    filepath.Join(root, "src"),
		bin:    filepath.Join(root, "bin", "llama-bench"),
		log:    o.Log,
	}
	if l.log == nil {
		l.log = io.Discard
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("llamacpp: %w", err)
	}
	unlock, err := lockFile(root + ".lock")
	if err != nil {
		return nil, fmt.Errorf("llamacpp: locking the cache: %w", err)
	}
	defer unlock()

	if _, err := os.Stat(l.bin); err == nil {
		b, err := l.probe(ctx)
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		l.logf("cached %s does not work, rebuilding: %v", l.bin, err)
	}
	if err := l.build(ctx, platform); err != nil {
		return nil, err
	}
	return l.probe(ctx)
}

// platformName returns node-llama-cpp's name for this platform's prebuilt package.
func platformName() (string, error) {
	if runtime.GOOS == "linux" {
		switch runtime.GOARCH {
		case "amd64":
			return "linux-x64", nil
		case "arm64":
			return "linux-arm64", nil
		}
	}
	return "", fmt.Errorf("llamacpp: %w: %s/%s (node-llama-cpp ships linux/amd64 and linux/arm64)",
		ErrUnsupportedPlatform, runtime.GOOS, runtime.GOARCH)
}

// build installs the npm packages and clones the source if they are missing, then
// compiles llama-bench and links the CPU backends next to it.
func (l *layout) build(ctx context.Context, platform string) error {
	libs, libErr := l.libs()
	needNpm := libErr != nil || !l.npmInstalled()
	bundle := filepath.Join(l.pkg, "llama", "gitRelease.bundle")
	benchSrc := filepath.Join(l.src, "tools", "llama-bench")
	_, srcErr := os.Stat(filepath.Join(benchSrc, "llama-bench.cpp"))
	needSrc := srcErr != nil

	// Check every tool first, so a missing g++ is not found after a long npm install.
	var missing []error
	for _, tool := range []struct {
		name   string
		needed bool
	}{{"npm", needNpm}, {"git", needSrc}, {"g++", true}} {
		if _, err := exec.LookPath(tool.name); tool.needed && err != nil {
			missing = append(missing, &missingTool{tool.name, toolHints[tool.name]})
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("llamacpp: cannot build llama-bench: %w", errors.Join(missing...))
	}

	if needNpm {
		l.logf("installing node-llama-cpp@%s (prebuilt llama.cpp libraries and source) into %s", NodeLlamaCppVersion, l.npm)
		err := l.run(ctx, "", "npm", "install", "--prefix", l.npm, "--save-exact", "--omit=optional",
			"--ignore-scripts", "--no-audit", "--no-fund",
			"node-llama-cpp@"+NodeLlamaCppVersion, "@node-llama-cpp/"+platform+"@"+NodeLlamaCppVersion)
		if err != nil {
			return err
		}
		if !l.npmInstalled() {
			return fmt.Errorf("llamacpp: npm install did not install node-llama-cpp@%s into %s", NodeLlamaCppVersion, l.npm)
		}
		if libs, libErr = l.libs(); libErr != nil {
			return libErr
		}
		needSrc = true // the source must match the libraries just installed
	}

	if needSrc {
		l.logf("checking out llama.cpp from %s", bundle)
		tmp := l.src + ".tmp"
		for _, dir := range []string{l.src, tmp} {
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("llamacpp: %w", err)
			}
		}
		if err := l.run(ctx, "", "git", "clone", "--quiet", "--no-checkout", bundle, tmp); err != nil {
			return err
		}
		if err := l.run(ctx, tmp, "git", "checkout", "--quiet", "HEAD", "--",
			"include", "ggml/include", "common", "tools/llama-bench"); err != nil {
			return err
		}
		if err := os.Rename(tmp, l.src); err != nil {
			return fmt.Errorf("llamacpp: %w", err)
		}
	}

	binDir := filepath.Dir(l.bin)
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("llamacpp: %w", err)
	}
	l.logf("compiling %s", l.bin)
	args := []string{"-std=c++17", "-O2", "-DNDEBUG", "-pthread",
		"-I", filepath.Join(l.src, "include"),
		"-I", filepath.Join(l.src, "ggml", "include"),
		"-I", filepath.Join(l.src, "common"),
		filepath.Join(benchSrc, "llama-bench.cpp"),
		filepath.Join(benchSrc, "main.cpp"),
		"-o", l.bin + ".tmp",
	}
	args = append(args, libs.link...)
	args = append(args, "-Wl,-rpath,"+l.libDir)
	if err := l.run(ctx, "", "g++", args...); err != nil {
		return err
	}
	if err := os.Rename(l.bin+".tmp", l.bin); err != nil {
		return fmt.Errorf("llamacpp: %w", err)
	}

	// The libraries are built with GGML_BACKEND_DL: ggml scores every
	// libggml-cpu-*.so next to the executable and loads the best one for this CPU.
	old, _ := filepath.Glob(filepath.Join(binDir, "libggml-cpu*.so"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("llamacpp: %w", err)
		}
	}
	for _, f := range libs.cpu {
		if err := os.Symlink(f, filepath.Join(binDir, filepath.Base(f))); err != nil {
			return fmt.Errorf("llamacpp: %w", err)
		}
	}
	return nil
}

// libSet lists the prebuilt libraries llama-bench needs.
type libSet struct {
	link []string // linked: libllama-common, libllama, libggml, libggml-base
	cpu  []string // loaded at run time: libggml-cpu*.so, one per CPU level
}

// libs finds the prebuilt libraries in l.libDir.
func (l *layout) libs() (libSet, error) {
	var s libSet
	// The versioned names (libllama.v0.5.0.so) change with the release.
	for _, pattern := range []string{"libllama-common.so", "libllama.*so", "libggml.*so", "libggml-base.so"} {
		m, _ := filepath.Glob(filepath.Join(l.libDir, pattern))
		if len(m) != 1 {
			return s, fmt.Errorf("llamacpp: want one %s in %s, found %d", pattern, l.libDir, len(m))
		}
		s.link = append(s.link, m[0])
	}
	s.cpu, _ = filepath.Glob(filepath.Join(l.libDir, "libggml-cpu*.so"))
	if len(s.cpu) == 0 {
		return s, fmt.Errorf("llamacpp: no libggml-cpu*.so in %s", l.libDir)
	}
	return s, nil
}

// npmInstalled reports whether the pinned node-llama-cpp is installed with its
// source bundle.
func (l *layout) npmInstalled() bool {
	data, err := os.ReadFile(filepath.Join(l.pkg, "package.json"))
	if err != nil || !bytes.Contains(data, []byte(`"version": "`+NodeLlamaCppVersion+`"`)) {
		return false
	}
	_, err = os.Stat(filepath.Join(l.pkg, "llama", "gitRelease.bundle"))
	return err == nil
}

// probe runs `llama-bench --version` and reads the version and CPU backend from it.
func (l *layout) probe(ctx context.Context) (*Bench, error) {
	cmd := exec.CommandContext(ctx, l.bin, "--version")
	cmd.Dir = filepath.Dir(l.bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("llamacpp: %s: %w%s", commandLine(cmd), err, tail(out))
	}
	b := &Bench{Path: l.bin, LibDir: l.libDir}
	loaded := false
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "version: "); ok {
			b.Version = v
		}
		// "load_backend: loaded CPU backend from /path/libggml-cpu-zen4.so"
		if _, lib, ok := strings.Cut(line, "loaded CPU backend from "); ok {
			loaded = true
			name := strings.TrimSuffix(filepath.Base(lib), ".so")
			b.CPUVariant = strings.TrimPrefix(strings.TrimPrefix(name, "libggml-cpu"), "-")
		}
	}
	if b.Version == "" {
		return nil, fmt.Errorf("llamacpp: %s printed no version line%s", commandLine(cmd), tail(out))
	}
	if !loaded {
		return nil, fmt.Errorf("llamacpp: %s loaded no CPU backend%s", commandLine(cmd), tail(out))
	}
	return b, nil
}

// run runs one build command in dir (the current directory if empty), copying its
// output to the log.
func (l *layout) run(ctx context.Context, dir, name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout = io.MultiWriter(l.log, &out)
	cmd.Stderr = cmd.Stdout
	l.logf("$ %s", commandLine(cmd))
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("llamacpp: %s: %w%s", commandLine(cmd), err, tail(out.Bytes()))
	}
	l.logf("done in %.1fs", time.Since(start).Seconds())
	return nil
}

func (l *layout) logf(format string, args ...any) {
	fmt.Fprintf(l.log, "llama-bench: "+format+"\n", args...)
}
