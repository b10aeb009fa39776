package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sovra/runtime/engine"
	"sovra/runtime/server"
	"sovra/seeds"
)

func serveCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("serve")
	var mf modelFlags
	mf.register(fs)
	var (
		host     string
		port     int
		parallel int
		queue    int
		apiKey   string
		alias    string
		grace    time.Duration
		maxBody  int64
	)
	fs.StringVar(&host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&port, "port", 8080, "port to listen on (0: any free port)")
	fs.IntVar(&parallel, "parallel", 4, "sequences decoded together; the context (-c) is split evenly between them")
	fs.IntVar(&parallel, "np", 4, "same as --parallel")
	fs.IntVar(&queue, "queue", 64, "requests that may wait for a free sequence; more get 429")
	fs.StringVar(&apiKey, "api-key", os.Getenv("SOVRA_API_KEY"), "API key clients must send as a bearer token (default: $SOVRA_API_KEY; empty: none)")
	fs.StringVar(&alias, "alias", "", "model name in the API (default: the file name without .gguf)")
	fs.DurationVar(&grace, "shutdown-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long in-flight requests may take to finish")
	fs.Int64Var(&maxBody, "max-body", 4<<20, "largest request body in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if parallel < 1 {
		return fmt.Errorf("--parallel %d: want at least 1", parallel)
	}
	if alias == "" {
		alias = strings.TrimSuffix(filepath.Base(mf.path), ".gguf")
		if mf.path == "" {
			alias = strings.TrimSuffix(seeds.DefaultName, ".gguf")
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Listen first, so that /health answers 503 while the model loads.
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	srv := server.New(server.Options{APIKey: apiKey, MaxBody: maxBody, Logger: log})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "sovra serve: listening on http://%s\n", ln.Addr())

	e, name, err := mf.load()
	if err != nil {
		hs.Close()
		return err
	}
	defer e.Close()
	sched, err := engine.NewScheduler(e, engine.SchedulerOptions{Parallel: parallel, Queue: queue, Chunk: mf.batch})
	if err != nil {
		hs.Close()
		return err
	}
	defer sched.Close()
	srv.SetModel(server.EngineModel(alias, e, sched))
	if _, err := e.ChatTemplate(); err != nil {
		log.Warn("the model's chat template does not parse; chat requests will fail", "err", err)
	}
	log.Info("model loaded", "model", name, "name", alias, "load", e.LoadTime.Round(time.Millisecond),
		"parallel", parallel, "context_per_sequence", sched.SeqContext(), "queue", queue, "api_key", apiKey != "")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down: finishing in-flight requests", "timeout", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		// The deadline passed: end what still runs, then the connections.
		log.Warn("shutdown deadline passed: stopping the remaining requests")
		sched.Close()
		time.Sleep(100 * time.Millisecond) // let handlers write their last events
		hs.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
