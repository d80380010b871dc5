//! Read-only library and module tables (manifest.md §3.1): process code can read,
//! iterate and call through them but not assign into them.

use piccolo::{Callback, CallbackReturn, Context, IntoValue, MetaMethod, Table, Value};

use crate::api::set;

/// The message an assignment into a read-only table raises.
pub const READ_ONLY_MESSAGE: &str = "attempt to modify a read-only table";

/// A read-only view of `table`: an empty proxy whose metatable forwards reads
/// (`__index`), `pairs` (`__pairs`) and `#` (`__len`) to `table`, raises on
/// assignment (`__newindex`) and is protected (`__metatable`). `table` itself must not
/// be handed to process code, or it stays writable through it.
pub fn read_only<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> Table<'gc> {
    let proxy = Table::new(&ctx);
    let metatable = Table::new(&ctx);
    let _ = metatable.set(ctx, MetaMethod::Index, table);
    let new_index = Callback::from_fn(&ctx, |ctx, _, _| {
        Err(READ_ONLY_MESSAGE.into_value(ctx).into())
    });
    let _ = metatable.set(ctx, MetaMethod::NewIndex, new_index);
    let next = super::base::next_function(ctx);
    let pairs = Callback::from_fn_with(&ctx, (next, table), |&(next, table), ctx, _, mut stack| {
        stack.replace(ctx, (next, table, Value::Nil));
        Ok(CallbackReturn::Return)
    });
    let _ = metatable.set(ctx, MetaMethod::Pairs, pairs);
    let len = Callback::from_fn_with(&ctx, table, |&table, ctx, _, mut stack| {
        stack.replace(ctx, table.length());
        Ok(CallbackReturn::Return)
    });
    let _ = metatable.set(ctx, MetaMethod::Len, len);
    set(ctx, metatable, "__metatable", false);
    proxy.set_metatable(&ctx, Some(metatable));
    proxy
}

/// Replaces each global named in `names` that holds a table by its read-only view.
pub fn seal_globals(ctx: Context<'_>, names: &[&str]) {
    let globals = ctx.globals();
    for name in names {
        if let Value::Table(table) = globals.get(ctx, ctx.intern(name.as_bytes())) {
            set(ctx, globals, name, read_only(ctx, table));
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
            local changed = pcall(setmetatable, os, {})
            local n = 0
            for _ in pairs(math) do n = n + 1 end
            return ok, e, added, math.floor(2.5), n > 20, #table == 0,
                getmetatable(string), changed
        "#;
        assert_eq!(
            run_lua(source),
            "false\tattempt to modify a read-only table\tfalse\t2\ttrue\ttrue\tfalse\tfalse"
        );
    }
}
