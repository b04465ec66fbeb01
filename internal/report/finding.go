package report

import "github.com/agentic-optimizer/optimizer/methods"

// Finding is a method's finding (methods.Finding) as report.json holds it.
type Finding = methods.Finding
