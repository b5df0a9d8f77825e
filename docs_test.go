package main

// The house rules that can be checked by reading the source (STYLE.md,
// habits 8 and 14, and the README's layout and environment): every package
// says its one job and what it must never import, every exported name has
// a doc comment that starts with that name, the README's layout table lists
// every package, and the README names every DIALTONE_* variable that a
// user may set.

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// listedPackage is the part of "go list -json" these tests read.
type listedPackage struct {
	ImportPath string
	Dir        string
	Name       string
}

// modulePackages lists the module's packages as "go list ./..." does.
func modulePackages(t *testing.T) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list -json ./...: %v", err)
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(strings.NewReader(string(out))); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatalf("go list -json ./...: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}

// sourceFiles parses the package's .go files that are not tests, whatever
// their build constraints (a file for Windows only counts too), in file
// name order, as go/doc reads them.
func sourceFiles(t *testing.T, dir string, mode parser.Mode) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, mode|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// neverImports is the statement a package doc must make (STYLE.md, 14).
var neverImports = regexp.MustCompile(`\b(must never import|never imports)\b`)

// TestPackageDocsSayWhatTheyMustNeverImport enforces STYLE.md's habit 14:
// every package, commands and test helpers included, has one package doc,
// in one file, that says its one job and what it must never import.
func TestPackageDocsSayWhatTheyMustNeverImport(t *testing.T) {
	for _, p := range modulePackages(t) {
		fset, files := sourceFiles(t, p.Dir, parser.PackageClauseOnly)
		var docs, where []string
		for _, f := range files {
			if f.Doc != nil {
				docs = append(docs, f.Doc.Text())
				where = append(where, filepath.Base(fset.Position(f.Package).Filename))
			}
		}
		if problem := packageDocProblem(p.Name, docs); problem != "" {
			t.Errorf("%s (%s): %s", p.ImportPath, strings.Join(where, ", "), problem)
		}
	}
}

// packageDocProblem says what is wrong with a package's doc comments, one
// per file that has one, or "" when nothing is.
func packageDocProblem(name string, docs []string) string {
	switch {
	case len(docs) == 0:
		return "no package doc"
	case len(docs) > 1:
		return "package doc in more than one file; keep one (doc.go)"
	case name != "main" && !strings.HasPrefix(docs[0], "Package "+name+" "):
		return `package doc does not start with "Package ` + name + ` "`
	case !neverImports.MatchString(strings.Join(strings.Fields(docs[0]), " ")):
		return `package doc does not say what it "must never import" (or "never imports")`
	}
	return ""
}

// TestExportedNamesHaveDocComments enforces STYLE.md's habit 8 beyond what
// staticcheck checks (it only checks comments that exist): every exported
// function, method of an exported type, type, constant and variable
// outside tests has a doc comment that starts with its name.
func TestExportedNamesHaveDocComments(t *testing.T) {
	for _, p := range modulePackages(t) {
		fset, files := sourceFiles(t, p.Dir, 0)
		for _, f := range files {
			for _, d := range undocumented(f) {
				t.Errorf("%s: %s", fset.Position(d.pos), d.problem)
			}
		}
	}
}

// docProblem is an exported name whose doc comment is missing or wrong.
type docProblem struct {
	pos     token.Pos
	problem string
}

// undocumented returns the exported names of f that lack a proper doc
// comment. A constant or variable in a parenthesised group may share the
// group's comment.
func undocumented(f *ast.File) []docProblem {
	var found []docProblem
	check := func(id *ast.Ident, doc *ast.CommentGroup) {
		if p := nameDocProblem(id.Name, doc); p != "" {
			found = append(found, docProblem{id.Pos(), p})
		}
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && exportedReceiver(d) {
				check(d.Name, d.Doc)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				checkSpec(d, spec, check)
			}
		}
	}
	return found
}

// checkSpec checks the exported names one spec of d declares.
func checkSpec(d *ast.GenDecl, spec ast.Spec, check func(*ast.Ident, *ast.CommentGroup)) {
	switch s := spec.(type) {
	case *ast.TypeSpec:
		if s.Name.IsExported() {
			check(s.Name, specDoc(s.Doc, d, len(d.Specs) == 1))
		}
	case *ast.ValueSpec:
		for _, id := range s.Names {
			if !id.IsExported() {
				continue
			}
			if s.Doc == nil && d.Lparen.IsValid() && d.Doc != nil {
				continue // documented by its group's comment
			}
			check(id, specDoc(s.Doc, d, !d.Lparen.IsValid()))
		}
	}
}

// specDoc is a spec's own comment, or its declaration's when the declaration
// holds that spec alone.
func specDoc(own *ast.CommentGroup, d *ast.GenDecl, alone bool) *ast.CommentGroup {
	if own == nil && alone {
		return d.Doc
	}
	return own
}

// exportedReceiver reports whether d is a function, or a method of an
// exported type.
func exportedReceiver(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return true
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	id, ok := t.(*ast.Ident)
	return !ok || id.IsExported()
}

// nameDocProblem says what is wrong with the doc comment of the exported
// name, or "" when nothing is. Like staticcheck's ST1020–ST1022, it allows
// an article before the name.
func nameDocProblem(name string, doc *ast.CommentGroup) string {
	if doc == nil {
		return name + " has no doc comment"
	}
	text := doc.Text()
	for _, article := range []string{"A ", "An ", "The "} {
		text = strings.TrimPrefix(text, article)
	}
	rest, ok := strings.CutPrefix(text, name)
	if !ok || (rest != "" && !strings.ContainsAny(rest[:1], " \n,.:;'")) {
		first, _, _ := strings.Cut(doc.Text(), "\n")
		return name + `'s doc comment does not start with its name: "` + first + `"`
	}
	return ""
}

// readmeSection returns the README's section under the "## "+title heading.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", "## "+title)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// layoutPaths returns the paths the README's layout table names in its
// first column, such as "auth/" or "cli.go".
func layoutPaths(t *testing.T) map[string]bool {
	t.Helper()
	paths := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	for line := range strings.Lines(readmeSection(t, "Layout")) {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || !strings.HasPrefix(line, "|") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			paths[m[1]] = true
		}
	}
	return paths
}

// TestReadmeLayoutListsEveryPackage checks that the README's layout table
// has a row for every package "go list ./..." finds, so that a new package
// comes with its one job said where a newcomer looks first.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	paths := layoutPaths(t)
	for _, p := range modulePackages(t) {
		want := "main.go" // the root package's row
		if rel, ok := strings.CutPrefix(p.ImportPath, "dialtone/"); ok {
			want = rel + "/"
		}
		if !paths[want] {
			t.Errorf("README.md's layout table has no row for %s: want a row for `%s`", p.ImportPath, want)
		}
	}
}

// testHook matches the variables only Dialtone's tests set: their names say
// so with a TEST or E2E part, and the README need not name them.
var testHook = regexp.MustCompile(`^DIALTONE_(\w+_)?(TEST|E2E)(_|$)`)

// TestReadmeNamesEveryEnvironmentVariable checks that every DIALTONE_*
// variable named in code that is not a test is either in the README or
// named as a test hook (DIALTONE_TEST_…, DIALTONE_E2E_…).
func TestReadmeNamesEveryEnvironmentVariable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, where := range environmentNames(t) {
		named := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`).Match(b)
		if !testHook.MatchString(name) && !named {
			t.Errorf("%s: %s is read outside tests but README.md does not name it; "+
				"document it, or, if only tests set it, name it DIALTONE_TEST_… or DIALTONE_E2E_…", where, name)
		}
	}
}

// environmentNames returns each DIALTONE_* name that a string constant in
// the module's non-test code starts with, and where it first appears.
func environmentNames(t *testing.T) map[string]token.Position {
	t.Helper()
	varName := regexp.MustCompile(`^DIALTONE_[A-Z0-9_]*[A-Z0-9]`)
	names := map[string]token.Position{}
	for _, p := range modulePackages(t) {
		fset, files := sourceFiles(t, p.Dir, 0)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if name := varName.FindString(s); err == nil && name != "" {
					if _, seen := names[name]; !seen {
						names[name] = fset.Position(lit.Pos())
					}
				}
				return true
			})
		}
	}
	return names
}

// TestDocRules shows the rules above fail where they should.
func TestDocRules(t *testing.T) {
	comment := func(text string) *ast.CommentGroup {
		return &ast.CommentGroup{List: []*ast.Comment{{Text: "// " + text}}}
	}
	names := []struct {
		name, doc string
		ok        bool
	}{
		{"Provider", "Provider returns the provider.", true},
		{"Store", "A Store keeps sessions.", true},
		{"Provider", "idp.Provider returns the provider.", false},
		{"HostPort", "hostPort is the host.", false},
		{"Host", "HostPort is the host and port.", false},
		{"Missing", "", false},
	}
	for _, c := range names {
		doc := comment(c.doc)
		if c.doc == "" {
			doc = nil
		}
		if got := nameDocProblem(c.name, doc); (got == "") != c.ok {
			t.Errorf("nameDocProblem(%q, %q) = %q, want ok %v", c.name, c.doc, got, c.ok)
		}
	}
	packages := []struct {
		test, name string
		docs       []string
		ok         bool
	}{
		{"says it", "loopback", []string{"Package loopback says. It must never import a Dialtone package.\n"}, true},
		{"a command", "main", []string{"Command x does y. It never imports Fyne.\n"}, true},
		{"no doc", "auth", nil, false},
		{"two files", "ui", []string{"Package ui is. It must never import x.\n", "Package ui again.\n"}, false},
		{"wrong name", "session", []string{"Package sessions is. It must never import x.\n"}, false},
		{"no import rule", "loopback", []string{"Package loopback says. It imports nothing of Dialtone.\n"}, false},
		{"imported is not import", "wincredcheck", []string{"Package wincredcheck must never be imported.\n"}, false},
	}
	for _, c := range packages {
		if got := packageDocProblem(c.name, c.docs); (got == "") != c.ok {
			t.Errorf("%s: packageDocProblem(%q) = %q, want ok %v", c.test, c.name, got, c.ok)
		}
	}
}
