// Package all lists the methods of this build, in the order --help shows
// them. Adding a method is adding its value here.
package all

import (
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/actorcritic"
	"github.com/agentic-optimizer/optimizer/methods/adversarial"
	"github.com/agentic-optimizer/optimizer/methods/chaos"
	"github.com/agentic-optimizer/optimizer/methods/modernize"
	"github.com/agentic-optimizer/optimizer/methods/pgo"
	"github.com/agentic-optimizer/optimizer/methods/testdriven"
)

// Methods returns every method of this build.
func Methods() []*methods.Method {
	return []*methods.Method{modernize.Method, pgo.Method, testdriven.Method, adversarial.Method, actorcritic.Method, chaos.Method}
}

// Options returns the configuration keys of ms' options, in their order.
func Options(ms []*methods.Method) []config.Option {
	var out []config.Option
	for _, m := range ms {
		out = append(out, m.Keys()...)
	}
	return out
}
