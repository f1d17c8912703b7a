//! Every field of a proof file is bound: each nudged variant is refused, never accepted.

use serde_json::Value;
use solvency_prover::{prove_book, read_book};
use solvency_verifier::{verify_with_params, VerifyError};

/// Every way to nudge the value at each leaf, and to add or drop object keys.
fn variants(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    let mut push = |what: &str, new: Value| out.push((format!("{path} {what}"), new));
    match v {
        Value::Null => push("null → string", Value::String("00".repeat(32))),
        Value::Bool(b) => push("flipped", Value::Bool(!b)),
        Value::Number(n) => {
            let n = n
                .as_i64()
                .map(i128::from)
                .or(n.as_u64().map(i128::from))
                .expect("integers only");
            push(
                "+1 exact",
                serde_json::from_str(&(n + 1).to_string()).unwrap(),
            );
            push("-1", serde_json::from_str(&(n - 1).to_string()).unwrap());
            push("as string", Value::String(n.to_string()));
            push(
                "oversized",
                serde_json::from_str("1e400").unwrap_or(Value::from(u64::MAX)),
            );
        }
        Value::String(s) => {
            // Change the last character (a hex digit, a decimal digit, or a letter).
            let mut chars: Vec<char> = s.chars().collect();
            if let Some(c) = chars.last_mut() {
                *c = match *c {
                    '0' => '1',
                    'f' => 'e',
                    '9' => '8',
                    c if c.is_ascii_digit() => ((c as u8) + 1) as char,
                    c @ 'a'..='e' => ((c as u8) + 1) as char,
                    _ => 'x',
                };
            }
            let changed: String = chars.into_iter().collect();
            assert_ne!(&changed, s);
            push("last char changed", Value::String(changed));
            push("extended", Value::String(format!("{s}0")));
            if !s.is_empty() {
                push("truncated", Value::String(s[..s.len() - 1].to_owned()));
            }
            push("emptied", Value::String(String::new()));
        }
        Value::Array(items) => {
            if !items.is_empty() {
                let mut shorter = items.clone();
                shorter.pop();
                push("last item dropped", Value::Array(shorter));
                let mut longer = items.clone();
                longer.push(items[0].clone());
                push("first item repeated", Value::Array(longer));
            }
        }
        Value::Object(map) => {
            let mut extra = map.clone();
            extra.insert("unexpected".into(), Value::from(1));
            push("unknown key added", Value::Object(extra));
            for key in map.keys() {
                let mut fewer = map.clone();
                fewer.remove(key);
                push(&format!("key {key:?} removed"), Value::Object(fewer));
            }
        }
    }
}

/// Every (path, value) of `root`, where `path` is a JSON pointer.
fn walk(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    let mut here = Vec::new();
    variants(v, path.clone(), &mut here);
    for (what, new) in here {
        out.push((path.clone() + "|" + &what, new));
    }
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                walk(item, format!("{path}/{k}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_nudge_of_every_field_is_refused() {
    let book = read_book(None).unwrap();
    let mut params = None;
    let proved = prove_book(
        &book,
        [3; 32],
        None,
        |k| {
            params
                .insert(solvency_verifier::pinned::srs_or_new(k))
                .clone()
        },
        |_| (),
    )
    .unwrap();
    let params = params.unwrap();
    let bytes = proved.file.to_bytes();
    verify_with_params(&params, &bytes).expect("the honest file verifies");

    let root: Value = serde_json::from_slice(&bytes).unwrap();
    let mut nudges = Vec::new();
    walk(&root, String::new(), &mut nudges);
    assert!(nudges.len() > 150, "only {} variants", nudges.len());
    let (mut malformed, mut invalid) = (0, 0);
    for (what, new) in &nudges {
        let (pointer, _) = what.split_once('|').unwrap();
        let mut doc = root.clone();
        *doc.pointer_mut(pointer).unwrap() = new.clone();
        let tampered = serde_json::to_vec(&doc).unwrap();
        match verify_with_params(&params, &tampered) {
            Ok(_) => panic!("accepted a proof file with {what}"),
            Err(VerifyError::Malformed(_)) => malformed += 1,
            Err(VerifyError::Invalid(_)) => invalid += 1,
            Err(e @ VerifyError::Inclusion(_)) => panic!("no inclusion was checked: {e}"),
        }
    }
    // Both kinds of refusal occur: bad spelling and a well-formed but false claim.
    assert!(
        malformed > 0 && invalid > 0,
        "{malformed} malformed, {invalid} invalid"
    );

    // Truncations and garbage are malformed, never a panic.
    for cut in [0, 1, bytes.len() / 3, bytes.len() - 2] {
        assert!(matches!(
            verify_with_params(&params, &bytes[..cut]),
            Err(VerifyError::Malformed(_))
        ));
    }
    assert!(matches!(
        verify_with_params(&params, b"\xff\xfe not json"),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn two_epochs_of_one_shape_with_other_numbers_name_the_same_pinned_key() {
    let book = read_book(None).unwrap();
    let mut next = book.clone();
    next.public.epoch += 1;
    next.public.assets[0].price = next.public.assets[0].price * 9 / 10;
    next.public.policy.haircuts_bps[0] += 250;
    next.public.policy.scenarios[1].shocks_bps[0] = -2500;
    let mut params = None;
    let mut prove = |b| {
        prove_book(
            b,
            [4; 32],
            None,
            |k| {
                params
                    .get_or_insert_with(|| solvency_verifier::pinned::srs_or_new(k))
                    .clone()
            },
            |_| (),
        )
        .unwrap()
        .file
    };
    let (first, second) = (prove(&book), prove(&next));
    let circuit = |f: &solvency_verifier::Proof| match f {
        solvency_verifier::Proof::Single(f) => f.circuit.clone(),
        solvency_verifier::Proof::Set(_) => panic!("the demo is one proof"),
    };
    assert_ne!(first.statement(), second.statement());
    assert_eq!(circuit(&first), circuit(&second));
    assert_eq!(
        circuit(&first).vk_digest,
        solvency_verifier::pinned::key(solvency_circuits::keys::KeyShape::Single(
            circuit(&first).shape
        ))
        .unwrap()
        .1
    );
}
