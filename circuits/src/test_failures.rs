//! Assertions on `MockProver` failures shared by the chips' and circuits' tests.

use halo2_proofs::dev::VerifyFailure;

/// Asserts that some failure is a copy constraint (e.g. against the instance or a constant).
pub fn assert_permutation_failure(failures: &[VerifyFailure]) {
    assert!(
        failures
            .iter()
            .any(|f| matches!(f, VerifyFailure::Permutation { .. })),
        "expected a copy-constraint failure, got {failures:#?}"
    );
}
