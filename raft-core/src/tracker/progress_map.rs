//! The map from node id to [`Progress`], as a vector sorted by id.
//!
//! Clusters have a handful of members, and a host may run tens of thousands of Raft groups in
//! one process, so this map is optimised for size: a `BTreeMap` reserves a node of eleven slots
//! for even one entry (over a kilobyte here), while a sorted vector holds exactly the members.
//! Lookups are a binary search over a few contiguous entries, faster than a tree walk at this
//! size, and iteration is in id order, so nothing that reaches output depends on hashing.
//!
//! The method names and signatures follow `BTreeMap`'s, so the two read alike.

use std::fmt;

use super::Progress;

/// Progress of every member, ordered by node id.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProgressMap {
    /// Sorted by id, ids unique.
    entries: Vec<(u64, Progress)>,
}

impl ProgressMap {
    /// An empty map.
    pub fn new() -> Self {
        ProgressMap::default()
    }

    fn position(&self, id: u64) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&id, |(k, _)| *k)
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The progress of `id`.
    pub fn get(&self, id: &u64) -> Option<&Progress> {
        self.position(*id).ok().map(|i| &self.entries[i].1)
    }

    /// The progress of `id`, mutably.
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut Progress> {
        match self.position(*id) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    /// Whether `id` is a member.
    pub fn contains_key(&self, id: &u64) -> bool {
        self.position(*id).is_ok()
    }

    /// Sets the progress of `id`, returning the previous one.
    pub fn insert(&mut self, id: u64, pr: Progress) -> Option<Progress> {
        match self.position(id) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, pr)),
            Err(i) => {
                // Grow by exactly one: membership changes are rare, and doubling would leave a
                // 3-node group paying for a fourth ~100-byte slot in every one of its replicas.
                self.entries.reserve_exact(1);
                self.entries.insert(i, (id, pr));
                None
            }
        }
    }

    /// Removes `id`, returning its progress.
    pub fn remove(&mut self, id: &u64) -> Option<Progress> {
        match self.position(*id) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    /// Members and their progress, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&u64, &Progress)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Members and their progress, mutably, in id order.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&u64, &mut Progress)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Member ids in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &u64> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Progress values in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Progress> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Progress values, mutably, in id order.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Progress> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl fmt::Debug for ProgressMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a ProgressMap {
    type Item = (&'a u64, &'a Progress);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (u64, Progress)>,
        fn(&'a (u64, Progress)) -> (&'a u64, &'a Progress),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(u64, Progress)> for ProgressMap {
    fn from_iter<I: IntoIterator<Item = (u64, Progress)>>(iter: I) -> Self {
        let mut m = ProgressMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(next: u64) -> Progress {
        Progress::new(next, 4, 0)
    }

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut m = ProgressMap::new();
        assert!(m.insert(3, pr(3)).is_none());
        assert!(m.insert(1, pr(1)).is_none());
        assert!(m.insert(2, pr(2)).is_none());
        assert_eq!(
            m.insert(2, pr(20)).map(|p| p.next),
            Some(2),
            "replace returns the old value"
        );
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(m.get(&2).map(|p| p.next), Some(20));
        m.get_mut(&1).unwrap().next = 10;
        assert_eq!(
            m.values().map(|p| p.next).collect::<Vec<_>>(),
            vec![10, 20, 3]
        );
        assert!(m.contains_key(&3) && !m.contains_key(&4));
        assert_eq!(m.remove(&2).map(|p| p.next), Some(20));
        assert!(m.remove(&2).is_none());
        assert_eq!(m.len(), 2);
        let collected: ProgressMap = vec![(9, pr(9)), (5, pr(5))].into_iter().collect();
        assert_eq!(collected.keys().copied().collect::<Vec<_>>(), vec![5, 9]);
        assert_eq!(format!("{:?}", ProgressMap::new()), "{}");
    }
}
