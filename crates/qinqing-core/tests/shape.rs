//! The code's shape, read from the sources (issue 33): no import circle
//! between the core's modules or between the UI's ES modules; the core's
//! layers point one way (store ← access ← app: the store imports neither,
//! access does not import the facade); and only the facade (`app/`, with
//! the operations' declaration and dispatch, `app/api.rs`) writes `impl Qinqing`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "vendor") {
                files(&p, ext, out);
            }
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Every `crate::a::b…` path a Rust source names (in `use` lists too:
/// `use crate::{a, b::{c}}` names `crate::a` and `crate::b::c`), and
/// `super::x` as the sibling `x` (returned as `super::x`). Comments are skipped.
fn rust_paths(src: &str) -> Vec<String> {
    let code: String = src.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    for prefix in ["crate::", "super::"] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let root = if prefix == "crate::" { "crate" } else { "super" };
            expand(root, rest, &mut out);
        }
    }
    out
}

/// `rest` follows `root::`: a path, or a `{…}` group of paths.
fn expand(root: &str, rest: &str, out: &mut Vec<String>) {
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(root, item.trim(), out);
                    item.clear();
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        if !item.trim().is_empty() {
            expand(root, item.trim(), out);
        }
        return;
    }
    let mut path = vec![root.to_string()];
    let mut s = rest;
    loop {
        let name: String = s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            if let Some(g) = s.strip_prefix('{') {
                // `a::{b, c}`: each inside the group, under `a`.
                let _ = g;
                expand(&path.join("::"), s, out);
                return;
            }
            break;
        }
        path.push(name.clone());
        s = &s[name.len()..];
        match s.strip_prefix("::") {
            Some(t) => s = t,
            None => break,
        }
    }
    if path.len() > 1 {
        out.push(path.join("::"));
    }
}

/// The source file a path names, from the file that names it: the longest
/// prefix that is a module file (`a/b.rs` or `a/b/mod.rs`), or a name the
/// crate root re-exports (`crate::binding` → `app/binding.rs`).
fn resolve(src_dir: &Path, from: &Path, path: &str, reexports: &BTreeMap<String, String>) -> Option<PathBuf> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut best = None;
    let base: PathBuf = if parts[0] == "super" {
        // A file's parent module: `x/mod.rs`'s is `x/..`; `x/y.rs`'s is `x/`
        // (the module file `x/mod.rs` or `x.rs` itself, if nothing deeper).
        let dir = from.parent().unwrap();
        let dir = if from.file_name().is_some_and(|n| n == "mod.rs") { dir.parent().unwrap() } else { dir };
        let module = dir.join("mod.rs");
        let beside = dir.with_extension("rs");
        best = if module.is_file() {
            Some(module)
        } else if beside.is_file() {
            Some(beside)
        } else {
            None
        };
        parts.remove(0);
        dir.to_path_buf()
    } else {
        parts.remove(0);
        if let Some(first) = parts.first() {
            if let Some(real) = reexports.get(*first) {
                let mut v: Vec<&str> = real.split("::").collect();
                v.extend(&parts[1..]);
                return resolve(src_dir, from, &format!("crate::{}", v.join("::")), &BTreeMap::new());
            }
        }
        src_dir.to_path_buf()
    };
    let mut dir = base;
    for p in parts {
        let file = dir.join(format!("{p}.rs"));
        let module = dir.join(p).join("mod.rs");
        if file.is_file() {
            best = Some(file);
        } else if module.is_file() {
            best = Some(module);
        } else {
            break;
        }
        dir = dir.join(p);
    }
    best
}

/// The crate root's re-exports of its own modules: `pub use app::{a, b};`
/// and `pub use store::{x, y as z};` → name → real path.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in lib.lines().map(str::trim).filter(|l| l.starts_with("pub use ") && !l.contains("qinqing_domain")) {
        let body = line.trim_start_matches("pub use ").trim_end_matches(';');
        let Some((module, rest)) = body.split_once("::") else { continue };
        let names = rest.trim_start_matches('{').trim_end_matches('}');
        for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let (real, alias) = n.split_once(" as ").unwrap_or((n, n));
            if alias.chars().next().is_some_and(char::is_lowercase) {
                out.insert(alias.trim().to_string(), format!("{module}::{}", real.trim()));
            }
        }
    }
    out
}

/// The circles of a graph (its strongly connected parts of more than one node).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iterated over the nodes in order.
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        n: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.n);
        t.low.insert(v, t.n);
        t.n += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        let next: Vec<&'a str> = g.get(v).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default();
        for w in next {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut part = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                part.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                t.out.push(part);
            }
        }
    }
    let mut t = T { g: graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), n: 0, out: Vec::new() };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn core_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, "rs", &mut all);
    let re = reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let name = |p: &Path| p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
    let mut graph = BTreeMap::new();
    for f in &all {
        if name(f) == "lib.rs" {
            continue; // the root declares and re-exports; it is above every module
        }
        let text = std::fs::read_to_string(f).unwrap();
        // A module's own tests (`#[cfg(test)] mod tests` at its end) are not what it imports.
        let text = match text.find("\n#[cfg(test)]") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        let deps: BTreeSet<String> =
            rust_paths(text).iter().filter_map(|p| resolve(&src, f, p, &re)).map(|p| name(&p)).filter(|d| d != &name(f) && d != "lib.rs").collect();
        graph.insert(name(f), deps);
    }
    graph
}

#[test]
fn the_path_reader_finds_each_form() {
    let got = rust_paths("use crate::{audit, store::{Conn, query}};\nlet x = crate::app::binding::ADULT_AGE;\n// crate::nothing\nsuper::rules::plan()");
    for want in ["crate::audit", "crate::store::Conn", "crate::store::query", "crate::app::binding::ADULT_AGE", "super::rules::plan"] {
        assert!(got.iter().any(|g| g == want), "{want} in {got:?}");
    }
    assert!(!got.iter().any(|g| g.contains("nothing")), "comments are skipped: {got:?}");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["c".to_string()].into());
    g.insert("c".into(), ["a".to_string()].into());
    g.insert("d".into(), ["a".to_string()].into());
    assert_eq!(circles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
}

#[test]
fn the_cores_modules_import_one_another_in_no_circle() {
    let graph = core_graph();
    assert!(graph.len() > 30, "the sources were read: {}", graph.len());
    assert!(graph["app/binding.rs"].contains("app/service.rs"), "imports are resolved: {:?}", graph["app/binding.rs"]);
    assert!(graph["app/settle/rules.rs"].contains("app/settle/mod.rs"), "`super::` resolves: {:?}", graph["app/settle/rules.rs"]);
    assert!(graph["app/service.rs"].contains("store/sqlite.rs"), "re-exported and nested paths resolve: {:?}", graph["app/service.rs"]);
    let found = circles(&graph);
    assert!(found.is_empty(), "import circles: {found:?}");
}

#[test]
fn the_layers_point_one_way() {
    let graph = core_graph();
    let mut wrong = Vec::new();
    for (file, deps) in &graph {
        for d in deps {
            // The operations' declaration (app/api.rs) stands above the
            // facade's areas: none of them imports it.
            let up = (file.starts_with("store/") && (d.starts_with("access/") || d.starts_with("app/")))
                || (file.starts_with("access/") && d.starts_with("app/"))
                || (file.starts_with("app/") && file != "app/api.rs" && d == "app/api.rs");
            if up {
                wrong.push(format!("{file} -> {d}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that run back up a layer: {wrong:?}");
    // Only the facade writes `impl Qinqing` (app/api.rs: the operations' dispatch too).
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, "rs", &mut all);
    let outside: Vec<String> = all
        .iter()
        .filter(|f| std::fs::read_to_string(f).unwrap().lines().any(|l| l.starts_with("impl Qinqing")))
        .map(|f| f.strip_prefix(&src).unwrap().to_string_lossy().into_owned())
        .filter(|f| !f.starts_with("app/"))
        .collect();
    assert!(outside.is_empty(), "impl Qinqing outside app/: {outside:?}");
}

#[test]
fn the_uis_modules_import_one_another_in_no_circle() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui");
    let mut all = Vec::new();
    files(&ui, "js", &mut all);
    assert!(all.len() > 10, "the UI was read: {}", all.len());
    let name = |p: &Path| p.strip_prefix(&ui).unwrap().to_string_lossy().replace('\\', "/");
    let mut graph = BTreeMap::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        let mut deps = BTreeSet::new();
        // `from './x.js'` and `import('./x.js')`, with either quote.
        for marker in ["from '", "from \"", "import('", "import(\""] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(marker) {
                rest = &rest[i + marker.len()..];
                let spec: String = rest.chars().take_while(|c| *c != '\'' && *c != '"').collect();
                if spec.starts_with('.') {
                    let target = f.parent().unwrap().join(&spec);
                    if let Ok(t) = target.canonicalize() {
                        if let Ok(rel) = t.strip_prefix(ui.canonicalize().unwrap()) {
                            deps.insert(rel.to_string_lossy().replace('\\', "/"));
                        }
                    }
                }
            }
        }
        graph.insert(name(f), deps);
    }
    assert!(graph["app.js"].contains("screens/terminal.js"), "dynamic imports are read: {:?}", graph["app.js"]);
    let found = circles(&graph);
    assert!(found.is_empty(), "import circles in ui/: {found:?}");
}
