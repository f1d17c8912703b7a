//! Why the contract refuses a message.

use cosmwasm_std::StdError;
use thiserror::Error;

/// Every refusal, with enough words for the submitter to fix the message.
#[derive(Debug, Error)]
pub enum ContractError {
    /// Storage or (de)serialisation failed in cosmwasm-std.
    #[error(transparent)]
    Std(#[from] StdError),
    /// Only the admin who instantiated the contract stores keys and parameters.
    #[error("only the admin may store keys and parameters")]
    Unauthorized,
    /// Parameters that are not the pinned ones, or not stored yet.
    #[error("parameters: {0}")]
    Params(String),
    /// A key that is not pinned, does not match its pin, or is not stored yet.
    #[error("key: {0}")]
    Key(String),
    /// The proof (or shard) is malformed or does not verify.
    #[error("proof: {0}")]
    Proof(String),
    /// The epoch does not extend its protocol's chain.
    #[error("chain: {0}")]
    Chain(String),
    /// A proof set names a shard that was not verified here.
    #[error(
        "shard {index} of the set was not verified on-chain (submit it with submit_shard first)"
    )]
    ShardMissing {
        /// The shard's index in its set.
        index: usize,
    },
    /// A proof set holds other proof bytes for a shard than those verified here.
    #[error(
        "shard {index} of the set was verified on-chain with another proof than the file's \
         shard proof {proof} (the set must hold the very proofs submitted with submit_shard)"
    )]
    ShardProofDiffers {
        /// The shard's index in its set.
        index: usize,
        /// The index of the file's proof that covers it.
        proof: usize,
    },
}
