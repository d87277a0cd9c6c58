use std::collections::HashSet;
use std::sync::Arc;

use super::*;

const TWO_63: f64 = (1u64 << 63) as f64;

fn s(text: &str) -> Value {
    Value::str(text)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items))
}

fn map(members: Vec<(&str, Value)>) -> Value {
    Value::Map(Arc::new(
        members
            .into_iter()
            .map(|(k, v)| (Arc::from(k), v))
            .collect(),
    ))
}

#[test]
fn parse_number_accepts_only_plain_numerals() {
    assert_eq!(parse_number("401"), Some(Number::Int(401)));
    assert_eq!(parse_number("-7"), Some(Number::Int(-7)));
    assert_eq!(parse_number("+7"), Some(Number::Int(7)));
    assert_eq!(parse_number("2.5"), Some(Number::Float(2.5)));
    assert_eq!(parse_number("1e3"), Some(Number::Float(1000.0)));
    assert_eq!(parse_number(".5"), Some(Number::Float(0.5)));
    assert_eq!(
        parse_number("9223372036854775808"),
        Some(Number::Float(TWO_63))
    );
    for not in [
        "", " 401", "401 ", "abc", "0x10", "inf", "-inf", "NaN", "+nan", "infinity", "-", ".",
        "1e", "e5", "1,000", "12a",
    ] {
        assert_eq!(parse_number(not), None, "{not:?}");
    }
}

/// (left, right, expected `=`): the loose equality table.
#[test]
fn loose_equality_table() {
    let cases: Vec<(Value, Value, bool)> = vec![
        (s("401"), Value::Int(401), true),
        (Value::Int(401), s("401"), true),
        (Value::Float(401.0), Value::Int(401), true),
        (s("401.0"), Value::Int(401), true),
        (s("401"), s("401.0"), true),
        (s("0401"), Value::Int(401), true),
        (s("401"), Value::Int(403), false),
        (s("abc"), s("abc"), true),
        (s("abc"), s("ABC"), false),
        (s("abc"), Value::Int(1), false),
        (Value::Bool(true), Value::Int(1), true),
        (Value::Bool(false), Value::Int(0), true),
        (Value::Bool(true), s("true"), true),
        (Value::Bool(true), Value::Bool(true), true),
        (Value::Time(1000), Value::Int(1000), true),
        (Value::Time(1000), s("1000"), true),
        (Value::Time(0), s("1970-01-01T00:00:00Z"), true),
        (Value::Time(0), s("1970-01-01 00:00:00.000"), true),
        (Value::Time(1), s("1970-01-01 00:00:00.000"), false),
        (Value::Int(i64::MAX), Value::Float(TWO_63), false),
        (Value::Int(1 << 53), Value::Float((1u64 << 53) as f64), true),
        (Value::Missing, Value::Missing, false),
        (Value::Missing, s(""), false),
        (Value::Null, Value::Null, false),
        (Value::Null, s("null"), false),
        (s(""), s(""), true),
        // AWS: comparing a map or a list with anything is false, even with its own JSON text.
        (
            list(vec![Value::Int(1), s("a")]),
            list(vec![Value::Int(1), s("a")]),
            false,
        ),
        (list(vec![Value::Int(1)]), s("[1]"), false),
        (map(vec![("a", Value::Int(1))]), s("{\"a\":1}"), false),
    ];
    for (a, b, want) in cases {
        assert_eq!(a.loose_eq(&b), want, "{a:?} = {b:?}");
        assert_eq!(b.loose_eq(&a), want, "{b:?} = {a:?} (symmetry)");
    }
}

#[test]
fn maps_and_lists_fail_every_comparison_and_have_no_text() {
    let structures = [
        list(vec![s("10.0.0.1")]),
        map(vec![("a", Value::Int(1))]),
        list(vec![]),
    ];
    for v in structures {
        for op in [
            Comparison::Eq,
            Comparison::Ne,
            Comparison::Lt,
            Comparison::Le,
            Comparison::Gt,
            Comparison::Ge,
        ] {
            for other in [s("a"), Value::Int(1), v.clone()] {
                assert!(!v.satisfies(op, &other), "{v:?} {op:?} {other:?}");
                assert!(!other.satisfies(op, &v), "{other:?} {op:?} {v:?}");
            }
        }
        assert_eq!(v.as_text(), None, "{v:?}");
        assert_eq!(v.as_number(), None, "{v:?}");
    }
}

#[test]
fn absent_values_fail_every_comparison() {
    for absent in [Value::Missing, Value::Null] {
        for op in [
            Comparison::Eq,
            Comparison::Ne,
            Comparison::Lt,
            Comparison::Le,
            Comparison::Gt,
            Comparison::Ge,
        ] {
            assert!(!absent.satisfies(op, &s("a")), "{absent:?} {op:?}");
            assert!(!s("a").satisfies(op, &absent), "{op:?} {absent:?}");
        }
    }
}

#[test]
fn ordering_operators_use_numbers_when_both_sides_are_numeric() {
    assert!(s("9").satisfies(Comparison::Lt, &s("10")));
    assert!(s("abc").satisfies(Comparison::Lt, &s("abd")));
    assert!(s("B").satisfies(Comparison::Lt, &s("a")), "byte order");
    assert!(Value::Int(500).satisfies(Comparison::Ge, &s("500")));
    assert!(Value::Float(2.5).satisfies(Comparison::Gt, &Value::Int(2)));
    assert!(Value::Int(3).satisfies(Comparison::Ne, &Value::Float(3.5)));
    assert!(Value::Time(86_400_000).satisfies(Comparison::Gt, &s("1970-01-01")));
    assert!(Value::Time(5).satisfies(Comparison::Le, &Value::Int(5)));
    // A number and a word compare as text.
    assert!(Value::Int(1).satisfies(Comparison::Lt, &s("a")));
}

#[test]
fn truthiness() {
    let truthy = [
        Value::Bool(true),
        Value::Int(1),
        Value::Int(-1),
        Value::Float(0.5),
        s("x"),
        s("1"),
        s("false"),
        Value::Time(0),
        list(vec![Value::Null]),
        map(vec![("a", Value::Null)]),
    ];
    let falsy = [
        Value::Missing,
        Value::Null,
        Value::Bool(false),
        Value::Int(0),
        Value::Float(0.0),
        s(""),
        s("0"),
        s("0.0"),
        list(vec![]),
        map(vec![]),
    ];
    for v in truthy {
        assert!(v.is_truthy(), "{v:?}");
    }
    for v in falsy {
        assert!(!v.is_truthy(), "{v:?}");
    }
}

#[test]
fn arithmetic_promotes_and_coerces() {
    use Arith::*;
    let cases: Vec<(Value, Arith, Value, Value)> = vec![
        (Value::Int(2), Add, Value::Int(3), Value::Int(5)),
        (Value::Int(2), Add, Value::Float(0.5), Value::Float(2.5)),
        (s("40"), Add, Value::Int(2), Value::Int(42)),
        (s("1.5"), Mul, s("2"), Value::Float(3.0)),
        (Value::Int(7), Sub, Value::Int(10), Value::Int(-3)),
        (Value::Int(10), Div, Value::Int(2), Value::Int(5)),
        (Value::Int(7), Div, Value::Int(2), Value::Float(3.5)),
        (Value::Int(7), Div, Value::Int(0), Value::Missing),
        (Value::Float(7.0), Div, Value::Float(0.0), Value::Missing),
        (Value::Int(10), Rem, Value::Int(3), Value::Int(1)),
        (Value::Int(-10), Rem, Value::Int(3), Value::Int(-1)),
        (Value::Int(10), Rem, Value::Int(0), Value::Missing),
        (Value::Float(5.5), Rem, Value::Int(2), Value::Float(1.5)),
        (Value::Int(2), Pow, Value::Int(3), Value::Int(8)),
        (Value::Int(2), Pow, Value::Int(-1), Value::Float(0.5)),
        (
            Value::Int(2),
            Pow,
            Value::Float(0.5),
            Value::Float(2f64.sqrt()),
        ),
        (Value::Int(10), Pow, Value::Int(400), Value::Missing),
        (
            Value::Int(i64::MAX),
            Add,
            Value::Int(1),
            Value::Float(i64::MAX as f64 + 1.0),
        ),
        (Value::Int(i64::MIN), Rem, Value::Int(-1), Value::Int(0)),
        (
            Value::Int(i64::MIN),
            Div,
            Value::Int(-1),
            Value::Float(TWO_63),
        ),
        (Value::Bool(true), Add, Value::Bool(true), Value::Int(2)),
        (Value::Missing, Add, Value::Int(1), Value::Missing),
        (Value::Int(1), Add, Value::Null, Value::Missing),
        (s("abc"), Add, Value::Int(1), Value::Missing),
        (Value::Time(1000), Add, Value::Int(500), Value::Time(1500)),
        (Value::Int(500), Add, Value::Time(1000), Value::Time(1500)),
        (Value::Time(1000), Sub, Value::Int(500), Value::Time(500)),
        (Value::Time(1000), Sub, Value::Time(400), Value::Int(600)),
        (Value::Time(1000), Div, Value::Int(1000), Value::Int(1)),
    ];
    for (a, op, b, want) in cases {
        assert_eq!(a.arith(op, &b), want, "{a:?} {op:?} {b:?}");
    }
    assert_eq!(Value::Int(5).negate(), Value::Int(-5));
    assert_eq!(s("2.5").negate(), Value::Float(-2.5));
    assert_eq!(Value::Int(i64::MIN).negate(), Value::Float(TWO_63));
    assert_eq!(s("x").negate(), Value::Missing);
}

/// The sort order table: every value sorts after the one before it.
#[test]
fn sort_order_table() {
    // CloudWatch's natural sort: text first (digit runs by length, then value), then numbers.
    let ascending = [
        s(""),
        s("!:"),
        s("*%04"),
        s("0#"),
        s("5A"),
        s("111A"),
        s("2345_"),
        s("@"),
        s("A"),
        s("A9876fghj"),
        s("B"),
        // Lists and maps order by their JSON text.
        list(vec![Value::Int(1)]),
        list(vec![]),
        s("a"),
        s("ab"),
        s("ip-10-0-9"),
        s("ip-10-0-10"),
        s("ip-10-0-100"),
        map(vec![("a", Value::Int(1))]),
        Value::Int(-5),
        Value::Bool(false),
        Value::Float(0.5),
        s("1"),
        Value::Time(2),
        Value::Float(2.5),
        s("10"),
        Value::Int(i64::MAX),
        Value::Null,
        Value::Missing,
    ];
    for (i, a) in ascending.iter().enumerate() {
        assert_eq!(a.sort_cmp(a), std::cmp::Ordering::Equal, "{a:?}");
        for b in &ascending[i + 1..] {
            assert_eq!(a.sort_cmp(b), std::cmp::Ordering::Less, "{a:?} < {b:?}");
            assert_eq!(b.sort_cmp(a), std::cmp::Ordering::Greater, "{b:?} > {a:?}");
        }
    }
    assert_eq!(Value::Int(1).sort_cmp(&s("1")), std::cmp::Ordering::Equal);
}

#[test]
fn sort_puts_absent_values_last_in_both_directions() {
    let mut values = vec![
        Value::Missing,
        Value::Int(2),
        Value::Null,
        s("b"),
        Value::Int(10),
        s("a"),
    ];
    values.sort_by(|a, b| a.sort_order(b, false));
    assert_eq!(
        values,
        vec![
            s("a"),
            s("b"),
            Value::Int(2),
            Value::Int(10),
            Value::Null,
            Value::Missing
        ]
    );
    values.sort_by(|a, b| a.sort_order(b, true));
    assert_eq!(
        values,
        vec![
            Value::Int(10),
            Value::Int(2),
            s("b"),
            s("a"),
            Value::Null,
            Value::Missing
        ]
    );
}

#[test]
fn group_keys_follow_loose_equality() {
    let set: HashSet<GroupKey> = [
        Value::Int(401),
        Value::Float(401.0),
        s("401"),
        s("401.0"),
        Value::Int(403),
        Value::Float(0.5),
        s("0.5"),
        s("get"),
        s("Get"),
        Value::Missing,
        Value::Missing,
        Value::Null,
        Value::Float(-0.0),
        Value::Int(0),
    ]
    .iter()
    .map(Value::group_key)
    .collect();
    // {401} {403} {0.5} {get} {Get} {missing} {null} {0}
    assert_eq!(set.len(), 8);
    assert_eq!(s("401").group_key().value(), &s("401"));
    assert_eq!(Value::Int(7).group_key().into_value(), Value::Int(7));
    assert_ne!(Value::Missing.group_key(), Value::Null.group_key());
    assert_eq!(
        list(vec![Value::Int(1)]).group_key(),
        list(vec![Value::Int(1)]).group_key()
    );
}

#[test]
fn display_and_json_forms() {
    let cases: Vec<(Value, &str, serde_json::Value)> = vec![
        (Value::Missing, "", serde_json::Value::Null),
        (Value::Null, "null", serde_json::Value::Null),
        (Value::Bool(true), "true", serde_json::json!(true)),
        (Value::Int(-3), "-3", serde_json::json!(-3)),
        (Value::Float(2.0), "2", serde_json::json!(2)),
        (Value::Float(2.25), "2.25", serde_json::json!(2.25)),
        (
            Value::Float(1e20),
            "100000000000000000000",
            serde_json::json!(1e20),
        ),
        (s("a\"b"), "a\"b", serde_json::json!("a\"b")),
        (
            Value::Time(1_714_557_600_123),
            "2024-05-01 10:00:00.123",
            serde_json::json!("2024-05-01 10:00:00.123"),
        ),
        (
            list(vec![Value::Int(1), s("x\n"), Value::Null]),
            "[1,\"x\\n\",null]",
            serde_json::json!([1, "x\n", null]),
        ),
        (
            map(vec![("z", Value::Int(1)), ("a", list(vec![]))]),
            "{\"z\":1,\"a\":[]}",
            serde_json::json!({"z": 1, "a": []}),
        ),
    ];
    for (value, text, json) in cases {
        assert_eq!(value.display(), text, "{value:?}");
        assert_eq!(value.to_json(), json, "{value:?}");
    }
}

#[test]
fn from_json_keeps_types() {
    let json = serde_json::json!({
        "code": 401, "big": 18446744073709551615u64, "ratio": 0.5,
        "name": "x", "ok": false, "none": null, "ips": ["10.0.0.1"]
    });
    let value = Value::from_json(&json);
    assert_eq!(value.member("code"), Some(&Value::Int(401)));
    assert_eq!(
        value.member("big"),
        Some(&Value::Float(18446744073709551615u64 as f64))
    );
    assert_eq!(value.member("ratio"), Some(&Value::Float(0.5)));
    assert_eq!(value.member("name"), Some(&s("x")));
    assert_eq!(value.member("ok"), Some(&Value::Bool(false)));
    assert_eq!(value.member("none"), Some(&Value::Null));
    let ips = value.member("ips");
    assert_eq!(ips.and_then(|l| l.member("0")), Some(&s("10.0.0.1")));
    assert_eq!(ips.and_then(|l| l.member("1")), None);
    assert_eq!(value.member("absent"), None);
    assert_eq!(Value::from_json(&value.to_json()), value);
}

#[test]
fn float_constructor_drops_non_finite() {
    assert_eq!(Value::float(f64::NAN), Value::Missing);
    assert_eq!(Value::float(f64::INFINITY), Value::Missing);
    assert_eq!(Value::float(1.5), Value::Float(1.5));
    assert_eq!(
        s("x").as_text().as_deref(),
        Some("x"),
        "strings borrow their text"
    );
    assert_eq!(Value::Null.as_text(), None);
}

#[test]
fn errors_say_what_to_do() {
    let e = EvalError::InvalidPeriod {
        text: "5x".into(),
        reason: "`x` is not a time unit".into(),
    };
    assert!(e.to_string().contains("as in `5m`"), "{e}");
    let e = EvalError::Arity {
        name: "substr".into(),
        expected: "2 to 3".into(),
        got: 1,
    };
    assert_eq!(
        e.to_string(),
        "`substr` takes 2 to 3 argument(s), but 1 were given"
    );
}
