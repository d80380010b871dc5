//! Read-only library and module tables (manifest.md §3.1): process code can read,
//! iterate and call through them but not assign into them.

use piccolo::{Context, Table, Value};

/// Makes `table` read-only, with its metatable if it has one (else a process could
/// change what the table's reads return through `getmetatable`), and returns it.
/// Every assignment into it fails (`t.k = v`, `rawset`, `table.insert`, ...), and so
/// does `setmetatable`; reads, `pairs`, `next` and `#` work on the table itself.
/// The flag lives in the table (vendored piccolo), not in a proxy in front of it: a
/// proxy costs every `string.format` or `process.send` two more lookups (its own
/// miss and the metatable's `__index`), and `rawset` wrote into the proxy.
pub fn read_only<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> Table<'gc> {
    table.make_read_only(&ctx);
    if let Some(metatable) = table.metatable() {
        metatable.make_read_only(&ctx);
    }
    table
}

/// Makes each global named in `names` that holds a table read-only.
pub fn seal_globals(ctx: Context<'_>, names: &[&str]) {
    let globals = ctx.globals();
    for name in names {
        if let Value::Table(table) = globals.get(ctx, ctx.intern(name.as_bytes())) {
            read_only(ctx, table);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_lua;

    #[test]
    fn library_tables_refuse_assignment_but_read_and_iterate() {
        let source = r#"
            local ok, e = pcall(function() math.pi = 3 end)
            local added = pcall(function() table.extra = 1 end)
            local raw = pcall(rawset, string, "x", 1)
            local inserted = pcall(table.insert, os, 1)
            local changed = pcall(setmetatable, os, {})
            local n = 0
            for _ in pairs(math) do n = n + 1 end
            return ok, e, added, raw, inserted, string.x, math.floor(2.5), n > 20,
                next(math) ~= nil, #table == 0, getmetatable(string), changed
        "#;
        assert_eq!(
            run_lua(source),
            "false\ttest:2: attempt to modify a read-only table\tfalse\tfalse\tfalse\tnil\t\
             2\ttrue\ttrue\ttrue\tnil\tfalse"
        );
    }
}
