// Package methodstest helps test a method without the pipeline: a
// methods.Driver whose validation is a function of the test's.
package methodstest

import (
	"context"
	"errors"

	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// Driver is a methods.Driver that judges every patch with Judge; it
// cannot stage, and it has no slot to fork into.
type Driver struct {
	Judge func(ctx context.Context, patch []byte, v methods.Validation) (*validate.Report, error)
}

var _ methods.Driver = Driver{}

// Validator returns a Driver that judges every patch with f, whatever the
// method asks for.
func Validator(f func(ctx context.Context, patch []byte) (*validate.Report, error)) Driver {
	return Driver{Judge: func(ctx context.Context, patch []byte, _ methods.Validation) (*validate.Report, error) {
		return f(ctx, patch)
	}}
}

// ErrNoValidator is what Validate returns when the Driver has no Judge.
var ErrNoValidator = errors.New("methodstest: the test gave no validation function")

func (d Driver) Validate(ctx context.Context, _ *methods.Pass, patch []byte, v methods.Validation) (*validate.Report, error) {
	if d.Judge == nil {
		return nil, ErrNoValidator
	}
	return d.Judge(ctx, patch, v)
}

func (Driver) Stage(context.Context, *methods.Pass, []byte) (*methods.Pass, func(), error) {
	return nil, nil, errors.New("methodstest: the driver cannot stage")
}

func (Driver) Fork(context.Context, *methods.Pass) (*methods.Pass, func(), error) {
	return nil, nil, methods.ErrNoSlot
}
