//! The terminal is given back however the console ends: quit, SIGTERM, SIGINT, SIGHUP or a
//! panic. The real binary runs in a tmux pane; afterwards the pane is off the alternate screen,
//! its cursor shows, mouse reporting is off, and typed text echoes (the line discipline is
//! cooked again).

use std::process::Command;

use crate::support::child;
use crate::support::pane::{Pane, tmux_available};

fn flags(pane: &Pane) -> String {
    pane.tmux(&[
        "display-message",
        "-p",
        "-t",
        &pane.session,
        "alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}",
    ])
}

/// The kaudit process of the pane (the child of its shell).
fn kaudit_pid(pane: &Pane) -> String {
    let shell = pane.tmux(&["display-message", "-p", "-t", &pane.session, "#{pane_pid}"]);
    let out = child::output(Command::new("pgrep").args(["-P", &shell]));
    let pids = String::from_utf8_lossy(&out.stdout);
    pids.lines()
        .next()
        .expect("kaudit runs in the pane")
        .to_string()
}

fn ends_and_gives_back(
    name: &str,
    end: impl FnOnce(&Pane),
    status: &str,
    env: &[(&str, &str)],
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::start_with(name, dir.path(), &["--demo"], env, 120, 40);
    if env.is_empty() {
        pane.wait_for("Demo: 20000 events");
        assert_eq!(
            flags(&pane),
            "alt=1 cursor=0 mouse=1",
            "the console holds the terminal"
        );
    }
    end(&pane);
    let screen = pane.wait_for(&format!("kaudit-exited-{status}"));
    assert_eq!(flags(&pane), "alt=0 cursor=1 mouse=0", "{name}: {screen}");
    pane.literal("typed-after-exit");
    pane.wait_for("typed-after-exit");
    screen
}

#[test]
fn the_terminal_is_given_back_on_quit_signals_and_panic() {
    if !tmux_available("the_terminal_is_given_back_on_quit_signals_and_panic") {
        return;
    }
    let _ = ends_and_gives_back("quit", |p| p.keys(&["q"]), "0", &[]);
    for (signal, status) in [("TERM", "143"), ("INT", "130"), ("HUP", "129")] {
        let _ = ends_and_gives_back(
            &format!("sig{signal}"),
            |p| {
                let pid = kaudit_pid(p);
                let ok = child::status(Command::new("kill").args([&format!("-{signal}"), &pid]));
                assert!(ok.success());
            },
            status,
            &[],
        );
    }
    // A panic: the message is printed on the normal screen, after the terminal is back.
    let screen = ends_and_gives_back(
        "panic",
        |_| {},
        "101",
        &[("KAUDIT_PANIC_FOR_TEST", "1"), ("RUST_BACKTRACE", "0")],
    );
    assert!(
        screen.contains("a panic asked for by KAUDIT_PANIC_FOR_TEST"),
        "{screen}"
    );
}
