//! The bus between the tracking thread and each output: one lane per output, each
//! with its own capacity and policy for when it is full, so a slow consumer affects
//! only its own lane.
//!
//! Hand-written rather than a channel because "drop the oldest when full" needs the
//! producer to evict from the queue, which channels do not allow, and the producer is
//! a plain thread that must never wait on a network consumer.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// What a lane does when its queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFull {
    /// The producer waits for room: nothing is lost, and a stuck consumer stalls
    /// tracking. For local files, which only stall when the disk does.
    Block,
    /// The oldest queued item is dropped (and counted): tracking never waits. For
    /// network consumers.
    DropOldest,
}

/// A lane's capacity and policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanePolicy {
    /// Items held at most.
    pub capacity: usize,
    /// What happens when full.
    pub on_full: OnFull,
}

struct Inner<T> {
    queue: VecDeque<T>,
    closed: bool,
    dropped: u64,
    pushed: u64,
}

/// One output's queue.
pub struct Lane<T> {
    name: String,
    policy: LanePolicy,
    inner: Mutex<Inner<T>>,
    /// Wakes a blocked producer when the consumer takes something.
    room: Condvar,
    /// Wakes the (async) consumer when something arrives or the lane closes.
    ready: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another holder cannot leave the queue half-changed (every change is
    // one VecDeque call), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T> Lane<T> {
    /// An empty, open lane.
    pub fn new(name: impl Into<String>, policy: LanePolicy) -> Self {
        Self {
            name: name.into(),
            policy: LanePolicy {
                capacity: policy.capacity.max(1),
                ..policy
            },
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                closed: false,
                dropped: 0,
                pushed: 0,
            }),
            room: Condvar::new(),
            ready: Notify::new(),
        }
    }

    /// The output's name, for metrics and logs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Queues `item` by the lane's policy. Called from a plain thread (it may block
    /// under [`OnFull::Block`]). Items pushed after [`Lane::close`] are discarded.
    pub fn push(&self, item: T) {
        let mut g = lock(&self.inner);
        if g.closed {
            return;
        }
        while g.queue.len() >= self.policy.capacity {
            match self.policy.on_full {
                OnFull::DropOldest => {
                    g.queue.pop_front();
                    g.dropped += 1;
                }
                OnFull::Block => {
                    g = self.room.wait(g).unwrap_or_else(PoisonError::into_inner);
                    if g.closed {
                        return;
                    }
                }
            }
        }
        g.queue.push_back(item);
        g.pushed += 1;
        drop(g);
        self.ready.notify_one();
    }

    /// No more items will come; the consumer drains what is queued, then gets `None`.
    pub fn close(&self) {
        lock(&self.inner).closed = true;
        self.ready.notify_one();
        self.room.notify_all();
    }

    /// Takes everything queued, waiting while the lane is empty and open; `None` once
    /// it is closed and drained.
    pub async fn take_all(&self) -> Option<Vec<T>> {
        loop {
            // Registered before looking, so a push between the look and the wait is
            // not missed.
            let notified = self.ready.notified();
            {
                let mut g = lock(&self.inner);
                if !g.queue.is_empty() {
                    let items: Vec<T> = g.queue.drain(..).collect();
                    drop(g);
                    self.room.notify_all();
                    return Some(items);
                }
                if g.closed {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Items pushed and items dropped so far.
    pub fn counts(&self) -> (u64, u64) {
        let g = lock(&self.inner);
        (g.pushed, g.dropped)
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        lock(&self.inner).queue.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn drop_oldest_keeps_the_newest_and_counts() {
        let lane = Lane::new(
            "x",
            LanePolicy {
                capacity: 3,
                on_full: OnFull::DropOldest,
            },
        );
        for i in 0..10 {
            lane.push(i);
        }
        assert_eq!(lane.counts(), (7 + 3, 7));
        assert_eq!(lane.take_all().await, Some(vec![7, 8, 9]));
        lane.close();
        assert_eq!(lane.take_all().await, None);
    }

    #[tokio::test]
    async fn block_loses_nothing_and_waits_for_room() {
        let lane = Arc::new(Lane::new(
            "x",
            LanePolicy {
                capacity: 2,
                on_full: OnFull::Block,
            },
        ));
        let producer = {
            let lane = lane.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    lane.push(i);
                }
                lane.close();
            })
        };
        let mut got = Vec::new();
        while let Some(items) = lane.take_all().await {
            assert!(items.len() <= 2);
            got.extend(items);
        }
        producer.join().unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert_eq!(lane.counts(), (100, 0));
    }
}
