//! Epoch chains: a series of verified proofs of one protocol, each naming its predecessor's
//! digest as `previous`.

use thiserror::Error;

use crate::Verified;

/// Why a series of proofs is not a chain. Epochs and digests name the proofs involved.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ChainError {
    /// No proofs at all.
    #[error("no proofs to chain")]
    Empty,
    /// A proof of another protocol is in the series.
    #[error("epoch {epoch} is a proof of {found:?}, the chain is of {expected:?}")]
    OtherProtocol {
        /// The odd proof's epoch.
        epoch: u64,
        /// Its protocol.
        found: String,
        /// The chain's protocol.
        expected: String,
    },
    /// Two proofs of one epoch.
    #[error("fork: two proofs of epoch {epoch} (digests {a} and {b})")]
    Fork {
        /// The epoch.
        epoch: u64,
        /// One proof's digest.
        a: String,
        /// The other's.
        b: String,
    },
    /// A proof's snapshot is not later than its predecessor's.
    #[error(
        "epoch {epoch} has snapshot time {timestamp}, not after epoch {predecessor}'s {predecessor_timestamp}: time must move forward along a chain"
    )]
    TimeBackwards {
        /// The later epoch.
        epoch: u64,
        /// Its snapshot time.
        timestamp: u64,
        /// The epoch before it.
        predecessor: u64,
        /// That epoch's snapshot time.
        predecessor_timestamp: u64,
    },
    /// A proof does not name its predecessor.
    #[error("epoch {epoch} does not follow epoch {predecessor} (digest {predecessor_digest}): it names {names}")]
    Broken {
        /// The proof that breaks the chain.
        epoch: u64,
        /// The epoch before it in the series.
        predecessor: u64,
        /// The predecessor's digest.
        predecessor_digest: String,
        /// What it names instead: no previous, another epoch of the series, or a proof
        /// missing from the series.
        names: String,
    },
}

/// One step of a checked chain.
#[derive(Clone, Debug)]
pub struct Step {
    /// The proof's epoch.
    pub epoch: u64,
    /// Its snapshot time.
    pub timestamp: u64,
    /// Its digest.
    pub digest: [u8; 32],
    /// The digest it names as previous.
    pub previous: Option<[u8; 32]>,
    /// Seconds since the step before it in the series (none for the first).
    pub since_previous: Option<u64>,
    /// Epoch numbers skipped since the step before it (`7` then `9`: one), which the chain
    /// allows but a reader should see.
    pub skipped_epochs: u64,
}

/// Checks that `proofs` (any order) form one chain: one protocol, strictly increasing
/// epochs and snapshot times, each naming the digest of the one before. The first may name a
/// proof outside the series (the chain's earlier history). Returns the steps in epoch order,
/// with the time and the epoch numbers between each and the one before.
pub fn check(mut proofs: Vec<Verified>) -> Result<Vec<Step>, ChainError> {
    proofs.sort_by_key(|v| v.statement.public.epoch);
    let first = proofs.first().ok_or(ChainError::Empty)?;
    let protocol = first.statement.public.protocol.clone();
    let digests: Vec<(u64, [u8; 32])> = proofs
        .iter()
        .map(|v| (v.statement.public.epoch, v.digest))
        .collect();
    for v in &proofs {
        if v.statement.public.protocol != protocol {
            return Err(ChainError::OtherProtocol {
                epoch: v.statement.public.epoch,
                found: v.statement.public.protocol.clone(),
                expected: protocol,
            });
        }
    }
    for w in proofs.windows(2) {
        let (before, after) = (&w[0], &w[1]);
        let (e0, e1) = (before.statement.public.epoch, after.statement.public.epoch);
        if e0 == e1 {
            return Err(ChainError::Fork {
                epoch: e1,
                a: hex::encode(before.digest),
                b: hex::encode(after.digest),
            });
        }
        let (t0, t1) = (
            before.statement.public.timestamp,
            after.statement.public.timestamp,
        );
        if t1 <= t0 {
            return Err(ChainError::TimeBackwards {
                epoch: e1,
                timestamp: t1,
                predecessor: e0,
                predecessor_timestamp: t0,
            });
        }
        if after.statement.previous != Some(before.digest) {
            let names = match after.statement.previous {
                None => "no previous proof (a chain's first)".to_owned(),
                Some(d) => match digests.iter().find(|(_, x)| *x == d) {
                    Some((e, _)) => format!("epoch {e} of this series (reordered or forked)"),
                    None => format!("{}, a proof not in this series (gap)", hex::encode(d)),
                },
            };
            return Err(ChainError::Broken {
                epoch: e1,
                predecessor: e0,
                predecessor_digest: hex::encode(before.digest),
                names,
            });
        }
    }
    Ok(proofs
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let p = &v.statement.public;
            let before = i.checked_sub(1).map(|j| &proofs[j].statement.public);
            Step {
                epoch: p.epoch,
                timestamp: p.timestamp,
                digest: v.digest,
                previous: v.statement.previous,
                since_previous: before.map(|b| p.timestamp - b.timestamp),
                skipped_epochs: before.map_or(0, |b| p.epoch - b.epoch - 1),
            }
        })
        .collect())
}
