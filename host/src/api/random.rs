//! `wasi:random/random`: fresh randomness for `math.random`'s seed, from
//! wasmtime-wasi's generator. A process gets its own generator on its first request,
//! so the many that never draw a random number pay nothing for it.

use wasmtime_wasi::p2::bindings::random::random::Host;
use wasmtime_wasi::random::WasiRandomCtx;

use crate::instance::ProcessState;

impl ProcessState {
    fn random(&mut self) -> &mut WasiRandomCtx {
        self.random.get_or_insert_with(Box::default)
    }
}

impl Host for ProcessState {
    fn get_random_bytes(&mut self, len: u64) -> wasmtime::Result<Vec<u8>> {
        self.random().get_random_bytes(len)
    }

    fn get_random_u64(&mut self) -> wasmtime::Result<u64> {
        self.random().get_random_u64()
    }
}
