//! `solvency-inclusion/1`: one account's positions and their Merkle paths to `R_L`.
//!
//! With it, a holder checks offline that a valid proof counted their positions unchanged: each
//! leaf is recomputed from the position's fields and the account's salt, and its path must
//! lead to the root the proof's statement binds. The file reveals nothing of other accounts
//! beyond sibling hashes (salted Poseidon commitments) and the tree's size.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use solvency_circuits::{
    commit::{account_commitment, leaf, pack, root_from_path},
    encoding::{format_decimal, parse_decimal},
    limits::PRICE_DECIMALS,
    snapshot::Position,
    statement::{Fp, Kind, Public, Statement},
};
use thiserror::Error;

/// The format tag of inclusion files.
pub const INCLUSION_FORMAT: &str = "solvency-inclusion/1";

/// One position of the account, as the snapshot spelled it, with its place in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncludedPosition {
    /// Underlying asset symbol.
    pub underlying: String,
    /// `call` or `put`.
    pub kind: Kind,
    /// Strike in USD, decimal string.
    pub strike: String,
    /// Size in whole tokens of the underlying, decimal string.
    pub size: String,
    /// Expiry, unix seconds.
    pub expiry: u64,
    /// The leaf's slot in the tree.
    pub index: u64,
    /// Sibling hashes from the leaf up to the root, hex.
    #[serde(with = "crate::file::field_list")]
    pub path: Vec<Fp>,
}

impl IncludedPosition {
    /// The position in a holder's words, as the file spells it: `call ETH strike 2388.8 × 41,
    /// expiring 2026-03-27T08:00:00Z`.
    pub fn describe(&self) -> String {
        let kind = match self.kind {
            Kind::Call => "call",
            Kind::Put => "put",
        };
        format!(
            "{kind} {} strike {} × {}, expiring {}",
            self.underlying,
            self.strike,
            self.size,
            crate::report::time(self.expiry)
        )
    }
}

/// An inclusion file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionFile {
    /// Always [`INCLUSION_FORMAT`].
    pub format: String,
    /// Protocol id of the proof this belongs to.
    pub protocol: String,
    /// Epoch of the proof this belongs to.
    pub epoch: u64,
    /// The root the paths lead to.
    #[serde(with = "solvency_circuits::encoding::field_hex")]
    pub liabilities_root: Fp,
    /// The account id.
    pub account: String,
    /// The account's salt (secret to the account holder).
    #[serde(with = "solvency_circuits::encoding::field_hex")]
    pub salt: Fp,
    /// Every position of the account.
    pub positions: Vec<IncludedPosition>,
}

/// Why an inclusion file does not show the account's positions in the proof.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InclusionError {
    /// The bytes are not a well-formed inclusion file.
    #[error("malformed inclusion file: {0}")]
    Malformed(String),
    /// The file belongs to another protocol or epoch.
    #[error("inclusion file is for {protocol} epoch {epoch}, the proof for {proof_protocol} epoch {proof_epoch}")]
    OtherProof {
        /// The file's protocol.
        protocol: String,
        /// The file's epoch.
        epoch: u64,
        /// The proof's protocol.
        proof_protocol: String,
        /// The proof's epoch.
        proof_epoch: u64,
    },
    /// A position is not in the proven tree as stated: its index in the file, and the position
    /// in full with why.
    #[error("{1}")]
    NotIncluded(usize, String),
}

impl InclusionFile {
    /// Builds the file of `account`'s positions (`(slot, position)` pairs) from the tree.
    pub fn new(
        statement: &Statement,
        account: &str,
        salt: Fp,
        positions: &[(usize, &Position)],
        path: impl Fn(usize) -> Vec<Fp>,
    ) -> Self {
        let assets = &statement.public.assets;
        InclusionFile {
            format: INCLUSION_FORMAT.into(),
            protocol: statement.public.protocol.clone(),
            epoch: statement.public.epoch,
            liabilities_root: statement.liabilities_root,
            account: account.to_owned(),
            salt,
            positions: positions
                .iter()
                .map(|&(slot, p)| IncludedPosition {
                    underlying: assets[p.underlying].symbol.clone(),
                    kind: p.kind,
                    strike: format_decimal(p.strike, PRICE_DECIMALS),
                    size: format_decimal(p.size, assets[p.underlying].precision),
                    expiry: p.expiry,
                    index: slot as u64,
                    path: path(slot),
                })
                .collect(),
        }
    }

    /// Parses an inclusion file.
    pub fn parse(bytes: &[u8]) -> Result<Self, InclusionError> {
        crate::file::parse_tagged(bytes, INCLUSION_FORMAT, |f: &Self| &f.format)
            .map_err(InclusionError::Malformed)
    }

    /// Checks every position of the file against a proven statement whose tree has
    /// `2^depth` slots; returns the positions as counted. A file that names no position is
    /// refused: it would show nothing.
    pub fn check(
        &self,
        statement: &Statement,
        depth: u32,
    ) -> Result<Vec<Position>, InclusionError> {
        let p: &Public = &statement.public;
        if self.protocol != p.protocol || self.epoch != p.epoch {
            return Err(InclusionError::OtherProof {
                protocol: self.protocol.clone(),
                epoch: self.epoch,
                proof_protocol: p.protocol.clone(),
                proof_epoch: p.epoch,
            });
        }
        if self.liabilities_root != statement.liabilities_root {
            return Err(InclusionError::NotIncluded(
                0,
                "none of the file's positions can be in this proof: the file's root is not the \
                 proof's liabilities root"
                    .into(),
            ));
        }
        if self.positions.is_empty() {
            return Err(InclusionError::Malformed(
                "the file names no position, so it shows nothing (the prover writes a file \
                 only for an account with positions)"
                    .into(),
            ));
        }
        let commitment = account_commitment(&self.account, self.salt);
        let mut seen = HashSet::new();
        let mut counted = Vec::with_capacity(self.positions.len());
        for (i, ip) in self.positions.iter().enumerate() {
            let bad = |why: String| {
                InclusionError::NotIncluded(
                    i,
                    format!("your {} was NOT found in the proof: {why}", ip.describe()),
                )
            };
            let underlying = p
                .assets
                .iter()
                .position(|a| a.symbol == ip.underlying)
                .ok_or_else(|| bad(format!("{:?} is not an asset of the proof", ip.underlying)))?;
            let precision = p.assets[underlying].precision;
            let position = Position {
                account: self.account.clone(),
                underlying,
                kind: ip.kind,
                strike: parse_decimal("strike", &ip.strike, PRICE_DECIMALS)
                    .map_err(|e| bad(e.to_string()))?,
                size: parse_decimal("size", &ip.size, precision).map_err(|e| bad(e.to_string()))?,
                expiry: ip.expiry,
            };
            // The circuit counts a leaf of size 0 for nothing, and a snapshot never holds one:
            // listing it as included would tell a holder a position was counted when nothing
            // of it was.
            if position.size == 0 {
                return Err(bad(
                    "its size is 0: a position of size 0 counts for nothing in the proof, so \
                     it does not show that any position of the account was counted"
                        .into(),
                ));
            }
            // Each position must be its own leaf: two claims on one slot count once.
            if ip.index >= 1u64 << depth || !seen.insert(ip.index) {
                return Err(bad(format!(
                    "slot {} is out of range or repeated",
                    ip.index
                )));
            }
            if ip.path.len() != depth as usize {
                return Err(bad(format!(
                    "path has {} nodes, the tree has depth {depth}",
                    ip.path.len()
                )));
            }
            let root = root_from_path(
                leaf(commitment, pack(&position)),
                ip.index as usize,
                &ip.path,
            );
            if root != statement.liabilities_root {
                return Err(bad(
                    "its path does not lead to the proof's liabilities root".into(),
                ));
            }
            counted.push(position);
        }
        Ok(counted)
    }
}

/// Names the prover writes beside the inclusion files: an account id equal to one of them
/// takes the hashed form, so no account's file can collide with them.
pub const RESERVED_NAMES: [&str; 3] = ["index", "proof", "reserve-opening"];

/// A safe, collision-free file name for an account's inclusion file: the id itself when it is
/// 1–64 characters of `[a-z0-9_-]`, not starting with `x-` and not one of
/// [`RESERVED_NAMES`], else `x-` and 32 hex digits of its BLAKE2b hash. The two forms cannot
/// collide, case-insensitive file systems cannot merge two names, no id can reach outside the
/// directory, and none can take the name of the index or of a file staged beside them.
pub fn file_name(account: &str) -> String {
    let plain = (1..=64).contains(&account.len())
        && !account.starts_with("x-")
        && !RESERVED_NAMES.contains(&account)
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if plain {
        format!("{account}.json")
    } else {
        let h = blake2b_simd::Params::new()
            .hash_length(16)
            .personal(b"solvency-file/1\0")
            .hash(account.as_bytes());
        format!("x-{}.json", hex::encode(h.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(file_name("alice"), "alice.json");
        let hostile = [
            "index",
            "proof",
            "reserve-opening",
            "../../x",
            "Alice",
            "a/b",
            "",
            ".",
            "..",
            "x-abc",
            "a\0b",
            &"a".repeat(65),
        ];
        let mut names: Vec<String> = hostile.iter().map(|a| file_name(a)).collect();
        for n in &names {
            assert!(
                n.starts_with("x-") && !n.contains('/') && !n.contains(".."),
                "{n}"
            );
        }
        names.push(file_name("alice"));
        names.push(file_name("alice2"));
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
