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

	"sovra/models/chat"
	"sovra/runtime/engine"
)

func chatCmd(args []string, stdout io.Writer) error {
	fs := newFlagSet("chat")
	var mf modelFlags
	mf.register(fs)
	var sf samplingFlags
	sf.register(fs)
	var (
		system string
		n      int
	)
	fs.StringVar(&system, "sys", "", "system prompt")
	fs.IntVar(&n, "n", -1, "most tokens per reply (-1: until end of generation or a full context)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	p := sf.params()
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
