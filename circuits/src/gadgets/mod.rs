//! The chips the solvency circuit is built from, each an instructions trait, a config and a
//! chip, with its tests beside it.

pub mod columns;
pub mod coverage;
pub mod hash;
pub mod poseidon;
pub mod positions;
pub mod range;
