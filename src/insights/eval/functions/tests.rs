use std::sync::Arc;

use super::*;

const TWO_63: f64 = (1u64 << 63) as f64;
use crate::insights::eval::registry::FUNCTIONS;

fn s(text: &str) -> Value {
    Value::str(text)
}

fn call(name: &str, args: &[Value]) -> Value {
    match call_scalar(name, args) {
        Ok(v) => v,
        Err(e) => panic!("{name}{args:?}: {e}"),
    }
}

fn time(text: &str) -> Value {
    Value::Time(parse_time(text).unwrap_or(i64::MIN))
}

/// (function, arguments, expected result).
fn table(cases: &[(&str, Vec<Value>, Value)]) {
    for (name, args, want) in cases {
        assert_eq!(&call(name, args), want, "{name}{args:?}");
    }
}

#[test]
fn every_registered_scalar_resolves() {
    for sig in FUNCTIONS {
        let resolved = resolve_scalar(sig.name, sig.min_args);
        match sig.kind {
            FunctionKind::Scalar => assert!(resolved.is_ok(), "{}", sig.name),
            FunctionKind::Aggregate => {
                assert!(
                    matches!(resolved, Err(EvalError::NotScalar { .. })),
                    "{}",
                    sig.name
                )
            }
        }
    }
}

#[test]
fn resolution_errors() {
    assert_eq!(
        resolve_scalar("strlength", 1).err(),
        Some(EvalError::UnknownFunction {
            name: "strlength".into()
        })
    );
    let e = resolve_scalar("substr", 1).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("`substr` takes 2 to 3 argument(s), but 1 were given")
    );
    let e = resolve_scalar("strlen", 2).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("`strlen` takes 1 argument(s), but 2 were given")
    );
    let e = resolve_scalar("concat", 0).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("`concat` takes at least 1 argument(s), but 0 were given")
    );
    assert!(
        resolve_scalar("ISEMPTY", 1).is_err(),
        "names are case-sensitive"
    );
}

#[test]
fn string_functions() {
    let m = Value::Missing;
    table(&[
        ("isempty", vec![s("")], Value::Int(1)),
        ("isempty", vec![m.clone()], Value::Int(1)),
        ("isempty", vec![Value::Null], Value::Int(1)),
        ("isempty", vec![s(" ")], Value::Int(0)),
        ("isempty", vec![Value::Int(0)], Value::Int(0)),
        ("isblank", vec![s(" \t\n")], Value::Int(1)),
        ("isblank", vec![m.clone()], Value::Int(1)),
        ("isblank", vec![s("")], Value::Int(1)),
        ("isblank", vec![s(" x ")], Value::Int(0)),
        ("concat", vec![s("a"), Value::Int(1), s("b")], s("a1b")),
        ("concat", vec![s("a"), m.clone(), s("b")], s("ab")),
        ("concat", vec![m.clone(), Value::Null], m.clone()),
        ("ltrim", vec![s("  a  ")], s("a  ")),
        ("rtrim", vec![s("  a  ")], s("  a")),
        ("trim", vec![s("  a  ")], s("a")),
        ("ltrim", vec![s("xyZxyfooxyZ"), s("xyZ")], s("fooxyZ")),
        ("rtrim", vec![s("xyZxyfooxyZ"), s("xyZ")], s("xyZxyfoo")),
        ("trim", vec![s("xyZxyfooxyZ"), s("xyZ")], s("foo")),
        ("trim", vec![s("  a  "), m.clone()], s("a")),
        ("trim", vec![m.clone()], m.clone()),
        ("strlen", vec![s("héllo")], Value::Int(5)),
        ("strlen", vec![s("")], Value::Int(0)),
        ("strlen", vec![Value::Int(401)], Value::Int(3)),
        ("strlen", vec![m.clone()], m.clone()),
        ("toupper", vec![s("Get ß")], s("GET SS")),
        ("tolower", vec![s("GET É")], s("get é")),
        ("toupper", vec![m.clone()], m.clone()),
        ("substr", vec![s("xyZfooxyZ"), Value::Int(3)], s("fooxyZ")),
        (
            "substr",
            vec![s("xyZfooxyZ"), Value::Int(3), Value::Int(3)],
            s("foo"),
        ),
        ("substr", vec![s("héllo"), Value::Int(1), s("3")], s("éll")),
        ("substr", vec![s("abc"), Value::Int(-2)], s("abc")),
        ("substr", vec![s("abc"), Value::Int(10)], s("")),
        (
            "substr",
            vec![s("abc"), Value::Int(1), Value::Int(-1)],
            s(""),
        ),
        (
            "substr",
            vec![s("abc"), Value::Int(1), Value::Int(99)],
            s("bc"),
        ),
        ("substr", vec![s("abc"), Value::Float(1.9)], s("bc")),
        ("substr", vec![s("abc"), s("x")], m.clone()),
        ("substr", vec![m.clone(), Value::Int(0)], m.clone()),
        ("replace", vec![s("a.b.c"), s("."), s("::")], s("a::b::c")),
        ("replace", vec![s("abc"), s(""), s("x")], s("abc")),
        ("replace", vec![s("abc"), s("b"), m.clone()], s("ac")),
        ("replace", vec![m.clone(), s("b"), s("x")], m.clone()),
        (
            "strcontains",
            vec![s("system:anonymous"), s("anon")],
            Value::Int(1),
        ),
        (
            "strcontains",
            vec![s("system:anonymous"), s("Anon")],
            Value::Int(0),
        ),
        ("strcontains", vec![s("abc"), s("")], Value::Int(1)),
        ("strcontains", vec![m.clone(), s("a")], Value::Int(0)),
        ("strcontains", vec![Value::Int(401), s("40")], Value::Int(1)),
    ]);
}

#[test]
fn numeric_functions() {
    let m = Value::Missing;
    table(&[
        ("abs", vec![Value::Int(-3)], Value::Int(3)),
        ("abs", vec![Value::Float(-2.5)], Value::Float(2.5)),
        ("abs", vec![s("-4")], Value::Int(4)),
        ("abs", vec![Value::Int(i64::MIN)], Value::Float(TWO_63)),
        ("abs", vec![s("x")], m.clone()),
        ("ceil", vec![Value::Float(2.1)], Value::Int(3)),
        ("ceil", vec![Value::Float(-2.1)], Value::Int(-2)),
        ("ceil", vec![Value::Int(7)], Value::Int(7)),
        ("floor", vec![Value::Float(2.9)], Value::Int(2)),
        ("floor", vec![s("-2.1")], Value::Int(-3)),
        ("floor", vec![Value::Float(1e300)], Value::Float(1e300)),
        ("floor", vec![m.clone()], m.clone()),
        (
            "greatest",
            vec![Value::Int(1), Value::Float(2.5), s("2")],
            Value::Float(2.5),
        ),
        (
            "greatest",
            vec![Value::Int(1), s("7"), m.clone()],
            Value::Int(7),
        ),
        ("greatest", vec![m.clone(), s("x")], m.clone()),
        (
            "least",
            vec![Value::Int(1), Value::Float(-2.5), s("x")],
            Value::Float(-2.5),
        ),
        ("least", vec![Value::Time(5), Value::Int(9)], Value::Time(5)),
        ("log", vec![Value::Int(1)], Value::Float(0.0)),
        (
            "log",
            vec![Value::Float(std::f64::consts::E)],
            Value::Float(1.0),
        ),
        ("log", vec![Value::Int(0)], m.clone()),
        ("log", vec![Value::Int(-1)], m.clone()),
        ("sqrt", vec![Value::Int(16)], Value::Float(4.0)),
        ("sqrt", vec![s("2.25")], Value::Float(1.5)),
        ("sqrt", vec![Value::Int(-1)], m.clone()),
    ]);
}

#[test]
fn general_functions() {
    let m = Value::Missing;
    table(&[
        ("ispresent", vec![s("")], Value::Bool(true)),
        ("ispresent", vec![Value::Null], Value::Bool(true)),
        ("ispresent", vec![m.clone()], Value::Bool(false)),
        (
            "coalesce",
            vec![m.clone(), Value::Null, s("b"), s("c")],
            s("b"),
        ),
        ("coalesce", vec![s(""), s("b")], s("")),
        ("coalesce", vec![m.clone(), Value::Null], m.clone()),
    ]);
}

#[test]
fn datetime_functions() {
    let t = parse_time("2024-05-01T10:07:31.500Z").unwrap_or_default();
    table(&[
        (
            "bin",
            vec![s("5m"), Value::Time(t)],
            time("2024-05-01T10:05:00Z"),
        ),
        (
            "bin",
            vec![s("1h"), Value::Int(t)],
            time("2024-05-01T10:00:00Z"),
        ),
        (
            "bin",
            vec![s("1mo"), Value::Time(t)],
            time("2024-05-01T00:00:00Z"),
        ),
        ("bin", vec![s("1m"), Value::Missing], Value::Missing),
        (
            "datefloor",
            vec![Value::Time(t), s("1h")],
            time("2024-05-01T10:00:00Z"),
        ),
        (
            "dateceil",
            vec![Value::Time(t), s("1h")],
            time("2024-05-01T11:00:00Z"),
        ),
        (
            "datefloor",
            vec![s("2024-05-01T10:07:31Z"), s("1d")],
            time("2024-05-01T00:00:00Z"),
        ),
        (
            "dateceil",
            vec![Value::Time(t), s("1y")],
            time("2025-01-01T00:00:00Z"),
        ),
        ("datefloor", vec![s("junk"), s("1d")], Value::Missing),
        ("fromMillis", vec![Value::Int(t)], Value::Time(t)),
        ("fromMillis", vec![s("1000")], Value::Time(1000)),
        ("fromMillis", vec![Value::Float(1000.7)], Value::Time(1000)),
        ("fromMillis", vec![s("x")], Value::Missing),
        ("toMillis", vec![Value::Time(t)], Value::Int(t)),
        (
            "toMillis",
            vec![s("1970-01-01T00:00:01Z")],
            Value::Int(1000),
        ),
        ("toMillis", vec![Value::Int(42)], Value::Int(42)),
        ("toMillis", vec![Value::Missing], Value::Missing),
    ]);
    assert_eq!(bin(t, Period::Millis(60_000)), time("2024-05-01T10:07:00Z"));
    assert_eq!(
        call_scalar("bin", &[s("5m")]),
        Err(EvalError::NeedsTimestamp {
            function: "bin".into()
        })
    );
    assert!(matches!(
        call_scalar("datefloor", &[Value::Time(t), s("5parsecs")]),
        Err(EvalError::InvalidPeriod { .. })
    ));
    assert!(matches!(
        call_scalar("bin", &[Value::Missing, Value::Time(t)]),
        Err(EvalError::InvalidArgument { .. })
    ));
}

#[test]
fn ip_functions() {
    let f = Value::Bool(false);
    let t = Value::Bool(true);
    table(&[
        ("isValidIp", vec![s("10.0.0.1")], t.clone()),
        ("isValidIp", vec![s("2001:db8::1")], t.clone()),
        ("isValidIp", vec![s("10.0.0.256")], f.clone()),
        ("isValidIp", vec![s("10.0.0.1/8")], f.clone()),
        ("isValidIp", vec![Value::Missing], f.clone()),
        ("isValidIpV4", vec![s("192.0.2.7")], t.clone()),
        ("isValidIpV4", vec![s("::1")], f.clone()),
        ("isValidIpV6", vec![s("::ffff:192.0.2.7")], t.clone()),
        ("isValidIpV6", vec![s("192.0.2.7")], f.clone()),
        (
            "isIpInSubnet",
            vec![s("10.1.2.3"), s("10.0.0.0/8")],
            t.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("11.1.2.3"), s("10.0.0.0/8")],
            f.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("10.1.2.3"), s("10.1.2.3")],
            t.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("10.1.2.3"), s("10.9.9.9/8")],
            t.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("1.2.3.4"), s("0.0.0.0/0")],
            t.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("2001:db8::5"), s("2001:db8::/32")],
            t.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("2001:db9::5"), s("2001:db8::/32")],
            f.clone(),
        ),
        ("isIpInSubnet", vec![s("::1"), s("::/0")], t.clone()),
        ("isIpInSubnet", vec![s("10.0.0.1"), s("::/0")], f.clone()),
        (
            "isIpInSubnet",
            vec![Value::Missing, s("10.0.0.0/8")],
            f.clone(),
        ),
        (
            "isIpInSubnet",
            vec![s("10.0.0.1"), Value::Missing],
            f.clone(),
        ),
        (
            "isIpv4InSubnet",
            vec![s("192.0.2.9"), s("192.0.2.0/24")],
            t.clone(),
        ),
        (
            "isIpv4InSubnet",
            vec![s("192.0.3.9"), s("192.0.2.0/24")],
            f.clone(),
        ),
        (
            "isIpv6InSubnet",
            vec![s("fe80::1"), s("fe80::/10")],
            t.clone(),
        ),
        (
            "isIpv6InSubnet",
            vec![s("fec0::1"), s("fe80::/10")],
            f.clone(),
        ),
    ]);
    for bad in [
        "10.0.0.0/33",
        "10.0.0/8",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "::/129",
        "x",
    ] {
        assert_eq!(
            call_scalar("isIpInSubnet", &[s("10.0.0.1"), s(bad)]),
            Err(EvalError::InvalidSubnet { text: bad.into() }),
            "{bad}"
        );
    }
    assert!(matches!(
        call_scalar("isIpv4InSubnet", &[s("10.0.0.1"), s("::/0")]),
        Err(EvalError::InvalidArgument { .. })
    ));
    assert!(matches!(
        call_scalar("isIpv6InSubnet", &[s("::1"), s("10.0.0.0/8")]),
        Err(EvalError::InvalidArgument { .. })
    ));
}

#[test]
fn json_parse_keeps_member_order() {
    let parsed = call(
        "jsonParse",
        &[s(
            r#"{"z": 1, "a": [true, null, 2.5, "x"], "n": {"k": -3}}"#,
        )],
    );
    assert_eq!(
        parsed.display(),
        r#"{"z":1,"a":[true,null,2.5,"x"],"n":{"k":-3}}"#
    );
    assert_eq!(
        parsed.member("n").and_then(|n| n.member("k")),
        Some(&Value::Int(-3))
    );
    assert_eq!(call("jsonParse", &[s("not json")]), Value::Missing);
    assert_eq!(call("jsonParse", &[s("{} trailing")]), Value::Missing);
    assert_eq!(call("jsonParse", &[Value::Missing]), Value::Missing);
    assert_eq!(call("jsonParse", &[s("42")]), Value::Int(42));
    assert_eq!(
        call("jsonParse", &[s("18446744073709551615")]),
        Value::Float(18446744073709551615u64 as f64)
    );
    let list = Value::List(Arc::new(vec![Value::Int(1)]));
    assert_eq!(call("jsonParse", std::slice::from_ref(&list)), list);
    assert_eq!(parse_json("[]"), Some(Value::List(Arc::new(vec![]))));
}

#[test]
fn like_regex_and_in_predicates() {
    assert_eq!(like_substring(&s("system:anonymous"), "anon"), Some(true));
    assert_eq!(like_substring(&s("system:anonymous"), "ANON"), Some(false));
    assert_eq!(like_substring(&Value::Int(401), "40"), Some(true));
    assert_eq!(like_substring(&Value::Missing, "a"), None);
    let re = compile_regex("(?i)^system:ANON").ok();
    let re = re.as_ref();
    assert_eq!(
        re.and_then(|r| regex_matches(&s("system:anonymous"), r)),
        Some(true)
    );
    assert_eq!(
        re.and_then(|r| regex_matches(&s("x system:anonymous"), r)),
        Some(false)
    );
    assert_eq!(re.and_then(|r| regex_matches(&Value::Null, r)), None);
    assert!(matches!(
        compile_regex("(unclosed"),
        Err(EvalError::InvalidRegex { .. })
    ));
    let codes = [Value::Int(401), Value::Int(403)];
    assert_eq!(in_list(&s("403"), &codes), Some(true));
    assert_eq!(in_list(&Value::Float(401.0), &codes), Some(true));
    assert_eq!(in_list(&Value::Int(200), &codes), Some(false));
    assert_eq!(in_list(&Value::Missing, &codes), None);
    assert_eq!(in_list(&s("get"), &[s("create"), s("get")]), Some(true));
}

#[test]
fn a_matcher_without_its_groups_matches_what_the_pattern_does() {
    let patterns = [
        r"^(eks:|service-\d+@container-engine-robot\.iam\.gserviceaccount\.com$)",
        r"(?i)(aws_access_key_id|password)",
        r#""host(Network|PID|IPC)":\s*true"#,
        r"\bnc(at)?( |%20)+-e\b",
        r"^(?P<who>[a-z]+):((x|y)+)*$",
        r"[?&]command=tar&command=-?c[a-zA-Z]*&command=-(&|$)",
        r"(a|)(|b)",
        "(ä|ß)+",
    ];
    let haystacks = [
        "eks:node-manager",
        "service-42@container-engine-robot.iam.gserviceaccount.com",
        "service-42@container-engine-robot.iam.gserviceaccount.com.evil",
        "PassWord=1",
        r#"{"hostPID": true}"#,
        r#"{"hostPID":false}"#,
        "nc -e /bin/sh",
        "ncat%20-e x",
        "sync -e",
        "abc:xyxx",
        "abc:xyz",
        "?command=tar&command=-czf&command=-",
        "?command=tar&command=-czf&command=-x",
        "",
        "straße",
        "ÄÖ",
    ];
    for p in patterns {
        let (with, without) = (compile_regex(p).unwrap(), compile_matcher(p).unwrap());
        assert_ne!(
            with.as_str(),
            without.as_str(),
            "{p}: its groups are dropped"
        );
        for h in haystacks {
            assert_eq!(with.is_match(h), without.is_match(h), "/{p}/ over {h:?}");
        }
    }
    assert!(matches!(
        compile_matcher("(unclosed"),
        Err(EvalError::InvalidRegex { message, .. }) if message.contains("unclosed group")
    ));
}
