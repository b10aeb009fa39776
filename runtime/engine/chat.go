package engine

import (
	"sovra/models/chat"
)

// ChatTemplate returns the model's chat template (tokenizer.chat_template),
// or chat.Fallback for a model without one. An error wraps chat.ErrTemplate.
func (e *Engine) ChatTemplate() (*chat.Template, error) {
	src, _ := e.File.String("tokenizer.chat_template")
	var bos, eos string
	if id := e.Tokenizer.BOS(); id >= 0 {
		bos = e.Tokenizer.Token(id)
	}
	if id := e.Tokenizer.EOS(); id >= 0 {
		eos = e.Tokenizer.Token(id)
	}
	return chat.New(src, bos, eos)
}

// TokenizePrompt encodes a rendered chat prompt or a completion prompt as
// servers do: the text of special tokens becomes their ids, and BOS is
// prepended when the model wants it, unless the text already begins with it
// (as chat templates that print bos_token do).
func (e *Engine) TokenizePrompt(text string) []int32 {
	ids := e.Tokenizer.Encode(text, true, true)
	if bos := e.Tokenizer.BOS(); e.Tokenizer.AddBOS() && len(ids) >= 2 && ids[0] == bos && ids[1] == bos {
		ids = ids[1:]
	}
	return ids
}
