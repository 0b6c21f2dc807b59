//! Every relative link of the repository's documentation resolves to a file
//! of the repository, and every anchor to a heading of its file: README.md,
//! docs/*.md and every other Markdown file of the tree (crate READMEs
//! included), and the `//!` documentation of every crate's lib.rs and
//! main.rs. A clone has no files beside the repository, so a link out of it
//! is an error too.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// Folders that are not documentation: build output, installed packages,
/// git's own.
const SKIPPED: [&str; 3] = ["target", "node_modules", ".git"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Every file below `dir` whose name satisfies `wanted`, skipping
/// [`SKIPPED`] folders.
fn files(dir: &Path, wanted: &dyn Fn(&Path) -> bool, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !SKIPPED.iter().any(|skipped| name == *skipped) {
                files(&path, wanted, found);
            }
        } else if wanted(&path) {
            found.push(path);
        }
    }
}

/// A document: the Markdown text, the file it is in, and the folder its
/// relative links start from.
struct Document {
    file: PathBuf,
    base: PathBuf,
    text: String,
}

fn markdown_documents(root: &Path) -> Vec<Document> {
    let mut found = Vec::new();
    files(
        root,
        &|path| path.extension().is_some_and(|ext| ext == "md"),
        &mut found,
    );
    found
        .into_iter()
        .map(|file| Document {
            base: file.parent().expect("a folder").to_path_buf(),
            text: fs::read_to_string(&file).expect("readable Markdown"),
            file,
        })
        .collect()
}

/// The `//!` text of every crate root (`src/lib.rs`, `src/main.rs`), its
/// links relative to the crate's folder.
fn crate_documents(root: &Path) -> Vec<Document> {
    let mut found = Vec::new();
    files(
        root,
        &|path| {
            let name = path.file_name().and_then(|name| name.to_str());
            let in_src = path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|dir| dir == "src");
            in_src && matches!(name, Some("lib.rs" | "main.rs"))
        },
        &mut found,
    );
    found
        .into_iter()
        .map(|file| {
            let source = fs::read_to_string(&file).expect("readable source");
            let text: Vec<&str> = source
                .lines()
                .filter_map(|line| line.trim_start().strip_prefix("//!"))
                .map(|line| line.strip_prefix(' ').unwrap_or(line))
                .collect();
            let crate_dir = file
                .parent()
                .and_then(Path::parent)
                .expect("a crate folder");
            Document {
                base: crate_dir.to_path_buf(),
                text: text.join("\n"),
                file,
            }
        })
        .collect()
}

/// The text without fenced code blocks and inline code, where brackets are
/// not links.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if !fenced {
            let mut in_code = false;
            for c in line.chars() {
                if c == '`' {
                    in_code = !in_code;
                } else if !in_code {
                    out.push(c);
                }
            }
        }
        out.push('\n');
    }
    out
}

/// The targets of inline links `[text](target)` and of reference
/// definitions `[label]: target`.
fn link_targets(text: &str) -> Vec<String> {
    let text = prose(text);
    let mut targets = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = after[..end].split_whitespace().next().unwrap_or_default();
        targets.push(target.trim_matches(['<', '>']).to_owned());
        rest = &after[end..];
    }
    for line in text.lines() {
        let line = line.trim_start();
        if let Some((label, target)) = line.strip_prefix('[').and_then(|l| l.split_once("]:")) {
            if !label.is_empty() && !label.contains(']') {
                let target = target.split_whitespace().next().unwrap_or_default();
                targets.push(target.to_owned());
            }
        }
    }
    targets
}

/// Whether `target` leaves the document set: a URL with a scheme, or a
/// rustdoc intra-doc link (a path of Rust items, no file).
fn is_external_or_item(target: &str) -> bool {
    let scheme = target.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic())
    });
    let item = !target.is_empty() && !target.contains(['/', '.', '#']) || target.contains("::");
    scheme || item
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-`
/// and `_` dropped, spaces made `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (`-1`, `-2` for repeats).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let heading: String = heading.chars().filter(|c| *c != '`').collect();
        let base = slug(&heading);
        let mut anchor = base.clone();
        let mut repeat = 0;
        while !anchors.insert(anchor.clone()) {
            repeat += 1;
            anchor = format!("{base}-{repeat}");
        }
    }
    anchors
}

/// `path` with `.` and `..` folded, without touching the file system.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What is wrong with `target` in `document`, if anything.
fn broken(root: &Path, document: &Document, target: &str) -> Option<String> {
    if is_external_or_item(target) {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        document.file.clone()
    } else {
        normalized(&document.base.join(path))
    };
    if !file.starts_with(root) {
        return Some("leaves the repository".into());
    }
    if !file.exists() {
        return Some("names no file of the repository".into());
    }
    let anchor = anchor?;
    let text = if path.is_empty() {
        document.text.clone()
    } else {
        fs::read_to_string(&file).ok()?
    };
    (!anchors(&text).contains(anchor)).then(|| format!("#{anchor} is no heading of it"))
}

#[test]
fn every_relative_link_resolves_inside_the_repository() {
    let root = root();
    let mut documents = markdown_documents(&root);
    documents.extend(crate_documents(&root));
    let names: Vec<String> = documents
        .iter()
        .map(|document| {
            document
                .file
                .strip_prefix(&root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    for expected in [
        "README.md",
        "docs/rules.md",
        "docs/case-format.md",
        "core/src/lib.rs",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} not read: {names:?}"
        );
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for document in &documents {
        for target in link_targets(&document.text) {
            checked += 1;
            if let Some(problem) = broken(&root, document, &target) {
                let file = document.file.strip_prefix(&root).unwrap_or(&document.file);
                problems.push(format!("{}: ({target}) {problem}", file.display()));
            }
        }
    }
    assert!(checked > 20, "only {checked} links found");
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_links_anchors_and_what_leaves() {
    let text = "# Top `x`\n## A: b, c\n## A: b, c\n[x](#a-b-c-1) `[no](link)`\n```\n[no](fence)\n```\n[r]: docs/rules.md\n";
    assert_eq!(link_targets(text), ["#a-b-c-1", "docs/rules.md"]);
    let anchors = anchors(text);
    assert!(anchors.contains("top-x") && anchors.contains("a-b-c") && anchors.contains("a-b-c-1"));
    assert!(is_external_or_item("https://docs.rs/tracing"));
    assert!(is_external_or_item("TestKey") && is_external_or_item("crate::server::Reply"));
    assert!(!is_external_or_item("docs/rules.md") && !is_external_or_item("#decisions"));
    let root = root();
    let readme = Document {
        file: root.join("README.md"),
        base: root.clone(),
        text: "# Only\n".into(),
    };
    let outside = format!("../{}/SPEC.md", "shared");
    assert_eq!(
        broken(&root, &readme, &outside).as_deref(),
        Some("leaves the repository")
    );
    assert_eq!(
        broken(&root, &readme, "docs/missing.md").as_deref(),
        Some("names no file of the repository")
    );
    assert!(broken(&root, &readme, "docs/rules.md#decisions").is_none());
    assert!(broken(&root, &readme, "docs/rules.md#no-such-heading").is_some());
    assert!(broken(&root, &readme, "#only").is_none());
}
