// Package chat renders a conversation into a model's prompt text with the
// model's own chat template: the Jinja template a GGUF file carries in
// tokenizer.chat_template (the one Hugging Face's tokenizer_config.json
// ships), run by a Jinja engine (gonja) with the variables templates expect:
// messages, bos_token, eos_token, add_generation_prompt, and the functions
// raise_exception and strftime_now. As in Hugging Face transformers, blocks
// are rendered with trim_blocks and lstrip_blocks.
//
// A model without a template gets [Fallback], a ChatML rendering:
//
//	<|im_start|>system
//	You are helpful.<|im_end|>
//	<|im_start|>user
//	Hi<|im_end|>
//	<|im_start|>assistant
//
// (the last line only with add_generation_prompt).
package chat

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// ErrTemplate is wrapped by the errors of New (a template that does not
// parse) and Render (a template that fails on these messages, including
// its own raise_exception).
var ErrTemplate = errors.New("chat template")

// Fallback is the template used for models that carry none: ChatML.
const Fallback = "{% for message in messages %}" +
	"{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}" +
	"{% endfor %}" +
	"{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

// Message is one turn of a conversation.
type Message struct {
	Role    string // "system", "user", "assistant", ...
	Content string
}

// Template is a parsed chat template, safe for concurrent use.
type Template struct {
	Source   string
	BOS, EOS string // the texts of the model's BOS and EOS tokens
	// IsFallback reports that the model had no template of its own.
	IsFallback bool
	tpl        *exec.Template
}

var quietOnce sync.Once

// New parses a chat template source; "" selects Fallback. bos and eos are
// the texts of the model's BOS and EOS tokens, given to the template as
// bos_token and eos_token.
func New(source, bos, eos string) (t *Template, err error) {
	quietOnce.Do(func() { gonja.SetLoggerOutput(io.Discard) })
	t = &Template{Source: source, BOS: bos, EOS: eos}
	if strings.TrimSpace(source) == "" {
		t.Source, t.IsFallback = Fallback, true
	}
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("%w: parse: %v", ErrTemplate, r)
		}
	}()
	cfg := config.New()
	cfg.TrimBlocks = true
	cfg.LeftStripBlocks = true
	root := "chat_template"
	loader, err := loaders.NewFileSystemLoader("")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	shifted, err := loaders.NewShiftedLoader(root, strings.NewReader(t.Source), loader)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	env := *gonja.DefaultEnvironment
	env.Context = gonja.DefaultContext.Inherit().Update(exec.NewContext(map[string]any{
		"raise_exception": raiseException,
		"strftime_now":    strftimeNow,
	}))
	t.tpl, err = exec.NewTemplate(root, cfg, shifted, &env)
	if err != nil {
		return nil, fmt.Errorf("%w: parse: %v", ErrTemplate, err)
	}
	return t, nil
}

// Render returns the prompt text for msgs; with addGenerationPrompt it ends
// with the opening of an assistant turn. A template that fails (or panics
// inside the Jinja engine) gives an error wrapping ErrTemplate.
func (t *Template) Render(msgs []Message, addGenerationPrompt bool) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("%w: render: %v", ErrTemplate, r)
		}
	}()
	list := make([]any, len(msgs))
	for i, m := range msgs {
		list[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	ctx := exec.NewContext(map[string]any{
		"messages":              list,
		"bos_token":             t.BOS,
		"eos_token":             t.EOS,
		"add_generation_prompt": addGenerationPrompt,
	})
	out, err = t.tpl.ExecuteToString(ctx)
	if err != nil {
		msg := oneLine(err)
		// The template's own refusal says best what is wrong.
		const raised = "invalid call to function 'raise_exception': "
		if i := strings.LastIndex(msg, raised); i >= 0 {
			msg = "the template refuses the messages: " + msg[i+len(raised):]
		}
		return "", fmt.Errorf("%w: render: %s", ErrTemplate, msg)
	}
	return out, nil
}

// raiseException is the templates' way to refuse a conversation.
func raiseException(msg string) (string, error) {
	return "", errors.New(msg)
}

// strftimeNow formats the current time with a C strftime format (the common
// directives only), as some templates print today's date.
func strftimeNow(format string) string {
	now := time.Now()
	r := strings.NewReplacer(
		"%Y", now.Format("2006"), "%m", now.Format("01"), "%d", now.Format("02"),
		"%B", now.Format("January"), "%b", now.Format("Jan"),
		"%H", now.Format("15"), "%M", now.Format("04"), "%S", now.Format("05"),
		"%A", now.Format("Monday"), "%a", now.Format("Mon"), "%%", "%",
	)
	return r.Replace(format)
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
