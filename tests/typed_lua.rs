//! The typed-Lua dialect (typed-lua.md) through the real binary: typed chunks run with
//! their annotations erased, and errors point at the original lines.

mod common;

use common::{index_with, lua_entry, Project};

/// The corpus of typed-lua.md §5, verbatim: `main` returns 0.
const SPEC_CORPUS: &str = include_str!("typed_lua/spec_corpus.lua");

/// A project whose `app:main` is `source`.
fn project(source: &str) -> Project {
    let index = index_with(&lua_entry("main", "main.lua", ""));
    Project::new(&[("_index.yaml", &index), ("main.lua", source)])
}

#[test]
fn the_spec_corpus_runs() {
    let run = project(SPEC_CORPUS).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    // The same program with a result that tells the terms apart: 1 + 1 + 40.
    let variant = SPEC_CORPUS.replace("- 2           -- 0", "+ 40");
    let run = project(&variant).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(42), "{run:?}");
}

#[test]
fn typed_programs_print_and_fail_at_their_original_lines() {
    let source = r#"local io = require('io')
interface Named
    function name(): string
end
type Pair<A, B> = {
    first: A,
    second: B,
}
local function swap<A, B>(p: Pair<A, B>): Pair<B, A>
    return {first = p.second, second = p.first}
end
return { main = function(): ()
    local p = swap({first = "a", second = 1} :: Pair<string, number>)
    io.print(p.first, p.second as string, type(p))
    error("boom")
end }
"#;
    let run = project(source).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stdout, "1\ta\ttable\n");
    assert!(run.stderr.contains("app:main:15: boom"), "{run:?}");
}

#[test]
fn a_malformed_annotation_is_a_located_syntax_error() {
    let run = project("return { main = function()\n    local x: = 1\nend }\n")
        .run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr
            .contains("failed to execute script: app:main:2: type expected near '='"),
        "{run:?}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Nesting at piccolo's own depth runs; far deeper is refused with a message.
    let shallow = format!(
        "return {{ main = function(): integer return {}7{} :: integer end }}",
        "(".repeat(150),
        ")".repeat(150)
    );
    let run = project(&shallow).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(7), "{run:?}");
    let deep = format!(
        "local x: number = {}1{}\nreturn {{ main = function() end }}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let run = project(&deep).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("too many syntax levels"), "{run:?}");
}
