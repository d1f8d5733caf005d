//! The layering rule, checked over this crate's and the app crate's
//! sources: the graph of their top-level modules (who names whom through
//! `crate::`, tests left out) has no cycle, so each module can be read and
//! changed from the bottom up. The order is in docs/ARCHITECTURE.md.

#![cfg(test)]

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

/// Top-level module -> the top-level modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The modules named after `crate::` in `source` (outside tests and
/// comments): `crate::a::b` names `a`; `crate::{a::x, b}` names `a` and `b`.
fn named(source: &str) -> BTreeSet<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let code: String = code
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The group's top-level entries, up to its closing brace.
            let (mut depth, mut entry) = (1usize, String::new());
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && ch == ',') {
                    names.insert(first_segment(&entry));
                    entry.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    entry.push(ch);
                }
            }
        } else {
            names.insert(first_segment(rest));
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

fn graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let top = relative
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let source = std::fs::read_to_string(&path).unwrap();
            graph.entry(top).or_default().extend(named(&source));
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for (module, names) in graph.iter_mut() {
        names.retain(|name| name != module && modules.contains(name));
    }
    graph
}

/// A cycle through `from`, if any, as the path of modules.
fn cycle(graph: &Graph, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![(from.to_string(), vec![from.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == from {
                let mut cycle = path.clone();
                cycle.push(from.to_string());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn assert_acyclic(src: &Path) {
    let graph = graph(src);
    assert!(graph.len() > 5, "no modules read under {}", src.display());
    for module in graph.keys() {
        if let Some(cycle) = cycle(&graph, module) {
            panic!("module cycle in {}: {}", src.display(), cycle.join(" -> "));
        }
    }
}

#[test]
fn names_are_read_from_paths_and_groups() {
    let source = "use crate::{cache::{keys, Cache}, hub::Hub};\n\
                  // crate::commented\n\
                  fn f() { crate::stats::x(); }\n\
                  #[cfg(test)]\nuse crate::tested;";
    let names: Vec<String> = named(source).into_iter().collect();
    assert_eq!(names, ["cache", "hub", "stats"]);
    let mut looped = Graph::new();
    looped.insert("a".into(), ["b".into()].into());
    looped.insert("b".into(), ["a".into()].into());
    assert_eq!(
        cycle(&looped, "a"),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}

#[test]
fn the_server_modules_form_no_cycle() {
    assert_acyclic(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
}

#[test]
fn the_app_modules_form_no_cycle() {
    assert_acyclic(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"));
}
