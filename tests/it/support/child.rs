//! Waiting for a child process, never for ever: a child that does not end in time is killed and
//! the test fails saying which command it was and what it had written, instead of stalling the
//! whole run.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any child may run: far beyond what the slowest (a debug build splitting a query
/// over the emulator) takes, so that only a hang reaches it.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// How a command is named in a failure: its program and arguments.
fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// `command.output()`, within [`CHILD_TIMEOUT`]: standard input closed, its output captured.
pub fn output(command: &mut Command) -> Output {
    let what = describe(command);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
    wait_output_named(child, &what, CHILD_TIMEOUT)
}

/// `command.status()`, within [`CHILD_TIMEOUT`]; its output goes where the command says.
pub fn status(command: &mut Command) -> ExitStatus {
    let what = describe(command);
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
    match wait_until(&mut child, Instant::now() + CHILD_TIMEOUT) {
        Some(status) => status,
        None => {
            kill(&mut child);
            panic!("`{what}` was still running after {CHILD_TIMEOUT:?}: killed");
        }
    }
}

/// `child.wait_with_output()`, within [`CHILD_TIMEOUT`].
pub fn wait_output(child: Child, what: &str) -> Output {
    wait_output_named(child, what, CHILD_TIMEOUT)
}

/// `child.wait()`, within [`CHILD_TIMEOUT`] (its pipes left to the caller).
pub fn wait(child: &mut Child, what: &str) -> ExitStatus {
    match wait_until(child, Instant::now() + CHILD_TIMEOUT) {
        Some(status) => status,
        None => {
            kill(child);
            panic!("{what} was still running after {CHILD_TIMEOUT:?}: killed");
        }
    }
}

/// `child.wait_with_output()`, within `timeout`: the pipes are drained on threads of their own
/// (a child blocked on a full pipe would never end), and a child still running at the deadline
/// is killed, and the test fails with what it had written.
pub fn wait_output_named(mut child: Child, what: &str, timeout: Duration) -> Output {
    let deadline = Instant::now() + timeout;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let status = wait_until(&mut child, deadline);
    let killed = status.is_none();
    let status = match status {
        Some(status) => status,
        None => {
            kill(&mut child);
            child.wait().unwrap()
        }
    };
    let collect = |h: Option<JoinHandle<Vec<u8>>>| h.map(|h| h.join().unwrap()).unwrap_or_default();
    let output = Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    };
    assert!(
        !killed,
        "{what} was still running after {timeout:?}: killed. Its stderr:\n{}\nIts stdout:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    output
}

/// The child's status once it ends, or `None` at the deadline.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// A running child whose standard output is read line by line as it comes: a test can wait for
/// what the child says (it has read its input, it is following) instead of sleeping.
pub struct Running {
    child: Child,
    what: String,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Running {
    /// Starts `command` with its standard output and error piped.
    pub fn start(command: &mut Command) -> Running {
        let what = describe(command);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().map(drain);
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            what,
            lines,
            stderr,
        }
    }

    /// Waits until the child has read `path` up to `len` bytes, as the kernel tells of its open
    /// files (`/proc/PID/fdinfo`): proof that it saw what was written there, where a pause
    /// would only make it likely.
    pub fn wait_until_read(&mut self, path: &Path, len: u64) {
        let path = path.canonicalize().unwrap();
        let deadline = Instant::now() + CHILD_TIMEOUT;
        while read_offset(self.child.id(), &path) < Some(len) {
            if Instant::now() >= deadline || !matches!(self.child.try_wait(), Ok(None)) {
                kill(&mut self.child);
                panic!(
                    "`{}` did not read {} to byte {len} (it read to {:?})",
                    self.what,
                    path.display(),
                    read_offset(self.child.id(), &path)
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The next line of standard output; the test fails (the child killed) when none comes
    /// within [`CHILD_TIMEOUT`].
    pub fn line(&mut self) -> String {
        match self.lines.recv_timeout(CHILD_TIMEOUT) {
            Ok(line) => line,
            Err(e) => {
                kill(&mut self.child);
                let stderr = self.stderr.take().map(|h| h.join().unwrap());
                let why = match e {
                    RecvTimeoutError::Timeout => format!("no line within {CHILD_TIMEOUT:?}"),
                    RecvTimeoutError::Disconnected => "its output ended".to_string(),
                };
                panic!(
                    "`{}`: {why}; its stderr:\n{}",
                    self.what,
                    String::from_utf8_lossy(&stderr.unwrap_or_default())
                );
            }
        }
    }

    /// Kills the child at once (SIGKILL: nothing of it runs after), as a crash or `kill -9`
    /// would.
    pub fn kill(mut self) {
        kill(&mut self.child);
    }

    /// Sends the child SIGTERM, as a service manager stops a service.
    pub fn terminate(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Kills the child at once (SIGKILL), then gives the lines it had printed that were not
    /// read yet, and its standard error.
    pub fn killed(mut self) -> (Vec<String>, String) {
        kill(&mut self.child);
        let rest = self.lines.iter().collect();
        let stderr = self.stderr.take().map(|h| h.join().unwrap());
        (
            rest,
            String::from_utf8_lossy(&stderr.unwrap_or_default()).into_owned(),
        )
    }

    /// Waits for the child's end (within [`CHILD_TIMEOUT`]): its status, the lines it printed
    /// that were not read yet, and its standard error.
    pub fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let status = wait(&mut self.child, &format!("`{}`", self.what));
        let rest = self.lines.iter().collect();
        let stderr = self.stderr.take().map(|h| h.join().unwrap());
        (
            status,
            rest,
            String::from_utf8_lossy(&stderr.unwrap_or_default()).into_owned(),
        )
    }
}

/// The furthest offset any of process `pid`'s open files on `path` was read to.
fn read_offset(pid: u32, path: &Path) -> Option<u64> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    fds.filter_map(|fd| {
        let fd = fd.ok()?;
        if std::fs::read_link(fd.path()).ok()? != path {
            return None;
        }
        let info = std::fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            fd.file_name().to_string_lossy()
        ))
        .ok()?;
        info.lines()
            .find_map(|l| l.strip_prefix("pos:"))
            .and_then(|v| v.trim().parse().ok())
    })
    .max()
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            kill(&mut self.child);
        }
    }
}
