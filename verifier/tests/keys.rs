//! The verifying keys compiled into the verifier: every pinned shape has one, a sample of them
//! regenerates from the circuit code (the full set: `scripts/regenerate-keys.sh --check`), a
//! loaded key is the key `keygen_vk` makes for any statement of its shape, and a key with one
//! byte changed is refused before use.

use halo2_proofs::{
    plonk::VerifyingKey,
    transcript::{Blake2bWrite, Challenge255, EncodedChallenge, Transcript},
};
use solvency_circuits::{
    keys::{self, KeyError, KeyShape, Srs},
    limits::ASSET_WIDTHS,
    proof::Curve,
    statement::{Fp, Public},
};
use solvency_verifier::pinned;

/// Shapes regenerated in CI: each kind of circuit, each lane width, small and large assets.
const SAMPLE: [&str; 10] = [
    "single-a2-l4-d0",
    "single-a3-l9-d6",
    "single-a8-l16-d2",
    "single-a64-l16-d3",
    "shard-a2-l4-d10",
    "shard-a3-l9-d9",
    "shard-a32-l9-d9",
    "top-a4-l9-d7-s10",
    "top-a5-l16-d3-s9",
    "top-a16-l4-d2-s9",
];

fn shape(name: &str) -> KeyShape {
    KeyShape::pinned()
        .into_iter()
        .find(|s| s.to_string() == name)
        .unwrap_or_else(|| panic!("{name} is not pinned"))
}

/// The shape's reference public data with other numbers: other prices, shocks, haircuts,
/// decimals, precisions and ratio — another epoch of the same shape.
fn another_epoch(shape: KeyShape) -> Public {
    let (assets, _) = shape.assets_lanes();
    let mut p = shape.reference_public();
    p.epoch = 99;
    p.policy.collateral_ratio_bps = 15_000;
    for (i, a) in p.assets.iter_mut().enumerate() {
        a.price = 315_025_000_000 + 17 * i as u64;
        a.decimals = 18 - (i % 19) as u32;
        a.precision = a.decimals - (i as u32 % 3).min(a.decimals);
    }
    p.policy.haircuts_bps = (0..assets).map(|i| 500 * (i % 21) as u64).collect();
    for (s, sc) in p.policy.scenarios.iter_mut().enumerate() {
        sc.shocks_bps = (0..assets)
            .map(|i| (s as i64 - 2) * 700 + i as i64)
            .collect();
    }
    p.check().expect("valid public data");
    p
}

/// A challenge squeezed right after the key's transcript representative: what every proof's
/// transcript starts from.
fn representative(vk: &VerifyingKey<Curve>) -> Fp {
    let mut t = Blake2bWrite::<_, Curve, Challenge255<_>>::init(vec![]);
    vk.hash_into(&mut t).unwrap();
    let c: Challenge255<Curve> = t.squeeze_challenge();
    c.get_scalar()
}

#[test]
fn every_pinned_shape_has_a_key_matching_its_digest() {
    let shapes = KeyShape::pinned();
    // Per asset width and lane width: 11 single proofs, a shard and 10 tops over shards of
    // 1,024, a shard and 5 tops over shards of 512.
    assert_eq!(shapes.len(), ASSET_WIDTHS.len() * 3 * (11 + 1 + 10 + 1 + 5));
    for shape in shapes {
        let (bytes, digest) = pinned::key(shape).unwrap();
        assert_eq!(keys::digest(bytes), digest, "{shape}");
    }
}

/// The digests compiled in (`digests.bin`, nameless, in the order of `KeyShape::pinned`) are
/// the reviewable pin list `digests.txt`, line for line, and a name finds its shape's pin.
#[test]
fn the_compiled_pins_are_the_reviewable_pin_list() {
    let listed: Vec<&str> = include_str!("../keys/digests.txt").lines().collect();
    let compiled: Vec<String> = KeyShape::pinned()
        .into_iter()
        .map(|s| format!("{s} {}", pinned::key_digest(s).unwrap()))
        .collect();
    assert_eq!(compiled, listed);
    assert_eq!(pinned::DIGESTS.len(), 32 * listed.len());
    for line in listed {
        let (name, digest) = line.split_once(' ').unwrap();
        let (shape, pin) = pinned::named(name).unwrap();
        assert_eq!((shape.to_string().as_str(), pin), (name, digest));
    }
    assert!(pinned::named("shard-a4-l9-d8").is_none());
}

#[test]
fn a_sample_of_pinned_keys_regenerates_and_loads_as_keygen_makes_them() {
    for name in SAMPLE {
        let shape = shape(name);
        let srs = pinned::srs(shape.k()).expect("compiled-in parameters");
        // Regenerated from the circuit code, the key is the pinned one.
        let vk = keys::generate(srs.params(), shape, &shape.reference_public()).unwrap();
        let (bytes, digest) = pinned::key(shape).unwrap();
        assert_eq!(keys::key_bytes(shape, &vk), bytes, "{name}");
        // Loaded for another epoch's numbers, it is the key keygen_vk makes for them: the
        // same pinned form (every commitment and the whole constraint system) and the same
        // transcript representative.
        let public = another_epoch(shape);
        let loaded = keys::load(&srs, shape, &public, bytes, digest).unwrap();
        let made = keys::generate(srs.params(), shape, &public).unwrap();
        assert_eq!(
            format!("{:?}", loaded.pinned()),
            format!("{:?}", made.pinned()),
            "{name}"
        );
        assert_eq!(representative(&loaded), representative(&made), "{name}");
        // And its pinned part is the same for both epochs.
        assert_eq!(keys::pinned_digest(shape, &made), digest, "{name}");
    }
}

#[test]
fn a_key_with_one_byte_changed_is_refused_before_use() {
    let shape = shape(SAMPLE[0]);
    let srs: Srs = pinned::srs(shape.k()).unwrap();
    let (bytes, digest) = pinned::key(shape).unwrap();
    let public = another_epoch(shape);
    for at in [0, 17, 40, bytes.len() / 2, bytes.len() - 1] {
        let mut bad = bytes.to_vec();
        bad[at] ^= 1;
        assert!(
            matches!(
                keys::load(&srs, shape, &public, &bad, digest),
                Err(KeyError::Digest { .. })
            ),
            "byte {at}"
        );
    }
    // Truncated or extended: refused the same way.
    for bad in [&bytes[..bytes.len() - 1], &[bytes, &[0]].concat()[..]] {
        assert!(matches!(
            keys::load(&srs, shape, &public, bad, digest),
            Err(KeyError::Digest { .. })
        ));
    }
    // Another shape's key is refused: against this shape's pin, and, even under its own
    // (valid) digest, as a key of another shape.
    let other = shape_named_other(shape);
    let (other_bytes, other_digest) = pinned::key(other).unwrap();
    assert!(matches!(
        keys::load(&srs, shape, &public, other_bytes, digest),
        Err(KeyError::Digest { .. })
    ));
    assert!(matches!(
        keys::load(&srs, shape, &public, other_bytes, other_digest),
        Err(KeyError::Malformed { .. })
    ));
}

fn shape_named_other(shape: KeyShape) -> KeyShape {
    KeyShape::pinned()
        .into_iter()
        .find(|s| *s != shape && s.k() == shape.k())
        .unwrap()
}

/// A proof naming a shape with no pinned key is refused before any parameters are read or
/// generated: the demo proof relabelled as depth 12 (k = 17, whose parameters are not compiled
/// in and take minutes to generate) fails at once. Found by the `verify` fuzz target.
#[test]
fn an_unpinned_shape_is_refused_before_parameters_are_needed() {
    let text = include_str!("../../fixtures/demo/proof.json");
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["circuit"]["shape"]["depth"] = 12.into();
    v["circuit"]["k"] = 17.into();
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    let start = std::time::Instant::now();
    let asked = std::sync::Mutex::new(vec![]);
    let e = solvency_verifier::verify_with(
        &|k| {
            asked.lock().unwrap().push(k);
            Ok(pinned::srs(k).expect("compiled in"))
        },
        &bytes,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no key is pinned"), "{e}");
    let asked = asked.into_inner().unwrap();
    assert!(asked.is_empty(), "parameters asked for: {asked:?}");
    assert!(solvency_verifier::verify(&bytes).is_err());
    assert!(start.elapsed().as_secs() < 5);
}

/// The proof lengths compiled in (`proof-lens.bin`) are what halo2 writes for each shape: the
/// sample measured again from the circuit code, and every fixture's proofs as proven.
#[test]
fn the_pinned_proof_lengths_are_the_circuits_and_the_fixtures() {
    assert_eq!(pinned::PROOF_LENS.len(), 4 * KeyShape::pinned().len());
    for name in SAMPLE {
        let shape = shape(name);
        assert_eq!(
            pinned::proof_len(shape).unwrap(),
            shape.proof_len(),
            "{name}"
        );
    }
    let files = [
        include_str!("../../fixtures/demo/proof.json"),
        include_str!("../../fixtures/many-positions/proof.json"),
        include_str!("../../fixtures/full-single/proof.json"),
        include_str!("../../fixtures/sharded-book/proof.json"),
        include_str!("data/sharded-book-d10.json"),
        include_str!("data/sharded-book-set3.json"),
        include_str!("data/sharded-book-set4.json"),
    ];
    let mut checked = 0;
    for text in files {
        let proof = solvency_verifier::Proof::parse(text.as_bytes()).unwrap();
        let len = |shape, circuits| pinned::proof_len(shape).unwrap().of(circuits);
        match proof {
            solvency_verifier::Proof::Single(f) => {
                let shape = KeyShape::Single(f.circuit.shape);
                assert_eq!(f.proof.len(), 2 * len(shape, 1), "{shape}");
                checked += 1;
            }
            solvency_verifier::Proof::Set(f) => {
                let shape = KeyShape::Shard(f.shards.circuit.shape);
                let n = f.shards.sub_roots.len();
                for (j, p) in f.shards.proofs.iter().enumerate() {
                    let run = solvency_circuits::proof::proof_shards(j, n, f.shards_per_proof());
                    assert_eq!(p.len(), 2 * len(shape, run.len()), "{shape} proof {j}");
                    checked += 1;
                }
                let top = KeyShape::Top(f.top.shape);
                assert_eq!(f.top.proof.len(), 2 * len(top, 1), "{top}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 14);
}

/// A set of 1,024 shards with empty proofs names a top at k = 16, whose parameters are not
/// compiled in (46 s to generate): refused for its proofs' lengths before any parameters are
/// asked for. Found by the attack review (issue 26, finding 4).
#[test]
fn a_set_of_empty_proofs_is_refused_before_parameters_are_needed() {
    let text = include_str!("../../fixtures/sharded-book/proof.json");
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    // Sixteen scenarios: the tops over up to 1,024 shards of 16 lanes are the ones at k = 16.
    let scenarios = v["statement"]["public"]["policy"]["scenarios"]
        .as_array_mut()
        .unwrap();
    let first = scenarios[0].clone();
    for i in scenarios.len()..16 {
        let mut extra = first.clone();
        extra["name"] = format!("extra-{i}").into();
        scenarios.push(extra);
    }
    let (shard, top) = (shape("shard-a4-l16-d10"), shape("top-a4-l16-d10-s10"));
    let root = v["shards"]["sub_roots"][0].clone();
    let sums = v["shards"]["sums"][0].clone();
    v["shards"]["circuit"] = serde_json::json!({
        "shape": {"assets": 4, "lanes": 16, "depth": 10},
        "k": shard.k(),
        "vk_digest": pinned::key_digest(shard).unwrap(),
    });
    v["shards"]["sub_roots"] = vec![root; 1024].into();
    v["shards"]["sums"] = vec![sums; 1024].into();
    v["shards"]["proofs"] = vec![""; 512].into();
    v["top"]["shape"] =
        serde_json::json!({"assets": 4, "lanes": 16, "depth": 10, "shard_depth": 10});
    v["top"]["k"] = top.k().into();
    v["top"]["vk_digest"] = pinned::key_digest(top).unwrap().into();
    assert_eq!(top.k(), 16);
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    let asked = std::sync::Mutex::new(vec![]);
    let e = solvency_verifier::verify_with(
        &|k| {
            asked.lock().unwrap().push(k);
            pinned::srs(k).ok_or_else(|| solvency_verifier::VerifyError::Invalid("k".into()))
        },
        &bytes,
    )
    .unwrap_err();
    assert!(e.to_string().contains("shard proof 0: 0 hex digits"), "{e}");
    assert!(asked.into_inner().unwrap().is_empty());
    // The last proof empty only: refused the same way, naming it.
    let pair = "00".repeat(pinned::proof_len(shard).unwrap().of(2));
    v["shards"]["proofs"] = vec![pair.as_str(); 512].into();
    v["shards"]["proofs"][511] = "".into();
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    let e = solvency_verifier::parse(&bytes).unwrap_err();
    assert!(e.to_string().contains("shard proof 511"), "{e}");
}

/// Parameters are trusted only through `Srs::read`, which checks their pinned digest: the
/// library cannot be handed other generators, and a caller's bytes never make it panic.
#[test]
fn parameters_of_another_k_or_not_pinned_are_refused() {
    let demo = include_bytes!("../../fixtures/demo/proof.json");
    let k10 = pinned::srs(10).unwrap();
    let e = solvency_verifier::verify_with_params(&k10, demo).unwrap_err();
    assert!(
        e.to_string()
            .contains("parameters for k = 10 supplied for a circuit of k = 9"),
        "{e}"
    );
    let mut bytes = pinned::params_bytes(9).unwrap().to_vec();
    bytes[1000] ^= 1;
    assert!(Srs::read(&bytes).is_err());
    assert!(Srs::read(&bytes[..1000]).is_err());
    let good = Srs::read(pinned::params_bytes(9).unwrap()).unwrap();
    assert!(solvency_verifier::verify_with_params(&good, demo).is_ok());
}
