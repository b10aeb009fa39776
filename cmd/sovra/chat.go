package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"sovra/models/chat"
	"sovra/runtime/engine"
	"sovra/runtime/sample"
)

func chatCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("chat")
	var mf modelFlags
	mf.register(fs)
	d := sample.DefaultParams()
	var (
		system string
		n      int
		seed   int64
		p      = d
	)
	fs.StringVar(&system, "sys", "", "system prompt")
	fs.IntVar(&n, "n", -1, "most tokens per reply (-1: until end of generation or a full context)")
	fs.Var((*f32)(&p.Temperature), "temp", "temperature (0: greedy)")
	fs.IntVar(&p.TopK, "top-k", d.TopK, "keep the k most likely tokens (0: off)")
	fs.Var((*f32)(&p.TopP), "top-p", "keep the most likely tokens up to this probability mass (1: off)")
	fs.Var((*f32)(&p.MinP), "min-p", "drop tokens less likely than this times the most likely (0: off)")
	fs.Var((*f32)(&p.RepeatPenalty), "repeat-penalty", "penalty for repeated tokens (1: off)")
	fs.Int64Var(&seed, "seed", -1, "random seed (-1: from the clock)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if seed < 0 {
		seed = time.Now().UnixNano()
	}
	p.Seed = uint64(seed)
	e, name, err := mf.load()
	if err != nil {
		return err
	}
	defer e.Close()
	tmpl, err := e.ChatTemplate()
	if err != nil {
		return err
	}
	sched, err := engine.NewScheduler(e, engine.SchedulerOptions{Parallel: 1, Chunk: mf.batch})
	if err != nil {
		return err
	}
	defer sched.Close()
	note := ""
	if tmpl.IsFallback {
		note = " (no chat template in the file: using ChatML)"
	}
	fmt.Fprintf(os.Stderr, "sovra chat: %s%s; context %d tokens. /reset forgets the conversation, /exit or end of input quits; Ctrl-C stops a reply.\n",
		name, note, sched.SeqContext())

	// Ctrl-C stops the reply being generated; at the prompt it quits.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	var history []chat.Message
	if system != "" {
		history = append(history, chat.Message{Role: "system", Content: system})
	}
	start := len(history)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		fmt.Fprint(stdout, "> ")
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
		case <-sigs:
			fmt.Fprintln(stdout)
			return nil
		}
		if !ok || strings.TrimSpace(line) == "/exit" {
			fmt.Fprintln(stdout)
			return nil
		}
		switch strings.TrimSpace(line) {
		case "":
			continue
		case "/reset":
			history = history[:start]
			continue
		}
		msgs := append(history, chat.Message{Role: "user", Content: line})
		text, err := tmpl.Render(msgs, true)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error: "+oneLine(err))
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		st, err := sched.Submit(ctx, engine.Job{Request: engine.Request{Prompt: e.TokenizePrompt(text), MaxTokens: n, Sample: p}})
		if err != nil {
			cancel()
			if errors.Is(err, engine.ErrContext) {
				fmt.Fprintln(os.Stderr, "error: the conversation no longer fits the context; /reset to start over")
			} else {
				fmt.Fprintln(os.Stderr, "error: "+oneLine(err))
			}
			continue
		}
		var reply strings.Builder
		go func() {
			select {
			case <-sigs:
				cancel()
			case <-ctx.Done():
			}
		}()
		for {
			toks, more := st.Next(context.Background())
			for _, t := range toks {
				reply.WriteString(t.Text)
				io.WriteString(stdout, t.Text)
			}
			if !more {
				break
			}
		}
		_, err = st.Result()
		cancel()
		fmt.Fprintln(stdout)
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "error: "+oneLine(err))
		}
		history = append(msgs, chat.Message{Role: "assistant", Content: reply.String()})
	}
}
