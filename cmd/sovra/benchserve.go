package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"sovra/bench/serving"
	"sovra/runtime/engine"
	"sovra/runtime/server"
)

// benchServeCmd is `sovra bench serve`: a load test of an OpenAI-compatible
// server, by default of one it starts in-process on a loopback port.
func benchServeCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench serve")
	var mf modelFlags
	mf.register(fs)
	var (
		url      string
		apiKey   string
		model    string
		clients  int
		requests int
		words    int
		maxTok   int
		parallel int
		format   string
	)
	fs.StringVar(&url, "url", "", "base URL of a running server (default: start one in-process with -m)")
	fs.StringVar(&apiKey, "api-key", os.Getenv("SOVRA_API_KEY"), "API key of the server at --url")
	fs.StringVar(&model, "model-name", "", "model name to send (default: what the server serves)")
	fs.IntVar(&clients, "clients", 8, "concurrent clients")
	fs.IntVar(&requests, "requests", 32, "requests in all")
	fs.IntVar(&words, "prompt-words", 64, "words in each prompt")
	fs.IntVar(&maxTok, "max-tokens", 64, "tokens generated per request")
	fs.IntVar(&parallel, "parallel", 0, "sequences of the in-process server (0: --clients)")
	fs.StringVar(&format, "o", "md", "output format: md or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if url == "" {
		if parallel <= 0 {
			parallel = clients
		}
		e, _, err := mf.load()
		if err != nil {
			return err
		}
		defer e.Close()
		sched, err := engine.NewScheduler(e, engine.SchedulerOptions{Parallel: parallel, Queue: requests, Chunk: mf.batch})
		if err != nil {
			return err
		}
		defer sched.Close()
		srv := server.New(server.Options{})
		srv.SetModel(server.EngineModel("bench", e, sched))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: srv}
		go hs.Serve(ln)
		defer hs.Close()
		url = "http://" + ln.Addr().String()
		fmt.Fprintf(os.Stderr, "in-process server on %s: %d sequences of %d tokens\n", url, parallel, sched.SeqContext())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := serving.Run(ctx, serving.Options{
		URL: url, APIKey: apiKey, Model: model, Clients: clients, Requests: requests,
		Prompt: strings.TrimSpace(strings.Repeat("lorem ipsum ", (words+1)/2)), MaxTokens: maxTok,
	})
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	r.Markdown(stdout)
	return nil
}
