//! Standard output for commands whose output is piped into `head`, `jq` or a file.

use std::io::{self, BufWriter, Write};

/// Runs `f` with a buffered stdout. A closed pipe (`kaudit events | head`) ends the command
/// quietly: the reader got what it wanted.
pub fn to_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = f(&mut out).and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
