//! Advice columns that chips share: a chip lays its region in rows another chip leaves free.
//!
//! Each advice column is a commitment in every proof, and each rotation at which some gate
//! reads it is an evaluation; an equality-enabled column is also an evaluation and a share of
//! the permutation argument. A column that another chip already reads at the rotations a chip
//! needs, and links if it needs links, therefore costs that chip nothing in the proof: only
//! rows, which the hash lanes of a shard leave free (`docs/performance.md`).

use halo2_proofs::plonk::{Advice, Column, ConstraintSystem};

use crate::statement::Fp;

/// How a column is read and whether it is equality-enabled: what its owner already pays for,
/// or what a chip asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads {
    /// Read at the previous row as well.
    pub prev: bool,
    /// Read at the next row as well as the current one.
    pub next: bool,
    /// Equality-enabled.
    pub equality: bool,
}

impl Reads {
    /// Read at the current row only.
    pub const CUR: Reads = Reads {
        prev: false,
        next: false,
        equality: false,
    };
    /// Read at the current and next rows.
    pub const NEXT: Reads = Reads {
        prev: false,
        next: true,
        equality: false,
    };
    /// Read at the current row, equality-enabled.
    pub const CUR_LINKED: Reads = Reads {
        prev: false,
        next: false,
        equality: true,
    };
    /// Read at the current and next rows, equality-enabled.
    pub const NEXT_LINKED: Reads = Reads {
        prev: false,
        next: true,
        equality: true,
    };

    /// Also read at the previous row.
    pub const fn and_prev(self) -> Reads {
        Reads { prev: true, ..self }
    }

    /// Whether a column read as `self` serves a chip asking for `want` at no extra cost, and
    /// how much it pays for that the chip does not need: a link, or a read at the next row,
    /// which another chip could have used. A read at the previous row is not counted: no chip
    /// here asks for one, and it costs a chip that does not read it nothing.
    fn surplus(self, want: Reads) -> Option<usize> {
        let covers = (self.prev || !want.prev)
            && (self.next || !want.next)
            && (self.equality || !want.equality);
        covers.then(|| {
            usize::from(self.next && !want.next) + usize::from(self.equality && !want.equality)
        })
    }
}

/// Columns other chips own and a chip may lay its region in.
#[derive(Clone, Debug, Default)]
pub struct ColumnPool {
    free: Vec<(Column<Advice>, Reads)>,
}

impl ColumnPool {
    /// A pool of `columns`, offered in this order among equally good ones.
    pub fn new(columns: impl IntoIterator<Item = (Column<Advice>, Reads)>) -> Self {
        ColumnPool {
            free: columns.into_iter().collect(),
        }
    }

    /// A column for a chip that reads it as `want`: the shared column that pays for least
    /// beyond it, or a new column when none serves.
    pub fn take(&mut self, meta: &mut ConstraintSystem<Fp>, want: Reads) -> Column<Advice> {
        let best = (0..self.free.len())
            .filter_map(|i| self.free[i].1.surplus(want).map(|s| (s, i)))
            .min();
        if let Some((_, i)) = best {
            return self.free.remove(i).0;
        }
        let column = meta.advice_column();
        if want.equality {
            meta.enable_equality(column);
        }
        column
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_cheapest_covering_column_then_new_ones() {
        let mut meta = ConstraintSystem::<Fp>::default();
        let [linked, plain, single] = [(); 3].map(|_| meta.advice_column());
        let mut pool = ColumnPool::new([
            (linked, Reads::NEXT_LINKED),
            (plain, Reads::NEXT),
            (single, Reads::CUR),
        ]);
        // A plain read takes the column with nothing extra, then the one with least extra.
        assert_eq!(pool.take(&mut meta, Reads::CUR), single);
        assert_eq!(pool.take(&mut meta, Reads::CUR), plain);
        // A linked read is never served by an unlinked column.
        assert_eq!(pool.take(&mut meta, Reads::CUR_LINKED), linked);
        // The pool is empty: a new column.
        let fresh = pool.take(&mut meta, Reads::NEXT_LINKED);
        assert!(![linked, plain, single].contains(&fresh));
    }
}
