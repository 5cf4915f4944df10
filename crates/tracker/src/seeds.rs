//! Unpaired position detections waiting for a second one.
//!
//! Space is cut into square chunks of cells, and each chunk keeps compact slots for its
//! own seeds (position, number, link) in the order they arrived, which is time order
//! (batches are processed in time order), so those too old to pair leave from the
//! front; a queue of (time, chunk) says which chunks have seeds to let go, and no batch
//! pays for a pass over the others. A chunk holds, per cell, its newest seed, and each
//! seed the one before it in its cell: a query follows those chains for the cells its
//! disc touches. Seeds are numbered in their chunk, and those numbered below its front
//! have left: a cell whose newest seed has left reads as empty (and a chain ends where
//! it reaches one that has), so leaving seeds are never read. A chunk goes when its
//! last seed does, so the store stays in proportion to the seeds that can still pair,
//! not to the area clutter has ever fallen on. Everything else (time, whether taken,
//! covariance, height) stays in one queue in creation order, which leaves from the
//! front too, and is read only for the seeds within a query's radius: a slot of two
//! coordinates and two numbers (32 bytes, where a full one was 56) puts a chunk in
//! fewer cache lines.
//!
//! Keeping a chunk's slots together is what makes it fast: a batch asks its queries
//! and places its seeds in chunk order ([`SeedStore::locality_order`]), so each chunk
//! is read from memory about once per batch. With the seeds in one queue for the whole
//! store and a map entry per cell, every query cost several cache misses, and the
//! scale benchmark (100,000 clutter plots a scan) spent a third of its time on them.
//! Hand-written rather than an R-tree crate because seeds come and go by the thousand
//! every scan and only fixed-radius queries are needed.

use crate::initiation::Seed;
use std::collections::VecDeque;
// Chunk keys are small integer pairs hashed once per chunk a query reads: the standard
// SipHash cost more than the queries on a small scenario.
use rustc_hash::FxHashMap as HashMap;

/// No seed (an empty cell, or the first seed of its cell).
const NONE: u64 = u64::MAX;

/// Cells along a chunk's side (a power of two: cell to chunk is a shift).
const CHUNK_BITS: u32 = 4;
const CHUNK: i64 = 1 << CHUNK_BITS;
const CHUNK_CELLS: usize = 1 << (2 * CHUNK_BITS);

type Key = (i64, i64);

/// A seed found by a query: where it is and what the pairing rule reads of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeedPoint {
    /// Creation order over the whole store: the tie-break between seeds of one time.
    pub seq: u64,
    pub x_m: f64,
    pub y_m: f64,
    pub time_s: f64,
    pub coop_id: u64,
}

/// What a query reads of every seed in the cells it touches.
#[derive(Debug, Clone, Copy)]
struct Slot {
    x_m: f64,
    y_m: f64,
    /// Its number in the store (creation order), which finds the rest of it.
    seq: u64,
    /// The seed (by its number in the chunk) added before this one in its cell, or
    /// [`NONE`].
    prev: u64,
}

/// A chunk's seeds in arrival order (the front one is number `base`), and the newest
/// of each of its cells (row-major).
#[derive(Debug, Clone)]
struct Chunk {
    heads: Box<[u64; CHUNK_CELLS]>,
    slots: VecDeque<Slot>,
    base: u64,
    /// The time of this chunk's latest entry in the leaving queue.
    queued_s: f64,
}

impl Chunk {
    fn new() -> Self {
        Self {
            heads: Box::new([NONE; CHUNK_CELLS]),
            slots: VecDeque::new(),
            base: 0,
            queued_s: f64::NEG_INFINITY,
        }
    }

    fn index(&self, local: u64) -> Option<usize> {
        offset(local, self.base)
    }

    /// Seed number `local`, while it is held.
    fn slot(&self, local: u64) -> Option<&Slot> {
        self.slots.get(self.index(local)?)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SeedStore {
    cell_m: f64,
    /// The cell's bounds: it starts at the largest and halves while queries read many
    /// seeds per cell, doubling back when they read few (see [`SeedStore::retune`]).
    max_cell_m: f64,
    min_cell_m: f64,
    /// Slots read and queries asked since the cell was last judged, and how many
    /// queries make a judgement ([`RETUNE_QUERIES`]; fewer in tests).
    slots_read: u64,
    queries: u64,
    retune_every: u64,
    chunks: HashMap<Key, Chunk>,
    /// Emptied chunks kept for new ones (clutter moves, so chunks come and go).
    spare: Vec<Chunk>,
    /// When each chunk was given seeds, in time order: the chunks to look at when
    /// seeds of that time grow too old.
    leaving: VecDeque<(f64, Key)>,
    /// Every seed in creation order, the front one numbered `ring_base`: the rest of
    /// each seed stays here, in the order a batch's plots come, and only the chunks'
    /// compact slots are written in chunk order.
    ring: VecDeque<Seed>,
    ring_base: u64,
    grouping: Grouping,
}

/// [`SeedStore::locality_order`]'s buffers.
#[derive(Debug, Clone, Default)]
struct Grouping {
    ids: HashMap<Key, u32>,
    bucket_of: Vec<u32>,
    starts: Vec<u32>,
    keys: Vec<(Key, u32)>,
    rank: Vec<u32>,
}

/// Spare chunks kept at most.
const MAX_SPARE: usize = 1024;

/// Queries between judgements of the cell size: enough for a stable mean (a scan of
/// the scale benchmark asks 100,000), few enough that a dense input is found out
/// within seconds.
const RETUNE_QUERIES: u64 = 50_000;
/// Slots a query reads on average above which the cell halves, and below which it
/// doubles. A query's disc spans one or two cells a side at the largest cell: when
/// each cell holds dozens of seeds (a 5 s pairing window over 100,000 plots a second),
/// reading them all cost more than everything else a plot costs; when cells hold
/// about one, smaller ones would only add cells to read. Halving cuts the slots read
/// by at most four, so the two thresholds cannot chase each other.
const TOO_MANY_SLOTS: u64 = 24;
const TOO_FEW_SLOTS: u64 = 3;
/// The smallest cell as a share of the largest.
const MIN_CELL_SHARE: f64 = 1.0 / 8.0;

/// A position far beyond any sector lands in an edge cell (the floor saturates).
fn cell_of(v: f64, cell_m: f64) -> i64 {
    association::floor_i64(v / cell_m)
}

/// Where number `n` sits in a queue whose front is number `base`.
fn offset(n: u64, base: u64) -> Option<usize> {
    usize::try_from(n.checked_sub(base)?).ok()
}

/// The chunk of the cell at `(x, y)` and the cell's place in it.
fn locate(x: f64, y: f64, cell_m: f64) -> (Key, usize) {
    split(cell_of(x, cell_m), cell_of(y, cell_m))
}

/// A cell's chunk and its place in the chunk.
fn split(cx: i64, cy: i64) -> (Key, usize) {
    let (kx, ky) = (cx >> CHUNK_BITS, cy >> CHUNK_BITS);
    let (ix, iy) = (cx & (CHUNK - 1), cy & (CHUNK - 1));
    ((kx, ky), (iy * CHUNK + ix) as usize)
}

impl SeedStore {
    /// A store with cells of `cell_m` (a few times a query's radius: a query then
    /// reads a few cells, in one chunk or two).
    pub fn new(cell_m: f64) -> Self {
        let cell_m = if cell_m.is_finite() && cell_m > 0.0 {
            cell_m
        } else {
            1_000.0
        };
        Self {
            cell_m,
            max_cell_m: cell_m,
            min_cell_m: cell_m * MIN_CELL_SHARE,
            retune_every: RETUNE_QUERIES,
            ..Self::default()
        }
    }

    /// The cell size now, metres.
    #[cfg(test)]
    pub fn cell_m(&self) -> f64 {
        self.cell_m
    }

    /// Every [`RETUNE_QUERIES`] queries (at a sweep), halves the cell when queries read
    /// many slots each, or doubles it when they read few, within its bounds, and files
    /// every held seed again under the new cells. Queries are exact at any cell size,
    /// so this changes only how fast they are; it depends on the input alone, not on a
    /// clock.
    fn retune(&mut self) {
        if self.queries < self.retune_every {
            return;
        }
        let per_query = self.slots_read / self.queries;
        self.slots_read = 0;
        self.queries = 0;
        let cell_m = if per_query > TOO_MANY_SLOTS && self.cell_m / 2.0 >= self.min_cell_m {
            self.cell_m / 2.0
        } else if per_query < TOO_FEW_SLOTS && self.cell_m * 2.0 <= self.max_cell_m {
            self.cell_m * 2.0
        } else {
            return;
        };
        self.cell_m = cell_m;
        for (_, mut c) in std::mem::take(&mut self.chunks) {
            // The slot buffer is let go: one sized for the old cells (a chunk of the
            // largest cells held thousands) would sit in a spare chunk.
            c.slots = VecDeque::new();
            self.recycle(c);
        }
        self.leaving.clear();
        // In creation order, which is time order: each chunk's slots stay in the order
        // `sweep` bisects. Taken seeds are never found again, so they stay out.
        for i in 0..self.ring.len() {
            let Some(&s) = self.ring.get(i) else { break };
            if !s.used {
                self.place(s.seq, s.position_m.x, s.position_m.y, s.time_s);
            }
        }
    }

    /// Keeps an emptied chunk for a new one, cleared, while there is room.
    fn recycle(&mut self, mut c: Chunk) {
        if self.spare.len() < MAX_SPARE {
            c.heads.fill(NONE);
            c.base = 0;
            c.queued_s = f64::NEG_INFINITY;
            self.spare.push(c);
        }
    }

    fn cell(&self, x: f64, y: f64) -> (i64, i64) {
        (cell_of(x, self.cell_m), cell_of(y, self.cell_m))
    }

    /// Writes to `order` the indices of `positions` grouped by chunk (chunks row by row,
    /// and in the order given within each), so that queries or seeds taken in that
    /// order read each chunk and its neighbours about once: a counting sort over the
    /// chunks, since a comparison sort of a scan's 100,000 plots cost more than the
    /// queries it saved.
    pub fn locality_order(
        &mut self,
        positions: impl Iterator<Item = (f64, f64)>,
        order: &mut Vec<u32>,
    ) {
        let Grouping {
            ids,
            bucket_of,
            starts,
            keys,
            rank,
        } = &mut self.grouping;
        ids.clear();
        bucket_of.clear();
        for (x, y) in positions {
            let next = ids.len() as u32;
            bucket_of.push(*ids.entry(locate(x, y, self.cell_m).0).or_insert(next));
        }
        keys.clear();
        keys.extend(ids.iter().map(|(&(kx, ky), &id)| ((ky, kx), id)));
        keys.sort_unstable();
        rank.clear();
        rank.resize(keys.len(), 0);
        for (r, &(_, id)) in keys.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        for b in bucket_of.iter_mut() {
            *b = rank[*b as usize];
        }
        starts.clear();
        starts.resize(ids.len() + 1, 0);
        for &b in bucket_of.iter() {
            starts[b as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        order.clear();
        order.resize(bucket_of.len(), 0);
        for (k, &b) in bucket_of.iter().enumerate() {
            let at = &mut starts[b as usize];
            order[*at as usize] = k as u32;
            *at += 1;
        }
    }

    /// The number the next seed [`SeedStore::add`] keeps will have.
    pub fn next_seq(&self) -> u64 {
        self.ring_base + self.ring.len() as u64
    }

    /// Keeps a seed as number [`SeedStore::next_seq`] (seeds of one time pair in this
    /// order), taken already when `s.used`; [`SeedStore::place`] makes it findable,
    /// before or after (a query skips a placed seed not yet kept). Every plot of a
    /// batch is kept, in order, so that a plot's number is known before its turn; one
    /// with a non-finite position could never be found, and is kept as taken.
    pub fn add(&mut self, mut s: Seed) -> u64 {
        s.seq = self.next_seq();
        s.used |= !(s.position_m.x.is_finite() && s.position_m.y.is_finite());
        self.ring.push_back(s);
        s.seq
    }

    /// Adds one seed (`add`, then `place`).
    #[cfg(test)]
    pub fn push(&mut self, s: Seed) {
        let seq = self.add(s);
        self.place(seq, s.position_m.x, s.position_m.y, s.time_s);
    }

    /// Makes seed number `seq`, at `(x, y)` and of time `time_s`, findable (the caller
    /// has those at hand in chunk order: a batch places its seeds in
    /// [`SeedStore::locality_order`]). Seeds are placed in increasing numbers.
    pub fn place(&mut self, seq: u64, x_m: f64, y_m: f64, time_s: f64) {
        if !(x_m.is_finite() && y_m.is_finite()) {
            return;
        }
        let (key, i) = locate(x_m, y_m, self.cell_m);
        let spare = &mut self.spare;
        let chunk = self
            .chunks
            .entry(key)
            .or_insert_with(|| spare.pop().unwrap_or_else(Chunk::new));
        let local = chunk.base + chunk.slots.len() as u64;
        let prev = std::mem::replace(&mut chunk.heads[i], local);
        // Written so that a NaN time is queued too.
        if !(time_s <= chunk.queued_s) {
            chunk.queued_s = time_s;
            self.leaving.push_back((time_s, key));
        }
        chunk.slots.push_back(Slot {
            x_m,
            y_m,
            seq,
            prev,
        });
    }

    /// Seeds held (some may be used until they leave).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Cells and chunks held.
    #[cfg(test)]
    pub fn cells_and_chunks(&self) -> (usize, usize) {
        let cells = self
            .chunks
            .values()
            .map(|c| c.heads.iter().filter(|&&h| c.slot(h).is_some()).count())
            .sum();
        (cells, self.chunks.len())
    }

    /// Lets go of the seeds older than `window_s` at `t` (of all of them when seeds
    /// were added in time order).
    pub fn sweep(&mut self, t: f64, window_s: f64) {
        self.retune();
        // Written so that non-finite times leave too.
        let gone = |time_s: f64| !(t - time_s <= window_s);
        // In time order: the seeds to go are a prefix, found by bisection, and so are
        // each chunk's (numbers below the first to stay).
        let k = self.ring.partition_point(|s| gone(s.time_s));
        self.ring.drain(..k);
        self.ring_base += k as u64;
        let keep_from = self.ring_base;
        while let Some(&(time_s, key)) = self.leaving.front() {
            if !gone(time_s) {
                break;
            }
            self.leaving.pop_front();
            let Some(chunk) = self.chunks.get_mut(&key) else {
                continue;
            };
            // Bisection: reading each leaving slot (long out of the cache) cost a miss
            // apiece. A cell whose newest seed has gone keeps its number, below
            // `base`, which reads as empty.
            let k = chunk.slots.partition_point(|s| s.seq < keep_from);
            chunk.slots.drain(..k);
            chunk.base += k as u64;
            if chunk.slots.is_empty() {
                if let Some(c) = self.chunks.remove(&key) {
                    self.recycle(c);
                }
            }
        }
    }

    /// Appends to `out` every kept seed that can still pair at `t` (not taken, at most
    /// `window_s` old) whose horizontal position is within `radius_m` of `(x, y)`,
    /// in no particular order.
    pub fn near(
        &mut self,
        x: f64,
        y: f64,
        radius_m: f64,
        t: f64,
        window_s: f64,
        out: &mut Vec<SeedPoint>,
    ) {
        if !(radius_m >= 0.0 && x.is_finite() && y.is_finite()) {
            return;
        }
        let r2 = radius_m * radius_m;
        let mut read = 0u64;
        let mut take = |s: &Slot, out: &mut Vec<SeedPoint>| {
            read += 1;
            let (dx, dy) = (s.x_m - x, s.y_m - y);
            if !(dx * dx + dy * dy <= r2) {
                return;
            }
            if let Some(seed) = self.get(s.seq) {
                if !seed.used && t - seed.time_s <= window_s {
                    out.push(SeedPoint {
                        seq: s.seq,
                        x_m: s.x_m,
                        y_m: s.y_m,
                        time_s: seed.time_s,
                        coop_id: seed.coop_id,
                    });
                }
            }
        };
        let (cx0, cy0) = self.cell(x - radius_m, y - radius_m);
        let (cx1, cy1) = self.cell(x + radius_m, y + radius_m);
        let (kx0, ky0, kx1, ky1) = (
            cx0 >> CHUNK_BITS,
            cy0 >> CHUNK_BITS,
            cx1 >> CHUNK_BITS,
            cy1 >> CHUNK_BITS,
        );
        let span = (kx1.saturating_sub(kx0) as u128 + 1) * (ky1.saturating_sub(ky0) as u128 + 1);
        if span > self.chunks.len() as u128 {
            // A huge radius (a very uncertain plot): reading every seed is cheaper than
            // visiting the empty chunks. (Not counted towards the cell size: no cell
            // size would help it.)
            for chunk in self.chunks.values() {
                for s in &chunk.slots {
                    take(s, out);
                }
            }
            return;
        }
        for ky in ky0..=ky1 {
            for kx in kx0..=kx1 {
                let Some(chunk) = self.chunks.get(&(kx, ky)) else {
                    continue;
                };
                let (bx, by) = (kx << CHUNK_BITS, ky << CHUNK_BITS);
                for cy in cy0.max(by)..=cy1.min(by + (CHUNK - 1)) {
                    for cx in cx0.max(bx)..=cx1.min(bx + (CHUNK - 1)) {
                        let mut local = chunk.heads[((cy - by) * CHUNK + (cx - bx)) as usize];
                        while let Some(s) = chunk.slot(local) {
                            take(s, out);
                            local = s.prev;
                        }
                    }
                }
            }
        }
        self.slots_read += read;
        self.queries += 1;
    }

    /// Seed number `seq`, while it is held.
    pub fn get(&self, seq: u64) -> Option<&Seed> {
        self.ring.get(offset(seq, self.ring_base)?)
    }

    /// Marks seed number `seq` taken: no query finds it again.
    pub fn mark_used(&mut self, seq: u64) {
        if let Some(s) = offset(seq, self.ring_base).and_then(|i| self.ring.get_mut(i)) {
            s.used = true;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
    use super::*;
    use nalgebra::{Matrix3, Vector3};
    use proptest::prelude::*;

    fn seed(t: f64, x: f64, y: f64) -> Seed {
        Seed {
            time_s: t,
            position_m: Vector3::new(x, y, 0.0),
            cov_m2: Matrix3::identity(),
            has_height: false,
            used: false,
            seq: 0,
            coop_id: 0,
        }
    }

    /// A store that judges its cell every `every` queries.
    fn retuning(cell_m: f64, every: u64) -> SeedStore {
        let mut st = SeedStore::new(cell_m);
        st.retune_every = every;
        st
    }

    proptest! {
        /// The grid finds exactly what a scan of every seed finds, at any cell size
        /// and radius (including radii spanning more cells than are occupied).
        #[test]
        fn near_equals_a_full_scan(
            pts in prop::collection::vec((-5e4f64..5e4, -5e4f64..5e4), 0..200),
            q in (-6e4f64..6e4, -6e4f64..6e4),
            r in 0.0f64..3e4,
            cell in 10.0f64..5e3,
        ) {
            let mut st = SeedStore::new(cell);
            for &(x, y) in &pts {
                st.push(seed(0.0, x, y));
            }
            let mut out = Vec::new();
            st.near(q.0, q.1, r, 0.0, 1.0, &mut out);
            let mut got: Vec<u64> = out.iter().map(|s| st.get(s.seq).unwrap().seq).collect();
            got.sort_unstable();
            let want: Vec<u64> = pts
                .iter()
                .enumerate()
                .filter(|(_, p)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) <= r * r)
                .map(|(i, _)| i as u64)
                .collect();
            prop_assert_eq!(got, want);
        }
    }

    proptest! {
        /// Seeds arriving over time into a few cells, swept as a batch would sweep:
        /// every query finds exactly the seeds a scan of all of them finds that are
        /// young enough, whichever cells' newest seeds have left.
        #[test]
        fn near_after_sweeps_equals_a_full_scan(
            scans in prop::collection::vec(
                prop::collection::vec((-300.0f64..300.0, -300.0f64..300.0), 0..12),
                1..12,
            ),
            q in (-300.0f64..300.0, -300.0f64..300.0),
            r in 0.0f64..400.0,
            window in 0.5f64..4.0,
            every in prop::sample::select(vec![1u64, 3, RETUNE_QUERIES]),
        ) {
            // Judging the cell every few queries: seeds are filed again under new
            // cells between scans, and queries stay exact.
            let mut st = retuning(40.0, every);
            let mut all: Vec<(f64, f64, f64)> = Vec::new();
            let mut out = Vec::new();
            for (k, scan) in scans.iter().enumerate() {
                let t = k as f64;
                st.sweep(t, window);
                for &(x, y) in scan {
                    st.push(seed(t, x, y));
                    all.push((t, x, y));
                }
                out.clear();
                st.near(q.0, q.1, r, t, window, &mut out);
                let mut got: Vec<(u64, u64, u64)> = out
                    .iter()
                    .map(|s| {
                        let p = st.get(s.seq).unwrap();
                        (p.time_s.to_bits(), p.position_m.x.to_bits(), p.position_m.y.to_bits())
                    })
                    .collect();
                got.sort_unstable();
                let mut want: Vec<(u64, u64, u64)> = all
                    .iter()
                    .filter(|p| t - p.0 <= window)
                    .filter(|p| (p.1 - q.0).powi(2) + (p.2 - q.1).powi(2) <= r * r)
                    .map(|p| (p.0.to_bits(), p.1.to_bits(), p.2.to_bits()))
                    .collect();
                want.sort_unstable();
                prop_assert_eq!(got, want);
            }
        }
    }

    /// Clutter falls somewhere new every scan: the store must hold cells in proportion
    /// to the seeds that can still pair, not to the area clutter has ever covered. Two
    /// hundred scans of 1,000 seeds each at fresh places in a 1,000 km square, a 1 s
    /// window, and the calls a batch makes (a sweep, then a query per seed): at the
    /// end, no more cells than the 2,000 seeds of the last two scans. (A store that
    /// swept 64 cells a batch and kept emptied cells held about 190,000.)
    #[test]
    fn cells_stay_in_proportion_to_live_seeds() {
        let mut st = SeedStore::new(100.0);
        let mut state = 1u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64 * 1e6
        };
        let mut out = Vec::new();
        for k in 0..200 {
            let t = k as f64;
            st.sweep(t, 1.0);
            for _ in 0..1000 {
                let (x, y) = (next(), next());
                out.clear();
                st.near(x, y, 150.0, t, 1.0, &mut out);
                st.push(seed(t, x, y));
            }
        }
        let (cells, chunks) = st.cells_and_chunks();
        assert!(cells <= 2000, "{cells} cells");
        assert!(chunks <= cells, "{chunks} chunks");
        assert_eq!(st.len(), 2000);
    }

    /// Many seeds per cell halve the cell, down to its smallest; few double it back,
    /// up to its largest; in between it stays. Every query finds the same seeds
    /// throughout. 400 seeds 5 m apart in a 100 m square by the origin: a query of
    /// 50 m at its centre reads all 400 at every cell size down to the smallest
    /// (100 m, an eighth of 800), so the cell halves to there and stays.
    #[test]
    fn the_cell_follows_how_many_seeds_a_query_reads() {
        let mut st = retuning(800.0, 10);
        for i in 0..400 {
            let (x, y) = (1.0 + f64::from(i % 20) * 5.0, 1.0 + f64::from(i / 20) * 5.0);
            st.push(seed(0.0, x, y));
        }
        let mut cells = Vec::new();
        let mut found = Vec::new();
        for _ in 0..6 {
            st.sweep(0.5, 1.0);
            cells.push(st.cell_m());
            for _ in 0..10 {
                let mut out = Vec::new();
                st.near(50.0, 50.0, 50.0, 0.5, 1.0, &mut out);
                found.push(out.len());
            }
        }
        // 800 -> 400 -> 200 -> 100 (the smallest, an eighth); reading stays above 24.
        assert_eq!(cells, vec![800.0, 400.0, 200.0, 100.0, 100.0, 100.0]);
        let want = found[0];
        assert!(want > 24 && found.iter().all(|&n| n == want), "{found:?}");
        // Now nothing near: queries far away read nothing, and the cell grows back.
        let mut grown = Vec::new();
        for _ in 0..5 {
            st.sweep(0.5, 1.0);
            grown.push(st.cell_m());
            for _ in 0..10 {
                let mut out = Vec::new();
                st.near(5_000.0, 5_000.0, 50.0, 0.5, 1.0, &mut out);
                assert!(out.is_empty());
            }
        }
        assert_eq!(grown, vec![100.0, 200.0, 400.0, 800.0, 800.0]);
        let mut out = Vec::new();
        st.near(50.0, 50.0, 50.0, 0.5, 1.0, &mut out);
        assert_eq!(out.len(), want);
    }

    #[test]
    fn old_and_used_seeds_are_not_found_and_leave() {
        let mut st = SeedStore::new(100.0);
        st.push(seed(0.0, 0.0, 0.0));
        st.push(seed(4.0, 10.0, 0.0));
        st.push(seed(4.0, 20.0, 0.0));
        st.push(seed(4.0, 5_000.0, 0.0));
        let mut out = Vec::new();
        st.near(20.0, 0.0, 1.0, 4.5, 5.0, &mut out);
        assert_eq!(out.len(), 1);
        st.mark_used(out[0].seq);
        assert!(st.get(out[0].seq).unwrap().used);
        // At 5.5 s the first seed is too old and the third used: only the second is
        // found, though all are still held until a sweep.
        out.clear();
        st.near(0.0, 0.0, 50.0, 5.5, 5.0, &mut out);
        let found: Vec<f64> = out
            .iter()
            .map(|r| st.get(r.seq).unwrap().position_m.x)
            .collect();
        assert_eq!(found, vec![10.0]);
        assert_eq!(st.len(), 4);
        // A sweep lets the first go (and its cell, which held only it); the others stay
        // until they are too old, and their references stay good.
        st.sweep(5.5, 5.0);
        assert_eq!((st.len(), st.cells_and_chunks()), (3, (2, 2)));
        assert_eq!(st.get(out[0].seq).unwrap().position_m.x, 10.0);
        st.sweep(9.5, 5.0);
        assert_eq!((st.len(), st.cells_and_chunks()), (0, (0, 0)));
        assert!(st.get(out[0].seq).is_none());
        // A non-finite position is kept as taken (its number is a plot's) and never
        // found, even by a query that reads every seed.
        st.push(seed(11.0, f64::NAN, 0.0));
        assert_eq!(st.len(), 1);
        assert!(st.get(st.next_seq() - 1).unwrap().used);
        out.clear();
        st.near(0.0, 0.0, 1e300, 11.0, 5.0, &mut out);
        assert!(out.is_empty());
        // A query across more cells than are occupied reads every seed instead.
        st.push(seed(12.0, -3e5, 0.0));
        st.push(seed(12.0, 3e5, 0.0));
        out.clear();
        st.near(0.0, 0.0, 3e5, 12.0, 5.0, &mut out);
        assert_eq!(out.len(), 2);
        // A seed placed before it is kept (a batch places each plot as it asks) is
        // not found until it is.
        let seq = st.next_seq();
        st.place(seq, 100.0, 0.0, 12.0);
        out.clear();
        st.near(100.0, 0.0, 1.0, 12.0, 5.0, &mut out);
        assert!(out.is_empty());
        st.add(seed(12.0, 100.0, 0.0));
        st.near(100.0, 0.0, 1.0, 12.0, 5.0, &mut out);
        assert_eq!(out.iter().map(|p| p.seq).collect::<Vec<_>>(), vec![seq]);
    }
}
