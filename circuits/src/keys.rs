//! Verifying keys pinned per circuit shape, loaded instead of generated.
//!
//! A verifying key is the circuit's constraint system plus a commitment to each fixed column
//! and each permutation column. Everything in it depends on the circuit's shape only
//! ([`KeyShape`]: single proof, shard or top, with assets, lanes and depth), except the band
//! table ([`crate::bands`]), whose values are the statement's prices, scales and in-the-money
//! bits. So a key is stored as its *structural* part — every fixed commitment but the band
//! table's, and every permutation commitment — in a file whose BLAKE2b digest is pinned in
//! the verifier; the constraint system is rebuilt by the circuit's `configure` and a
//! synthesis that records selectors only (`vk_from_commitments`, the one addition of the
//! vendored `halo2_proofs`).
//!
//! For each statement the verifier commits to the band table's columns itself, from the
//! statement, exactly as it commits to an instance column: `Σ_i v_i · L_i` over the first
//! Lagrange-basis points of the IPA parameters ([`Srs`]). A prover that used another band
//! table made its proof against other commitments, and the proof fails. Computing those
//! commitments costs an MSM over the table's rows (at most [`band_rows`] of the shape), not
//! a key generation.
//!
//! Key file layout (`solvency-vk/2`), little-endian:
//!
//! ```text
//! magic "solvency-vk/2\0\0\0" (16 bytes)
//! kind u8 (0 single, 1 shard, 2 top), assets u8, lanes u8, depth u8, shard depth u8, k u8
//! fixed columns u16, then one 32-byte point per fixed column (the identity for band columns)
//! permutation columns u16, then one 32-byte point per permutation column
//! ```

use std::fmt;
use std::ops::Range;

use group::GroupEncoding;

use halo2_proofs::{
    dev::CircuitCost,
    plonk::{keygen_vk, vk_from_commitments, Circuit, Error, VerifyingKey},
    poly::commitment::Params,
};
use thiserror::Error;

use crate::bands::band_table;
use crate::circuit::{shard::ShardCircuit, top::TopCircuit, SolvencyCircuit};
use crate::gadgets::positions::table_columns;
use crate::limits::{ASSET_WIDTHS, LANE_WIDTHS, SHARD_DEPTH, SHARD_DEPTHS};
use crate::proof::Curve;
use crate::shapes::{Shape, TopShape};
use crate::srs::point;
use crate::statement::{Asset, Policy, Public, Scenario};
use crate::with_lanes;

pub use crate::srs::{params_len, Srs};

/// The first bytes of every key file.
pub const MAGIC: &[u8; 16] = b"solvency-vk/2\0\0\0";

/// Why a key was not loaded.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The shape is not one of [`KeyShape::pinned`].
    #[error("no key is pinned for the {0} circuit")]
    NotPinned(KeyShape),
    /// The key bytes are not a well-formed key of the expected shape.
    #[error("malformed key for the {shape} circuit: {why}")]
    Malformed {
        /// The shape the key was loaded for.
        shape: KeyShape,
        /// What is wrong.
        why: String,
    },
    /// The key bytes do not hash to the pinned digest.
    #[error("the key for the {shape} circuit does not match its pinned digest (got {got})")]
    Digest {
        /// The shape the key was loaded for.
        shape: KeyShape,
        /// The digest of the bytes given.
        got: String,
    },
    /// halo2 refused to rebuild the key.
    #[error("cannot rebuild the key for the {shape} circuit: {error}")]
    Rebuild {
        /// The shape the key was loaded for.
        shape: KeyShape,
        /// halo2's error.
        error: Error,
    },
}

/// A circuit shape with a pinned key: the unit of the pinned set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyShape {
    /// A book proven in one circuit.
    Single(Shape),
    /// One shard of a sharded book.
    Shard(Shape),
    /// The top circuit of a sharded book.
    Top(TopShape),
}

impl fmt::Display for KeyShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyShape::Single(s) => write!(f, "single-a{}-l{}-d{}", s.assets, s.lanes, s.depth),
            KeyShape::Shard(s) => write!(f, "shard-a{}-l{}-d{}", s.assets, s.lanes, s.depth),
            KeyShape::Top(t) => write!(
                f,
                "top-a{}-l{}-d{}-s{}",
                t.assets, t.lanes, t.depth, t.shard_depth
            ),
        }
    }
}

impl KeyShape {
    /// Every shape with a pinned key: single proofs of up to `2^SHARD_DEPTH` slots, shards of
    /// each depth of [`SHARD_DEPTHS`], and tops over up to `2^top_depth` shards of each, for
    /// each asset width and each lane width.
    pub fn pinned() -> Vec<KeyShape> {
        let mut all = Vec::new();
        for assets in ASSET_WIDTHS {
            for lanes in LANE_WIDTHS {
                let shape = |depth| Shape {
                    assets,
                    lanes,
                    depth,
                };
                all.extend((0..=SHARD_DEPTH).map(|d| KeyShape::Single(shape(d))));
                for (shard_depth, top_depth) in SHARD_DEPTHS {
                    all.push(KeyShape::Shard(shape(shard_depth)));
                    all.extend((1..=top_depth).map(|depth| {
                        KeyShape::Top(TopShape {
                            assets,
                            lanes,
                            depth,
                            shard_depth,
                        })
                    }));
                }
            }
        }
        all
    }

    /// Whether this shape is in the pinned set.
    pub fn is_pinned(&self) -> bool {
        match self {
            KeyShape::Single(s) => s.is_supported() && s.depth <= SHARD_DEPTH,
            KeyShape::Shard(s) => {
                s.is_supported() && SHARD_DEPTHS.iter().any(|&(d, _)| d == s.depth)
            }
            KeyShape::Top(t) => {
                t.is_supported()
                    && SHARD_DEPTHS
                        .iter()
                        .any(|&(d, top)| d == t.shard_depth && (1..=top).contains(&t.depth))
            }
        }
    }

    /// `log2` of the circuit's rows.
    pub fn k(&self) -> u32 {
        match self {
            KeyShape::Single(s) => s.k(),
            KeyShape::Shard(s) => s.shard_k(),
            KeyShape::Top(t) => t.k(),
        }
    }

    fn header(&self) -> [u8; 6] {
        let (kind, assets, lanes, depth, shard_depth) = match *self {
            KeyShape::Single(s) => (0, s.assets, s.lanes, s.depth, 0),
            KeyShape::Shard(s) => (1, s.assets, s.lanes, s.depth, 0),
            KeyShape::Top(t) => (2, t.assets, t.lanes, t.depth, t.shard_depth),
        };
        [
            kind,
            assets as u8,
            lanes as u8,
            depth as u8,
            shard_depth as u8,
            self.k() as u8,
        ]
    }

    /// The fixed columns whose commitments depend on the statement (the band table's).
    fn statement_columns(&self) -> Range<usize> {
        match self {
            KeyShape::Single(s) | KeyShape::Shard(s) => table_columns(s.lanes),
            KeyShape::Top(_) => 0..0,
        }
    }

    /// The shape's assets and scenario lanes: the size of the statements it proves.
    pub fn assets_lanes(&self) -> (usize, usize) {
        match *self {
            KeyShape::Single(s) | KeyShape::Shard(s) => (s.assets, s.lanes),
            KeyShape::Top(t) => (t.assets, t.lanes),
        }
    }

    /// Runs `f` on the circuit of this shape for `public`, without witnesses.
    fn with_circuit<T>(&self, public: &Public, f: impl CircuitFn<T>) -> T {
        match *self {
            KeyShape::Single(s) => {
                with_lanes!(s, |L| f.call(&SolvencyCircuit::<L>::new(public, s, None)))
            }
            KeyShape::Shard(s) => {
                with_lanes!(s, |L| f.call(&ShardCircuit::<L>::new(public, s, None)))
            }
            KeyShape::Top(t) => f.call(&TopCircuit::new(public, t, None)),
        }
    }
}

impl KeyShape {
    /// The length of this shape's proofs: what halo2 writes for its constraint system at its
    /// `k` ([`CircuitCost`]). It depends on the layout as well as on the circuit's code (how
    /// selectors combine into fixed columns), so it is measured per shape by a synthesis
    /// without witnesses, and pinned beside the key digests.
    pub fn proof_len(&self) -> ProofLen {
        struct Measure(u32);
        impl CircuitFn<ProofLen> for Measure {
            fn call<C: Circuit<crate::statement::Fp>>(self, circuit: &C) -> ProofLen {
                let cost = CircuitCost::<pasta_curves::vesta::Point, C>::measure(self.0, circuit);
                let one: usize = cost.proof_size(1).into();
                let two: usize = cost.proof_size(2).into();
                ProofLen {
                    first: one,
                    further: two - one,
                }
            }
        }
        self.with_circuit(&self.reference_public(), Measure(self.k()))
    }
}

/// The length in bytes of a shape's proofs: `first` for a proof of one circuit, `further` more
/// for each other circuit of the shape in the same proof (a pair of shards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofLen {
    /// Bytes of a proof of one circuit.
    pub first: usize,
    /// Bytes each further circuit in the same proof adds.
    pub further: usize,
}

impl ProofLen {
    /// Bytes of a proof of `circuits` circuits (at least one).
    pub fn of(&self, circuits: usize) -> usize {
        self.first + self.further * circuits.saturating_sub(1)
    }
}

/// The proof lengths of `shapes`, four bytes each in their order (`first`, then `further`, as
/// `u16` little-endian): `keys/proof-lens.bin`, compiled into the verifier.
pub fn proof_lens_bytes(shapes: &[KeyShape]) -> Vec<u8> {
    shapes
        .iter()
        .flat_map(|shape| {
            let len = shape.proof_len();
            let half = |v: usize| u16::try_from(v).expect("a proof is under 64 KiB");
            [
                half(len.first).to_le_bytes(),
                half(len.further).to_le_bytes(),
            ]
        })
        .flatten()
        .collect()
}

/// A computation over a circuit of any type (a closure cannot be generic).
trait CircuitFn<T> {
    fn call<C: Circuit<crate::statement::Fp>>(self, circuit: &C) -> T;
}

impl KeyShape {
    /// Public data of this shape's size with arbitrary numbers: what its pinned key is
    /// generated from, since nothing in the pinned part of a key depends on the numbers.
    pub fn reference_public(&self) -> Public {
        let (assets, lanes) = self.assets_lanes();
        reference_public(assets, lanes)
    }
}

/// Public data of `assets` assets and `lanes` scenarios with arbitrary numbers.
pub fn reference_public(assets: usize, lanes: usize) -> Public {
    Public {
        protocol: "reference".into(),
        epoch: 1,
        timestamp: 1_000,
        assets: (0..assets)
            .map(|i| Asset {
                symbol: format!("A{i}"),
                decimals: 6,
                precision: 6,
                price: 100_000_000 * (i as u64 + 1),
                price_timestamp: 1_000,
            })
            .collect(),
        policy: Policy {
            collateral_ratio_bps: 10_000,
            haircuts_bps: vec![0; assets],
            max_oracle_age_s: 60,
            scenarios: (0..lanes)
                .map(|s| Scenario {
                    name: format!("s{s}"),
                    shocks_bps: vec![100 * s as i64; assets],
                })
                .collect(),
        },
    }
}

/// Generates the key of `shape` for `public` with `keygen_vk` (what the prover does, and
/// what pinning and its tests compare against).
pub fn generate(
    params: &Params<Curve>,
    shape: KeyShape,
    public: &Public,
) -> Result<VerifyingKey<Curve>, Error> {
    struct Keygen<'a>(&'a Params<Curve>);
    impl CircuitFn<Result<VerifyingKey<Curve>, Error>> for Keygen<'_> {
        fn call<C: Circuit<crate::statement::Fp>>(
            self,
            circuit: &C,
        ) -> Result<VerifyingKey<Curve>, Error> {
            keygen_vk(self.0, circuit)
        }
    }
    shape.with_circuit(public, Keygen(params))
}

/// The pinned bytes of `vk`, a key of `shape`: its commitments, the band table's replaced by
/// the identity.
pub fn key_bytes(shape: KeyShape, vk: &VerifyingKey<Curve>) -> Vec<u8> {
    let band = shape.statement_columns();
    let fixed = vk.fixed_commitments();
    let permutation = vk.permutation_commitments();
    let mut out = Vec::with_capacity(16 + 6 + 4 + 32 * (fixed.len() + permutation.len()));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&shape.header());
    for (column, points) in [(Some(&band), fixed), (None, permutation)] {
        out.extend_from_slice(&(points.len() as u16).to_le_bytes());
        for (i, p) in points.iter().enumerate() {
            let p = match column {
                Some(band) if band.contains(&i) => Curve::default(),
                _ => *p,
            };
            out.extend_from_slice(p.to_bytes().as_ref());
        }
    }
    out
}

/// BLAKE2b-256 of a key's bytes, hex: what the verifier pins and a proof file records.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(digest_bytes(bytes))
}

/// BLAKE2b-256 of a key's bytes.
fn digest_bytes(bytes: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"solvency-vkey/2\0")
        .hash(bytes);
    let mut out = [0; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// The digest of the pinned part of `vk`, a key of `shape`: equal for every statement of
/// the shape.
pub fn pinned_digest(shape: KeyShape, vk: &VerifyingKey<Curve>) -> String {
    digest(&key_bytes(shape, vk))
}

/// Reads the commitments of a key file of `shape`.
fn parse(shape: KeyShape, bytes: &[u8]) -> Result<(Vec<Curve>, Vec<Curve>), KeyError> {
    let malformed = |why: &str| KeyError::Malformed {
        shape,
        why: why.to_string(),
    };
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| malformed("not a solvency-vk/2 key"))?;
    let rest = rest
        .strip_prefix(shape.header().as_slice())
        .ok_or_else(|| malformed("the key is for another circuit shape"))?;
    let mut rest = rest;
    let mut points = || -> Result<Vec<Curve>, KeyError> {
        let (count, tail) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| malformed("truncated"))?;
        let count = u16::from_le_bytes(*count) as usize;
        let (body, tail) = tail
            .split_at_checked(32 * count)
            .ok_or_else(|| malformed("truncated"))?;
        rest = tail;
        body.chunks_exact(32)
            .map(|b| point(b).ok_or_else(|| malformed("a commitment is not a curve point")))
            .collect()
    };
    let fixed = points()?;
    let permutation = points()?;
    if !rest.is_empty() {
        return Err(malformed("bytes after the last commitment"));
    }
    Ok((fixed, permutation))
}

/// Loads the key of `shape` for `public` from its pinned bytes: checks the bytes against
/// `pinned` (the digest the verifier pins for this shape) before reading them, commits to
/// `public`'s band table, and rebuilds the constraint system. No key generation.
pub fn load(
    srs: &Srs,
    shape: KeyShape,
    public: &Public,
    bytes: &[u8],
    pinned: &str,
) -> Result<VerifyingKey<Curve>, KeyError> {
    if !shape.is_pinned() {
        return Err(KeyError::NotPinned(shape));
    }
    let got = digest(bytes);
    if got != pinned {
        return Err(KeyError::Digest { shape, got });
    }
    let (mut fixed, permutation) = parse(shape, bytes)?;
    if srs.k() != shape.k() {
        return Err(KeyError::Malformed {
            shape,
            why: format!("parameters for k = {} given", srs.k()),
        });
    }
    let (assets, lanes) = shape.assets_lanes();
    if public.asset_width() != assets || public.lanes() != lanes {
        return Err(KeyError::Malformed {
            shape,
            why: "the statement has another number of assets or lanes".into(),
        });
    }
    let band = shape.statement_columns();
    if !band.is_empty() {
        let table = band_table(public, lanes);
        let slots = fixed.get_mut(band).ok_or_else(|| KeyError::Malformed {
            shape,
            why: "too few fixed columns".into(),
        })?;
        let commitments = srs
            .commit_columns(&table)
            .ok_or_else(|| KeyError::Malformed {
                shape,
                why: "the band table is taller than the parameters".into(),
            })?;
        for (slot, commitment) in slots.iter_mut().zip(commitments) {
            *slot = commitment;
        }
    }
    struct Rebuild {
        k: u32,
        fixed: Vec<Curve>,
        permutation: Vec<Curve>,
    }
    impl CircuitFn<Result<VerifyingKey<Curve>, Error>> for Rebuild {
        fn call<C: Circuit<crate::statement::Fp>>(
            self,
            circuit: &C,
        ) -> Result<VerifyingKey<Curve>, Error> {
            vk_from_commitments(self.k, circuit, self.fixed, self.permutation)
        }
    }
    shape
        .with_circuit(
            public,
            Rebuild {
                k: srs.k(),
                fixed,
                permutation,
            },
        )
        .map_err(|error| KeyError::Rebuild { shape, error })
}

/// Packs keys into one bundle: per key, `[u16 name length][name][u32 key length][key]`,
/// little-endian, names as [`KeyShape`]'s `Display`.
pub fn bundle(keys: &[(KeyShape, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (shape, key) in keys {
        let name = shape.to_string();
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key);
    }
    out
}

/// A bundle's keys in order, as `(name, key)`; `None` if the bundle is cut short. A key's
/// bytes are trusted only once they match the digest pinned for its name.
pub fn entries(mut bundle: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    while !bundle.is_empty() {
        let (len, rest) = bundle.split_first_chunk::<2>()?;
        let (name, rest) = rest.split_at_checked(u16::from_le_bytes(*len) as usize)?;
        let (len, rest) = rest.split_first_chunk::<4>()?;
        let (key, rest) = rest.split_at_checked(u32::from_le_bytes(*len) as usize)?;
        out.push((name, key));
        bundle = rest;
    }
    Some(out)
}

/// The key of `shape` in a bundle, if it holds one (a bundle cut short holds none).
pub fn find(bundle: &[u8], shape: KeyShape) -> Option<&[u8]> {
    let wanted = shape.to_string();
    entries(bundle)?
        .into_iter()
        .find_map(|(name, key)| (name == wanted.as_bytes()).then_some(key))
}

/// The pinned digests of `keys`, a line `name digest` per key: the reviewable pin list.
pub fn digests_text(keys: &[(KeyShape, Vec<u8>)]) -> String {
    keys.iter()
        .map(|(shape, key)| format!("{shape} {}\n", digest(key)))
        .collect()
}

/// The pinned digests of `keys` (every pinned shape's, in the order of
/// [`KeyShape::pinned`]), 32 bytes each and without names: the pin list as the verifier
/// compiles it in, a third of [`digests_text`]'s size.
pub fn digests_bytes(keys: &[(KeyShape, Vec<u8>)]) -> Vec<u8> {
    keys.iter().flat_map(|(_, key)| digest_bytes(key)).collect()
}
