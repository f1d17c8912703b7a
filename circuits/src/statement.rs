//! The public statement (`docs/formats.md`, "The statement") and its instance layout.
//!
//! [`Public`] is the data a protocol publishes about an epoch (assets, prices, policy);
//! [`Statement`] adds the commitments a proof binds to. Both serialize in the snapshot's own
//! spelling (decimal strings, symbols) and deserialize through the same validation, so a
//! verifier reading a proof file holds the statement to exactly the bounds the prover did.
//!
//! The verifier never takes derived values from a file: [`Statement::instance`] recomputes the
//! shocked prices and scale factors natively from the published prices and policy.

use std::collections::{BTreeMap, HashSet};

use ff::{FromUniformBytes, PrimeField};
use pasta_curves::pallas;
use serde::{Deserialize, Serialize};

use crate::encoding::{format_decimal, parse_decimal};
use crate::error::SnapshotError;
use crate::limits::{
    MAX_ASSETS, MAX_DECIMALS, MAX_HAIRCUT_BPS, MAX_NAME_BYTES, MAX_RATIO_BPS, MAX_SCENARIOS,
    MAX_SHOCK_BPS, MAX_TIMESTAMP, MIN_RATIO_BPS, MIN_SHOCK_BPS, PRICE_DECIMALS,
};

/// The field every circuit works over.
pub type Fp = pallas::Base;

/// Call or put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Pays `max(P - strike, 0)` per unit.
    Call,
    /// Pays `max(strike - P, 0)` per unit.
    Put,
}

impl Kind {
    /// The kind's bit in a leaf and in the circuit: call 0, put 1.
    pub fn bit(self) -> u64 {
        match self {
            Kind::Call => 0,
            Kind::Put => 1,
        }
    }

    /// Intrinsic value per unit at `price` for an option struck at `strike`.
    pub fn intrinsic(self, price: u64, strike: u64) -> u64 {
        match self {
            Kind::Call => price.saturating_sub(strike),
            Kind::Put => strike.saturating_sub(price),
        }
    }
}

/// A declared asset, with its oracle price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Ticker, unique in the statement.
    pub symbol: String,
    /// Base units per whole token are `10^decimals`: the token's decimals on its chain, in
    /// which a snapshot states amounts.
    pub decimals: u32,
    /// Decimal places of the amounts the proof holds (`≤ decimals`): reserves are rounded
    /// down and sizes up to `10^-precision` tokens (`docs/formats.md`, "Precision"), so an
    /// 18-decimal token's amounts fit 64 bits. Equal to `decimals` unless declared.
    pub precision: u32,
    /// Oracle price of one whole token, in 1e-8 USD.
    pub price: u64,
    /// When the oracle published `price`, unix seconds.
    pub price_timestamp: u64,
}

/// Which way an on-chain amount is rounded to its asset's proof precision: the way that can
/// only make a statement harder to prove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Reserves: the proof counts at most what is held.
    Down,
    /// Sizes: the proof counts at least what is owed.
    Up,
}

impl Asset {
    /// Base units per proof unit: `10^(decimals − precision)`.
    pub fn base_units_per_unit(&self) -> u128 {
        10u128.pow(self.decimals - self.precision)
    }

    /// `base_units` of this asset in proof units (`10^-precision` tokens), rounded as
    /// `rounding` says; `None` when that does not fit the 64 bits a proof holds.
    pub fn to_proof_units(&self, base_units: u128, rounding: Rounding) -> Option<u64> {
        let unit = self.base_units_per_unit();
        let units = match rounding {
            Rounding::Down => base_units / unit,
            Rounding::Up => base_units.div_ceil(unit),
        };
        u64::try_from(units).ok()
    }

    /// The largest precision (at most this asset's) at which `base_units` fits a proof, if
    /// any: what an error for an amount too large suggests.
    pub fn precision_fitting(&self, base_units: u128, rounding: Rounding) -> Option<u32> {
        (0..=self.precision).rev().find(|&precision| {
            let at = Asset {
                precision,
                ..self.clone()
            };
            at.to_proof_units(base_units, rounding).is_some()
        })
    }
}

/// A named stress scenario: a price shock per asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Name, unique in the policy.
    pub name: String,
    /// Shock of each asset in basis points (same order as the assets).
    pub shocks_bps: Vec<i64>,
}

/// The solvency policy the proof is held to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Required reserves per unit of liability, in basis points (≥ 10,000).
    pub collateral_ratio_bps: u64,
    /// Haircut of each asset in basis points (same order as the assets).
    pub haircuts_bps: Vec<u64>,
    /// Oldest oracle price accepted, in seconds before the snapshot time.
    pub max_oracle_age_s: u64,
    /// Every scenario the reserves must cover.
    pub scenarios: Vec<Scenario>,
}

/// The public data of one epoch: who, when, at which prices, under which policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPublic", into = "RawPublic")]
pub struct Public {
    /// Protocol id.
    pub protocol: String,
    /// Epoch number.
    pub epoch: u64,
    /// Snapshot time, unix seconds.
    pub timestamp: u64,
    /// Declared assets.
    pub assets: Vec<Asset>,
    /// The policy.
    pub policy: Policy,
}

/// The statement a proof proves: the public data plus the commitments it binds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Epoch data and policy.
    pub public: Public,
    /// `C_R`: Poseidon commitment to the reserve balances under a secret blinding.
    #[serde(with = "crate::encoding::field_hex")]
    pub reserve_commitment: Fp,
    /// `R_L`: root of the Poseidon Merkle tree over every position leaf.
    #[serde(with = "crate::encoding::field_hex")]
    pub liabilities_root: Fp,
    /// Digest of the previous epoch's proof, `None` for a chain's first proof.
    #[serde(with = "crate::encoding::opt_digest_hex")]
    pub previous: Option<[u8; 32]>,
}

impl Public {
    /// `D = max p[i]`, the largest proof precision.
    pub fn max_precision(&self) -> u32 {
        self.assets.iter().map(|a| a.precision).max().unwrap_or(0)
    }

    /// `10^(D - p[i])` for each asset.
    pub fn scale_factors(&self) -> Vec<u64> {
        let d = self.max_precision();
        self.assets
            .iter()
            .map(|a| scale_factor(d, a.precision))
            .collect()
    }

    /// The circuits' asset width for these assets ([`crate::limits::asset_width`]).
    pub fn asset_width(&self) -> usize {
        crate::limits::asset_width(self.assets.len()).expect("validated asset count")
    }

    /// The circuits' lane width for this policy ([`crate::limits::lane_width`]).
    pub fn lanes(&self) -> usize {
        crate::limits::lane_width(self.policy.scenarios.len()).expect("validated scenario count")
    }

    /// `P[i,s]`, indexed `[asset][scenario]`. Valid statements never overflow (checked).
    pub fn shocked_prices(&self) -> Vec<Vec<u64>> {
        self.assets
            .iter()
            .enumerate()
            .map(|(i, a)| {
                self.policy
                    .scenarios
                    .iter()
                    .map(|s| shocked_price(a.price, s.shocks_bps[i]).expect("checked on parse"))
                    .collect()
            })
            .collect()
    }

    /// Checks every snapshot rule (`docs/formats.md`) that concerns public data.
    pub fn check(&self) -> Result<(), SnapshotError> {
        check_time("timestamp".into(), self.timestamp)?;
        for a in &self.assets {
            check_time(
                format!("assets[{}].price_timestamp", a.symbol),
                a.price_timestamp,
            )?;
        }
        check_assets(&self.assets)?;
        check_text(|| "protocol".into(), &self.protocol, MAX_NAME_BYTES)?;
        let p = &self.policy;
        out_of_range(
            "policy.collateral_ratio_bps".into(),
            p.collateral_ratio_bps.into(),
            MIN_RATIO_BPS.into(),
            MAX_RATIO_BPS.into(),
        )?;
        assert_eq!(
            p.haircuts_bps.len(),
            self.assets.len(),
            "one haircut per asset"
        );
        for (a, &h) in self.assets.iter().zip(&p.haircuts_bps) {
            out_of_range(
                format!("policy.haircuts_bps.{}", a.symbol),
                h.into(),
                0,
                MAX_HAIRCUT_BPS.into(),
            )?;
        }
        non_empty("policy.scenarios".into(), p.scenarios.len())?;
        at_most("policy.scenarios", p.scenarios.len(), MAX_SCENARIOS)?;
        let mut names = HashSet::new();
        for (s, sc) in p.scenarios.iter().enumerate() {
            check_text(
                || format!("policy.scenarios[{s}].name"),
                &sc.name,
                MAX_NAME_BYTES,
            )?;
            if !names.insert(sc.name.as_str()) {
                return Err(SnapshotError::Duplicate {
                    field: format!("policy.scenarios[{s}].name"),
                    value: sc.name.clone(),
                });
            }
            assert_eq!(
                sc.shocks_bps.len(),
                self.assets.len(),
                "one shock per asset"
            );
            for (a, &shock) in self.assets.iter().zip(&sc.shocks_bps) {
                out_of_range(
                    format!("policy.scenarios[{s}].shocks_bps.{}", a.symbol),
                    shock.into(),
                    MIN_SHOCK_BPS.into(),
                    MAX_SHOCK_BPS.into(),
                )?;
                if shocked_price(a.price, shock).is_none() {
                    return Err(SnapshotError::ShockedPriceOverflow {
                        scenario: sc.name.clone(),
                        asset: a.symbol.clone(),
                    });
                }
            }
        }
        self.check_value_bound()?;
        for a in &self.assets {
            let fresh = self
                .timestamp
                .checked_sub(a.price_timestamp)
                .is_some_and(|age| age <= p.max_oracle_age_s);
            if !fresh {
                return Err(SnapshotError::StaleOracle {
                    asset: a.symbol.clone(),
                    price_timestamp: a.price_timestamp,
                    timestamp: self.timestamp,
                    max_age: p.max_oracle_age_s,
                });
            }
        }
        Ok(())
    }
}

impl Public {
    /// Refuses public data under which balances below `2^64` could be worth `2^205` or more in
    /// some scenario: the most a solvent difference may be for the coverage chip's limbs
    /// ([`crate::gadgets::coverage::LIMB_BOUND_BITS`]), so every accepted statement can be
    /// proven when it holds. Never refused with up to 8 assets; with more, only for prices
    /// near `2^64` units with 18 decimals of precision spread between assets.
    fn check_value_bound(&self) -> Result<(), SnapshotError> {
        let scale = self.scale_factors();
        let prices = self.shocked_prices();
        for (s, scenario) in self.policy.scenarios.iter().enumerate() {
            // Computed in the field, where it is exact: every term is below 2^202 and there
            // are at most 64, so the whole is below 2^208, far from the modulus (no bignum
            // code in the verifier and the contract).
            let worst: Fp = (0..self.assets.len())
                .map(|i| {
                    Fp::from(scale[i])
                        * Fp::from(prices[i][s])
                        * Fp::from(MAX_HAIRCUT_BPS - self.policy.haircuts_bps[i])
                        * Fp::from(u64::MAX)
                })
                .sum();
            if bit_length(&worst) > crate::gadgets::coverage::LIMB_BOUND_BITS {
                return Err(SnapshotError::ValueBound {
                    scenario: scenario.name.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Bits of a field element's canonical integer: `f < 2^bit_length(f)`.
fn bit_length(f: &Fp) -> u32 {
    let repr = f.to_repr();
    repr.iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| 8 * i as u32 + (8 - repr[i].leading_zeros()))
}

/// Refuses a time past [`MAX_TIMESTAMP`] (milliseconds, most often) in `field`.
pub fn check_time(field: String, value: u64) -> Result<(), SnapshotError> {
    if value > MAX_TIMESTAMP {
        return Err(SnapshotError::Time { field, value });
    }
    Ok(())
}

/// `floor(price * (10000 + shock) / 10000)`, or `None` if it does not fit in u64.
fn shocked_price(price: u64, shock_bps: i64) -> Option<u64> {
    let factor = u128::try_from(10_000 + i128::from(shock_bps)).ok()?;
    u64::try_from(u128::from(price) * factor / 10_000).ok()
}

/// `10^(max_precision - precision)`: brings an amount in an asset's proof units to the
/// finest proof unit of any asset.
fn scale_factor(max_precision: u32, precision: u32) -> u64 {
    10u64.pow(max_precision - precision)
}

/// A name or id that must be non-empty and at most `max` bytes long; `field` names it.
pub fn check_text(field: impl Fn() -> String, text: &str, max: usize) -> Result<(), SnapshotError> {
    if text.is_empty() {
        return Err(SnapshotError::Empty { field: field() });
    }
    if text.len() > max {
        return Err(SnapshotError::TooLong {
            field: field(),
            len: text.len(),
            max,
        });
    }
    Ok(())
}

fn out_of_range(field: String, value: i128, min: i128, max: i128) -> Result<(), SnapshotError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(SnapshotError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

fn at_most(field: &str, count: usize, max: usize) -> Result<(), SnapshotError> {
    if count > max {
        return Err(SnapshotError::TooMany {
            field: field.into(),
            count,
            max,
        });
    }
    Ok(())
}

fn non_empty(field: String, len: usize) -> Result<(), SnapshotError> {
    if len == 0 {
        return Err(SnapshotError::Empty { field });
    }
    Ok(())
}

/// The asset list's own rules; checked before anything refers to an asset by symbol.
fn check_assets(assets: &[Asset]) -> Result<(), SnapshotError> {
    non_empty("assets".into(), assets.len())?;
    at_most("assets", assets.len(), MAX_ASSETS)?;
    let mut symbols = HashSet::new();
    for (i, a) in assets.iter().enumerate() {
        check_text(|| format!("assets[{i}].symbol"), &a.symbol, MAX_NAME_BYTES)?;
        if !symbols.insert(a.symbol.as_str()) {
            return Err(SnapshotError::Duplicate {
                field: format!("assets[{i}].symbol"),
                value: a.symbol.clone(),
            });
        }
        out_of_range(
            format!("assets[{i}].decimals"),
            a.decimals.into(),
            0,
            MAX_DECIMALS.into(),
        )?;
        out_of_range(
            format!("assets[{i}].precision"),
            a.precision.into(),
            0,
            a.decimals.into(),
        )?;
    }
    Ok(())
}

/// Offsets of the public inputs in the circuit's single instance column.
///
/// `[digest, C_R, R_L, ratio, then per asset i: scale_i, haircut_i, P[i,0..L]]`, with the
/// policy's scenarios padded to the circuit's `L` lanes by price 0 and the assets to its
/// asset width by zeros (scale, haircut and prices 0).
pub mod instance {
    /// Digest of the whole [`super::Statement`]: binds every field, metadata included.
    pub const STATEMENT_DIGEST: usize = 0;
    /// The reserve commitment `C_R`.
    pub const RESERVE_COMMITMENT: usize = 1;
    /// The liabilities root `R_L`.
    pub const LIABILITIES_ROOT: usize = 2;
    /// The collateral ratio in basis points.
    pub const COLLATERAL_RATIO: usize = 3;
    /// First per-asset entry.
    const ASSETS: usize = 4;

    /// `10^(D - p[i])` of asset `i`.
    pub const fn scale(i: usize, lanes: usize) -> usize {
        ASSETS + i * (2 + lanes)
    }
    /// Haircut of asset `i`, in basis points.
    pub const fn haircut(i: usize, lanes: usize) -> usize {
        scale(i, lanes) + 1
    }
    /// Shocked price `P[i,s]` (0 for a padded lane).
    pub const fn shocked_price(i: usize, s: usize, lanes: usize) -> usize {
        scale(i, lanes) + 2 + s
    }
    /// Length of the instance column for `assets` × `lanes`.
    pub const fn len(assets: usize, lanes: usize) -> usize {
        scale(assets, lanes)
    }

    /// The top proof of a sharded book: after the single-proof layout, shard `i`'s sub-root
    /// (for every shard slot of the top's tree, empty ones included).
    pub const fn shard_root(i: usize, assets: usize, lanes: usize) -> usize {
        len(assets, lanes) + 2 * i
    }

    /// The top proof of a sharded book: shard `i`'s commitment to its lane sums.
    pub const fn shard_sums(i: usize, assets: usize, lanes: usize) -> usize {
        shard_root(i, assets, lanes) + 1
    }

    /// Offsets of a shard proof's instance.
    pub mod shard {
        /// Digest of the public data of the statement the shard belongs to
        /// ([`super::super::Public::digest`]).
        pub const STATEMENT_DIGEST: usize = 0;
        /// Root of the shard's subtree.
        pub const SUB_ROOT: usize = 1;
        /// Blinded commitment to the shard's per-lane liability sums.
        pub const SUMS: usize = 2;
        /// The shard's index in its proof set: its subtree's place in the book's tree.
        pub const INDEX: usize = 3;
        /// The number of shards of the proof set.
        pub const COUNT: usize = 4;
        /// Length of a shard's instance column.
        pub const LEN: usize = 5;
    }
}

/// BLAKE2b-512 of `value`'s canonical JSON under `personal`, as a field element.
fn json_digest(value: &impl Serialize, personal: &[u8; 16]) -> Fp {
    let json = serde_json::to_vec(value).expect("statement data serializes");
    let hash = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(personal)
        .hash(&json);
    Fp::from_uniform_bytes(hash.as_array())
}

impl Statement {
    /// A field element binding every byte of the statement's canonical JSON.
    pub fn digest(&self) -> Fp {
        json_digest(self, b"solvency-stmt/1\0")
    }

    /// The instance column, derived natively from the statement (see [`instance`]).
    pub fn instance(&self) -> Vec<Fp> {
        let p = &self.public;
        let n_s = p.lanes();
        let mut v = vec![Fp::zero(); instance::len(p.asset_width(), n_s)];
        v[instance::STATEMENT_DIGEST] = self.digest();
        v[instance::RESERVE_COMMITMENT] = self.reserve_commitment;
        v[instance::LIABILITIES_ROOT] = self.liabilities_root;
        v[instance::COLLATERAL_RATIO] = Fp::from(p.policy.collateral_ratio_bps);
        let prices = p.shocked_prices();
        for (i, scale) in p.scale_factors().into_iter().enumerate() {
            v[instance::scale(i, n_s)] = Fp::from(scale);
            v[instance::haircut(i, n_s)] = Fp::from(p.policy.haircuts_bps[i]);
            for (s, &price) in prices[i].iter().enumerate() {
                v[instance::shocked_price(i, s, n_s)] = Fp::from(price);
            }
        }
        v
    }
}

impl Public {
    /// A field element binding the public data (protocol, epoch, times, prices, policy) but
    /// not `C_R`, `R_L` or the previous proof: what a shard proof is bound to. A shard is then
    /// proven from its own positions, without the whole book's tree; the top proof binds the
    /// whole statement and the shards' sub-roots and sums.
    pub fn digest(&self) -> Fp {
        json_digest(self, b"solvency-shrd/1\0")
    }

    /// The instance of shard `index` of a set of `count` shards, with this sub-root and sums
    /// commitment. The index and count bind a shard proof to its place in its set, beyond
    /// what the top proof's links already fix: a proof is valid at one place only.
    pub fn shard_instance(&self, index: usize, count: usize, sub_root: Fp, sums: Fp) -> Vec<Fp> {
        let mut v = vec![Fp::zero(); instance::shard::LEN];
        v[instance::shard::STATEMENT_DIGEST] = self.digest();
        v[instance::shard::SUB_ROOT] = sub_root;
        v[instance::shard::SUMS] = sums;
        v[instance::shard::INDEX] = Fp::from(index as u64);
        v[instance::shard::COUNT] = Fp::from(count as u64);
        v
    }
}

impl Statement {
    /// What a `solvency-proof-set/5` top proof's first public input holds: every byte of the
    /// statement and the depth of the shards' subtrees. The top circuit never uses that depth
    /// (only the empty subtrees the verifier pads with do), so binding it here is what makes a
    /// top proof made over shards of 512 slots fail when relabelled as one over shards of
    /// 1,024 (the shard proofs' key is what fixes the depth: see `TopBinding`).
    pub fn top_digest(&self, shard_depth: u32) -> Fp {
        json_digest(&(self, shard_depth), b"solvency-top/1\0\0")
    }

    /// The instance of the top proof over shards `(sub_root, sums commitment)`, one pair per
    /// shard slot of the top's tree, with `digest` as its first input: callers pad and pick
    /// the digest through `TopShape::instance`.
    pub(crate) fn top_instance(&self, digest: Fp, shards: &[(Fp, Fp)]) -> Vec<Fp> {
        let mut v = self.instance();
        v[instance::STATEMENT_DIGEST] = digest;
        for &(root, sums) in shards {
            v.push(root);
            v.push(sums);
        }
        v
    }
}

/// The snapshot's spelling of the public data; the only way in and out of [`Public`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPublic {
    pub protocol: String,
    pub epoch: u64,
    pub timestamp: u64,
    pub assets: Vec<RawAsset>,
    pub policy: RawPolicy,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAsset {
    pub symbol: String,
    pub decimals: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u32>,
    pub price: String,
    pub price_timestamp: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub collateral_ratio_bps: i64,
    #[serde(
        default,
        deserialize_with = "crate::encoding::unique_keys::deserialize"
    )]
    pub haircuts_bps: BTreeMap<String, i64>,
    pub max_oracle_age_s: u64,
    pub scenarios: Vec<RawScenario>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: String,
    #[serde(
        default,
        deserialize_with = "crate::encoding::unique_keys::deserialize"
    )]
    pub shocks_bps: BTreeMap<String, i64>,
}

impl TryFrom<RawPublic> for Public {
    type Error = SnapshotError;

    fn try_from(raw: RawPublic) -> Result<Self, SnapshotError> {
        let assets = raw
            .assets
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                Ok(Asset {
                    price: parse_decimal(&format!("assets[{i}].price"), &a.price, PRICE_DECIMALS)?,
                    symbol: a.symbol,
                    decimals: a.decimals,
                    precision: a.precision.unwrap_or(a.decimals),
                    price_timestamp: a.price_timestamp,
                })
            })
            .collect::<Result<Vec<_>, SnapshotError>>()?;
        check_assets(&assets)?;
        let index = |field: String, symbol: &str| {
            assets
                .iter()
                .position(|a| a.symbol == symbol)
                .ok_or(SnapshotError::UnknownAsset {
                    field,
                    value: symbol.to_owned(),
                })
        };
        // Signed inputs are range-checked before they are narrowed; `check` does the rest.
        let non_negative = |field: String, v: i64, max: u64| {
            u64::try_from(v).map_err(|_| SnapshotError::OutOfRange {
                field,
                value: v.into(),
                min: 0,
                max: max.into(),
            })
        };
        let pol = raw.policy;
        let mut haircuts_bps = vec![0u64; assets.len()];
        for (symbol, h) in &pol.haircuts_bps {
            let field = format!("policy.haircuts_bps.{symbol}");
            let i = index(field.clone(), symbol)?;
            haircuts_bps[i] = non_negative(field, *h, MAX_HAIRCUT_BPS)?;
        }
        let mut scenarios = Vec::with_capacity(pol.scenarios.len());
        for (s, sc) in pol.scenarios.into_iter().enumerate() {
            let mut shocks_bps = vec![0i64; assets.len()];
            for (symbol, shock) in &sc.shocks_bps {
                shocks_bps[index(format!("policy.scenarios[{s}].shocks_bps.{symbol}"), symbol)?] =
                    *shock;
            }
            scenarios.push(Scenario {
                name: sc.name,
                shocks_bps,
            });
        }
        let public = Public {
            protocol: raw.protocol,
            epoch: raw.epoch,
            timestamp: raw.timestamp,
            assets,
            policy: Policy {
                collateral_ratio_bps: non_negative(
                    "policy.collateral_ratio_bps".into(),
                    pol.collateral_ratio_bps,
                    MAX_RATIO_BPS,
                )?,
                haircuts_bps,
                max_oracle_age_s: pol.max_oracle_age_s,
                scenarios,
            },
        };
        public.check()?;
        Ok(public)
    }
}

impl From<Public> for RawPublic {
    fn from(p: Public) -> Self {
        let symbol = |i: usize| p.assets[i].symbol.clone();
        RawPublic {
            protocol: p.protocol.clone(),
            epoch: p.epoch,
            timestamp: p.timestamp,
            assets: p
                .assets
                .iter()
                .map(|a| RawAsset {
                    symbol: a.symbol.clone(),
                    decimals: a.decimals,
                    // Written only when declared apart from the decimals, so a statement
                    // without it keeps its spelling and digest.
                    precision: (a.precision != a.decimals).then_some(a.precision),
                    price: format_decimal(a.price, PRICE_DECIMALS),
                    price_timestamp: a.price_timestamp,
                })
                .collect(),
            policy: RawPolicy {
                collateral_ratio_bps: p.policy.collateral_ratio_bps as i64,
                haircuts_bps: (0..p.assets.len())
                    .map(|i| (symbol(i), p.policy.haircuts_bps[i] as i64))
                    .collect(),
                max_oracle_age_s: p.policy.max_oracle_age_s,
                scenarios: p
                    .policy
                    .scenarios
                    .iter()
                    .map(|s| RawScenario {
                        name: s.name.clone(),
                        shocks_bps: (0..p.assets.len())
                            .map(|i| (symbol(i), s.shocks_bps[i]))
                            .collect(),
                    })
                    .collect(),
            },
        }
    }
}

/// Canonical little-endian bytes of a field element.
pub fn field_bytes(f: &Fp) -> [u8; 32] {
    f.to_repr()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_books::demo_book;

    fn statement() -> Statement {
        Statement {
            public: demo_book().public,
            reserve_commitment: Fp::from(7),
            liabilities_root: Fp::from(11),
            previous: None,
        }
    }

    #[test]
    fn the_value_bound_refuses_only_what_the_limbs_cannot_hold() {
        assert_eq!(bit_length(&Fp::zero()), 0);
        assert_eq!(bit_length(&Fp::from(1)), 1);
        assert_eq!(bit_length(&Fp::from(u64::MAX)), 64);
        assert_eq!(bit_length(&crate::commit::pow2(205)), 206);
        // 64 assets at the largest price, two precisions 18 apart: refused in "base".
        let mut p = statement().public;
        let asset = |i: usize, precision: u32| Asset {
            symbol: format!("A{i}"),
            decimals: 18,
            precision,
            price: u64::MAX / 2,
            price_timestamp: p.timestamp,
        };
        p.assets = (0..64)
            .map(|i| asset(i, if i == 0 { 18 } else { 0 }))
            .collect();
        p.policy.haircuts_bps = vec![0; 64];
        p.policy.scenarios = vec![Scenario {
            name: "base".into(),
            shocks_bps: vec![0; 64],
        }];
        assert_eq!(
            p.check(),
            Err(SnapshotError::ValueBound {
                scenario: "base".into()
            })
        );
        // The same at one precision: accepted, as is every statement of up to 8 assets.
        p.assets = (0..64).map(|i| asset(i, 9)).collect();
        assert_eq!(p.check(), Ok(()));
        p.assets = (0..8)
            .map(|i| asset(i, if i == 0 { 18 } else { 0 }))
            .collect();
        p.policy.haircuts_bps = vec![0; 8];
        p.policy.scenarios[0].shocks_bps = vec![0; 8];
        assert_eq!(p.check(), Ok(()));
    }

    #[test]
    fn statement_round_trips_through_json() {
        let st = statement();
        let json = serde_json::to_string(&st).unwrap();
        let back: Statement = serde_json::from_str(&json).unwrap();
        assert_eq!(back, st);
        assert_eq!(back.digest(), st.digest());
    }

    #[test]
    fn every_field_moves_the_digest() {
        let base = statement().digest();
        let edits: [fn(&mut Statement); 8] = [
            |s| s.public.protocol.push('x'),
            |s| s.public.epoch += 1,
            |s| s.public.timestamp += 1,
            |s| s.public.assets[0].price_timestamp += 1,
            |s| s.public.assets[1].symbol.push('x'),
            |s| s.public.policy.max_oracle_age_s += 1,
            |s| s.public.policy.scenarios[0].name.push('x'),
            |s| s.previous = Some([1; 32]),
        ];
        let shard_base = statement().public.digest();
        for (i, edit) in edits.iter().enumerate() {
            let mut st = statement();
            edit(&mut st);
            assert_ne!(st.digest(), base, "edit {i} left the digest unchanged");
            // The shard digest binds the public data: every edit but the previous proof's.
            if st.previous.is_none() {
                assert_ne!(st.public.digest(), shard_base, "edit {i}");
            }
        }
        // It does not bind the commitments, which a shard prover does not know.
        let mut st = statement();
        st.liabilities_root += Fp::one();
        st.reserve_commitment += Fp::one();
        assert_eq!(st.public.digest(), shard_base);
        assert_ne!(shard_base, base);
    }

    #[test]
    fn shocked_prices_floor() {
        assert_eq!(shocked_price(315_025_000_000, -3000), Some(220_517_500_000));
        assert_eq!(shocked_price(3, -5000), Some(1));
        assert_eq!(shocked_price(1, -9999), Some(0));
        assert_eq!(shocked_price(u64::MAX, 0), Some(u64::MAX));
        assert_eq!(shocked_price(u64::MAX, 1), None);
    }

    #[test]
    fn instance_layout_matches_offsets() {
        let st = statement();
        let inst = st.instance();
        // Three scenarios, padded to four lanes.
        let s = st.public.lanes();
        assert_eq!(s, 4);
        assert_eq!(inst.len(), instance::len(2, s));
        assert_eq!(inst[instance::RESERVE_COMMITMENT], Fp::from(7));
        assert_eq!(inst[instance::LIABILITIES_ROOT], Fp::from(11));
        assert_eq!(inst[instance::COLLATERAL_RATIO], Fp::from(12_000));
        assert_eq!(inst[instance::haircut(0, s)], Fp::from(1000));
        // eth-30: floor(3150.25 * 0.7) = 2205.175 USD.
        assert_eq!(
            inst[instance::shocked_price(0, 1, s)],
            Fp::from(220_517_500_000)
        );
        assert_eq!(inst[instance::scale(1, s)], Fp::from(1));
    }
}
