//! A short-lived cache of rendered decision pages. Listing is the hottest read and tolerates being a
//! moment stale; single decisions are always read fresh. When a page expires, one request refreshes it
//! while the others keep getting the previous copy, so expiry never sends every client to Postgres at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use starkrisk_domain::ports::Clock;

struct Page {
    at: DateTime<Utc>,
    body: Bytes,
    refreshing: bool,
}

/// Rendered pages by (limit, cursor).
pub struct PageCache {
    ttl: Duration,
    clock: Arc<dyn Clock>,
    pages: Mutex<HashMap<(u32, Option<i64>), Page>>,
}

/// More distinct pages than this means a crawler; start over rather than grow.
const MAX_PAGES: usize = 4096;

/// A stale page is served while another request refreshes it, up to this many `ttl`s old.
const STALE_FACTOR: u32 = 10;

impl PageCache {
    /// A cache keeping pages for `ttl` as `clock` tells it; a zero `ttl` disables it.
    pub fn new(ttl: Duration, clock: Arc<dyn Clock>) -> Self {
        Self { ttl, clock, pages: Mutex::new(HashMap::new()) }
    }

    /// A page to serve, or `None` when this caller should render it (and `put` it).
    pub fn get(&self, limit: u32, cursor: Option<i64>) -> Option<Bytes> {
        if self.ttl.is_zero() {
            return None;
        }
        let mut pages = self.pages.lock().ok()?;
        let page = pages.get_mut(&(limit, cursor))?;
        let age = self.clock.since(page.at);
        if age < self.ttl || (page.refreshing && age < self.ttl * STALE_FACTOR) {
            return Some(page.body.clone());
        }
        // Expired: this caller refreshes it; until it does, others are served the old copy.
        page.refreshing = true;
        None
    }

    /// Stores a rendered page.
    pub fn put(&self, limit: u32, cursor: Option<i64>, body: Bytes) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= MAX_PAGES {
                pages.clear();
            }
            pages.insert((limit, cursor), Page { at: self.clock.now(), body, refreshing: false });
        }
    }

    /// Drops every page (after this process changed decisions).
    pub fn clear(&self) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use starkrisk_domain::testing::ManualClock;

    use super::*;

    #[test]
    fn pages_expire_and_one_caller_refreshes_while_others_get_the_old_copy() {
        let clock = Arc::new(ManualClock::default());
        let cache = PageCache::new(Duration::from_millis(30), clock.clone());
        assert_eq!(cache.get(20, None), None, "empty");
        cache.put(20, None, Bytes::from_static(b"v1"));
        assert_eq!(cache.get(20, None).as_deref(), Some(&b"v1"[..]));
        assert_eq!(cache.get(20, Some(5)), None, "pages are keyed by cursor");
        clock.advance(Duration::from_millis(29));
        assert_eq!(cache.get(20, None).as_deref(), Some(&b"v1"[..]), "fresh until the ttl has passed");
        clock.advance(Duration::from_millis(1));
        assert_eq!(cache.get(20, None), None, "the first caller after expiry refreshes");
        assert_eq!(cache.get(20, None).as_deref(), Some(&b"v1"[..]), "the others get the old copy meanwhile");
        clock.advance(Duration::from_millis(300));
        assert_eq!(cache.get(20, None), None, "ten ttls on, a stuck refresh is taken over");
        cache.put(20, None, Bytes::from_static(b"v2"));
        assert_eq!(cache.get(20, None).as_deref(), Some(&b"v2"[..]));
        cache.clear();
        assert_eq!(cache.get(20, None), None);
    }

    #[test]
    fn a_zero_ttl_disables_the_cache() {
        let cache = PageCache::new(Duration::ZERO, Arc::new(ManualClock::default()));
        cache.put(1, None, Bytes::from_static(b"x"));
        assert_eq!(cache.get(1, None), None);
    }
}
