//! MockProver tests of the whole circuit: honest books pass; each cheat fails where it should.

use ff::Field;
use halo2_proofs::dev::{FailureLocation, MockProver, VerifyFailure};
use proptest::prelude::*;

use super::*;
use crate::commit::{hiding_commitment, leaf, pack, MerkleTree};
use crate::model::evaluate;
use crate::snapshot::Book;
use crate::statement::{Kind, Statement};
use crate::test_books::{arb_book, demo_book};
use crate::test_failures::assert_permutation_failure;
use crate::witness::{prepare, Prepared, Secrets};

/// Index of the positions chip's band lookup: after the range checker's, one per column.
const BAND_LOOKUP: usize = super::RANGE_COLUMNS;

/// Whether a failure is the band lookup's.
fn is_band_lookup(f: &VerifyFailure) -> bool {
    matches!(
        f,
        VerifyFailure::Lookup {
            lookup_index: BAND_LOOKUP,
            ..
        }
    )
}

fn prepared(book: &Book) -> Prepared {
    prepare(book, &Secrets::from_seed([7; 32]), None)
}

/// Runs MockProver on `witness` against `statement` at the shape's own `k`.
fn mock(p: &Prepared, statement: &Statement, witness: &Witness) -> Result<(), Vec<VerifyFailure>> {
    let shape = p.shape;
    let public = &statement.public;
    crate::with_lanes!(shape, |LANES| {
        let circuit = SolvencyCircuit::<LANES>::new(public, shape, Some(witness.clone()));
        MockProver::run(shape.k(), &circuit, vec![statement.instance()])
            .expect("synthesis")
            .verify()
    })
}

fn honest(p: &Prepared) -> Result<(), Vec<VerifyFailure>> {
    mock(p, &p.statement, &p.witness)
}

fn region_name(f: &VerifyFailure) -> Option<String> {
    let loc = match f {
        VerifyFailure::ConstraintNotSatisfied { location, .. } => location,
        VerifyFailure::Lookup { location, .. } => location,
        _ => return None,
    };
    match loc {
        FailureLocation::InRegion { region, .. } => Some(region.to_string()),
        FailureLocation::OutsideRegion { .. } => None,
    }
}

/// Asserts that some failure is the named constraint.
fn assert_constraint(failures: &[VerifyFailure], name: &str) {
    assert!(
        failures.iter().any(|f| matches!(f,
            VerifyFailure::ConstraintNotSatisfied { constraint, .. } if constraint.to_string().contains(name))),
        "expected constraint {name:?} to fail, got {failures:#?}"
    );
}

/// Asserts that some failure lies in the range checker.
fn assert_range_failure(failures: &[VerifyFailure]) {
    assert!(
        failures
            .iter()
            .any(|f| region_name(f).is_some_and(|r| r.contains("range check"))),
        "expected a range-check failure, got {failures:#?}"
    );
}

/// Asserts that a range check fails and no copy constraint does: the commitments and public
/// inputs hold, and only a value's bound (or a coverage limb's) objects.
fn assert_only_range_failure(failures: &[VerifyFailure]) {
    assert_range_failure(failures);
    assert!(
        !failures
            .iter()
            .any(|f| matches!(f, VerifyFailure::Permutation { .. })),
        "expected no copy-constraint failure, got {failures:#?}"
    );
}

/// A richer book: two assets, calls and puts, several accounts, 5 positions (8 slots).
fn book() -> Book {
    let json = r#"{
      "format": "solvency-snapshot/1", "protocol": "t", "epoch": 1, "timestamp": 100,
      "assets": [
        {"symbol": "ETH", "decimals": 9, "price": "3000", "price_timestamp": 100},
        {"symbol": "USDC", "decimals": 6, "price": "1", "price_timestamp": 100}
      ],
      "reserves": [{"asset": "ETH", "amount": "100"}, {"asset": "USDC", "amount": "500000"}],
      "positions": [
        {"account": "alice", "underlying": "ETH", "kind": "call", "strike": "2500", "size": "10", "expiry": 200},
        {"account": "bob",   "underlying": "ETH", "kind": "put",  "strike": "2800", "size": "4.5", "expiry": 200},
        {"account": "alice", "underlying": "ETH", "kind": "call", "strike": "3600", "size": "1", "expiry": 300},
        {"account": "carol", "underlying": "USDC", "kind": "put", "strike": "1.5", "size": "1000", "expiry": 300},
        {"account": "dave",  "underlying": "ETH", "kind": "put",  "strike": "1000", "size": "3", "expiry": 400}
      ],
      "policy": {
        "collateral_ratio_bps": 15000, "haircuts_bps": {"ETH": 2000}, "max_oracle_age_s": 60,
        "scenarios": [
          {"name": "base"}, {"name": "eth-50", "shocks_bps": {"ETH": -5000}},
          {"name": "eth+50", "shocks_bps": {"ETH": 5000}}, {"name": "usdc-depeg", "shocks_bps": {"USDC": -1000}},
          {"name": "crash", "shocks_bps": {"ETH": -9000, "USDC": -500}}
        ]
      }
    }"#;
    Book::from_json(json.as_bytes()).unwrap()
}

#[test]
fn honest_books_are_satisfied() {
    for b in [demo_book(), book()] {
        assert!(evaluate(&b).solvent());
        assert_eq!(honest(&prepared(&b)), Ok(()));
    }
}

#[test]
fn zero_positions_prove() {
    let mut b = book();
    b.positions.clear();
    let p = prepared(&b);
    assert_eq!(p.shape.slots(), 1);
    assert_eq!(honest(&p), Ok(()));
}

#[test]
fn inflated_reserve_balance_breaks_the_commitment() {
    let p = prepared(&book());
    let mut w = p.witness.clone();
    w.balances[0] += Fp::ONE;
    assert_permutation_failure(&mock(&p, &p.statement, &w).unwrap_err());
}

#[test]
fn position_dropped_from_the_sum_but_kept_in_the_tree() {
    let p = prepared(&book());
    let mut w = p.witness.clone();
    // Zero size in the sums; the leaf still hashes the real packed fields.
    w.slots[p.slot_of[0]].size = Fp::ZERO;
    assert_constraint(&mock(&p, &p.statement, &w).unwrap_err(), "packing");
}

#[test]
fn position_summed_but_left_out_of_the_tree() {
    let b = book();
    let p = prepared(&b);
    let mut w = p.witness.clone();
    // Slot 0 is summed, but its leaf is made the padding leaf, and the published root is
    // the tree without it.
    w.slots[p.slot_of[0]].account = Fp::ZERO;
    w.slots[p.slot_of[0]].packed = Fp::ZERO;
    let mut leaves: Vec<Fp> = p.tree.levels()[0].clone();
    leaves[p.slot_of[0]] = crate::commit::padding_leaf();
    let mut st = p.statement.clone();
    st.liabilities_root = MerkleTree::new(p.shape.depth, &leaves).root();
    assert_constraint(&mock(&p, &st, &w).unwrap_err(), "packing");
}

#[test]
fn published_root_without_a_position_is_refused() {
    let b = book();
    let p = prepared(&b);
    let mut leaves: Vec<Fp> = p.tree.levels()[0].clone();
    leaves[p.slot_of[1]] = crate::commit::padding_leaf();
    let mut st = p.statement.clone();
    st.liabilities_root = MerkleTree::new(p.shape.depth, &leaves).root();
    assert_permutation_failure(&mock(&p, &st, &p.witness).unwrap_err());
}

#[test]
fn wrapped_size_is_out_of_range() {
    let b = book();
    let p = prepared(&b);
    let mut w = p.witness.clone();
    // size = p − 1, with the packing made consistent so only the range check can object.
    let slot = &mut w.slots[p.slot_of[0]];
    let real = b.positions[0].size;
    slot.size = -Fp::ONE;
    slot.packed += (slot.size - Fp::from(real)) * crate::commit::pow2(crate::commit::packing::SIZE);
    assert_range_failure(&mock(&p, &p.statement, &w).unwrap_err());
}

#[test]
fn wrapped_balance_is_out_of_range() {
    let b = book();
    let mut p = prepared(&b);
    // balance = p − 1 with a commitment that opens to it: only the range check can object.
    let mut w = p.witness.clone();
    w.balances[1] = -Fp::ONE;
    p.statement.reserve_commitment = hiding_commitment::<9>(&w.balances, w.blinding);
    assert_only_range_failure(&mock(&p, &p.statement, &w).unwrap_err());
}

#[test]
fn understated_liability_in_one_scenario_is_refused() {
    let b = book();
    let p = prepared(&b);
    // Alice's 2500 call is in the money at base (lane 0); claim it is not.
    assert_eq!(p.witness.slots[p.slot_of[0]].itm[0], Fp::ONE);
    let mut w = p.witness.clone();
    w.slots[p.slot_of[0]].itm[0] = Fp::ZERO;
    let failures = mock(&p, &p.statement, &w).unwrap_err();
    assert!(failures.iter().all(is_band_lookup), "{failures:#?}");
    // Or a lower price for that lane.
    let mut w = p.witness.clone();
    w.slots[p.slot_of[0]].price[0] -= Fp::ONE;
    let failures = mock(&p, &p.statement, &w).unwrap_err();
    assert!(failures.iter().any(is_band_lookup));
}

#[test]
fn strike_outside_its_claimed_band_is_refused() {
    let b = book();
    let p = prepared(&b);
    // Claim alice's call (strike 2500) sits in the topmost band, out of the money everywhere.
    let top = crate::bands::bands(&b.public)
        .into_iter()
        .rfind(|x| x.asset == 0 && x.kind == Kind::Call)
        .unwrap();
    let mut w = p.witness.clone();
    let s = &mut w.slots[p.slot_of[0]];
    s.lo = Fp::from(top.lo);
    s.hi = Fp::from(top.hi);
    for (l, itm) in s.itm.iter_mut().enumerate() {
        *itm = Fp::from(u64::from(top.itm.get(l).copied().unwrap_or(false)));
    }
    let failures = mock(&p, &p.statement, &w).unwrap_err();
    assert_range_failure(&failures);
    assert!(!failures.iter().any(is_band_lookup));
}

/// Two assets at decimals 0: a USD-like reserve asset priced at `reserve_price` (1e-8 USD) and
/// X at 1 USD. One call on X struck so its intrinsic value is `intrinsic`, and ratio `ratio`.
fn boundary_book(reserve_price: &str, intrinsic: u64, ratio: u64) -> Book {
    let strike = crate::encoding::format_decimal(100_000_000 - intrinsic, 8);
    let json = format!(
        r#"{{
      "format": "solvency-snapshot/1", "protocol": "edge", "epoch": 1, "timestamp": 100,
      "assets": [
        {{"symbol": "R", "decimals": 0, "price": "{reserve_price}", "price_timestamp": 100}},
        {{"symbol": "X", "decimals": 0, "price": "1", "price_timestamp": 100}}
      ],
      "reserves": [{{"asset": "R", "amount": "1"}}],
      "positions": [{{"account": "a", "underlying": "X", "kind": "call", "strike": "{strike}", "size": "1", "expiry": 1}}],
      "policy": {{"collateral_ratio_bps": {ratio}, "max_oracle_age_s": 0,
        "scenarios": [{{"name": "base"}}, {{"name": "x-down", "shocks_bps": {{"X": -5000}}}}]}}
    }}"#
    );
    Book::from_json(json.as_bytes()).unwrap()
}

#[test]
fn exact_equality_proves_and_one_unit_short_does_not() {
    // V = 1 · 10002 · 10000 = 100,020,000 and L = 10002 · 10000: equal in "base".
    let equal = boundary_book("0.00010002", 10_002, 10_000);
    let ev = evaluate(&equal);
    assert_eq!(ev.scenarios[0].reserves, ev.scenarios[0].liabilities);
    assert_eq!(honest(&prepared(&equal)), Ok(()));

    // L = 10001 · 10001 = 100,020,001 = V + 1 in "base" only.
    let short = boundary_book("0.00010002", 10_001, 10_001);
    let ev = evaluate(&short);
    assert_eq!(ev.scenarios[0].margin(), (-1).into());
    assert!(ev.scenarios[1].covered());
    // The only failing rows are the coverage limbs of scenario 0.
    assert_only_range_failure(&honest(&prepared(&short)).unwrap_err());
}

/// Each public input, changed in the instance alone, breaks a copy constraint.
#[test]
fn every_public_input_is_bound() {
    use crate::statement::instance as at;
    let p = prepared(&book());
    let n_s = p.shape.lanes;
    for (what, offset) in [
        ("reserve commitment", at::RESERVE_COMMITMENT),
        ("liabilities root", at::LIABILITIES_ROOT),
        ("collateral ratio", at::COLLATERAL_RATIO),
        ("haircut", at::haircut(0, n_s)),
        ("scale", at::scale(1, n_s)),
        ("shocked price", at::shocked_price(0, 2, n_s)),
        ("statement digest", at::STATEMENT_DIGEST),
    ] {
        let shape = p.shape;
        let mut inst = p.statement.instance();
        inst[offset] += Fp::ONE;
        let result = crate::with_lanes!(shape, |LANES| {
            let circuit =
                SolvencyCircuit::<LANES>::new(&p.statement.public, shape, Some(p.witness.clone()));
            MockProver::run(shape.k(), &circuit, vec![inst])
                .unwrap()
                .verify()
        });
        match what {
            // MockProver copies the digest into its cell from whatever instance it is given;
            // the binding of the digest is checked with a real proof in `proof_round_trip`.
            "statement digest" => assert_eq!(result, Ok(())),
            _ => assert_permutation_failure(&result.expect_err(what)),
        }
    }
}

#[test]
fn leaf_is_hash_of_account_and_packed_fields() {
    let b = book();
    let p = prepared(&b);
    let s = &p.witness.slots[p.slot_of[2]];
    assert_eq!(s.packed, pack(&b.positions[2]));
    assert_eq!(p.tree.levels()[0][p.slot_of[2]], leaf(s.account, s.packed));
}

#[test]
fn shape_rows_fit_for_every_lane_width() {
    // k is computed from the layout; MockProver refuses a k that is too small.
    for scenarios in [1, 5, 16] {
        let mut b = book();
        b.public.policy.scenarios.truncate(scenarios.min(5));
        while b.public.policy.scenarios.len() < scenarios {
            let n = b.public.policy.scenarios.len();
            b.public.policy.scenarios.push(crate::statement::Scenario {
                name: format!("extra{n}"),
                shocks_bps: vec![n as i64 * 100, 0],
            });
        }
        assert_eq!(honest(&prepared(&b)), Ok(()), "{scenarios} scenarios");
    }
}

#[test]
fn proof_round_trip_and_tampering() {
    use crate::keys::{self, KeyShape, Srs};
    use crate::proof::{prove, verify};
    let p = prepared(&demo_book());
    let srs = Srs::new(p.shape.k());
    let params = srs.params();
    let shape = KeyShape::Single(p.shape);
    let vk = keys::generate(params, shape, &p.statement.public).unwrap();
    // The key a verifier loads — the pinned part, the band table committed from the
    // statement — is `keygen_vk`'s, to the last byte of its pinned form.
    let bytes = keys::key_bytes(shape, &vk);
    let load = |public: &crate::statement::Public| {
        keys::load(&srs, shape, public, &bytes, &keys::digest(&bytes)).unwrap()
    };
    let loaded = load(&p.statement.public);
    assert_eq!(
        format!("{:?}", loaded.pinned()),
        format!("{:?}", vk.pinned())
    );
    let check = |vk: &halo2_proofs::plonk::VerifyingKey<_>, st: &Statement, proof: &[u8]| {
        verify(params, vk, &st.instance(), proof)
    };
    let proof = prove(params, &loaded, &p, rand::rng()).unwrap();
    assert!(check(&loaded, &p.statement, &proof).is_ok());
    assert!(check(&vk, &p.statement, &proof).is_ok());

    // Any change to the statement — metadata included, through the digest — is refused.
    let mut st = p.statement.clone();
    st.public.protocol.push('!');
    assert!(check(&loaded, &st, &proof).is_err());
    let mut st = p.statement.clone();
    st.previous = Some([1; 32]);
    assert!(check(&loaded, &st, &proof).is_err());
    let mut st = p.statement.clone();
    st.liabilities_root += Fp::ONE;
    assert!(check(&loaded, &st, &proof).is_err());
    // Another price or policy: the verifier's instance and band table are those of the
    // statement it is given, and the proof fails against them.
    let mut st = p.statement.clone();
    st.public.policy.haircuts_bps[0] += 1;
    assert!(check(&load(&st.public), &st, &proof).is_err());
    let mut st = p.statement.clone();
    st.public.assets[0].price += 1;
    assert!(check(&load(&st.public), &st, &proof).is_err());
    // Flipped proof bytes are refused.
    for i in [0, proof.len() / 2, proof.len() - 1] {
        let mut bad = proof.clone();
        bad[i] ^= 1;
        assert!(check(&loaded, &p.statement, &bad).is_err(), "byte {i}");
    }
    assert!(check(&loaded, &p.statement, &proof[..proof.len() - 1]).is_err());
    // So are bytes after the proof: one proof has one encoding.
    assert!(check(&loaded, &p.statement, &[&proof[..], &[0]].concat()).is_err());
}

#[test]
fn a_prover_with_its_own_band_table_is_refused() {
    use crate::keys::{self, KeyShape, Srs};
    use crate::proof::{prove_circuit, verify};
    let p = prepared(&demo_book());
    let shape = p.shape;
    let srs = Srs::new(shape.k());
    let public = &p.statement.public;
    let key_shape = KeyShape::Single(shape);
    let vk = keys::generate(srs.params(), key_shape, public).unwrap();
    let bytes = keys::key_bytes(key_shape, &vk);
    let honest = keys::load(&srs, key_shape, public, &bytes, &keys::digest(&bytes)).unwrap();
    // The last band row: another shocked price, then another in-the-money bit. No slot of
    // the demo uses that row, so the witness still satisfies every constraint and the proof
    // is valid under the prover's own key — but not under the verifier's.
    // Columns: 7 fields, then the `W` lanes' bits, then their prices.
    let price = 7 + crate::gadgets::positions::lanes_per_row(shape.lanes);
    let itm = 7;
    /// A change to one value of the band table.
    type Doctor = fn(Fp) -> Fp;
    let doctor: [(usize, Doctor); 2] = [(price, |v| v + Fp::ONE), (itm, |v| Fp::ONE - v)];
    for (column, change) in doctor {
        let (proof, own_vk) = crate::with_lanes!(shape, |L| {
            let mut circuit = SolvencyCircuit::<L>::new(public, shape, Some(p.witness.clone()));
            let last = circuit.table[column].last_mut().unwrap();
            *last = change(*last);
            let own_vk = halo2_proofs::plonk::keygen_vk(srs.params(), &circuit).unwrap();
            let instance = p.statement.instance();
            prove_circuit(srs.params(), &own_vk, circuit, &instance, rand::rng())
                .map(|proof| (proof, own_vk))
        })
        .unwrap();
        let instance = p.statement.instance();
        assert!(verify(srs.params(), &own_vk, &instance, &proof).is_ok());
        assert!(
            verify(srs.params(), &honest, &instance, &proof).is_err(),
            "column {column}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The circuit is satisfied exactly when the native model says solvent.
    #[test]
    fn circuit_agrees_with_the_model(b in arb_book()) {
        let p = prepared(&b);
        let solvent = evaluate(&b).solvent();
        let result = honest(&p);
        prop_assert_eq!(result.is_ok(), solvent, "{:?}", result);
    }
}

/// A book of `assets` assets: A0 an 18-decimal token proven to 9 decimals with the only
/// positions, A1 a USD stablecoin, the rest reserve-only, some at other decimals; reserves
/// of A1 given in base units, `short` of them below what covers the positions exactly
/// (0 for a solvent book).
fn wide_book(assets: usize, short: u64) -> Book {
    let declared: Vec<String> = (0..assets)
        .map(|i| match i {
            0 => r#"{"symbol": "A0", "decimals": 18, "precision": 9, "price": "2000", "price_timestamp": 100}"#.into(),
            1 => r#"{"symbol": "A1", "decimals": 6, "price": "1", "price_timestamp": 100}"#.into(),
            _ => format!(r#"{{"symbol": "A{i}", "decimals": {}, "price": "{i}", "price_timestamp": 100}}"#, i % 19),
        })
        .collect();
    // One call of 1.5 A0 struck at 1,000 USD, in the money by 1,000 USD in "base": owes
    // 1,500 USD, i.e. 1,500,000,000 base units of A1 at ratio 100 %.
    let json = format!(
        r#"{{
      "format": "solvency-snapshot/1", "protocol": "wide", "epoch": 1, "timestamp": 100,
      "assets": [{}],
      "reserves": [{{"asset": "A1", "base_units": "{}"}}],
      "positions": [
        {{"account": "a", "underlying": "A0", "kind": "call", "strike": "1000", "size_base_units": "1500000000000000000", "expiry": 1}}
      ],
      "policy": {{"collateral_ratio_bps": 10000, "max_oracle_age_s": 0,
        "scenarios": [{{"name": "base"}}, {{"name": "a0-down", "shocks_bps": {{"A0": -5000}}}}]}}
    }}"#,
        declared.join(","),
        1_500_000_000 - short
    );
    Book::from_json(json.as_bytes()).unwrap()
}

#[test]
fn wide_books_are_padded_to_their_width_and_hold_exactly() {
    for (assets, width) in [(9, 16), (17, 32), (crate::limits::MAX_ASSETS, 64)] {
        let solvent = wide_book(assets, 0);
        let p = prepared(&solvent);
        assert_eq!((p.shape.assets, p.witness.balances.len()), (width, width));
        assert_eq!(honest(&p), Ok(()), "{assets} assets");
        // One base unit of the stablecoin short: refused in the scenario that owes.
        let short = wide_book(assets, 1);
        assert!(!evaluate(&short).solvent());
        assert_range_failure(&honest(&prepared(&short)).unwrap_err());
    }
}

/// A padded asset's balance adds nothing: a prover that puts reserves there, and commits to
/// them, still fails the scenario it is short in.
#[test]
fn a_balance_in_a_padded_asset_adds_nothing() {
    let mut p = prepared(&wide_book(9, 1));
    let mut w = p.witness.clone();
    w.balances[15] = Fp::from(u64::MAX);
    // 16 balances and the blinding: the commitment of a 16-wide statement, opening to them.
    p.statement.reserve_commitment = hiding_commitment::<17>(&w.balances, w.blinding);
    assert_only_range_failure(&mock(&p, &p.statement, &w).unwrap_err());
}

/// No band has a padded asset's index, so a position cannot name one.
#[test]
fn a_position_on_a_padded_asset_is_refused() {
    let p = prepared(&wide_book(9, 0));
    let mut w = p.witness.clone();
    let s = &mut w.slots[p.slot_of[0]];
    s.underlying = Fp::from(12);
    let failures = mock(&p, &p.statement, &w).unwrap_err();
    assert!(failures.iter().any(is_band_lookup), "{failures:#?}");
}

/// A padded asset's public inputs (scale, haircut, prices: all 0) are bound like a declared
/// asset's: a verifier that put another number there would refuse the proof.
#[test]
fn a_padded_assets_public_inputs_are_bound() {
    use crate::statement::instance as at;
    let p = prepared(&wide_book(9, 0));
    let n_s = p.shape.lanes;
    for offset in [
        at::scale(15, n_s),
        at::haircut(9, n_s),
        at::shocked_price(12, 1, n_s),
    ] {
        let shape = p.shape;
        let mut inst = p.statement.instance();
        assert_eq!(inst[offset], Fp::ZERO);
        inst[offset] = Fp::ONE;
        let result = crate::with_lanes!(shape, |LANES| {
            let circuit =
                SolvencyCircuit::<LANES>::new(&p.statement.public, shape, Some(p.witness.clone()));
            MockProver::run(shape.k(), &circuit, vec![inst])
                .unwrap()
                .verify()
        });
        assert_permutation_failure(&result.unwrap_err());
    }
}
