use super::*;

#[test]
fn the_same_value_gets_the_same_id_and_absent_is_zero() {
    let mut i = Interner::default();
    assert_eq!(i.len(), 1);
    let a = i.intern("get");
    let b = i.intern("list");
    assert_ne!(a, ABSENT);
    assert_ne!(a, b);
    assert_eq!(i.intern("get"), a);
    assert_eq!(i.intern_opt(None), ABSENT);
    assert_eq!(i.get(a), Some("get"));
    assert_eq!(i.get(ABSENT), None);
    assert_eq!(i.get(99), None);
    assert_eq!(i.find("list"), Some(b));
    assert_eq!(i.find("watch"), None);
    assert_eq!(i.len(), 3);
}

#[test]
fn the_empty_string_is_a_value_not_absence() {
    let mut i = Interner::default();
    let empty = i.intern("");
    assert_ne!(empty, ABSENT);
    assert_eq!(i.get(empty), Some(""));
    assert_eq!(i.find(""), Some(empty));
}

#[test]
fn many_values_survive_growth() {
    let mut i = Interner::default();
    let ids: Vec<u32> = (0..10_000)
        .map(|n| i.intern(&format!("user-{n}")))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(i.get(*id), Some(format!("user-{n}").as_str()));
        assert_eq!(i.find(&format!("user-{n}")), Some(*id));
        assert_eq!(i.intern(&format!("user-{n}")), *id);
    }
    assert_eq!(i.len(), 10_001);
    let listed: Vec<u32> = i.iter().map(|(id, _)| id).collect();
    assert_eq!(listed, ids);
}
