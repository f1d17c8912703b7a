//! The contract's messages: JSON, as every CosmWasm contract's.

use cosmwasm_std::Binary;
use serde::{Deserialize, Serialize};

/// Instantiation: the sender becomes the admin who stores the pinned keys and parameters.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InstantiateMsg {}

/// What the contract does.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ExecuteMsg {
    /// Admin: the next bytes of the IPA parameter file for `k` (`verifier/params/params-k{k}.bin`),
    /// in order, in chunks that fit a transaction, each a whole number of 128 KiB pages but the
    /// last. When the file is complete it is checked
    /// against the digest pinned for `k` and kept; otherwise it is discarded.
    StoreParams {
        /// The parameters' `k`.
        k: u32,
        /// Where `chunk` starts in the file: the bytes stored so far, or 0 to start over.
        offset: u64,
        /// The next bytes of the file.
        chunk: Binary,
    },
    /// Admin: verifying keys, as a key bundle (`verifier/keys/keys.bin` or a part of it); each
    /// is kept only if its name is a pinned shape and its bytes hash to that shape's pin.
    StoreKeys {
        /// `[u16 LE name len][name][u32 LE key len][key]`, repeated.
        bundle: Binary,
    },
    /// A single-proof file (`solvency-proof/2`): verified here, then appended to the chain of
    /// its protocol kept under the sender's address.
    SubmitProof {
        /// The proof file's bytes.
        proof: Binary,
    },
    /// One proof of a proof set (of one or two consecutive shards): verified here and each of
    /// its shards recorded, so that the set's top proof can be accepted in a later
    /// transaction ([`ExecuteMsg::SubmitSet`]).
    SubmitShard {
        /// The shards' place in their set, their links and the proof (a JSON
        /// [`crate::contract::ShardMsg`]).
        shard: Binary,
    },
    /// A proof-set file (`solvency-proof-set/5`, or `/4`, `/3`) whose every shard proof is one
    /// the sender had verified with [`ExecuteMsg::SubmitShard`], at the same place (the same
    /// proof bytes, shard key, count, index, sub-root and sums): the top proof is verified here
    /// and the epoch appended, marked verified on-chain.
    SubmitSet {
        /// The proof-set file's bytes.
        proof: Binary,
    },
    /// A proof-set file appended to its chain without verifying its proofs here (its shards
    /// cost more gas than the chain allows): the file is parsed and checked against the pinned
    /// keys and the chain, and the epoch is marked not verified on-chain.
    AnchorSet {
        /// The proof-set file's bytes.
        proof: Binary,
    },
}

/// Read-only questions.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum QueryMsg {
    /// The head of a protocol's chain kept under `owner`.
    Chain {
        /// The address that submitted the chain's epochs.
        owner: String,
        /// The protocol id of the statements.
        protocol: String,
    },
    /// The record of one accepted epoch.
    Epoch {
        /// The address that submitted the chain's epochs.
        owner: String,
        /// The protocol id.
        protocol: String,
        /// The epoch number.
        epoch: u64,
    },
}

/// The head of a chain: what the next epoch must name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChainHead {
    /// The last accepted epoch.
    pub epoch: u64,
    /// Its snapshot time, unix seconds: the next epoch's must be later. (0 in heads stored
    /// before the contract kept it.)
    #[serde(default)]
    pub timestamp: u64,
    /// Digest of its proof file, hex: the next statement's `previous`.
    pub digest: String,
    /// How many epochs the chain holds.
    pub length: u64,
}

/// What the contract keeps of an accepted epoch: what a reader of the chain needs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EpochRecord {
    /// The epoch number.
    pub epoch: u64,
    /// Digest of the proof file, hex.
    pub digest: String,
    /// The `previous` it named (absent for the first epoch).
    pub previous: Option<String>,
    /// Snapshot time, unix seconds.
    pub timestamp: u64,
    /// `C_R`, hex.
    pub reserve_commitment: String,
    /// `R_L`, hex.
    pub liabilities_root: String,
    /// The proven collateral ratio, basis points.
    pub collateral_ratio_bps: u64,
    /// Number of shards (0 for a single proof).
    pub shards: u64,
    /// Whether every proof of the epoch was verified by this contract; `false` for an
    /// anchored proof set.
    pub verified_on_chain: bool,
    /// The block height it was accepted at.
    pub height: u64,
}
