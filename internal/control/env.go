package control

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultAPIURL is GitHub's REST API; GITHUB_API_URL, which GitHub Actions
// sets (to another host on GitHub Enterprise Server), replaces it.
const DefaultAPIURL = "https://api.github.com/"

// apiURL is the REST API's base URL, with the trailing slash go-github wants.
func apiURL(getenv func(string) string) (string, error) {
	raw := strings.TrimSpace(getenv("GITHUB_API_URL"))
	if raw == "" {
		return DefaultAPIURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("GITHUB_API_URL %q is not the URL of a GitHub API (want e.g. https://api.github.com)", raw)
	}
	return strings.TrimRight(raw, "/") + "/", nil
}

// cacheFile is where the GitHub API cache is kept between runs:
// $XDG_CACHE_HOME/optimizer/github-cache.json, else the same under the
// user's cache directory — never in the output directory, which users
// upload as an artifact. "" when there is no cache directory.
func cacheFile(getenv func(string) string) string {
	dir := getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(dir) {
		d, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = d
	}
	return filepath.Join(dir, "optimizer", "github-cache.json")
}

// baseBranch is the branch a draft pull request targets: the branch the
// workflow runs on (GITHUB_REF), else the repository's default branch.
func baseBranch(getenv func(string) string, defaultBranch string) string {
	if b, ok := strings.CutPrefix(getenv("GITHUB_REF"), "refs/heads/"); ok && b != "" {
		return b
	}
	return defaultBranch
}
