//! The pre-initialised guest: the compiled-guest cache holds a snapshot taken after
//! the guest's `initialize`, and every process started from it is still its own.

mod common;

use common::{index_with, lua_entry, Project};

/// A project whose entries `app:NAME` run the given sources (from `NAME.lua`).
fn lua_project(entries: &[(&str, &str)]) -> Project {
    let items: String = entries
        .iter()
        .map(|(name, _)| lua_entry(name, &format!("{name}.lua"), ""))
        .collect();
    let index = index_with(&items);
    let files: Vec<(String, &str)> = entries
        .iter()
        .map(|(name, source)| (format!("{name}.lua"), *source))
        .collect();
    let mut all = vec![("_index.yaml", index.as_str())];
    all.extend(files.iter().map(|(file, source)| (file.as_str(), *source)));
    Project::new(&all)
}

/// `app:main` runs `body` inside `main`; `app:child` sends its parent its PID, entry
/// and first `math.random` draw.
fn project(body: &str) -> Project {
    let main = format!("local io = require('io')\nreturn {{ main = function()\n{body}\nend }}\n");
    let child = "return { main = function(parent)
        process.send(parent, 'hello', { pid = process.pid(), entry = process.id(), draw = math.random(1 << 62) })
    end }";
    lua_project(&[("main", &main), ("child", child)])
}

/// Runs `app:main` with a cache of its own and `extra` flags; its stdout, and stderr.
fn run(
    project: &Project,
    cache: &std::path::Path,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(common::BINARY)
        .args(["run", "-v"])
        .args(extra)
        .args(["-x", "app:main"])
        .current_dir(project.path())
        .env("WIPPY_WASM_CACHE_DIR", cache)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_snapshot_is_taken_once_then_loaded_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    // Building the Lua state costs ~2 million fuel; a process started from the
    // snapshot only compiles and runs its chunk, so it starts on far less.
    let project = project("io.print(process.id()) return 0");
    let (code, stdout, stderr) = run(&project, cache.path(), &["--fuel", "400000"]);
    assert!(
        stderr.contains("guest compiled from a pre-initialised snapshot"),
        "{stderr}"
    );
    assert_eq!((code, stdout.as_str()), (Some(0), "app:main\n"), "{stderr}");
    let (code, stdout, stderr) = run(&project, cache.path(), &["--fuel", "400000"]);
    assert!(stderr.contains("guest loaded from cache"), "{stderr}");
    assert_eq!((code, stdout.as_str()), (Some(0), "app:main\n"), "{stderr}");
}

#[test]
fn processes_from_the_snapshot_have_their_own_pid_entry_and_random_numbers() {
    let cache = tempfile::tempdir().unwrap();
    let project = project(
        "local inbox = process.inbox()
        local children = {}
        for i = 1, 2 do
            children[i] = process.spawn('app:child', 'app:processes', process.pid())
        end
        local seen = {}
        for i = 1, 2 do
            local msg = inbox:receive()
            local hello = msg:payload():data()
            io.print(tostring(hello.pid == msg:from()), hello.entry)
            seen[i] = hello.draw
        end
        io.print(process.id(), tostring(seen[1] ~= seen[2]))
        return 0",
    );
    let (code, stdout, stderr) = run(&project, cache.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "true\tapp:child\ntrue\tapp:child\napp:main\ttrue\n");
}

/// The guest's heap is split at the snapshot (`guest/src/allocator.rs`): a process
/// allocates past it and never frees into it. Growing the snapshot's own tables (the
/// globals, the interned strings) moves them into the process's heap, and garbage
/// collection of snapshot objects leaves them in place; neither may corrupt the
/// state, this process's or the next one's.
#[test]
fn a_process_can_grow_and_collect_the_snapshots_objects() {
    let cache = tempfile::tempdir().unwrap();
    let project = project(
        "for i = 1, 5000 do _G['global' .. i] = i end
        local sum = 0
        for i = 1, 5000 do sum = sum + _G['global' .. i] end
        for i = 1, 5000 do _G['global' .. i] = nil end
        local kept
        for round = 1, 50 do
            kept = {}
            for i = 1, 2000 do kept[i] = { tostring(i * round) .. 'x' } end
        end
        io.print(sum, string.format('%5.1f', 2.5), ('abc'):upper(), kept[2000][1])
        process.spawn('app:child', 'app:processes', process.pid())
        local hello = process.inbox():receive():payload():data()
        io.print(hello.entry, string.rep('ab', 2, ','))
        return 0",
    );
    let (code, stdout, stderr) = run(&project, cache.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "12502500\t  2.5\tABC\t100000x\napp:child\tab,ab\n");
}

/// A freed slot keeps the pages its process wrote and gets them copied back from
/// the snapshot (`host/src/engine.rs`, `KEPT_MEMORY_BYTES`): the next process in
/// the slot must see none of what the last one left, in its globals, its heap or
/// its random numbers.
#[test]
fn a_process_in_a_reused_slot_sees_nothing_of_the_last_one() {
    let cache = tempfile::tempdir().unwrap();
    let main = "local io = require('io')
    return { main = function()
        local inbox = process.inbox()
        local draws, clean = {}, 0
        for round = 1, 30 do
            process.spawn('app:tenant', 'app:processes', process.pid())
            local report = inbox:receive():payload():data()
            if report.left_behind == nil and report.big == nil then clean = clean + 1 end
            draws[report.draw] = true
        end
        local distinct = 0
        for _ in pairs(draws) do distinct = distinct + 1 end
        io.print(clean, distinct)
        return 0
    end }";
    let tenant = "return { main = function(parent)
        local report = { left_behind = LEFT_BEHIND, big = BIG, draw = math.random(1 << 62) }
        LEFT_BEHIND = process.pid()
        BIG = string.rep('x', 100000)
        math.randomseed(7)
        process.send(parent, 'report', report)
    end }";
    let project = lua_project(&[("main", main), ("tenant", tenant)]);
    let (code, stdout, stderr) = run(&project, cache.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "30\t30\n");
}

/// Each entry's chunk is compiled by its first process and loaded by the later ones
/// (`host/src/chunks.rs`): they behave as if compiled from source, each entry keeps
/// its own chunk, and `-v` shows one compile per entry.
#[test]
fn later_processes_of_an_entry_load_the_chunk_its_first_one_compiled() {
    let cache = tempfile::tempdir().unwrap();
    let main = "local io = require('io')
    return { main = function()
        local inbox = process.inbox()
        for _, entry in ipairs({ 'app:one', 'app:two', 'app:one', 'app:two', 'app:one' }) do
            process.spawn(entry, 'app:processes', process.pid())
            io.print(inbox:receive():payload():data())
        end
        return 0
    end }";
    let one = "local greeting: string = 'one'
    return { main = function(parent)
        local _, err = pcall(function() local msg = nil; return msg.x end)
        process.send(parent, 'report', process.id() .. ' ' .. greeting .. ' ' .. tostring(err))
    end }";
    let two = "
    local function report(parent: string, text: string)
        process.send(parent, 'report', process.id() .. ' ' .. text)
    end
    return { main = function(parent)
        local _, err = pcall(error, 'two failed', 1)
        report(parent, tostring(err))
    end }";
    let project = lua_project(&[("main", main), ("one", one), ("two", two)]);
    let (code, stdout, stderr) = run(&project, cache.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let one = "app:one one app:one:3: attempt to index a nil value (local 'msg')\n";
    let two = "app:two two failed\n";
    assert_eq!(stdout, [one, two, one, two, one].concat());
    for entry in ["app:main", "app:one", "app:two"] {
        let kept = stderr
            .lines()
            .filter(|line| line.contains("chunk compiled, kept") && line.contains(entry))
            .count();
        assert_eq!(kept, 1, "{entry}: {stderr}");
    }
}

/// What an idle process costs is mostly the snapshot pages it writes, each copied
/// into it on its first write: the stack's top, `.bss`, gc-arena's state and the
/// first two pages of its own heap, where the structures every process writes were
/// moved before the snapshot (`guest/src/allocator.rs`, `guest/src/vm.rs`
/// `Prepared::relocate_process_writes`). Measured in `/proc/PID/smaps` of a run with
/// 200 processes waiting in `time.sleep`; the session before this measure wrote 7
/// pages each. The host also runs without transparent huge pages
/// (`host/src/engine.rs` `small_pages_only`), where the kernel reports it.
#[test]
fn idle_processes_write_few_snapshot_pages_and_the_host_uses_small_pages() {
    use std::io::BufRead;

    const IDLE: usize = 200;
    let main = format!(
        "local io = require('io')
        local time = require('time')
        return {{ main = function()
            for _ = 1, {IDLE} do assert(process.spawn('app:idle', 'app:processes')) end
            time.sleep('300ms')
            io.print('ready')
            time.sleep('1h')
        end }}"
    );
    let idle = "local time = require('time') return { main = function() time.sleep('1h') end }";
    let project = lua_project(&[("main", &main), ("idle", idle)]);
    let cache = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(common::BINARY)
        .args(["run", "-x", "app:main"])
        .current_dir(project.path())
        .env("WIPPY_WASM_CACHE_DIR", cache.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let proc_dir = format!("/proc/{}", child.id());
    let smaps = std::fs::read_to_string(format!("{proc_dir}/smaps")).unwrap();
    let status = std::fs::read_to_string(format!("{proc_dir}/status")).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(line, "ready\n");

    // Every process maps the snapshot's memory image once, read-write: from the
    // cached file, or from memory when the guest was compiled in this run.
    let (mut images, mut written_kib) = (0, 0);
    let mut in_image = false;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first().is_some_and(|range| range.contains('-')) && fields.len() >= 5 {
            in_image = fields[1] == "rw-p"
                && (line.contains(".cwasm") || line.contains("wasm-memory-image"));
            images += usize::from(in_image);
        } else if in_image && fields.first() == Some(&"Private_Dirty:") {
            written_kib += fields[1].parse::<usize>().unwrap();
        }
    }
    assert!(
        images > IDLE,
        "{images} image mappings for {IDLE} processes"
    );
    let per_process = written_kib as f64 / images as f64;
    assert!(
        per_process <= 24.0,
        "each process wrote {per_process:.1} KiB of the snapshot"
    );
    if let Some(thp) = status.lines().find(|line| line.starts_with("THP_enabled:")) {
        assert!(thp.ends_with('0'), "{thp}");
    }
}
