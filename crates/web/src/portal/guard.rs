//! Slowing down guesses: a client address that keeps opening links that do not work, or keeps
//! entering invoice numbers and postcodes that do not match, is refused for a while.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;

/// Misses an address may make within [`WINDOW`] before it is refused until the window ends.
pub const MAX_MISSES: u32 = 10;
/// The window misses are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses remembered at most; beyond it, windows that ended are forgotten first.
const REMEMBERED: usize = 100_000;

/// Misses per client address.
#[derive(Debug, Default)]
pub struct Guard {
    /// Take the client address from the last `X-Forwarded-For` hop (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    misses: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Guard {
    /// A guard that reads the client from `X-Forwarded-For` when `trust_forwarded_for`.
    pub fn new(trust_forwarded_for: bool) -> Self {
        Guard { trust_forwarded_for, ..Guard::default() }
    }

    /// The client's address: the connection's peer, or behind a trusted proxy the address it
    /// forwarded. `None` when neither is known (then nothing is counted).
    pub fn client(&self, headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>) -> Option<IpAddr> {
        if self.trust_forwarded_for {
            let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).next_back();
            if let Some(ip) = forwarded.and_then(|v| v.rsplit(',').next()).and_then(|v| v.trim().parse().ok()) {
                return Some(ip);
            }
        }
        peer.map(|c| c.0.ip())
    }

    /// Whether the address has used up its misses for now.
    pub fn refused(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return false };
        let now = Instant::now();
        let misses = self.misses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        misses.get(&ip).is_some_and(|(start, n)| now.duration_since(*start) < WINDOW && *n >= MAX_MISSES)
    }

    /// Counts a miss of the address.
    pub fn miss(&self, ip: Option<IpAddr>) {
        let Some(ip) = ip else { return };
        let now = Instant::now();
        let mut misses = self.misses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if misses.len() >= REMEMBERED {
            misses.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = misses.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_misses_and_others_are_not() {
        let g = Guard::new(false);
        let a: IpAddr = "192.0.2.1".parse().expect("as written");
        let b: IpAddr = "192.0.2.2".parse().expect("as written");
        for _ in 0..MAX_MISSES - 1 {
            g.miss(Some(a));
        }
        assert!(!g.refused(Some(a)));
        g.miss(Some(a));
        assert!(g.refused(Some(a)));
        assert!(!g.refused(Some(b)));
        assert!(!g.refused(None), "an unknown client is not counted");
    }

    #[test]
    fn behind_a_proxy_the_forwarded_address_counts() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().expect("as written"));
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5000)));
        assert_eq!(Guard::new(true).client(&h, Some(&peer)), Some("198.51.100.7".parse().expect("as written")));
        assert_eq!(Guard::new(false).client(&h, Some(&peer)), Some("127.0.0.1".parse().expect("as written")), "not trusted: the peer");
    }
}
