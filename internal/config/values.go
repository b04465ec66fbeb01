package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The parsers below receive trimmed text and assign only when it is valid.
// Their errors quote the value, except the token's, which never appears.

func setString(dst *string, s string, check func(string) error) error {
	if s != "" && check != nil {
		if err := check(s); err != nil {
			return err
		}
	}
	*dst = s
	return nil
}

func setEnum(dst *string, s string, allowed ...string) error {
	v := strings.ToLower(s)
	if !slices.Contains(allowed, v) {
		return badValue("%q is not allowed", s)
	}
	*dst = v
	return nil
}

func setInt(dst *int, s string, lo, hi int) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return badValue("%q is not an integer", s)
	}
	if n < lo || n > hi {
		return badValue("%d is out of range", n)
	}
	*dst = n
	return nil
}

func setBool(dst *bool, s string) error {
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*dst = true
	case "false", "0", "no":
		*dst = false
	default:
		return badValue("%q is not a boolean", s)
	}
	return nil
}

// setPercent accepts "10" and "10%".
func setPercent(dst *float64, s string, hi float64) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return badValue("%q is not a number", s)
	}
	if f < 0 || f > hi {
		return badValue("%q is out of range", s)
	}
	*dst = f
	return nil
}

// setTimeout wants a Go duration with a unit: a bare "30" is more likely
// minutes than nanoseconds, so it is refused rather than guessed.
func setTimeout(dst *time.Duration, s string) error {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return badValue("%q has no unit, add one", s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return badValue("%q is not a duration", s)
	}
	if d <= 0 {
		return badValue("%q is not positive", s)
	}
	*dst = d
	return nil
}

// setSeconds accepts a bare integer as seconds, as the seed's
// OPTIMIZER_GITHUB_CACHE_TTL=300 does, or a Go duration.
func setSeconds(dst *time.Duration, s string) error {
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt64/int64(time.Second) || n < 0 {
			return badValue("%q is out of range", s)
		}
		d = time.Duration(n) * time.Second
	} else {
		d, err = time.ParseDuration(s)
		if err != nil {
			return badValue("%q is neither a number of seconds nor a duration", s)
		}
	}
	if d < 0 {
		return badValue("%q is negative", s)
	}
	*dst = d
	return nil
}

// setDollars accepts "2.5" and "$2.50".
func setDollars(dst *float64, s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(s, "$")), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return badValue("%q is not an amount of dollars", s)
	}
	if f < 0 {
		return badValue("%q is negative", s)
	}
	*dst = f
	return nil
}

// setPrices reads model=prompt/completion items, prices in dollars per
// million tokens.
func setPrices(c *Config, items []string) error {
	prices := map[string]Price{}
	for i, item := range items {
		model, pair, ok := strings.Cut(item, "=")
		model = strings.TrimSpace(model)
		if !ok || model == "" {
			return &valueError{what: fmt.Sprintf("%q is not model=prompt/completion", item), item: i}
		}
		if err := checkModel(model); err != nil {
			return err
		}
		in, out, ok := strings.Cut(pair, "/")
		p, err1 := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(in), "$")), 64)
		q, err2 := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "$")), 64)
		if !ok || err1 != nil || err2 != nil || p < 0 || q < 0 || math.IsNaN(p+q) || math.IsInf(p+q, 0) {
			return &valueError{what: fmt.Sprintf("%q: the price must be two amounts >= 0 in dollars per million tokens, prompt/completion", item), item: i}
		}
		if _, dup := prices[model]; dup {
			return &valueError{what: fmt.Sprintf("%q is priced twice", model), item: i}
		}
		prices[model] = Price{Prompt: p, Completion: q}
	}
	c.LLMPrices = prices
	return nil
}

func setMethods(c *Config, items []string) error {
	if len(items) == 0 {
		return badValue("no method is given")
	}
	for i, m := range items {
		switch {
		case m == "":
			return badItem(i, "entry %d is empty", i+1)
		case !isLowerName(m):
			return badItem(i, "method %q is not a lower-case name of letters, digits and hyphens", m)
		case slices.Contains(items[:i], m):
			return badItem(i, "method %q is listed twice", m)
		}
	}
	c.Methods = slices.Clone(items)
	return nil
}

// setTags checks build tags as the go command's -tags flag accepts them.
func setTags(c *Config, items []string) error {
	for i, t := range items {
		switch {
		case t == "":
			return badItem(i, "entry %d is empty", i+1)
		case strings.ContainsFunc(t, func(r rune) bool {
			return !(r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r))
		}):
			return badItem(i, "build tag %q may hold only letters, digits, underscores and dots", t)
		}
	}
	c.IntegrationTags = slices.Clone(items)
	return nil
}

// setPaths keeps each path as written ("./pkg/..." and "pkg/..." mean
// different things to the go command) after checking that it stays inside
// the repository.
func setPaths(c *Config, items []string) error {
	for i, p := range items {
		slashed := strings.ReplaceAll(p, `\`, "/")
		switch {
		case p == "":
			return badItem(i, "entry %d is empty", i+1)
		case path.IsAbs(slashed) || (len(p) >= 2 && p[1] == ':'):
			return badItem(i, "path %q is absolute", p)
		case slices.Contains(strings.Split(slashed, "/"), ".."):
			return badItem(i, "path %q contains \"..\"", p)
		}
	}
	c.Paths = slices.Clone(items)
	return nil
}

// setToken checks the token's shape without ever quoting it.
func setToken(c *Config, s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return &valueError{
			what: "the token contains whitespace or a control character",
			hint: "check the secret for a pasted line break or a second value",
			item: -1,
		}
	}
	c.GitHubToken = s
	return nil
}

// checkRef refuses what git would misread: an option or several words.
func checkRef(s string) error {
	if strings.HasPrefix(s, "-") {
		return badValue("%q starts with \"-\"", s)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return badValue("%q contains whitespace", s)
	}
	return nil
}

// checkRepo follows GitHub's rules for owner and repository names.
func checkRepo(s string) error {
	owner, name, ok := strings.Cut(s, "/")
	valid := ok && len(owner) <= 39 && len(name) <= 100 && name != "." && name != ".." &&
		owner != "" && owner[0] != '-' && name != "" &&
		!strings.ContainsFunc(owner, func(r rune) bool { return !isASCIIAlnum(r) && r != '-' }) &&
		!strings.ContainsFunc(name, func(r rune) bool { return !isASCIIAlnum(r) && r != '-' && r != '_' && r != '.' })
	if !valid {
		return badValue("%q is not a repository of the form owner/name", s)
	}
	return nil
}

func checkHTTPURL(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return badValue("%q contains whitespace", redactURL(s))
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badValue("%q is not an http(s) URL", redactURL(s))
	}
	return nil
}

// redactURL hides the password of a URL that is quoted in an error. It works
// on the text, so that it also works on URLs that do not parse.
func redactURL(s string) string {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	authority, _, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(authority[:at], ":")
	if !hasPassword {
		return s
	}
	start := len(s) - len(rest)
	return s[:start] + user + ":xxxxx" + s[start+at:]
}

// checkIPFSAPI accepts the address forms kubo's RPC client takes: an
// http(s) URL, or a multiaddr /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT with an
// optional /http, /https or /tls/http, or /unix/PATH.
func checkIPFSAPI(s string) error {
	if !strings.HasPrefix(s, "/") {
		return checkHTTPURL(s)
	}
	bad := func(why string) error { return badValue("multiaddr %q %s", s, why) }
	parts := strings.Split(s[1:], "/")
	if parts[0] == "unix" {
		if len(parts) < 2 || strings.Join(parts[1:], "") == "" {
			return bad("has no socket path")
		}
		return nil
	}
	if len(parts) < 4 {
		return bad("needs a host and a tcp port")
	}
	host := parts[1]
	switch parts[0] {
	case "ip4":
		if ip := net.ParseIP(host); ip == nil || ip.To4() == nil {
			return bad("has an invalid IPv4 address")
		}
	case "ip6":
		if ip := net.ParseIP(host); ip == nil || ip.To4() != nil {
			return bad("has an invalid IPv6 address")
		}
	case "dns", "dns4", "dns6":
		if !isHostname(host) {
			return bad("has an invalid host name")
		}
	default:
		return bad("starts with an unsupported protocol " + strconv.Quote(parts[0]))
	}
	if parts[2] != "tcp" {
		return bad("needs /tcp/PORT after the host")
	}
	if port, err := strconv.Atoi(parts[3]); err != nil || port < 1 || port > 65535 {
		return bad("has an invalid port")
	}
	switch strings.Join(parts[4:], "/") {
	case "", "http", "https", "tls/http":
		return nil
	}
	return bad("has unsupported components after the port")
}

// checkModel checks a model name's syntax only; which providers exist is the
// LLM layer's business. Ollama tags keep their colon: ollama:llama3:8b.
func checkModel(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return badValue("%q contains whitespace", s)
	}
	provider, model, ok := strings.Cut(s, ":")
	if !ok {
		return nil
	}
	switch {
	case provider == "http" || provider == "https":
		return &valueError{what: "a URL is not a model name", hint: "put the endpoint in llm_base_url and the model here, e.g. openai:gpt-4.1", item: -1}
	case !isLowerName(provider):
		return badValue("provider %q in %q is not a lower-case name", provider, s)
	case model == "":
		return badValue("%q names no model after the colon", s)
	}
	return nil
}

// isLowerName reports whether s is lower-case words of letters and digits
// joined by single hyphens: "modernize", "test-driven".
func isLowerName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') })
}

func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' ||
			strings.ContainsFunc(label, func(r rune) bool { return !isASCIIAlnum(r) && r != '-' }) {
			return false
		}
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
