//! The real terminal: stdout/stderr writes and one persistent stdin reader (io.md).

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use crate::bindings::{ErrorInfo, Output, Signal};
use crate::table::ProcessHandle;

/// What a process asked stdin for.
enum ReadRequest {
    Line,
    Bytes(usize),
}

/// A read request and the process whose mailbox gets the result.
type ReadJob = (ReadRequest, Arc<ProcessHandle>);

/// Stdout, stderr and a stdin reader shared by every terminal process.
#[derive(Default)]
pub struct Terminal {
    /// Requests to the stdin thread, started on the first read.
    reader: OnceLock<Mutex<Sender<ReadJob>>>,
}

impl Terminal {
    /// Writes `data` to the stream; it reaches the file descriptor before returning.
    pub fn write(&self, output: Output, data: &[u8]) -> Result<(), ErrorInfo> {
        let result = match output {
            Output::Stdout => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(data).and_then(|()| stdout.flush())
            }
            Output::Stderr => std::io::stderr().lock().write_all(data),
        };
        result.map_err(|e| ErrorInfo::new("Internal", format!("write: {e}")))
    }

    /// Flushes stdout.
    pub fn flush(&self) -> Result<(), ErrorInfo> {
        std::io::stdout()
            .flush()
            .map_err(|e| ErrorInfo::new("Internal", format!("flush: {e}")))
    }

    /// Starts reading a line for `process`; the result arrives in its mailbox.
    pub fn request_line(&self, process: Arc<ProcessHandle>) -> Result<(), ErrorInfo> {
        self.request(ReadRequest::Line, process)
    }

    /// Starts one read of at most `max` bytes for `process`.
    pub fn request_read(&self, max: usize, process: Arc<ProcessHandle>) -> Result<(), ErrorInfo> {
        self.request(ReadRequest::Bytes(max), process)
    }

    fn request(&self, request: ReadRequest, process: Arc<ProcessHandle>) -> Result<(), ErrorInfo> {
        let sender = self.reader.get_or_init(|| Mutex::new(spawn_reader()));
        sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send((request, process))
            .map_err(|_| ErrorInfo::new("Internal", "stdin reader is gone"))
    }
}

/// One thread owns stdin through a single buffered reader, so bytes after a newline
/// are kept for the next read (io.md's upstream quirk) and no tokio worker blocks.
fn spawn_reader() -> Sender<ReadJob> {
    let (sender, requests) = mpsc::channel::<ReadJob>();
    let spawned = std::thread::Builder::new()
        .name("wippy-stdin".into())
        .spawn(move || {
            let mut stdin = BufReader::new(std::io::stdin());
            for (request, process) in requests {
                let result = match request {
                    ReadRequest::Line => read_line(&mut stdin),
                    ReadRequest::Bytes(max) => read_some(&mut stdin, max),
                };
                // A full mailbox means the process is drowning; it loses its input.
                let _ = process.mailbox.push(Signal::TerminalInput(result));
            }
        });
    if spawned.is_err() {
        let (dead, _) = mpsc::channel();
        return dead;
    }
    sender
}

/// A line without its `\n` and one `\r`; `None` at end of input (io.md).
fn read_line(stdin: &mut impl BufRead) -> Result<Option<Vec<u8>>, ErrorInfo> {
    let mut line = Vec::new();
    match stdin.read_until(b'\n', &mut line) {
        Ok(0) => Ok(None),
        Ok(_) => {
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            Ok(Some(line))
        }
        Err(e) => Err(ErrorInfo::new("Internal", format!("readline: {e}"))),
    }
}

fn read_some(stdin: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, ErrorInfo> {
    let mut buffer = vec![0; max];
    match stdin.read(&mut buffer) {
        Ok(0) => Ok(None),
        Ok(n) => {
            buffer.truncate(n);
            Ok(Some(buffer))
        }
        Err(e) => Err(ErrorInfo::new("Internal", format!("read: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_terminator_and_keep_what_follows() {
        let mut input = BufReader::new(&b"one\r\ntwo\n\npartial"[..]);
        assert_eq!(read_line(&mut input).unwrap(), Some(b"one".to_vec()));
        assert_eq!(read_line(&mut input).unwrap(), Some(b"two".to_vec()));
        assert_eq!(read_line(&mut input).unwrap(), Some(Vec::new()));
        assert_eq!(read_line(&mut input).unwrap(), Some(b"partial".to_vec()));
        assert_eq!(read_line(&mut input).unwrap(), None);
    }
}
