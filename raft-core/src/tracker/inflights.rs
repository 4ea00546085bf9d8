//! Flow control for appends: how many `MsgApp`s (and bytes) are unacknowledged per follower.

/// One unacknowledged append: the index of its last entry and its payload size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Inflight {
    index: u64,
    bytes: u64,
}

/// A bounded window of appends sent to one follower and not yet acknowledged.
///
/// The leader checks [`Inflights::full`] before sending, calls [`Inflights::add`] for every
/// append it sends (with increasing last indexes), and [`Inflights::free_le`] when an
/// acknowledgement arrives. The window is full when it holds `cap` messages or, if `max_bytes` is
/// non-zero, when the payload in flight reaches `max_bytes`. The byte limit is soft: one message
/// may take the total from below the limit to above it.
///
/// Storage is a ring buffer that starts empty and doubles on demand up to `cap`, because a process
/// may host thousands of groups whose followers mostly never need a full window.
#[derive(Clone, Debug)]
pub struct Inflights {
    /// Position of the oldest entry in `buffer`. Reset to 0 whenever the window empties, so
    /// that a window that keeps draining never forces the buffer to grow.
    start: usize,
    /// Number of entries in the window. Invariant: `count <= cap` and `count <= buffer.len()`.
    count: usize,
    /// Sum of `bytes` over the entries in the window.
    bytes: u64,
    /// Maximum number of entries.
    cap: usize,
    /// Maximum payload in flight; 0 means unlimited.
    max_bytes: u64,
    /// Ring buffer; positions wrap at `cap`, and the buffer only grows past a position once the
    /// ring reaches it, so `buffer.len() <= cap` always.
    buffer: Vec<Inflight>,
}

impl Inflights {
    /// An empty window admitting up to `cap` messages and (if non-zero) about `max_bytes` bytes.
    pub fn new(cap: usize, max_bytes: u64) -> Self {
        Inflights {
            start: 0,
            count: 0,
            bytes: 0,
            cap,
            max_bytes,
            buffer: Vec::new(),
        }
    }

    /// Records an append whose last entry is `index`, carrying `bytes` of payload.
    ///
    /// Callers must check [`Inflights::full`] first (etcd panics otherwise); debug builds assert
    /// it. In release builds a call on a full window does not panic and keeps the accounting
    /// consistent: if the window is only over its byte limit the message is recorded normally;
    /// if every slot is taken it is merged into the newest slot (which then covers up to `index`
    /// and carries both payloads); with a capacity of 0 it is dropped.
    pub fn add(&mut self, index: u64, bytes: u64) {
        debug_assert!(!self.full(), "cannot add into a full inflights window");
        debug_assert!(
            self.newest().map_or(true, |last| last.index <= index),
            "inflight indexes must not decrease"
        );
        if self.count >= self.cap {
            let newest = self.newest_pos();
            if let Some(last) = newest.and_then(|pos| self.buffer.get_mut(pos)) {
                last.index = index;
                last.bytes = last.bytes.saturating_add(bytes);
                self.bytes = self.bytes.saturating_add(bytes);
            }
            return;
        }
        let mut next = self.start + self.count;
        if next >= self.cap {
            next -= self.cap;
        }
        if next >= self.buffer.len() {
            self.grow();
        }
        if let Some(slot) = self.buffer.get_mut(next) {
            *slot = Inflight { index, bytes };
            self.count += 1;
            self.bytes = self.bytes.saturating_add(bytes);
        }
    }

    /// Doubles the buffer (from 1), never beyond `cap`. Existing positions are kept: before the
    /// buffer has reached `cap` the ring has not wrapped, so the entries lie contiguously.
    fn grow(&mut self) {
        let new_len = (self.buffer.len() * 2).clamp(1, self.cap.max(1));
        self.buffer.resize(new_len, Inflight::default());
    }

    fn newest_pos(&self) -> Option<usize> {
        if self.count == 0 {
            return None;
        }
        let mut pos = self.start + self.count - 1;
        if pos >= self.cap {
            pos -= self.cap;
        }
        Some(pos)
    }

    fn newest(&self) -> Option<Inflight> {
        self.newest_pos().and_then(|p| self.buffer.get(p).copied())
    }

    /// Releases every message whose last index is `<= to` (they have been acknowledged).
    pub fn free_le(&mut self, to: u64) {
        let mut pos = self.start;
        let mut freed = 0;
        let mut freed_bytes = 0u64;
        while freed < self.count {
            match self.buffer.get(pos) {
                Some(f) if f.index <= to => freed_bytes += f.bytes,
                _ => break,
            }
            freed += 1;
            pos += 1;
            if pos >= self.cap {
                pos -= self.cap;
            }
        }
        if freed == 0 {
            return;
        }
        self.count -= freed;
        self.bytes = self.bytes.saturating_sub(freed_bytes);
        self.start = if self.count == 0 { 0 } else { pos };
    }

    /// Whether no further message may be sent until something is acknowledged.
    pub fn full(&self) -> bool {
        self.count == self.cap || (self.max_bytes != 0 && self.bytes >= self.max_bytes)
    }

    /// Number of messages in flight.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Payload bytes in flight.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The message limit this window was created with.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The byte limit this window was created with (0 = unlimited).
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Forgets every message in flight (used on state changes, when acknowledgements of earlier
    /// appends are no longer awaited).
    pub fn reset(&mut self) {
        self.start = 0;
        self.count = 0;
        self.bytes = 0;
    }

    /// The messages in flight, oldest first, as `(last index, bytes)`.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        (0..self.count).filter_map(move |i| {
            let mut pos = self.start + i;
            if pos >= self.cap {
                pos -= self.cap;
            }
            self.buffer.get(pos).map(|f| (f.index, f.bytes))
        })
    }
}

/// Two windows are equal when they have the same limits and the same messages in flight; where
/// those messages sit in the ring buffer and how far the buffer has grown does not matter.
impl PartialEq for Inflights {
    fn eq(&self, other: &Self) -> bool {
        self.cap == other.cap
            && self.max_bytes == other.max_bytes
            && self.count == other.count
            && self.bytes == other.bytes
            && self.iter().eq(other.iter())
    }
}

impl Eq for Inflights {}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(inf: &Inflights) -> Vec<(u64, u64)> {
        inf.iter().collect()
    }

    #[test]
    fn add_grows_lazily_and_wraps() {
        let mut inf = Inflights::new(10, 0);
        assert_eq!(inf.buffer.len(), 0);
        for i in 0..5 {
            inf.add(i, 100 + i);
        }
        assert_eq!(inf.count(), 5);
        assert_eq!(inf.bytes(), 510);
        assert_eq!(inf.buffer.len(), 8, "grew by doubling, not straight to cap");
        for i in 5..10 {
            inf.add(i, 100 + i);
        }
        assert_eq!(inf.buffer.len(), 10, "never beyond cap");
        assert_eq!(inf.bytes(), 1045);
        assert!(inf.full());

        // Free half, then add across the wrap point.
        inf.free_le(4);
        assert_eq!(inf.start, 5);
        for i in 10..15 {
            inf.add(i, 100 + i);
        }
        assert_eq!(inf.buffer.len(), 10);
        assert_eq!(
            contents(&inf),
            (5..15).map(|i| (i, 100 + i)).collect::<Vec<_>>()
        );
        assert_eq!(inf.start, 5);
        assert_eq!(
            inf.buffer[0],
            Inflight {
                index: 10,
                bytes: 110
            }
        );
    }

    #[test]
    fn free_le_releases_prefix_and_resets_start_when_empty() {
        let mut inf = Inflights::new(10, 0);
        for i in 0..10 {
            inf.add(i, 100 + i);
        }
        inf.free_le(0);
        assert_eq!((inf.start, inf.count(), inf.bytes()), (1, 9, 945));
        inf.free_le(4);
        assert_eq!((inf.start, inf.count(), inf.bytes()), (5, 5, 535));
        inf.free_le(8);
        assert_eq!((inf.start, inf.count(), inf.bytes()), (9, 1, 109));
        for i in 10..15 {
            inf.add(i, 100 + i);
        }
        inf.free_le(12);
        assert_eq!((inf.start, inf.count(), inf.bytes()), (3, 2, 227));
        inf.free_le(14);
        assert_eq!((inf.start, inf.count(), inf.bytes()), (0, 0, 0));
        // Freeing below the window or on an empty window is a no-op.
        inf.add(20, 1);
        inf.free_le(19);
        assert_eq!(contents(&inf), vec![(20, 1)]);
        inf.free_le(20);
        inf.free_le(100);
        assert_eq!(inf.count(), 0);
    }

    #[test]
    fn full_by_count_and_by_bytes() {
        // (cap, max_bytes, full_at, free_le, again_at), as in etcd's TestInflightsFull; message
        // i carries 100 + i bytes.
        let cases = [
            (0usize, 0u64, 0u64, 0u64, 0u64),
            (1, 0, 1, 1, 2),
            (1, 10, 1, 1, 2),
            (15, 0, 15, 6, 22),
            (8, 400, 4, 2, 7),
            (8, 406, 4, 3, 8),
            (15, 408, 5, 1, 6),
        ];
        for (cap, max_bytes, full_at, free, again_at) in cases {
            let mut inf = Inflights::new(cap, max_bytes);
            let fill = |inf: &mut Inflights, from: u64, to: u64| {
                for i in from..to {
                    assert!(!inf.full(), "cap {cap}: full at {i}, want {to}");
                    inf.add(i, 100 + i);
                }
                assert!(inf.full(), "cap {cap}: not full at {to}");
            };
            fill(&mut inf, 0, full_at);
            inf.free_le(free);
            fill(&mut inf, full_at, again_at);
        }
    }

    #[test]
    fn reset_does_not_leak_bytes() {
        let mut inf = Inflights::new(10, 1000);
        let mut index = 0;
        for _ in 0..100 {
            inf.reset();
            for _ in 0..5 {
                assert!(!inf.full());
                index += 1;
                inf.add(index, 16);
            }
            inf.free_le(index - 2);
            assert!(!inf.full());
            assert_eq!(inf.count(), 2);
            assert_eq!(inf.bytes(), 32);
        }
        inf.free_le(index);
        assert_eq!(inf.count(), 0);
        assert_eq!(inf.bytes(), 0);
    }

    #[test]
    fn equality_ignores_buffer_layout() {
        let mut a = Inflights::new(4, 0);
        let mut b = Inflights::new(4, 0);
        for i in 1..=4 {
            a.add(i, 1);
        }
        a.free_le(2);
        b.add(3, 1);
        b.add(4, 1);
        assert_ne!(a.start, b.start);
        assert_eq!(a, b);
        b.add(5, 1);
        assert_ne!(a, b);
    }

    #[test]
    #[should_panic(expected = "full")]
    #[cfg(debug_assertions)]
    fn add_when_full_asserts_in_debug() {
        let mut inf = Inflights::new(1, 0);
        inf.add(1, 1);
        inf.add(2, 1);
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn add_when_full_merges_in_release() {
        let mut inf = Inflights::new(2, 0);
        inf.add(1, 1);
        inf.add(2, 1);
        inf.add(3, 5);
        assert_eq!(contents(&inf), vec![(1, 1), (3, 6)]);
        assert_eq!(inf.bytes(), 7);
        inf.free_le(3);
        assert_eq!((inf.count(), inf.bytes()), (0, 0));
        let mut zero = Inflights::new(0, 0);
        zero.add(1, 1);
        assert_eq!((zero.count(), zero.bytes()), (0, 0));
    }
}
