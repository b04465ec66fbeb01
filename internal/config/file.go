package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// loadFile finds the configuration file, records which one it is, and applies
// its keys.
func (l *loader) loadFile(flags Flags, configFile string) {
	l.cfg.Sources[keyConfigFile] = "default"
	explicit := []setting{
		{origin: fromFlag, source: "flag", text: configFile},
		{origin: fromFlag, source: "flag", text: flags[keyConfigFile]},
	}
	k := l.keys.lookup(keyConfigFile)
	if v, ok := inputValue(l.getenv, k.inputName()); ok {
		explicit = append(explicit, setting{origin: fromInput, source: "input " + k.inputName(), text: v})
	}
	explicit = append(explicit, envSetting(k.env(), l.getenv(k.env())))
	for _, s := range explicit {
		path := strings.TrimSpace(s.text)
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			l.fail(s.source, keyConfigFile, fmt.Sprintf("config file %q does not exist (fix the path, or unset it to read .github/optimizer.yml)", path))
			return
		}
		l.cfg.Sources[keyConfigFile] = s.source
		l.readFile(path)
		return
	}

	yml := filepath.Join(l.repoDir, ".github", "optimizer.yml")
	yamlPath := filepath.Join(l.repoDir, ".github", "optimizer.yaml")
	ymlExists, yamlExists := exists(yml), exists(yamlPath)
	switch {
	case ymlExists && yamlExists:
		l.fail(l.display(yamlPath), "", fmt.Sprintf("both %s and %s exist (merge them into %s and delete the other)",
			l.display(yml), l.display(yamlPath), l.display(yml)))
	case ymlExists:
		l.readFile(yml)
	case yamlExists:
		l.readFile(yamlPath)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// display is path as error messages and Sources show it: relative to the
// repository directory when it is inside it.
func (l *loader) display(path string) string {
	absRepo, err1 := filepath.Abs(l.repoDir)
	absPath, err2 := filepath.Abs(path)
	if err1 == nil && err2 == nil {
		rel, err := filepath.Rel(absRepo, absPath)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return path
}

// readFile applies the keys of one YAML file, reporting unknown, duplicate,
// forbidden and badly typed keys with file:line.
func (l *loader) readFile(path string) {
	name := l.display(path)
	at := func(line int) string { return name + ":" + strconv.Itoa(line) }
	data, err := os.ReadFile(path)
	if err != nil {
		l.fail(name, "", fmt.Sprintf("cannot read the config file: %v", err))
		return
	}
	l.cfg.ConfigFile = path

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) { // io.EOF: an empty file, which is fine
			l.yamlError(name, err)
		}
		return
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		l.fail(at(next.Line), "", "a second YAML document starts here (keep one document: remove the \"---\" and merge the keys)")
		return
	} else if !errors.Is(err, io.EOF) {
		l.yamlError(name, err)
		return
	}

	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return // only comments, or "~"
	}
	if root.Kind != yaml.MappingNode {
		l.fail(at(root.Line), "", "the file must be a mapping of keys to values (e.g. max_agents: 4)")
		return
	}

	l.readMapping(root, "", at)
}

// readMapping applies the keys of a mapping of the file; prefix is "" at
// the top, or a method's name and a dot inside its mapping of options
// ("adversarial:" holding "candidates: 6" sets adversarial.candidates).
func (l *loader) readMapping(root *yaml.Node, prefix string, at func(int) string) {
	firstLine := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		keyNode, valNode := root.Content[i], resolveAlias(root.Content[i+1])
		if keyNode.Kind != yaml.ScalarNode {
			l.fail(at(keyNode.Line), "", "keys must be plain names (e.g. max_agents: 4)")
			continue
		}
		key := prefix + keyNode.Value
		if line, dup := firstLine[key]; dup {
			l.fail(at(keyNode.Line), key, fmt.Sprintf("duplicate key %q (also on line %d; keep one)", key, line))
			continue
		}
		firstLine[key] = keyNode.Line

		if nk := normalizeKey(key); nk == "github_token" || nk == "token" {
			l.fail(at(keyNode.Line), key, fmt.Sprintf("%q: a token must not be in a committed file "+
				"(remove it, revoke it if it was pushed, and pass it from a secret: "+
				"action input token: ${{ secrets.GITHUB_TOKEN }}, or env OPTIMIZER_GITHUB_TOKEN)", key))
			continue
		}
		if valNode.Kind == yaml.MappingNode && prefix == "" && l.keys.hasPrefix(key+".") {
			l.readMapping(valNode, key+".", at)
			continue
		}
		k := l.keys.lookup(key)
		if k == nil {
			if nk := l.keys.lookup(normalizeKey(key)); nk != nil && nk.notInFile {
				k = nk // config-file: say why it cannot be here rather than "unknown"
			}
		}
		switch {
		case k == nil:
			l.fail(at(keyNode.Line), key, unknownKeyMsg(key, l.keys.fileNames()))
			continue
		case k.notInFile && k.name == keyConfigFile:
			l.fail(at(keyNode.Line), key, fmt.Sprintf("%s cannot be set inside a config file (use --config, the action input %s or %s)",
				key, k.inputName(), k.env()))
			continue
		case k.notInFile:
			// The file is the checked-out code's, which a pull request can change.
			l.fail(at(keyNode.Line), key, fmt.Sprintf("%s cannot be set inside a config file, which a pull request can change (use the action input %s or %s in the workflow)",
				key, k.inputName(), k.env()))
			continue
		}
		if s, ok := l.fileSetting(k, keyNode, valNode, at); ok {
			l.apply(k, s)
		}
	}
}

// fileSetting reads the value of key k from the file; false when there is
// nothing to apply (no value, or an error already reported).
func (l *loader) fileSetting(k *keySpec, keyNode, valNode *yaml.Node, at func(int) string) (setting, bool) {
	key := k.name
	s := setting{origin: fromFile, source: at(keyNode.Line), valueSource: at(valNode.Line)}
	switch valNode.Kind {
	case yaml.ScalarNode:
		if valNode.ShortTag() == "!!null" {
			return s, false // "key:" with no value leaves the key unset
		}
		s.text = valNode.Value
	case yaml.SequenceNode:
		s.isSeq = true
		s.items = []string{}
		for _, item := range valNode.Content {
			item = resolveAlias(item)
			if item.Kind != yaml.ScalarNode {
				l.fail(at(item.Line), key, fmt.Sprintf("%s: list items must be plain values (want %s, e.g. %s)", key, k.want, s.example(k)))
				return s, false
			}
			s.items = append(s.items, strings.TrimSpace(item.Value))
			s.itemSources = append(s.itemSources, at(item.Line))
		}
	default:
		l.fail(at(valNode.Line), key, fmt.Sprintf("%s: a mapping was given where a value belongs (want %s, e.g. %s)", key, k.want, s.example(k)))
		return s, false
	}
	return s, true
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlError reports a YAML syntax error at the line yaml.v3 names, when it
// names one ("yaml: line 3: mapping values are not allowed in this context").
func (l *loader) yamlError(name string, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	source := name
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if _, err := strconv.Atoi(num); err == nil {
				source, msg = name+":"+num, text
			}
		}
	}
	l.fail(source, "", "invalid YAML: "+msg+" (fix the syntax; keys look like max_agents: 4)")
}
