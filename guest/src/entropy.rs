//! getrandom's custom backend on wasm32 (`getrandom_backend="custom"`, set by
//! `host/build.rs` and `.cargo/config.toml`): randomness from the host's
//! `wasi:random/random`. Its one user is ahash, which draws piccolo's hash keys
//! once, while the template instance builds the shared state; they are frozen into
//! the snapshot, so no process can read or choose them (`wit/README.md`).

/// Fills `len` bytes at `dest` with the host's randomness.
///
/// # Safety
/// getrandom calls it with `dest` valid for `len` bytes of writes.
#[unsafe(no_mangle)]
unsafe extern "Rust" fn __getrandom_v03_custom(
    dest: *mut u8,
    len: usize,
) -> Result<(), getrandom::Error> {
    let bytes = crate::bindings::wasi::random::random::get_random_bytes(len as u64);
    if bytes.len() != len {
        return Err(getrandom::Error::UNEXPECTED);
    }
    // SAFETY: getrandom passes a buffer of `len` writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dest, len) };
    Ok(())
}
