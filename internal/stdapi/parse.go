package stdapi

import "bytes"

// The grammar of GOROOT/api lines, as written by cmd/api.

// A decl is what one manifest line declares.
type decl struct {
	recv, name []byte // recv is the type name for methods and fields, else nil
	aliasOf    []byte // "fs.FileInfo" for "type FileInfo = fs.FileInfo"
}

// splitLine splits a manifest line such as
//
//	pkg syscall (linux-386), func Accept(int) (int, Sockaddr, error)
//
// into its package path, whether it names a platform, and the declaration.
func splitLine(line []byte) (pkg, rest []byte, platform, ok bool) {
	rest, ok = bytes.CutPrefix(line, []byte("pkg "))
	if !ok {
		return nil, nil, false, false
	}
	end := 0
	for end < len(rest) && rest[end] != ',' && rest[end] != ' ' {
		end++
	}
	pkg, rest = rest[:end], rest[end:]
	if len(rest) > 0 && rest[0] == ' ' { // " (linux-386), "
		platform = true
		i := bytes.IndexByte(rest, ')')
		if i < 0 {
			return nil, nil, false, false
		}
		rest = rest[i+1:]
	}
	rest, ok = bytes.CutPrefix(rest, []byte(", "))
	return pkg, rest, platform, ok && len(pkg) > 0
}

// parseDecl parses the declaration part of a manifest line:
//
//	const Pointer Kind
//	method (*Pointer[$0]) Load() *$0 #50860
//	type File struct, FileStart token.Pos #53202
//	type ReadWriter struct, embedded *Reader
//	type ReadWriter interface, Read([]uint8) (int, error)
//	type Node interface, unexported methods
//	type FileInfo = fs.FileInfo
//
// It reports ok=false for a malformed line, and a decl with no name for a
// line that declares nothing callers can name (unexported methods).
func parseDecl(b []byte) (d decl, ok bool) {
	kind, body, ok := bytes.Cut(b, []byte(" "))
	if !ok {
		return d, false
	}
	switch string(kind) {
	case "func", "const", "var":
		d.name = ident(body)
	case "method":
		end := bytes.IndexByte(body, ')')
		if len(body) == 0 || body[0] != '(' || end < 0 || end+2 > len(body) {
			return d, false
		}
		d.recv, d.name = typeName(body[1:end]), ident(body[end+2:])
	case "type":
		d.name = ident(body)
		after := skipTypeParams(body[len(d.name):])
		if field, ok := bytes.CutPrefix(after, []byte(" struct, ")); ok {
			d.recv, d.name = d.name, ident(field)
			if string(d.name) == "embedded" {
				// "embedded *pkg.T": the field is named after its type.
				d.name = typeName(field[len("embedded "):])
			}
		} else if method, ok := bytes.CutPrefix(after, []byte(" interface, ")); ok {
			if bytes.HasPrefix(method, []byte("unexported methods")) {
				return decl{}, true
			}
			d.recv, d.name = d.name, ident(method)
		} else if target, ok := bytes.CutPrefix(after, []byte(" = ")); ok {
			d.aliasOf = target
		}
	default:
		return d, false
	}
	return d, len(d.name) > 0
}

// ident returns the identifier at the start of b.
func ident(b []byte) []byte {
	for i, c := range b {
		if !(c == '_' || c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return b[:i]
		}
	}
	return b
}

// typeName reduces a type expression such as "*pkg.Pointer[$0]" to "Pointer".
func typeName(b []byte) []byte {
	b = bytes.TrimLeft(b, "*")
	if i := bytes.IndexByte(b, '['); i >= 0 {
		b = b[:i]
	}
	if i := bytes.LastIndexByte(b, '.'); i >= 0 {
		b = b[i+1:]
	}
	return ident(b)
}

// skipTypeParams drops a leading bracketed type-parameter list.
func skipTypeParams(b []byte) []byte {
	if len(b) == 0 || b[0] != '[' {
		return b
	}
	depth := 0
	for i, c := range b {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return b[i+1:]
			}
		}
	}
	return nil
}

// eachLine calls f for each line of data that is neither blank nor a comment.
func eachLine(data []byte, f func(line []byte)) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && line[0] != '#' {
			f(line)
		}
	}
}
