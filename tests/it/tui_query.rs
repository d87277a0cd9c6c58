//! The query components together, as a person uses them, over the demo incident with the real
//! engine: a canned query found in the browser, taken to the editor, run, and its answer shown.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::catalog::themes::Themes;
use kaudit::insights::exec::{Plan, QueryResult};
use kaudit::insights::parser::parse;
use kaudit::source::demo::{DemoConfig, demo_bytes};
use kaudit::source::local::{LocalInput, LocalQuery, path_origin};
use kaudit::tui::Styles;
use kaudit::tui::query::answer::Mode;
use kaudit::tui::query::chart::ChartKind;
use kaudit::tui::query::{
    AnswerView, Browser, BrowserAction, Editor, EditorAction, History, TimeChoice,
};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn demo() -> LocalInput {
    let data = demo_bytes(&DemoConfig {
        events: 5_000,
        seed: 1,
    });
    LocalInput::from_vec(path_origin("demo".as_ref()), data)
}

/// What the runner does with a `Run`: the engine over the input, in the chosen range.
fn run(text: &str, range: TimeRange) -> QueryResult {
    let query = parse(text).expect("the editor only runs queries that parse");
    let plan = Plan::new(&query).expect("a plan");
    let mut local = LocalQuery::new(&plan, range).threads(2);
    local.read(&demo()).expect("read");
    local.finish()
}

fn screen(render: impl FnOnce(&mut Buffer)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("a test terminal");
    terminal
        .draw(|frame| render(frame.buffer_mut()))
        .expect("drawing");
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_canned_query_found_edited_run_and_charted() {
    let styles = Styles::from_theme(Themes::load(None).get("dark").expect("dark"));
    let mut browser = Browser::new(&Catalog::load(None));
    for c in "unauthorized secret".chars() {
        browser.handle_key(key(KeyCode::Char(c)));
    }
    let BrowserAction::Edit { text, name } = browser.handle_key(key(KeyCode::Tab)) else {
        panic!("Tab edits the selected query");
    };
    assert_eq!(name, "unauthorized-secret-reads");

    let mut editor = Editor::new(&text, History::default());
    assert!(editor.diagnostics().iter().all(|d| !d.is_error()));
    let EditorAction::Run { text, range } = editor.handle_key(key(KeyCode::F(5))) else {
        panic!("a query without errors runs: {:?}", editor.refusal());
    };
    assert_eq!(range, TimeChoice::All);
    assert_eq!(editor.history().len(), 1);

    let result = run(&text, range.resolve(0));
    assert!(
        !result.rows.is_empty(),
        "the demo has unauthorized secret reads"
    );
    let mut view = AnswerView::new(&name, &text);
    view.set_result(result, 42);
    assert!(matches!(view.chart(), Some(ChartKind::Series { .. })));
    view.handle_key(key(KeyCode::Char('v')));
    assert_eq!(view.mode(), Mode::Chart);
    let shown = screen(|buf| view.render(buf.area, buf, &styles, true));
    assert!(shown.contains("count() by bin(1m)"), "{shown}");
    assert!(shown.contains("matched"), "{shown}");
}

#[test]
fn a_typed_query_over_a_range_gives_a_sortable_table() {
    let mut editor = Editor::default();
    let query = "filter responseStatus.code = 403\n| stats count(*) as n by user.username";
    for c in query.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        editor.handle_key(key(code));
    }
    let EditorAction::Run { text, range } = editor.handle_key(key(KeyCode::F(5))) else {
        panic!("runs: {:?}", editor.diagnostics());
    };
    let everything = run(&text, range.resolve(0));
    // A range that ends before the incident holds nothing.
    let before =
        TimeChoice::between("2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z").expect("a range");
    assert!(run(&text, before.resolve(0)).rows.is_empty());

    let mut view = AnswerView::new("403s by user", &text);
    view.set_result(everything, 7);
    view.handle_key(key(KeyCode::Char('s')));
    view.handle_key(key(KeyCode::Char('s')));
    view.handle_key(key(KeyCode::Char('S')));
    let counts: Vec<i64> = view
        .ordered()
        .map(|r| r[1].as_number().map_or(-1, |n| n.as_f64() as i64))
        .collect();
    assert!(counts.len() >= 2, "{counts:?}");
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(matches!(view.chart(), Some(ChartKind::Bars { .. })));
}
