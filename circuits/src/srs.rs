//! IPA parameters: read only when they hash to a digest pinned here, or generated.
//!
//! A verifier's parameters come from places it does not control — bytes compiled in, a cache
//! on disk, a host's fetch, a contract's storage — and halo2's `Params::read` trusts whatever
//! it is given. [`Srs::read`] is the one door: it refuses bytes that do not hash to the digest
//! pinned for their `k` ([`PARAMS`]), so every [`Srs`] holds parameters that are
//! `Params::new(k)`, and a caller's bytes can never make the verifier panic or accept a proof
//! under other generators.

use std::sync::{Arc, OnceLock};

use group::{Curve as _, GroupEncoding};
use halo2_proofs::{arithmetic::best_multiexp, poly::commitment::Params};

use crate::proof::Curve;
use crate::statement::Fp;

/// The length of parameters for `k` as `Params::write` writes them: `k`, then `g` and the
/// Lagrange basis (`2^k` compressed points each), then `w` and `u`.
pub const fn params_len(k: u32) -> usize {
    4 + 64 * (1usize << k) + 64
}

/// IPA parameters, and the Lagrange-basis points a verifier commits to a band table with.
///
/// Reading parameters is mostly point decompression: `2^(k+1)` square roots, 0.4–0.5 s on one
/// core at k = 15. Parameters known to be good (they hash to a pinned digest) can be read
/// [lazily](Srs::read): the blinding base at once, the table bases a statement's band table
/// needs when it is committed to ([`Srs::commit_columns`]), the rest on first use of
/// [`Srs::params`], so that a verifier loads its keys and checks a top proof while another
/// thread decompresses the shard parameters. Clones share one decompression.
#[derive(Clone, Debug)]
pub struct Srs {
    k: u32,
    /// The bytes `params` is read from, until it is.
    bytes: Arc<[u8]>,
    params: Arc<OnceLock<Params<Curve>>>,
    /// `w`, the blinding base.
    w: Curve,
}

impl Srs {
    /// Reads parameters as `Params::write` wrote them (`k`, `g`, `g_lagrange`, `w`, `u`),
    /// accepted only if they hash to the digest pinned for their `k` ([`PARAMS`]): the one way
    /// serialized parameters are trusted, so no caller's bytes reach halo2's reader unchecked.
    /// The blinding base is decoded now, a statement's table bases when it is committed to
    /// ([`Srs::commit_columns`]), the rest on first use of [`Srs::params`].
    pub fn read(bytes: &[u8]) -> std::io::Result<Self> {
        let k = header_k(bytes)?;
        let pin = pinned_params(k)
            .ok_or_else(|| invalid(&format!("no parameters are pinned for k = {k}")))?;
        if params_digest(bytes) != pin {
            return Err(invalid(&format!(
                "the parameters for k = {k} do not match their pinned digest"
            )));
        }
        Srs::layout(bytes.into())
    }

    /// Checks the length for the `k` in the header and decodes the blinding base.
    fn layout(bytes: Arc<[u8]>) -> std::io::Result<Self> {
        let k = header_k(&bytes)?;
        if bytes.len() != params_len(k) {
            return Err(invalid("parameters of the wrong length for their k"));
        }
        let at = 4 + 64 * (1usize << k);
        let w = point(&bytes[at..at + 32])
            .ok_or_else(|| invalid("parameters that are not curve points"))?;
        Ok(Srs {
            k,
            bytes,
            params: Arc::default(),
            w,
        })
    }

    /// `log2` of the number of generators.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The parameters as `Params::write` writes them (kept from reading or generating them).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The parameters, decompressed on first use when read with [`Srs::read`].
    pub fn params(&self) -> &Params<Curve> {
        self.params.get_or_init(|| {
            // Only pinned bytes (every pin is of `Params::new`'s output) or bytes written from
            // generated parameters get here, and both decode.
            Params::read(&mut &self.bytes[..])
                .expect("parameters that hash to a pinned digest decode (Srs::read)")
        })
    }

    /// Generates the parameters for `k` (slow: hash-to-curve of `2^k` points).
    pub fn new(k: u32) -> Self {
        let params = Params::new(k);
        let srs = Srs::layout(to_bytes(&params).into()).expect("fresh parameters lay out");
        srs.params.get_or_init(|| params);
        srs
    }

    /// For each column, `Σ_i values[i] · L_i + w`: the commitment halo2 makes to a fixed
    /// column holding `values` in its first rows and zeros below (its default blinding
    /// factor is 1). Decodes the Lagrange-basis points of the tallest column only, so a
    /// statement's cost grows with its band table, not with the largest one any shape has;
    /// `None` if a column is taller than the parameters.
    pub(crate) fn commit_columns(&self, columns: &[Vec<Fp>]) -> Option<Vec<Curve>> {
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        if rows > 1 << self.k {
            return None;
        }
        let at = 4 + 32 * (1usize << self.k);
        let bases = self.bytes[at..at + 32 * rows]
            .chunks_exact(32)
            .map(point)
            .collect::<Option<Vec<_>>>()?;
        let commit = |values: &Vec<Fp>| best_multiexp(values, &bases[..values.len()]) + self.w;
        Some(columns.iter().map(|v| commit(v).to_affine()).collect())
    }
}

/// Serializes parameters as `Params::write` does.
pub fn to_bytes(params: &Params<Curve>) -> Vec<u8> {
    let mut bytes = Vec::new();
    params.write(&mut bytes).expect("writing to a Vec");
    bytes
}

/// The `k` a parameter file's header names.
fn header_k(bytes: &[u8]) -> std::io::Result<u32> {
    bytes
        .first_chunk::<4>()
        .map(|k| u32::from_le_bytes(*k))
        .filter(|&k| k < 32)
        .ok_or_else(|| invalid("parameters without a valid k"))
}

fn invalid(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string())
}

/// The curve point of a 32-byte compressed encoding, if it is one.
pub(crate) fn point(bytes: &[u8]) -> Option<Curve> {
    let mut repr = <Curve as GroupEncoding>::Repr::default();
    repr.as_mut().copy_from_slice(bytes);
    Option::from(Curve::from_bytes(&repr))
}

/// BLAKE2b-256 of `Params::<vesta::Affine>::new(k)` as written by `Params::write`, per `k`;
/// produced by `solvency-verifier params --print-digests`. Every one is of `Params::new(k)`.
pub const PARAMS: &[(u32, &str)] = &[
    (
        4,
        "7ee93e9302ff373047ec1c7189c7549771ba8b6fd1c58b31cb0b2d58b5b46cc5",
    ),
    (
        5,
        "b3d8ca7bdd5d3ada17ca9c40d805e95bbbae1b695fa33caa234da7e36da18900",
    ),
    (
        6,
        "161e189cae860a1135afddd547ea409c32f837e79a2cdbc32d76afa1cffec314",
    ),
    (
        7,
        "93b56d33334e63facd84180409ed5bb09570054a325fbc6b14860ec818244112",
    ),
    (
        8,
        "5c122bcf21c0dc1d9f7efd689a651768f33fcb64cd8b2608c59fdd602c0cf634",
    ),
    (
        9,
        "bead50f1ebfb3d0ea5aace2d35c657f79dfe24aae4b47e6866ef906c4ad2ab70",
    ),
    (
        10,
        "a3ebfb3ca65042a7165d73d3ee655d8311aa70bd0cc31ef201526f9c56244d4f",
    ),
    (
        11,
        "c2df5328f6f77a434553905092eaeb555bb6717671e9f942d3a3f23bc02647cb",
    ),
    (
        12,
        "a894bf51657797fc8484d7813aed52a109a70c8dadb6c8493df2943803ec6116",
    ),
    (
        13,
        "0c5d7cb35125e0c507a0360a18b3a100ebb5bdff44c605f28c37b74d447f9381",
    ),
    (
        14,
        "11fe644b32946ba1df909e101903f2682c2119958ef35e6c4554ae994d797215",
    ),
    (
        15,
        "2e6a8e478301c6298a7f570e547abdb7d3c4be3e06a42735bd610e6e7bcb47a2",
    ),
    (
        16,
        "149ad010c98c7a5972b1b7c9c766ba2140c43c7eeb1270cbe372d95a43c9865a",
    ),
];

/// The pinned digest of the parameters for `k`, if any.
pub fn pinned_params(k: u32) -> Option<&'static str> {
    PARAMS.iter().find(|(pk, _)| *pk == k).map(|(_, d)| *d)
}

/// BLAKE2b-256 of serialized parameters, hex.
pub fn params_digest(bytes: &[u8]) -> String {
    hex::encode(
        blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"solvency-params1")
            .hash(bytes)
            .as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::Fp;
    use halo2_proofs::poly::{commitment::Blind, EvaluationDomain};

    #[test]
    fn table_commitment_is_halo2s_fixed_commitment() {
        let srs = Srs::new(6);
        let values: Vec<Fp> = (0..10u64).map(|v| Fp::from(v * 7 + 1)).collect();
        let domain = EvaluationDomain::<Fp>::new(1, 6);
        let mut poly = domain.empty_lagrange();
        poly[..][..values.len()].copy_from_slice(&values);
        let expected = srs
            .params()
            .commit_lagrange(&poly, Blind::default())
            .to_affine();
        let shorter = values[..3].to_vec();
        let mut poly = domain.empty_lagrange();
        poly[..][..3].copy_from_slice(&shorter);
        let expected_shorter = srs
            .params()
            .commit_lagrange(&poly, Blind::default())
            .to_affine();
        assert_eq!(
            srs.commit_columns(&[values, shorter]),
            Some(vec![expected, expected_shorter])
        );
        // A column taller than the parameters has no commitment.
        assert_eq!(srs.commit_columns(&[vec![Fp::from(1); 65]]), None);
    }

    #[test]
    fn only_pinned_parameters_are_read() {
        let bytes = to_bytes(Srs::new(6).params());
        assert_eq!(Srs::read(&bytes).unwrap().k(), 6);
        let mut changed = bytes.clone();
        changed[200] ^= 1;
        let err = Srs::read(&changed).unwrap_err().to_string();
        assert!(err.contains("pinned digest"), "{err}");
        // Not a point: refused by the digest before any decoding, so never a panic later.
        let mut garbage = bytes.clone();
        garbage[4..36].fill(0xff);
        assert!(Srs::read(&garbage).is_err());
        for short in [&bytes[..0], &bytes[..3], &bytes[..100]] {
            assert!(Srs::read(short).is_err());
        }
        let mut unpinned = bytes.clone();
        unpinned[..4].copy_from_slice(&3u32.to_le_bytes());
        let err = Srs::read(&unpinned).unwrap_err().to_string();
        assert!(err.contains("no parameters are pinned for k = 3"), "{err}");
    }
}
