//! What the contract keeps, under keys built from length-prefixed parts (so no two tuples share
//! a key): parameter pages, pinned keys, chain heads, epoch records and verified shards.
//!
//! Parameters are kept as the bytes the admin uploaded (compressed points, the format of
//! `Params::write`) in pages of [`PAGE`] bytes: CosmWasm refuses values above 128 KiB, and
//! reading the pages back costs less gas than the alternatives measured (docs/onchain.md).

use cosmwasm_std::{from_json, to_json_vec, Storage};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use solvency_circuits::statement::{field_bytes, Fp};

use crate::error::ContractError;

/// Bytes per stored page of a parameter file: the largest value CosmWasm stores (128 KiB).
pub const PAGE: usize = 128 * 1024;

/// A storage key: `tag`, then each part behind its `u16` big-endian length.
pub fn key(tag: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = tag.to_vec();
    for part in parts {
        out.extend_from_slice(&(part.len() as u16).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The key of page `page` of the parameters for `k`.
pub fn params_page(k: u32, page: u32) -> Vec<u8> {
    key(b"params-page", &[&k.to_be_bytes(), &page.to_be_bytes()])
}

/// The key of how many bytes of the parameters for `k` have been uploaded.
pub fn params_received(k: u32) -> Vec<u8> {
    key(b"params-received", &[&k.to_be_bytes()])
}

/// The key marking the parameters for `k` complete and checked against their pin.
pub fn params_ready(k: u32) -> Vec<u8> {
    key(b"params-ready", &[&k.to_be_bytes()])
}

/// The key of a pinned verifying key, by its shape's name.
pub fn verifying_key(name: &str) -> Vec<u8> {
    key(b"vk", &[name.as_bytes()])
}

/// The key of the head of `owner`'s chain for `protocol`.
pub fn chain_head(owner: &str, protocol: &str) -> Vec<u8> {
    key(b"head", &[owner.as_bytes(), protocol.as_bytes()])
}

/// The key of the record of `epoch` in `owner`'s chain for `protocol`.
pub fn epoch_record(owner: &str, protocol: &str, epoch: u64) -> Vec<u8> {
    key(
        b"epoch",
        &[owner.as_bytes(), protocol.as_bytes(), &epoch.to_be_bytes()],
    )
}

/// The set a verified shard belongs to, as its records are filed: the owner who had it
/// verified, the set's public data digest, the pinned digest of the shard circuit's key (which
/// fixes the shard depth) and the shard count. A record's key adds the shard's index, sub-root and sums
/// commitment: everything the shard proof binds.
pub struct ShardSet<'a> {
    /// The submitting address.
    pub owner: &'a str,
    /// `Public::digest` of the set's public data, as bytes.
    pub public_digest: [u8; 32],
    /// The pinned digest of the shard circuit's key, hex.
    pub shard_key: String,
    /// The number of shards of the set.
    pub count: usize,
}

impl ShardSet<'_> {
    /// The key of shard `index`'s record, with its `(sub-root, sums commitment)`; its value is
    /// a [`VerifiedShard`].
    pub fn record_key(&self, index: usize, (sub_root, sums): &(Fp, Fp)) -> Vec<u8> {
        key(
            b"shard",
            &[
                self.owner.as_bytes(),
                &self.public_digest,
                self.shard_key.as_bytes(),
                &(self.count as u64).to_be_bytes(),
                &(index as u64).to_be_bytes(),
                &field_bytes(sub_root),
                &field_bytes(sums),
            ],
        )
    }
}

/// What the contract keeps of a verified shard: which proof verified it and which shards that
/// proof covered, so that a set is accepted only with those very proof bytes at that place.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VerifiedShard {
    /// The block height it was verified at.
    pub height: u64,
    /// The first shard the proof covered.
    pub first: u64,
    /// How many consecutive shards the proof covered.
    pub shards: u64,
    /// [`solvency_verifier::file::proof_digest`] of the proof, hex.
    pub proof: String,
}

/// Reads a JSON value, if present.
pub fn load<T: DeserializeOwned>(
    storage: &dyn Storage,
    key: &[u8],
) -> Result<Option<T>, ContractError> {
    Ok(storage.get(key).map(|v| from_json(&v)).transpose()?)
}

/// Writes a JSON value.
pub fn save<T: Serialize>(
    storage: &mut dyn Storage,
    key: &[u8],
    value: &T,
) -> Result<(), ContractError> {
    storage.set(key, &to_json_vec(value)?);
    Ok(())
}
