//! API keys: `tg_<prefix>_<secret>`. The prefix finds the key; only a SHA-256 hash of the
//! secret is stored, so a stolen database holds no usable key. The secret carries 256 random
//! bits, so a fast hash is enough (no password stretching is needed for random secrets).

use sha2::{Digest, Sha256};

/// A key just made: the whole key (shown once) and what is stored of it.
pub struct NewApiKey {
    /// The key to hand to the client, once.
    pub key: String,
    /// Public part, stored in clear to find the key.
    pub prefix: String,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hash of a secret as stored.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Makes a new random key from the operating system's random source.
pub fn generate() -> Result<NewApiKey, getrandom::Error> {
    let mut prefix = [0u8; 6];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut prefix)?;
    getrandom::fill(&mut secret)?;
    let (prefix, secret) = (hex(&prefix), hex(&secret));
    Ok(NewApiKey { key: format!("tg_{prefix}_{secret}"), secret_hash: hash_secret(&secret), prefix })
}

/// Splits a presented key into prefix and secret, if it has the shape of one.
pub fn split(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("tg_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let ok = prefix.len() == 12 && secret.len() == 64 && (prefix.bytes().chain(secret.bytes())).all(|b| b.is_ascii_hexdigit());
    ok.then_some((prefix, secret))
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_splits_and_verifies() {
        let k = generate().expect("os random source");
        let (prefix, secret) = split(&k.key).expect("shape");
        assert_eq!(prefix, k.prefix);
        assert!(same(&hash_secret(secret), &k.secret_hash));
        assert!(!same(&hash_secret("0"), &k.secret_hash));
        assert_ne!(generate().expect("os random source").key, k.key);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in ["", "tg_", "tg_abc_def", "xx_0123456789ab_0000", &format!("tg_0123456789ab_{}", "g".repeat(64))] {
            assert!(split(bad).is_none(), "{bad}");
        }
    }
}
