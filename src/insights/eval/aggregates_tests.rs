use super::*;

fn s(text: &str) -> Value {
    Value::str(text)
}

fn agg(name: &str, params: &[Value]) -> Aggregator {
    match Aggregator::new(name, AggInput::Field, params) {
        Ok(a) => a,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Runs one aggregate over `(value, timestamp)` records.
fn run(name: &str, params: &[Value], records: &[(Value, Option<i64>)]) -> Value {
    let mut a = agg(name, params);
    for (v, ts) in records {
        a.update(v, *ts);
    }
    a.finish()
}

fn values(vs: &[Value]) -> Vec<(Value, Option<i64>)> {
    vs.iter().map(|v| (v.clone(), None)).collect()
}

#[test]
fn construction_checks_names_and_arguments() {
    assert!(Aggregator::new("count", AggInput::Records, &[]).is_ok());
    assert!(Aggregator::new("count", AggInput::Field, &[]).is_ok());
    assert_eq!(
        Aggregator::new("strlen", AggInput::Field, &[]).err(),
        Some(EvalError::NotAggregate {
            name: "strlen".into()
        })
    );
    assert_eq!(
        Aggregator::new("median", AggInput::Field, &[]).err(),
        Some(EvalError::UnknownFunction {
            name: "median".into()
        })
    );
    assert!(matches!(
        Aggregator::new("sum", AggInput::Records, &[]),
        Err(EvalError::InvalidArgument { .. })
    ));
    assert!(matches!(
        Aggregator::new("pct", AggInput::Field, &[]),
        Err(EvalError::Arity { .. })
    ));
    assert!(matches!(
        Aggregator::new("avg", AggInput::Field, &[Value::Int(1)]),
        Err(EvalError::Arity { .. })
    ));
    for bad in [Value::Int(101), Value::Int(-1), s("x"), Value::Missing] {
        let e = Aggregator::new("pct", AggInput::Field, std::slice::from_ref(&bad)).err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.to_string().contains("from 0 to 100")),
            "{bad:?}: {e:?}"
        );
    }
    assert_eq!(agg("sortsFirst", &[]).name(), "sortsFirst");
}

#[test]
fn counts() {
    let records = values(&[Value::Int(1), Value::Missing, Value::Null, s("a"), s("")]);
    let mut all = match Aggregator::new("count", AggInput::Records, &[]) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    for (v, ts) in &records {
        all.update(v, *ts);
    }
    assert_eq!(all.finish(), Value::Int(5));
    assert_eq!(
        run("count", &[], &records),
        Value::Int(4),
        "null is present"
    );
    assert_eq!(run("count", &[], &[]), Value::Int(0));
    let distinct = values(&[
        s("get"),
        s("list"),
        s("get"),
        Value::Int(401),
        s("401"),
        Value::Float(401.0),
        Value::Missing,
        Value::Null,
    ]);
    assert_eq!(run("count_distinct", &[], &distinct), Value::Int(3));
    assert_eq!(run("count_distinct", &[], &[]), Value::Int(0));
}

#[test]
fn sums_and_averages() {
    let ints = values(&[Value::Int(1), s("2"), Value::Int(3), s("x"), Value::Missing]);
    assert_eq!(run("sum", &[], &ints), Value::Int(6));
    assert_eq!(run("avg", &[], &ints), Value::Float(2.0));
    let mixed = values(&[Value::Int(1), Value::Float(0.5)]);
    assert_eq!(run("sum", &[], &mixed), Value::Float(1.5));
    assert_eq!(run("avg", &[], &mixed), Value::Float(0.75));
    assert_eq!(run("sum", &[], &values(&[s("x")])), Value::Missing);
    assert_eq!(run("avg", &[], &[]), Value::Missing);
    let huge = values(&[
        Value::Int(i64::MAX),
        Value::Int(i64::MAX),
        Value::Int(-i64::MAX),
    ]);
    assert_eq!(
        run("sum", &[], &huge),
        Value::Int(i64::MAX),
        "exact past overflow"
    );
    let over = values(&[Value::Int(i64::MAX), Value::Int(1)]);
    assert_eq!(run("sum", &[], &over), Value::Float(i64::MAX as f64 + 1.0));
    let tiny = values(&[Value::Float(1e16), Value::Float(1.0), Value::Float(-1e16)]);
    assert_eq!(run("sum", &[], &tiny), Value::Float(1.0), "compensated");
}

#[test]
fn min_and_max() {
    let nums = values(&[
        s("10"),
        Value::Int(9),
        Value::Float(9.5),
        s("abc"),
        Value::Missing,
    ]);
    assert_eq!(run("min", &[], &nums), Value::Int(9));
    assert_eq!(
        run("max", &[], &nums),
        Value::Int(10),
        "numeric string answers as a number"
    );
    let words = values(&[s("pod"), s("Node"), s("secret")]);
    assert_eq!(run("min", &[], &words), s("Node"));
    assert_eq!(run("max", &[], &words), s("secret"));
    let times = values(&[Value::Time(5), Value::Time(2), Value::Time(9)]);
    assert_eq!(run("min", &[], &times), Value::Time(2));
    assert_eq!(run("max", &[], &times), Value::Time(9));
    assert_eq!(run("max", &[], &values(&[Value::Null])), Value::Missing);
}

#[test]
fn percentiles_use_nearest_rank() {
    let codes: Vec<Value> = (1..=10).map(|i| Value::Int(i * 10)).collect();
    let records = values(&codes);
    for (p, want) in [
        (0, 10),
        (10, 10),
        (11, 20),
        (50, 50),
        (90, 90),
        (95, 100),
        (100, 100),
    ] {
        assert_eq!(
            run("pct", &[Value::Int(p)], &records),
            Value::Int(want),
            "p{p}"
        );
    }
    let mixed = values(&[s("3"), Value::Float(1.5), Value::Missing, s("x")]);
    assert_eq!(run("pct", &[Value::Int(50)], &mixed), Value::Float(1.5));
    assert_eq!(run("pct", &[s("99.9")], &mixed), Value::Int(3));
    assert_eq!(run("pct", &[Value::Int(50)], &[]), Value::Missing);
    let times = values(&[Value::Time(3), Value::Time(1), Value::Time(2)]);
    assert_eq!(run("pct", &[Value::Int(50)], &times), Value::Time(2));
}

#[test]
fn stddev_is_the_sample_deviation() {
    let records = values(&[2, 4, 4, 4, 5, 5, 7, 9].map(Value::Int));
    let Value::Float(sd) = run("stddev", &[], &records) else {
        panic!("not a float")
    };
    assert!((sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12, "{sd}");
    assert_eq!(
        run("stddev", &[], &values(&[Value::Int(5)])),
        Value::Float(0.0)
    );
    assert_eq!(run("stddev", &[], &values(&[s("x")])), Value::Missing);
}

#[test]
fn earliest_and_latest_follow_the_timestamp() {
    let records = vec![
        (s("b"), Some(20)),
        (s("a"), Some(10)),
        (Value::Missing, Some(5)),
        (s("a2"), Some(10)),
        (s("c"), Some(30)),
        (s("c2"), Some(30)),
        (s("no time"), None),
        (Value::Null, Some(40)),
    ];
    assert_eq!(run("earliest", &[], &records), s("a"), "first of a tie");
    assert_eq!(run("latest", &[], &records), s("c"), "first of a tie");
    assert_eq!(run("earliest", &[], &[]), Value::Missing);
}

#[test]
fn sorts_first_and_last_use_the_sort_order() {
    let records = values(&[
        s("b"),
        Value::Int(10),
        s("a"),
        Value::Int(2),
        Value::Missing,
    ]);
    // Text sorts before numbers (CloudWatch's natural sort).
    assert_eq!(run("sortsFirst", &[], &records), s("a"));
    assert_eq!(run("sortsLast", &[], &records), Value::Int(10));
    assert_eq!(run("sortsLast", &[], &[]), Value::Missing);
}

#[test]
fn merging_different_aggregates_fails() {
    let mut a = agg("sum", &[]);
    let e = a.merge(agg("avg", &[])).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("cannot merge a `sum` aggregate with a `avg` aggregate")
    );
    let mut p = agg("pct", &[Value::Int(50)]);
    assert!(p.merge(agg("pct", &[Value::Int(90)])).is_err());
}

/// A small deterministic generator, so that failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn value(&mut self) -> Value {
        match self.below(9) {
            0 => Value::Missing,
            1 => Value::Null,
            2 | 3 => Value::Int(self.below(21) as i64 - 10),
            // Quarters add exactly in binary, so float sums can be compared exactly.
            4 => Value::Float((self.below(81) as f64 - 40.0) / 4.0),
            5 => Value::str(&(self.below(15) as i64 - 5).to_string()),
            6 => Value::str(["get", "list", "Watch", "patch", ""][self.below(5) as usize]),
            7 => Value::Time(self.below(10) as i64),
            _ => Value::Bool(self.below(2) == 1),
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a == b,
    }
}

#[test]
fn merging_two_halves_equals_one_pass() {
    let specs: Vec<(&str, AggInput, Vec<Value>)> = vec![
        ("count", AggInput::Records, vec![]),
        ("count", AggInput::Field, vec![]),
        ("count_distinct", AggInput::Field, vec![]),
        ("sum", AggInput::Field, vec![]),
        ("avg", AggInput::Field, vec![]),
        ("min", AggInput::Field, vec![]),
        ("max", AggInput::Field, vec![]),
        ("pct", AggInput::Field, vec![Value::Int(0)]),
        ("pct", AggInput::Field, vec![Value::Int(50)]),
        ("pct", AggInput::Field, vec![Value::Int(95)]),
        ("pct", AggInput::Field, vec![Value::Int(100)]),
        ("stddev", AggInput::Field, vec![]),
        ("earliest", AggInput::Field, vec![]),
        ("latest", AggInput::Field, vec![]),
        ("sortsFirst", AggInput::Field, vec![]),
        ("sortsLast", AggInput::Field, vec![]),
    ];
    let mut rng = Lcg(0x5eed);
    for round in 0..300 {
        let len = rng.below(40) as usize;
        let records: Vec<(Value, Option<i64>)> = (0..len)
            .map(|_| {
                let ts = (rng.below(8) != 0).then(|| rng.below(12) as i64);
                (rng.value(), ts)
            })
            .collect();
        let cut = if len == 0 {
            0
        } else {
            rng.below(len as u64 + 1) as usize
        };
        for (name, input, params) in &specs {
            let fresh = || match Aggregator::new(name, *input, params) {
                Ok(a) => a,
                Err(e) => panic!("{name}: {e}"),
            };
            let (mut whole, mut left, mut right) = (fresh(), fresh(), fresh());
            for (v, ts) in &records {
                whole.update(v, *ts);
            }
            for (v, ts) in &records[..cut] {
                left.update(v, *ts);
            }
            for (v, ts) in &records[cut..] {
                right.update(v, *ts);
            }
            if let Err(e) = left.merge(right) {
                panic!("{name}: {e}");
            }
            let (one, merged) = (whole.finish(), left.finish());
            assert!(
                same(&one, &merged),
                "round {round}, {name}{params:?}, cut {cut}: one pass {one:?}, merged {merged:?}\n{records:?}"
            );
        }
    }
}
