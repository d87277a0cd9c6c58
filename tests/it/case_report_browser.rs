//! A case's HTML report in a real browser (headless Chromium): hostile log text renders as text,
//! no script runs, and nothing is requested. Runs where Chromium is installed; CI sets
//! `KAUDIT_REQUIRE_BROWSER`, so that a missing browser fails there instead of passing unseen.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::child;
use crate::support::kaudit_command;

/// The browser, where one is installed.
fn chromium(test: &str) -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("KAUDIT_REQUIRE_BROWSER").is_none(),
            "KAUDIT_REQUIRE_BROWSER is set but Chromium is not installed"
        );
        eprintln!("NOT RUN: {test}: Chromium is not installed");
    }
    found
}

/// A listener on 127.0.0.1 that counts the connections made to it until it is dropped.
struct Watcher {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Watcher {
    fn start() -> Watcher {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        // The thread ends with the test process; it only counts.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Watcher { port, connections }
    }
}

#[test]
fn the_report_renders_hostile_text_as_text_runs_nothing_and_fetches_nothing() {
    let Some(browser) = chromium("case_report_browser") else {
        return;
    };
    let watcher = Watcher::start();
    let base = format!("http://127.0.0.1:{}", watcher.port);
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Attacker-written text in the places a log lets an attacker write: the user agent, the
    // object's name; and in the analyst's note, pasted from the log.
    let agent = format!(
        "<script>document.title='ran';fetch('{base}/script')</script><img src={base}/img onerror=\"document.title='ran'\">"
    );
    let name = format!(
        "<a href=\"javascript:document.title='ran'\">x</a><link rel=stylesheet href={base}/css>"
    );
    let event = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "h-1",
        "stage": "ResponseComplete", "verb": "get", "user": {"username": "mallory"},
        "sourceIPs": ["203.0.113.9"], "userAgent": agent,
        "objectRef": {"resource": "secrets", "namespace": "prod", "name": name},
        "responseStatus": {"code": 200},
        "stageTimestamp": "2026-11-02T08:00:00.000000Z"
    });
    let log = dir.path().join("audit.log");
    std::fs::write(&log, format!("{event}\n")).unwrap();
    let kaudit = |args: &[&str]| {
        let out = child::output(
            kaudit_command()
                .args(args)
                .env("XDG_DATA_HOME", data.path()),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let note = format!("pasted: <iframe src={base}/frame></iframe>");
    kaudit(&[
        "case",
        "add",
        "h",
        log.to_str().unwrap(),
        "filter verb = \"get\"",
        "--tag",
        "attacker",
        "--note",
        &note,
    ]);
    let archive = dir.path().join("h.zip");
    kaudit(&["case", "export", "h", "-o", archive.to_str().unwrap()]);
    let html = report_html(&archive);
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    let dom = render(browser, &page);
    // It rendered: the story is there, the attacker's text shown as text.
    assert!(dom.contains("<h1>Case h</h1>"), "{dom}");
    assert!(dom.contains("mallory"), "{dom}");
    assert!(dom.contains("&lt;script&gt;document.title"), "{dom}");
    assert!(dom.contains("&lt;iframe src="), "{dom}");
    // Nothing became an element, nothing ran, nothing was asked for.
    for element in ["<script", "<img", "<iframe", "<a ", "<link"] {
        assert!(!dom.contains(element), "{element} in {dom}");
    }
    assert!(
        dom.contains("<title>Case h</title>"),
        "no script changed the title: {dom}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        watcher.connections.load(Ordering::SeqCst),
        0,
        "a request was made"
    );

    // Were a value ever to slip through as markup, the page's policy still runs no script and
    // fetches nothing: the same page with a script and an image put in by hand.
    let injected = html.replacen(
        "<body>",
        &format!("<body><script>document.title='ran'</script><img src={base}/injected>"),
        1,
    );
    assert_ne!(injected, html);
    std::fs::write(&page, injected).unwrap();
    let dom = render(browser, &page);
    assert!(
        dom.contains("<script>document.title='ran'</script>"),
        "{dom}"
    );
    assert!(
        dom.contains("<title>Case h</title>"),
        "the script did not run: {dom}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        watcher.connections.load(Ordering::SeqCst),
        0,
        "the image was not fetched"
    );
}

/// The page's DOM once the browser has loaded it and let its timers run.
fn render(browser: &str, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = child::output(
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .args([
                "--disable-background-networking",
                "--virtual-time-budget=3000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", page.display())),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn report_html(archive: &Path) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut page = String::new();
    zip.by_name("report.html")
        .unwrap()
        .read_to_string(&mut page)
        .unwrap();
    page
}
