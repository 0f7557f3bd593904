//! Settling: acknowledging or rejecting a finished message's newest delivery, once.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use lapin::options::{BasicAckOptions, BasicRejectOptions};
use lapin::Acker;

use super::{lock, Sail};

/// Outcomes of recently settled messages, oldest first.
#[derive(Default)]
pub(super) struct Settled {
    outcomes: HashMap<String, bool>,
    order: std::collections::VecDeque<String>,
}

impl Sail {
    /// How a message with this id was settled lately, if it was.
    pub(super) fn settled_before(&self, id: &str) -> Option<bool> {
        lock(&self.settled).outcomes.get(id).copied()
    }

    /// Remembers a settled message (the latest 10,000), so a redelivery is recognised.
    fn remember_settled(&self, id: &str, ok: bool) {
        const MAX: usize = 10_000;
        let mut settled = lock(&self.settled);
        if settled.outcomes.insert(id.to_string(), ok).is_none() {
            settled.order.push_back(id.to_string());
        }
        while settled.order.len() > MAX {
            if let Some(oldest) = settled.order.pop_front() {
                settled.outcomes.remove(&oldest);
            }
        }
    }

    /// Acknowledges (or rejects) the newest delivery of a finished message.
    ///
    /// After a reconnect the first delivery's channel is gone: wait for the broker to redeliver the
    /// message on the new consumer and settle that delivery instead, so it is not processed twice.
    pub(super) async fn settle(&self, message_id: Option<&str>, own: &Acker, ok: bool) {
        let Some(id) = message_id else {
            if !settle_one(own, ok).await {
                tracing::warn!(
                    "could not settle the message: its channel is closed; the broker will redeliver it"
                );
            }
            return;
        };
        let mut version = self.db_version.subscribe();
        loop {
            version.borrow_and_update();
            let current = self.consumer_generation.load(Ordering::SeqCst);
            let stopping = self.stopping.load(Ordering::SeqCst);
            let tracked = lock(&self.db).get(id).map(|t| (t.acker.clone(), t.generation));
            let Some((acker, generation)) = tracked else {
                return;
            };
            if generation == current || stopping {
                let done = settle_one(&acker, ok).await;
                tracing::debug!(generation, current, done, "settling");
                if done || stopping {
                    if done {
                        self.remember_settled(id, ok);
                    }
                    let superseded = lock(&self.db).remove(id).map(|t| t.superseded).unwrap_or_default();
                    for older in superseded.iter().filter(|a| a.usable()) {
                        settle_one(older, ok).await;
                    }
                    if !done {
                        tracing::warn!(
                            "could not settle the message before stopping; the broker will redeliver it"
                        );
                    } else {
                        tracing::info!(acked = ok, "message settled");
                    }
                    return;
                }
            }
            tracing::debug!("waiting for the redelivery of the message on the new connection");
            // Also re-check now and then: the channel may die without a version bump yet.
            let _ = tokio::time::timeout(Duration::from_millis(500), version.changed()).await;
        }
    }
}

/// Acks (`ok`) or rejects without requeue; `false` when the channel is gone.
pub(super) async fn settle_one(acker: &Acker, ok: bool) -> bool {
    let result = if ok {
        acker.ack(BasicAckOptions::default()).await
    } else {
        acker.reject(BasicRejectOptions { requeue: false }).await
    };
    matches!(result, Ok(true))
}

pub(super) async fn reject_quietly(acker: &Acker) {
    if !settle_one(acker, false).await {
        tracing::warn!("could not reject the message: its channel is closed");
    }
}
