//! A CosmWasm contract that keeps each protocol's chain of solvency epochs and verifies their
//! proofs in the contract.
//!
//! The admin stores the pinned IPA parameters and verifying keys once (each checked against
//! the digests compiled into the verifier library, so the admin cannot store others); every
//! proof is then verified against those, loaded from storage, never regenerated. An epoch is
//! accepted only if its statement names the digest of the chain's last accepted proof (the
//! first names none) and its epoch number is larger. Chains are kept per submitting address,
//! so nobody can occupy another submitter's protocol id.
//!
//! Proof sets are verified shard by shard ([`msg::ExecuteMsg::SubmitShard`]), each shard in its
//! own transaction, then the top proof ([`msg::ExecuteMsg::SubmitSet`]), accepted only when
//! every shard it names was verified here; or anchored unverified
//! ([`msg::ExecuteMsg::AnchorSet`]). `docs/onchain.md` has the gas each costs.

#![deny(missing_docs)]

pub mod contract;
pub mod error;
pub mod msg;
pub mod state;

pub use error::ContractError;
