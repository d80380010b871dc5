//! The dialect's forms (typed-lua.md §1–§5), erased column for column.

use std::borrow::Cow;

use super::{erase, erase_typed, scan, SyntaxError};
use crate::testing::{run_lua, run_process};

/// `typed` erased, as text.
fn erased(typed: &str) -> String {
    match erase("t", typed.as_bytes()) {
        Ok(plain) => String::from_utf8(plain.into_owned()).expect("erasure keeps UTF-8"),
        Err(error) => panic!("{typed:?} does not parse: {error}"),
    }
}

/// Asserts that `typed` erases to exactly `plain` (same length: every column kept).
#[track_caller]
fn assert_erases(typed: &str, plain: &str) {
    assert_eq!(
        typed.len(),
        plain.len(),
        "expected output must keep columns"
    );
    assert_eq!(erased(typed), plain, "erasing {typed:?}");
}

/// The error `typed` gives.
fn error_of(typed: &str) -> String {
    match erase("app:x", typed.as_bytes()) {
        Ok(plain) => panic!("{typed:?} parsed, to {:?}", String::from_utf8_lossy(&plain)),
        Err(error) => error.to_string(),
    }
}

// ---- §1 statements ----

#[test]
fn typed_locals() {
    assert_erases("local n: integer = 0", "local n          = 0");
    assert_erases(
        r#"local a: string, b: number? = "x", nil"#,
        r#"local a        , b          = "x", nil"#,
    );
    assert_erases("local t: {string}", "local t          ");
    assert_erases("local c <const>: number = 1", "local c <const>         = 1");
    assert_erases(
        "local d: number <close> = nil",
        "local d         <close> = nil",
    );
}

#[test]
fn type_aliases_plain_generic_and_exported() {
    assert_erases(
        "type Pair = {left: number, right: number}\nlocal p = 1",
        "                                         \nlocal p = 1",
    );
    assert_erases("type Box<T> = {item: T}", "                       ");
    assert_erases(
        "type Either<L, R> = {ok: true, v: R} | {ok: false, e: L}",
        "                                                        ",
    );
    assert_erases(
        "export type Id = string\nreturn 1",
        "                       \nreturn 1",
    );
    assert_erases(
        "type Multi =\n  | {a: number}\n  | {b: string}\nx = 1",
        "            \n               \n               \nx = 1",
    );
}

#[test]
fn interface_blocks() {
    let typed = "interface Shape : Named, Sized      -- optional\n    function area(scale: number): number\n    function label(): string\nend\nlocal s = 1";
    let plain = format!(
        "{}\n{}\n{}\n{}\nlocal s = 1",
        " ".repeat(47),
        " ".repeat(40),
        " ".repeat(28),
        "   "
    );
    assert_erases(typed, &plain);
    assert_erases(
        "interface Named\n  name: string\nend",
        "               \n              \n   ",
    );
}

#[test]
fn typed_functions() {
    assert_erases(
        "local function area(w: number, h: number): number return w * h end",
        "local function area(w        , h        )         return w * h end",
    );
    assert_erases(
        "local function first<T>(xs: {T}): T? return xs[1] end",
        "local function first   (xs     )     return xs[1] end",
    );
    assert_erases(
        "function pick<T: {id: string}>(x: T): string return x.id end",
        "function pick                 (x   )         return x.id end",
    );
    assert_erases(
        "function Stack:push(v: any): () self[#self + 1] = v end",
        "function Stack:push(v     )     self[#self + 1] = v end",
    );
    assert_erases(
        "function Obj:get(): (string?, string?) return nil, nil end",
        "function Obj:get()                     return nil, nil end",
    );
    assert_erases(
        "local function sum(...: number): number return 0 end",
        "local function sum(...        )         return 0 end",
    );
    assert_erases(
        "local f = function(x: number): number return x + 1 end",
        "local f = function(x        )         return x + 1 end",
    );
    assert_erases(
        "local id = function<T>(x: T): T return x end",
        "local id = function   (x   )    return x end",
    );
    assert_erases(
        "local function opt(a?: number) end",
        "local function opt(a         ) end",
    );
}

// ---- §2 return annotations ----

#[test]
fn return_annotations() {
    for (annotation, body) in [
        (": T", "return 1"),
        (": T1, T2", "return 1, 2"),
        (": (T1, T2)", "return 1, 2"),
        (": ()", "return"),
        (": never", "error('x')"),
        (": asserts x", "assert(x)"),
        (": asserts x is string", "assert(x)"),
    ] {
        let typed = format!("local function f(x){annotation} {body} end");
        let plain = format!(
            "local function f(x){} {body} end",
            " ".repeat(annotation.len())
        );
        assert_erases(&typed, &plain);
    }
}

// ---- §3 expressions ----

#[test]
fn casts_and_non_nil_assertions() {
    assert_erases("local n = raw as number", "local n = raw          ");
    assert_erases("local r = ({a = 1} as Rec)", "local r = ({a = 1}       )");
    assert_erases(
        "local s = msg:payload():data() :: string",
        "local s = msg:payload():data()          ",
    );
    assert_erases(
        "local w = (v :: any) :: string",
        "local w = (v       )          ",
    );
    assert_erases("local name = (user!).name", "local name = (user ).name");
    assert_erases("f(x!)", "f(x )");
    assert_erases("local c = a!.b!:m()!", "local c = a .b :m() ");
    // `as` binds tighter than every binary operator.
    assert_erases("local s = a + b as number", "local s = a + b          ");
    assert_erases(
        "local s = a as number + b as number",
        "local s = a           + b          ",
    );
    assert_erases("local s = -a as number", "local s = -a          ");
}

#[test]
fn casts_inside_constructors_and_calls() {
    assert_erases(
        "local t = {x = a as number, [k as string] = b :: any, c!}",
        "local t = {x = a          , [k          ] = b       , c }",
    );
    assert_erases("g(a as T, b :: U)", "g(a     , b     )");
}

// ---- §4 type expressions ----

#[test]
fn every_type_form_erases() {
    let types = [
        // names
        "number",
        "integer",
        "string",
        "boolean",
        "any",
        "unknown",
        "never",
        "nil",
        "table",
        "function",
        "Alias",
        "mod.Type",
        "a.b.C",
        "Box<number>",
        "Map<string, Box<number>>",
        "Box<Box<Box<number>>>",
        // literals
        r#""pending""#,
        "42",
        "1.5",
        "-1",
        "true",
        "false",
        // optional, union, intersection
        "number?",
        "A | B | C",
        "A & B",
        "A? | B?",
        "| A | B",
        // arrays and maps
        "{string}",
        "string[]",
        "{number}[]",
        "readonly {string}",
        "{[string]: number}",
        "readonly {[string]: number}",
        // records
        "{name: string, age?: number}",
        "{name: string, age?: number,}",
        "{a: number; b: string}",
        "{}",
        "readonly {x: number}",
        "interface {x: number}",
        "{readonly id: string, end: number, type: string}",
        "{nested: {deep: {string}}}",
        // functions
        "(number, string) -> boolean",
        "(a: number) -> (number, string)",
        "() -> ()",
        "(...string) -> ()",
        "(...) -> ()",
        "((number) -> number) -> number",
        "fun(a: number): string",
        "fun(): (A, B)",
        "fun(x: T)",
        "fun<T>(x: T): T",
        // operators
        "typeof(config)",
        "typeof(a.b[1])",
        "keyof(T)",
        r#"T["k"]"#,
        "T[K]",
        "A extends B ? C : D",
        "A extends {x: B?} ? C? : D",
        // validators
        "number @min(0) @max(100)",
        r#"string @min_len(1) @pattern("^a")"#,
        "{string} @max_len(5)",
        "string @email",
        "{age: number @min(0), name: string @min_len(1)}",
    ];
    for annotation in types {
        let typed = format!("local x: {annotation} = nil");
        let plain = format!("local x{} = nil", " ".repeat(annotation.len() + 2));
        assert_erases(&typed, &plain);
    }
}

#[test]
fn generic_lists_close_on_shift_and_greater_equal() {
    // `>>` closes two lists and `>=` closes one before `=`.
    assert_erases("local b: Box<Box<T>>= nil", "local b             = nil");
    assert_erases("local b: Box<number>= nil", "local b             = nil");
}

// ---- the contextual words stay usable ----

#[test]
fn contextual_words_stay_names() {
    let source = r#"
        type Point = {x: number, y: number}
        local Point = {}
        function Point:is(v: any): boolean return type(v) == "table" and v.x ~= nil end
        local t = {type = "circle", as = 1, interface = 2, readonly = 3}
        t.is = Point:is({x = 1})
        local n: integer = 0
        ::top::
        n = n + 1
        if n < 3 then goto top end
        return type(t), t.type, t.as + t.interface + t.readonly, t.is, Point:is(5), n
    "#;
    assert_eq!(run_lua(&erased(source)), "table\tcircle\t6\ttrue\tfalse\t3");
}

#[test]
fn labels_next_to_casts() {
    assert_erases(
        "do goto done end ::done:: local x = y :: T",
        "do goto done end ::done:: local x = y     ",
    );
    assert_erases("f() ::a:: g()", "f() ::a:: g()");
}

// ---- plain Lua ----

#[test]
fn plain_lua_is_returned_untouched() {
    let plain =
        "local t = {}\nfunction t:m(a, b) return a < b, a > b end\nreturn type(t), t:m(1, 2), #t";
    assert!(matches!(erase("t", plain.as_bytes()), Ok(Cow::Borrowed(_))));
    // The recogniser agrees with the fast path on it.
    assert!(matches!(
        erase_typed("t", plain.as_bytes()),
        Ok(Cow::Borrowed(_))
    ));
}

/// Every script of the Lua corpus (tests/lua) is plain Lua: the fast path lets it through
/// and the full recogniser accepts it and changes nothing.
#[test]
fn the_plain_lua_corpus_passes_through() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lua");
    let mut pending = vec![root];
    let mut scripts = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("tests/lua is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "lua") {
                continue;
            }
            let source = std::fs::read(&path).expect("script is readable");
            scripts += 1;
            match erase_typed("t", &source) {
                Ok(Cow::Borrowed(_)) => {}
                Ok(Cow::Owned(_)) => panic!("{} was changed", path.display()),
                Err(error) => panic!("{} was rejected: {error}", path.display()),
            }
            assert!(
                !scan::may_be_typed(&source).unwrap_or(false),
                "{} took the slow path",
                path.display()
            );
        }
    }
    assert!(scripts > 100, "only {scripts} scripts found");
}

// ---- errors ----

#[test]
fn malformed_annotations_give_located_errors() {
    assert_eq!(
        error_of("local a = 1\nlocal x: = 1"),
        "app:x:2: type expected near '='"
    );
    assert_eq!(
        error_of("\n\nlocal function f(a: number, b: ) end"),
        "app:x:3: type expected near ')'"
    );
    assert_eq!(
        error_of("type Foo = {a: number\nlocal y = 1"),
        "app:x:2: '}' expected (to close '{' at line 1) near 'local'"
    );
    assert_eq!(
        error_of("local y = x ::\n"),
        "app:x:2: type expected near <eof>"
    );
    assert_eq!(
        error_of("local b: Box<number = 1"),
        "app:x:1: '>' expected near '='"
    );
    assert_eq!(
        error_of("local function f(): \nend"),
        "app:x:2: type expected near 'end'"
    );
    assert_eq!(
        error_of("interface I\n  function f(: number\nend"),
        "app:x:2: <name> or '...' expected near ':'"
    );
}

#[test]
fn hostile_input_errors_without_overflowing() {
    let deep = format!(
        "local x: number = {}1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(error_of(&deep).contains("too many syntax levels"));
    let deep_type = format!(
        "local x: {}number{}",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    assert!(error_of(&deep_type).contains("too many syntax levels"));
    let chained = format!("local x: string = a{}", " .. a".repeat(100_000));
    assert!(error_of(&chained).contains("too many syntax levels"));
    let unary = format!("local x: number = {}1", "- ".repeat(100_000));
    assert!(error_of(&unary).contains("too many syntax levels"));
    // Nesting up to the limit is fine.
    let nested = format!("local x: number = {}1{}", "(".repeat(150), ")".repeat(150));
    assert_eq!(erased(&nested), nested.replacen(": number", "        ", 1));
}

#[test]
fn lexical_errors_leave_the_chunk_to_piccolo() {
    for broken in [
        "local s: string = \"unterminated",
        "local s: string = [[never closed",
        "--[[ open comment\nlocal x: number",
        "local s = 'a\nb' :: string",
        "local x: number = $",
    ] {
        assert!(
            matches!(erase("t", broken.as_bytes()), Ok(Cow::Borrowed(_))),
            "{broken:?}"
        );
    }
}

#[test]
fn errors_display_like_lua() {
    let error = SyntaxError {
        chunk: "app:x".into(),
        line: 12,
        message: "type expected near ')'".into(),
    };
    assert_eq!(error.to_string(), "app:x:12: type expected near ')'");
}

// ---- whole processes ----

/// The corpus of typed-lua.md §5, verbatim.
pub(crate) const SPEC_CORPUS: &str = include_str!("../../../tests/typed_lua/spec_corpus.lua");

#[test]
fn the_spec_corpus_runs_as_a_process() {
    assert_eq!(run_process(SPEC_CORPUS, |_| {}).outcome(), "0");
}

#[test]
fn runtime_errors_keep_the_original_lines() {
    let source = "type Cfg = {\n  name: string,\n}\nlocal function main(): ()\n  local cfg: Cfg? = nil\n  if not cfg then error('no config') end\n  return (cfg!).name :: string\nend\nreturn { main = main }\n";
    assert_eq!(
        run_process(source, |_| {}).outcome(),
        "error: app:test:6: no config"
    );
}

#[test]
fn syntax_errors_name_the_entry_and_line() {
    let source = "local function main()\n  local x: = 1\nend\nreturn { main = main }\n";
    assert_eq!(
        run_process(source, |_| {}).outcome(),
        "error: failed to execute script: app:test:2: type expected near '='"
    );
}

#[test]
fn load_accepts_typed_chunks() {
    assert_eq!(
        run_lua(
            "local f = load('local n: integer = ... return n * 2 :: integer')\n\
             local g, err = load('local x: = 1', '=typed')\n\
             return f(21), g, err"
        ),
        "42\tnil\ttyped:1: type expected near '='"
    );
}

/// The fast path never hides typed syntax, wherever it follows plain statements.
#[test]
fn the_fast_path_sees_typed_syntax_after_plain_statements() {
    for typed in [
        "local x\ntype Foo = {}",
        "local x <const> = 1\ntype Foo = {}",
        "local a, b\ninterface I end",
        "for i = 1, 2 do end\nexport type T = number",
        "local x = f() :: number",
        "local function f(a) end\nlocal y = a as T",
        "t:m()\nlocal x: T",
        "function t.a.b:c(x) end\nfunction g<T>() end",
        "local f = function() end\nlocal g = function(a, b): T end",
        "goto x\n::x::\nlocal z = y!",
    ] {
        let full = erase_typed("t", typed.as_bytes()).expect("parses");
        assert!(matches!(full, Cow::Owned(_)), "{typed:?}");
        assert_eq!(erase("t", typed.as_bytes()).ok(), Some(full), "{typed:?}");
    }
}

/// Plain Lua whose words look typed is accepted and left alone by the recogniser.
#[test]
fn plain_lua_with_dialect_words_is_unchanged() {
    for plain in [
        "local t = type\nx = 1",
        "local as = 1\nreturn as",
        "local t = {}\nt.type = 'a'\nt.as = t.type\nreturn t.as, t:is()",
        "local interface, readonly = 1, 2\nreturn interface + readonly",
        "local x <const> = 1\nlocal y <close> = nil",
        "f() ::a:: goto a",
        "local s = [[type T = {} local x: T]] -- local y: U",
        "local n = a<b and c>d",
        "local v = (a)(b)\nlocal w = #t >= 1",
    ] {
        assert_eq!(
            erase_typed("t", plain.as_bytes()).ok(),
            Some(Cow::Borrowed(plain.as_bytes())),
            "{plain:?}"
        );
        assert_eq!(erased(plain), plain);
    }
}
