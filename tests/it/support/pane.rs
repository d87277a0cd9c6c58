//! The real binary in a tmux pane: keys sent, the screen read back.

use std::path::Path;
use std::process::Command;

use super::child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Pane {
    pub session: String,
    /// The private server's socket, removed when the pane goes.
    socket: String,
}

/// A tmux command on the pane's own server: each pane has a private socket, so one test
/// ending its server never races another test starting a session.
fn tmux_on(session: &str) -> Command {
    let mut command = Command::new("tmux");
    command.args(["-L", session, "-f", "/dev/null"]);
    command
}

impl Pane {
    /// Starts `kaudit ARGS` in a new detached tmux session of this size, in `dir`, with a
    /// private config folder.
    pub fn start(name: &str, dir: &Path, args: &[&str], width: u16, height: u16) -> Pane {
        Pane::start_with(name, dir, args, &[], width, height)
    }

    /// [`Pane::start`] with more of the environment set.
    pub fn start_with(
        name: &str,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        width: u16,
        height: u16,
    ) -> Pane {
        // All the tests share one process: a number of its own keeps two panes apart even when
        // two tests pick the same name.
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let session = format!("kaudit-e2e-{name}-{}-{n}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_kaudit");
        let mut vars = String::new();
        for (k, v) in env {
            vars.push_str(&format!(" {k}='{v}'"));
        }
        let mut command = format!(
            "cd '{}' && env XDG_CONFIG_HOME='{}' NO_COLOR= TERM=xterm-256color{vars} '{bin}'",
            dir.display(),
            dir.join("config").display()
        );
        for arg in args {
            command.push_str(&format!(" '{arg}'"));
        }
        // Keep the pane after kaudit exits, to read what it left on the screen.
        command.push_str("; echo kaudit-exited-$?; sleep 30");
        let status = child::status(
            tmux_on(&session)
                .args(["new-session", "-d", "-s", &session, "-x"])
                .arg(width.to_string())
                .arg("-y")
                .arg(height.to_string())
                .arg(command),
        );
        assert!(status.success());
        let mut pane = Pane {
            session,
            socket: String::new(),
        };
        pane.socket = pane.tmux(&["display-message", "-p", "#{socket_path}"]);
        pane
    }

    /// A tmux command on this pane's server.
    pub fn command(&self) -> Command {
        tmux_on(&self.session)
    }

    /// Runs a tmux command on this pane's server; its output, trimmed.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = child::output(self.command().args(args));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status =
                child::status(self.command().args(["send-keys", "-t", &self.session, key]));
            assert!(status.success());
            // A person does not type faster than the console reads.
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    pub fn literal(&self, text: &str) {
        let status =
            child::status(
                self.command()
                    .args(["send-keys", "-l", "-t", &self.session, text]),
            );
        assert!(status.success());
    }

    pub fn screen(&self) -> String {
        let out = child::output(
            self.command()
                .args(["capture-pane", "-p", "-t", &self.session]),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`; fails with the screen after a generous while (a
    /// wait for a condition, not a timing).
    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return self.settled(screen, text);
            }
            if Instant::now() >= deadline {
                // Whether the console still answers (a frozen screen and a quiet one look
                // alike): the help overlay opens on `?` unless it is stuck.
                let _ = self
                    .command()
                    .args(["send-keys", "-t", &self.session, "?"])
                    .status();
                std::thread::sleep(Duration::from_secs(1));
                panic!(
                    "waited for {text:?}; the screen is:\n{screen}\nand a second after `?`:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Pane {
    /// The screen once a frame is drawn whole: a capture can fall while the console is still
    /// writing one (the title new, the rows below not yet), so it is taken again until two
    /// captures agree, for at most a second (a live screen may never stand still).
    fn settled(&self, mut screen: String, text: &str) -> String {
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(50));
            let again = self.screen();
            if again == screen || !again.contains(text) {
                return screen;
            }
            screen = again;
        }
        screen
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
        if !self.socket.is_empty() {
            let _ = std::fs::remove_file(&self.socket);
        }
    }
}

pub fn tmux_available(test: &str) -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("KAUDIT_REQUIRE_TMUX").is_none(),
            "KAUDIT_REQUIRE_TMUX is set but tmux is not installed"
        );
        eprintln!("NOT RUN: {test}: tmux is not installed");
    }
    found
}
