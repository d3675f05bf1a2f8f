//! The backend's layering, checked from its sources: every `use` (and every inline `crate::` or
//! `super::` path) of a file in `src/` is an edge to the file of the module it names, and
//! - no two files import each other, directly or through others (no import cycles), and
//! - no module imports one of a higher layer (`LAYERS`, top first).
//!
//! Test modules (`#[cfg(test)] mod tests { ... }`, last in a file) are left out: a test may
//! reach anywhere. A parent's `mod child;` is not an edge; its `use child::X` is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first. A module may import its own layer's and lower layers' modules.
const LAYERS: &[&[&str]] = &[
    &["main", "lib", "server"],
    &["http"],
    &["app"],
    &["services"],
    &["error"],
    &["read_path"],
    &["shared_state"],
    &["mock_store", "salesforce_rest"],
    &["salesforce"],
    &["observability"],
    &["config"],
    &["domain", "clock", "data_dir", "i18n"],
];

type Module = Vec<String>;

#[test]
fn no_import_cycles_and_no_imports_up_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let graph = edges(&files);
    assert!(graph.len() > 40, "read only {} modules", graph.len());

    let cycles: Vec<String> = cycles(&graph)
        .into_iter()
        .map(|cycle| cycle.iter().map(name).collect::<Vec<_>>().join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));

    let mut upward = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            let (a, b) = (layer(from), layer(to));
            if b < a {
                upward.push(format!("{} imports {}", name(from), name(to)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports up the layers:\n{}",
        upward.join("\n")
    );
}

/// The checker finds what it is meant to: a cycle, an upward import, relative paths.
#[test]
fn the_checker_sees_cycles_and_relative_paths() {
    let files: BTreeMap<Module, String> = [
        (vec!["a".into()], "mod b;\nuse b::{X, c::Y};\n".to_owned()),
        (
            vec!["a".into(), "b".into()],
            "use super::Z; // comment: crate::d\n".to_owned(),
        ),
        (
            vec!["a".into(), "b".into(), "c".into()],
            "fn f() { crate::d::g(); }".to_owned(),
        ),
        (
            vec!["d".into()],
            "#[cfg(test)]\nmod tests { use crate::a::Q; }".to_owned(),
        ),
        (
            vec!["e".into()],
            "use crate::d::F;\npub mod inline { use super::G; fn f() { crate::a::h(); } }"
                .to_owned(),
        ),
    ]
    .into_iter()
    .collect();
    let graph = edges(&files);
    let of = |m: &str| -> BTreeSet<String> {
        graph[&m.split('/').map(str::to_owned).collect::<Vec<_>>()]
            .iter()
            .map(name)
            .collect()
    };
    assert_eq!(of("a"), ["a/b", "a/b/c"].map(String::from).into());
    assert_eq!(of("a/b"), ["a"].map(String::from).into());
    assert_eq!(of("a/b/c"), ["d"].map(String::from).into());
    assert!(of("d").is_empty(), "test modules are left out");
    assert_eq!(
        of("e"),
        ["a", "d"].map(String::from).into(),
        "`super` in an inline module is the file itself"
    );
    assert_eq!(cycles(&graph).len(), 1);
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("/")
    }
}

fn layer(module: &Module) -> usize {
    let top = module.first().map_or("lib", String::as_str);
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top))
        .unwrap_or_else(|| panic!("module {top} is in no layer: add it to LAYERS"))
}

/// Every source file, by module path (`http/dto/mod.rs` is `["http", "dto"]`).
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut module: Module = rel
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                    module.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(module, text);
            }
        }
    }
    out
}

fn edges(files: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph = BTreeMap::new();
    for (module, text) in files {
        let mut scopes = Vec::new();
        inline_modules(&strip(text), Vec::new(), &mut scopes);
        let mut targets = BTreeSet::new();
        for (inner, code) in scopes {
            // Paths in an inline module (`mod option { ... }`) are seen from that module.
            let scope: Module = module.iter().cloned().chain(inner).collect();
            for path in paths(&code) {
                if let Some(target) = resolve(files, &scope, &path)
                    && &target != module
                {
                    targets.insert(target);
                }
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// The code without comments, string contents and the trailing test module.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    match out.find("#[cfg(test)]\nmod ") {
        Some(tests) => out[..tests].to_owned(),
        None => out,
    }
}

/// The code outside inline modules (`mod name { ... }`), and each inline module's code with its
/// names below the file's module, into `out`.
fn inline_modules(code: &str, names: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let mut outer = String::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "mod ") {
        let after = &rest[at + 4..];
        let ident_len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let tail = after[ident_len..].trim_start();
        if !tail.starts_with('{') {
            // `mod child;`: a file of its own.
            outer.push_str(&rest[..at + 4]);
            rest = after;
            continue;
        }
        let open = rest.len() - tail.len();
        let mut depth = 0;
        let close = rest[open..].char_indices().find_map(|(i, c)| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(open + i)
        });
        let Some(close) = close else { break };
        outer.push_str(&rest[..at]);
        let mut inner = names.clone();
        inner.push(after[..ident_len].to_owned());
        inline_modules(&rest[open + 1..close], inner, out);
        rest = &rest[close + 1..];
    }
    outer.push_str(rest);
    out.push((names, outer));
}

/// Every path the code names: each leaf of its `use` trees, and inline `crate::`/`super::`
/// paths.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "use ") {
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        out.extend(expand(after[..end].trim()));
        rest = &after[end..];
    }
    for start in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = find_word(rest, start) {
            let tail = &rest[at..];
            let len = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            out.push(tail[..len].trim_end_matches(':').to_owned());
            rest = &tail[len..];
        }
    }
    out
}

/// `needle` where it starts a word.
fn find_word(haystack: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = haystack[from..].find(needle) {
        let at = from + i;
        let before = haystack[..at].chars().next_back();
        if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// The leaves of a use tree: `a::{b, c::{d, e}}` is `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, body) = (&tree[..open], &tree[open + 1..tree.len() - 1]);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            expand(p)
                .into_iter()
                .map(move |leaf| format!("{prefix}{leaf}"))
        })
        .collect()
}

/// The file of the deepest module `path` names, seen from `module`; `None` for other crates.
fn resolve(files: &BTreeMap<Module, String>, module: &Module, path: &str) -> Option<Module> {
    let mut segments: Vec<&str> = path
        .split("::")
        .map(|s| s.split(" as ").next().unwrap_or(s))
        .collect();
    let mut base: Module = match segments.first().copied() {
        Some("crate") => {
            segments.remove(0);
            Vec::new()
        }
        Some("super") => {
            let mut base = module.clone();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
            base
        }
        Some("self") => {
            segments.remove(0);
            module.clone()
        }
        // A child module of this one, named without `self::`.
        Some(first) if files.contains_key(&child(module, first)) => module.clone(),
        _ => return None,
    };
    let mut best = files.contains_key(&base).then(|| base.clone());
    for segment in segments {
        base.push(segment.to_owned());
        if files.contains_key(&base) {
            best = Some(base.clone());
        }
    }
    best
}

fn child(module: &Module, name: &str) -> Module {
    let mut child = module.clone();
    child.push(name.to_owned());
    child
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        found: Vec<Vec<Module>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Module) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.graph.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}
