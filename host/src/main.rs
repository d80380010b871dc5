//! The `wippy-wasm` binary.

fn main() {
    std::process::exit(wippy_wasm::cli::main());
}
