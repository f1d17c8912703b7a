//! Sharded books: shard and top circuits, honest and cheating.

use ff::{Field, PrimeField};
use halo2_proofs::{
    dev::{MockProver, VerifyFailure},
    poly::commitment::Params,
};

use super::{shard::ShardCircuit, top::TopCircuit};
use crate::commit::{empty_root, MerkleTree};
use crate::keys::{self, KeyShape};
use crate::limits::SHARD_DEPTH;
use crate::model::evaluate;
use crate::proof::{
    prove_set_shards, prove_top, verify_batch, verify_set, verify_top, SHARDS_PER_PROOF,
};
use crate::shapes::{TopBinding, TopShape};
use crate::snapshot::{Book, Header, SnapshotError};
use crate::statement::Fp;
use crate::test_failures::assert_permutation_failure;
use crate::witness::{prepare_set, PreparedSet, Secrets, ShardPlan, TopWitness};

/// The demo book with `n` positions of various strikes, split into shards of 4 slots.
fn book(n: usize, size: &str) -> Book {
    let mut v: serde_json::Value =
        serde_json::from_slice(include_bytes!("../../../fixtures/demo/snapshot.json")).unwrap();
    v["positions"] = (0..n)
        .map(|i| {
            serde_json::json!({"account": format!("acct{}", i % 3), "underlying": "ETH",
                "kind": if i % 2 == 0 { "call" } else { "put" },
                "strike": format!("{}", 2000 + 250 * i), "size": size, "expiry": 1767000000u64})
        })
        .collect();
    Book::from_json(v.to_string().as_bytes()).unwrap()
}

fn set(b: &Book) -> PreparedSet<'_> {
    prepare_set(b, &Secrets::from_seed([9; 32]), None, 2)
}

fn mock_shard(set: &PreparedSet, i: usize) -> Result<(), Vec<VerifyFailure>> {
    let shape = set.plan.shard_shape;
    crate::with_lanes!(shape, |L| {
        let c = ShardCircuit::<L>::new(&set.statement.public, shape, Some(set.shard(i)));
        MockProver::run(shape.shard_k(), &c, vec![set.shard_instance(i)])
            .unwrap()
            .verify()
    })
}

fn mock_top(
    set: &PreparedSet,
    top: &TopWitness,
    links: &[(Fp, Fp)],
) -> Result<(), Vec<VerifyFailure>> {
    let c = TopCircuit::new(&set.statement.public, set.plan.top_shape, Some(top.clone()));
    MockProver::run(
        set.plan.top_shape.k(),
        &c,
        vec![set.plan.top_shape.instance(
            &set.statement,
            links,
            TopBinding::StatementAndShardDepth,
        )],
    )
    .unwrap()
    .verify()
}

#[test]
fn honest_shards_and_top_are_satisfied_and_the_tree_is_one_tree() {
    let b = book(10, "2");
    let s = set(&b);
    // 10 positions in shards of 4 slots: 3 shards, and an empty fourth subtree.
    assert_eq!(s.links.len(), 3);
    for i in 0..3 {
        assert_eq!(mock_shard(&s, i), Ok(()), "shard {i}");
    }
    assert_eq!(mock_top(&s, &s.top, &s.links), Ok(()));
    // R_L over the sub-roots and the empty subtree is the root of the book's whole tree.
    let mut roots: Vec<Fp> = s.links.iter().map(|l| l.0).collect();
    assert_eq!(s.tree.levels()[2][..3], roots[..]);
    roots.push(empty_root(2));
    assert_eq!(
        MerkleTree::new(2, &roots).root(),
        s.statement.liabilities_root
    );
    // Shard sums, times the ratio, add up to the model's liabilities in every scenario.
    let ev = evaluate(&b);
    let ratio = Fp::from(b.public.policy.collateral_ratio_bps);
    for (sc, outcome) in ev.scenarios.iter().enumerate() {
        let total: Fp = s.top.shards.iter().map(|(sums, _)| sums[sc]).sum();
        let model = Fp::from_str_vartime(&outcome.liabilities.to_string()).unwrap();
        assert_eq!(total * ratio, model, "scenario {sc}");
    }
}

#[test]
fn shards_streamed_alone_match_the_whole_set() {
    // A batch engine's task streams the snapshot and keeps only its shards' positions, without
    // the book's tree: same witnesses, same links, whatever range of shards it proves.
    let b = book(10, "2");
    let s = set(&b);
    let json = b.to_json();
    let header = Header::from_reader(json.as_bytes()).unwrap();
    let plan = ShardPlan::new(
        &header.public,
        header.positions,
        &Secrets::from_seed([9; 32]),
        2,
    );
    assert_eq!(plan.slot_of(), s.slot_of());
    for range in [0..1, 1..3, 2..3, 0..3, 1..9] {
        let alone = plan
            .read_shards(&header, json.as_bytes(), range.clone())
            .unwrap();
        assert_eq!(alone.len(), range.end.min(3) - range.start);
        for (i, shard) in range.zip(&alone) {
            assert_eq!(shard.link, s.links[i], "shard {i}");
            assert_eq!(shard.witness, s.shard(i), "shard {i}");
        }
    }
    assert!(plan
        .read_shards(&header, json.as_bytes(), 3..5)
        .unwrap()
        .is_empty());
    // A plan is for one book: the header of another is refused, not misread.
    let other = book(9, "2");
    let other_header = Header::from_reader(other.to_json().as_bytes()).unwrap();
    assert_eq!(
        plan.read_shards(&other_header, other.to_json().as_bytes(), 0..1)
            .err(),
        Some(SnapshotError::Changed {
            counted: 10,
            found: 9
        })
    );
}

proptest::proptest! {
    /// On random books split into shards of two slots, every range of shards a task may be
    /// given streams to the whole set's witnesses and links.
    #[test]
    fn streamed_shards_match_the_set_on_random_books(b in crate::test_books::arb_book()) {
        let secrets = Secrets::from_seed([3; 32]);
        let s = prepare_set(&b, &secrets, None, 1);
        let json = b.to_json();
        let header = Header::from_reader(json.as_bytes()).unwrap();
        let plan = ShardPlan::new(&header.public, header.positions, &secrets, 1);
        let shards = plan.shards;
        for first in 0..shards {
            for count in 1..=shards - first {
                let range = first..first + count;
                let alone = plan.read_shards(&header, json.as_bytes(), range.clone()).unwrap();
                for (i, shard) in range.zip(&alone) {
                    proptest::prop_assert_eq!(shard.link, s.links[i]);
                    proptest::prop_assert_eq!(&shard.witness, &s.shard(i));
                }
            }
        }
    }
}

/// `b` with `scenarios` scenarios, each shocking the first asset differently.
fn with_scenarios(mut b: Book, scenarios: usize) -> Book {
    let base = b.public.policy.scenarios[0].clone();
    b.public.policy.scenarios = (0..scenarios)
        .map(|s| {
            let mut sc = base.clone();
            sc.name = format!("s{s}");
            sc.shocks_bps[0] = 100 * s as i64 - 500;
            sc
        })
        .collect();
    b
}

#[test]
fn sums_commitments_of_every_lane_width_open_in_the_top() {
    // Shards commit to `lanes` sums (4, 9 or 16 words plus the blinding); the top opens them.
    for scenarios in [3usize, 9, 16] {
        let b = with_scenarios(book(10, "2"), scenarios);
        let s = set(&b);
        assert_eq!(s.plan.top_shape.lanes, s.plan.shard_shape.lanes);
        for i in 0..s.links.len() {
            assert_eq!(
                mock_shard(&s, i),
                Ok(()),
                "{scenarios} scenarios, shard {i}"
            );
        }
        assert_eq!(
            mock_top(&s, &s.top, &s.links),
            Ok(()),
            "{scenarios} scenarios"
        );
    }
}

#[test]
fn the_tallest_shard_fits_in_k_15() {
    // 1,024 slots and 16 scenario lanes: the most rows a shard lays out (`Shape::rows`
    // counts 31,957 of 32,768); the layout must fit where the shape says.
    let b = with_scenarios(book(1000, "2"), 16);
    let s = prepare_set(&b, &Secrets::from_seed([9; 32]), None, SHARD_DEPTH);
    assert_eq!(s.plan.shard_shape.shard_k(), 15);
    assert_eq!(mock_shard(&s, 0), Ok(()));
}

#[test]
fn understated_shard_sums_do_not_open_the_commitment() {
    let b = book(10, "2");
    let s = set(&b);
    let mut top = s.top.clone();
    let shard = top
        .shards
        .iter()
        .position(|(sums, _)| sums[2] != Fp::ZERO)
        .unwrap();
    top.shards[shard].0[2] -= Fp::ONE;
    assert_permutation_failure(&mock_top(&s, &top, &s.links).unwrap_err());
}

#[test]
fn a_foreign_sub_root_breaks_the_liabilities_root() {
    let b = book(10, "2");
    let s = set(&b);
    let mut links = s.links.clone();
    links[1].0 += Fp::ONE;
    assert!(mock_top(&s, &s.top, &links).is_err());
    // Swapping two shards' links reorders the tree: refused too.
    let mut links = s.links.clone();
    links.swap(0, 1);
    let mut top = s.top.clone();
    top.shards.swap(0, 1);
    assert!(mock_top(&s, &top, &links).is_err());
}

#[test]
fn a_position_in_the_empty_subtree_breaks_the_liabilities_root() {
    // A prover hiding a position past the last shard (in the tree, in no shard's sums) must
    // publish a root the top circuit does not compute: it uses the empty subtree's constant.
    let b = book(10, "2");
    let s = set(&b);
    let mut leaves = s.tree.levels()[0].clone();
    leaves[13] = s.tree.levels()[0][s.slot_of()[0]];
    let mut cheat = s.clone();
    cheat.statement.liabilities_root = MerkleTree::new(4, &leaves).root();
    assert_ne!(
        cheat.statement.liabilities_root,
        s.statement.liabilities_root
    );
    let failures = mock_top(&cheat, &cheat.top, &cheat.links).unwrap_err();
    assert!(
        failures
            .iter()
            .all(|f| matches!(f, VerifyFailure::Permutation { .. })),
        "only the root's copy to the instance fails: {failures:#?}"
    );
}

#[test]
fn insolvent_sharded_book_fails_the_top() {
    let b = book(10, "3000");
    assert!(!evaluate(&b).solvent());
    let s = set(&b);
    for i in 0..s.links.len() {
        assert_eq!(mock_shard(&s, i), Ok(()));
    }
    let failures = mock_top(&s, &s.top, &s.links).unwrap_err();
    assert!(
        failures.iter().all(|f| matches!(
            f,
            VerifyFailure::Lookup { .. } | VerifyFailure::ConstraintNotSatisfied { .. }
        )),
        "only the coverage range checks fail: {failures:#?}"
    );
}

#[test]
fn proof_set_round_trip_with_batch_verification() {
    let b = book(10, "2");
    let s = set(&b);
    let shard_params = Params::new(s.plan.shard_shape.shard_k());
    let top_params = Params::new(s.plan.top_shape.k());
    let public = &s.statement.public;
    let shard_shape = KeyShape::Shard(s.plan.shard_shape);
    let shard_vk = keys::generate(&shard_params, shard_shape, public).unwrap();
    let top_vk = keys::generate(&top_params, KeyShape::Top(s.plan.top_shape), public).unwrap();
    let proofs = prove_set_shards(&shard_params, &shard_vk, &s, rand::rng(), |_| ()).unwrap();
    let top = prove_top(&top_params, &top_vk, &s, rand::rng()).unwrap();
    let digest = keys::pinned_digest(shard_shape, &shard_vk);
    let check_grouped = |links: &[(Fp, Fp)], proofs: &[Vec<u8>], per_proof, top: &[u8]| {
        verify_set(
            &shard_params,
            &shard_vk,
            digest.as_bytes(),
            &top_params,
            &top_vk,
            s.plan.top_shape,
            &s.statement,
            links,
            proofs,
            per_proof,
            top,
        )
    };
    let check = |links: &[(Fp, Fp)], proofs: &[Vec<u8>], top: &[u8]| {
        check_grouped(links, proofs, SHARDS_PER_PROOF, top)
    };
    // Three shards: a proof of shards 0 and 1, then a proof of shard 2.
    assert_eq!((s.links.len(), proofs.len()), (3, 2));
    assert!(check(&s.links, &proofs, &top).is_ok());
    let mut links = s.links.clone();
    links.swap(1, 2);
    assert!(check(&links, &proofs, &top).is_err());
    let mut links = s.links.clone();
    links.swap(0, 1);
    assert!(
        check(&links, &proofs, &top).is_err(),
        "shards swapped inside a proof"
    );
    let mut bad = proofs.clone();
    bad[1][100] ^= 1;
    assert!(check(&s.links, &bad, &top).is_err());
    assert!(check(&s.links, &proofs[..1], &top).is_err());
    // The pair's proof read as proofs of one shard each: the count of proofs is wrong.
    assert!(check_grouped(&s.links, &proofs, 1, &top).is_err());
    // One bad shard proof among good ones fails the whole batch, whichever it is.
    for i in 0..proofs.len() {
        let mut bad = proofs.clone();
        let last = bad[i].len() - 1;
        bad[i][last] ^= 1;
        assert!(check(&s.links, &bad, &top).is_err(), "proof {i}");
    }
    // A byte appended to one proof is refused too.
    let mut longer = proofs.clone();
    longer[1].push(0);
    assert!(check(&s.links, &longer, &top).is_err());
    // The proofs in another order (each valid, but for other shards) are refused.
    let mut swapped = proofs.clone();
    swapped.swap(0, 1);
    assert!(check(&s.links, &swapped, &top).is_err());
    // Claiming fewer shards than the top proved: the missing one becomes an empty shard in
    // the top's instance, and the top proof fails although the pair's proof holds.
    assert!(check(&s.links[..2], &proofs[..1], &top).is_err());
    // A proof is bound to its shards' indices and its set's shard count: with their own
    // sub-roots and sums but at other places, in a set of another size, or with a shard
    // left out, it is refused.
    let n = s.links.len();
    let at = |places: &[(usize, usize)], count| {
        let instances = places
            .iter()
            .map(|&(link, index)| {
                let (root, sums) = s.links[link];
                public.shard_instance(index, count, root, sums)
            })
            .collect();
        verify_batch(
            &shard_params,
            &shard_vk,
            digest.as_bytes(),
            &[(instances, &proofs[0][..])],
        )
    };
    assert!(at(&[(0, 0), (1, 1)], n).is_ok());
    assert!(at(&[(0, 1), (1, 0)], n).is_err());
    assert!(at(&[(0, 1), (1, 2)], n).is_err());
    assert!(at(&[(0, 0), (1, 1)], n + 1).is_err());
    assert!(at(&[(0, 0)], n).is_err());
}

/// The top circuit never uses the shard depth, so tops over shards of two depths share one key
/// (but its header); a top proof is bound to its shard depth through its first public input
/// ([`TopBinding::StatementAndShardDepth`]), so relabelling the depth fails the top proof
/// itself — here with four shards filling the top, where no padded empty subtree (whose root
/// depends on the depth) would catch it. Issue 26, finding 2.
#[test]
fn a_top_proof_is_bound_to_its_shard_depth() {
    let b = book(16, "2");
    let s = set(&b);
    let shape = s.plan.top_shape;
    assert_eq!((s.links.len(), shape.slots()), (4, 4));
    let relabelled = TopShape {
        shard_depth: shape.shard_depth + 1,
        ..shape
    };
    let params = Params::new(shape.k());
    let public = &s.statement.public;
    let vk = keys::generate(&params, KeyShape::Top(shape), public).unwrap();
    let other_vk = keys::generate(&params, KeyShape::Top(relabelled), public).unwrap();
    assert_eq!(
        format!("{:?}", vk.pinned()),
        format!("{:?}", other_vk.pinned())
    );
    let top = prove_top(&params, &vk, &s, rand::rng()).unwrap();
    let check =
        |shape, binding| verify_top(&params, &vk, shape, binding, &s.statement, &s.links, &top);
    assert!(check(shape, TopBinding::StatementAndShardDepth).is_ok());
    assert!(check(relabelled, TopBinding::StatementAndShardDepth).is_err());
    // Read as a file written before the binding (statement only), it fails too.
    assert!(check(shape, TopBinding::Statement).is_err());
}
