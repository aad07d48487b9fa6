//! Keys for the audit log, the MACs made with them, and what `verify` found.
//!
//! Without a key, each audit entry's `hash` is SHA-256 over the previous hash and its
//! fields ([`audit_hash`]): that finds accidental damage and edits by someone who does not
//! recompute the chain, but whoever administers the database can rewrite an entry and
//! recompute every hash after it. With a key ([`AuditKeys`], kept *outside* the database),
//! `hash` is HMAC-SHA256 over the same bytes ([`audit_mac`]) and the entry records which
//! key made it (`key_id`): rewriting needs the key. Every [`CHECKPOINT_EVERY`] entries (and
//! whenever [`crate::Store::audit_checkpoint`] is called) a MAC'd checkpoint of the chain's
//! head is stored, so deleting entries up to a checkpoint is found too. Entries after the
//! latest checkpoint can still be deleted unnoticed: record the latest checkpoint elsewhere
//! if that matters.

use crate::model::{NewAudit, audit_message};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// A checkpoint of the chain's head is stored whenever an entry whose id is a multiple of
/// this is written with a key (and by `kaohe audit checkpoint` and the server's jobs).
pub const CHECKPOINT_EVERY: i64 = 100;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// One audit key. Its `Debug` shows only its id.
#[derive(Clone)]
pub struct AuditKey {
    id: String,
    key: Vec<u8>,
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

impl AuditKey {
    /// A key from its bytes (at least [`MIN_KEY_BYTES`]).
    pub fn new(key: Vec<u8>) -> Result<Self, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "审计密钥太短: {} 字节, 至少 {MIN_KEY_BYTES} / audit key too short: {} bytes, at least {MIN_KEY_BYTES}",
                key.len(),
                key.len()
            ));
        }
        let id = hex::encode(Sha256::digest(&key))[..8].to_string();
        Ok(AuditKey { id, key })
    }

    /// A key written as hex or base64.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bytes = hex::decode(t)
            .ok()
            .or_else(|| base64_decode(t))
            .ok_or_else(|| {
                "审计密钥须为十六进制或 base64 / an audit key must be hex or base64".to_string()
            })?;
        Self::new(bytes)
    }

    /// The key's id: the first 8 hex digits of SHA-256 of the key (stored with each entry).
    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self, message: &[u8]) -> String {
        hex::encode(hmac_sha256(&self.key, message))
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(message);
    m.finalize().into_bytes().into()
}

/// The keys a store writes and verifies with, newest first: new entries are MAC'd with the
/// first; older entries are checked with the key their `key_id` names. Empty: plain SHA-256.
#[derive(Clone, Debug, Default)]
pub struct AuditKeys(Arc<Vec<AuditKey>>);

impl AuditKeys {
    /// Keys, newest first.
    pub fn new(keys: Vec<AuditKey>) -> Self {
        AuditKeys(Arc::new(keys))
    }

    /// A comma- (or line-) separated list of keys in hex or base64, newest first.
    pub fn parse(text: &str) -> Result<Self, String> {
        let keys = text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(AuditKey::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(keys))
    }

    /// The keys from `KAOHE_AUDIT_KEY` (a list, newest first), then those in `key_file`.
    pub fn from_env(key_file: Option<&std::path::Path>) -> Result<Self, String> {
        let mut keys = Vec::new();
        if let Ok(t) = std::env::var("KAOHE_AUDIT_KEY") {
            keys.extend(
                Self::parse(&t)
                    .map_err(|e| format!("KAOHE_AUDIT_KEY: {e}"))?
                    .list()
                    .iter()
                    .cloned(),
            );
        }
        if let Some(p) = key_file {
            let t = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            keys.extend(
                Self::parse(&t)
                    .map_err(|e| format!("{}: {e}", p.display()))?
                    .list()
                    .iter()
                    .cloned(),
            );
        }
        Ok(Self::new(keys))
    }

    /// No key: plain SHA-256.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All keys, newest first.
    pub fn list(&self) -> &[AuditKey] {
        &self.0
    }

    /// The key new entries are MAC'd with.
    pub fn current(&self) -> Option<&AuditKey> {
        self.0.first()
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.0.iter().find(|k| k.id == id)
    }
}

/// An entry's MAC: HMAC-SHA256 with `key` over the bytes [`crate::audit_hash`] hashes.
pub fn audit_mac(key: &AuditKey, prev: &str, at: &str, e: &NewAudit) -> String {
    key.mac(&audit_message(prev, at, e))
}

/// A new entry's `hash` and `key_id`: MAC'd with the current key, or plain without one.
pub(crate) fn entry_hash(
    keys: &AuditKeys,
    prev: &str,
    at: &str,
    e: &NewAudit,
) -> (String, Option<String>) {
    match keys.current() {
        Some(k) => (audit_mac(k, prev, at, e), Some(k.id.clone())),
        None => (crate::audit_hash(prev, at, e), None),
    }
}

/// A checkpoint's MAC, over its time, the last entry's id and hash, and the entry count.
pub fn checkpoint_mac(
    key: &AuditKey,
    at: &str,
    last_id: i64,
    last_hash: &str,
    count: i64,
) -> String {
    let mut m = Vec::new();
    for part in [
        "kaohe audit checkpoint",
        at,
        &last_id.to_string(),
        last_hash,
        &count.to_string(),
    ] {
        m.extend((part.len() as u64).to_le_bytes());
        m.extend(part.as_bytes());
    }
    key.mac(&m)
}

/// A stored, MAC'd checkpoint of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpoint {
    pub id: i64,
    pub at: String,
    pub last_id: i64,
    pub last_hash: String,
    pub count: i64,
    pub mac: String,
    pub key_id: String,
}

/// Everything `verify` found: the verdict ([`crate::AuditCheck`]) and how far it can be
/// trusted. An entry without a key after one with a key is reported as rewritten (kaohe
/// refuses to write so), which stops a rewrite that drops the MACs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Intact, the first tampered entry, a forged checkpoint, or truncation.
    pub check: crate::AuditCheck,
    /// Entries read.
    pub entries: i64,
    /// The ids of the keys verify was given, newest first.
    pub keys: Vec<String>,
    /// Entries written without a key (only hash-chained; before the first keyed one).
    pub plain: i64,
    /// Entries checked against their key.
    pub keyed: i64,
    /// Entries MAC'd with a key verify was not given: they cannot be checked.
    pub unchecked: i64,
    /// The first of those.
    pub first_unchecked: Option<i64>,
    /// The ids of keys named in the log (entries or checkpoints) but not given.
    pub missing_keys: Vec<String>,
    /// Checkpoints stored.
    pub checkpoints: i64,
    /// The latest checkpoint: (its id, the entry it ends at).
    pub latest_checkpoint: Option<(i64, i64)>,
}

impl AuditReport {
    /// Every entry and checkpoint could be checked with a key given (or none uses a key).
    pub fn fully_checked(&self) -> bool {
        self.unchecked == 0 && self.missing_keys.is_empty()
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.keys.is_empty() {
            writeln!(
                f,
                "未配置审计密钥: 日志只有 SHA-256 哈希链, 数据库管理员可以改写记录并重算整条链而不被发现。\
                 请设置 KAOHE_AUDIT_KEY (或 --audit-key-file / KAOHE_AUDIT_KEY_FILE, 至少 32 字节, 十六进制或 base64), \
                 写入和校验时都要设置。\n\
                 NO audit key configured: the log is only a SHA-256 hash chain and is NOT protected against \
                 its database's administrator, who can rewrite entries and recompute the chain unnoticed. \
                 Set KAOHE_AUDIT_KEY (or --audit-key-file / KAOHE_AUDIT_KEY_FILE; at least 32 bytes, hex or \
                 base64) for every kaohe process that writes, and when verifying."
            )?;
        } else {
            writeln!(
                f,
                "审计密钥 / audit keys (HMAC-SHA256): {} (当前 / current: {})",
                self.keys.join(", "),
                self.keys[0]
            )?;
            writeln!(
                f,
                "{} 条记录用密钥校验 / entries checked with a key: {}",
                self.keyed, self.keyed
            )?;
        }
        if self.plain > 0 && !self.keys.is_empty() {
            writeln!(
                f,
                "{} 条记录写入时未使用密钥, 只有哈希链保护 / {} entries were written without a key and are only hash-chained",
                self.plain, self.plain
            )?;
        }
        if self.unchecked > 0 {
            writeln!(
                f,
                "无法校验 {} 条记录 (第一条: {}), 缺少密钥 {} / {} entries cannot be checked (first: entry {}): key(s) {} not given",
                self.unchecked,
                self.first_unchecked.unwrap_or(0),
                self.missing_keys.join(", "),
                self.unchecked,
                self.first_unchecked.unwrap_or(0),
                self.missing_keys.join(", ")
            )?;
        } else if !self.missing_keys.is_empty() {
            writeln!(
                f,
                "缺少密钥 {} (检查点无法校验) / key(s) {} not given (checkpoints cannot be checked)",
                self.missing_keys.join(", "),
                self.missing_keys.join(", ")
            )?;
        }
        match self.latest_checkpoint {
            Some((id, last)) => writeln!(
                f,
                "{} 个检查点, 最新为 {id} (至第 {last} 条); 之后的记录被删除无法发现 / {} checkpoints, the latest {id} at entry {last}; entries after it could be deleted unnoticed",
                self.checkpoints, self.checkpoints
            )?,
            None => writeln!(
                f,
                "无检查点: 删除末尾记录无法发现 / no checkpoints: deleting the last entries goes unnoticed"
            )?,
        }
        write!(f, "{}", self.check)
    }
}

/// Standard or URL-safe base64, padding optional.
fn base64_decode(t: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let s = t.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 1.
        assert_eq!(
            hex::encode(hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn keys_parse_hex_and_base64_and_refuse_short_ones() {
        let hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let a = AuditKey::parse(hex_key).unwrap();
        // The same 32 bytes in base64.
        let b = AuditKey::parse("ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=").unwrap();
        assert_eq!(a.id(), b.id());
        assert_eq!(a.id().len(), 8);
        assert!(AuditKey::parse("0011").unwrap_err().contains("too short"));
        assert!(AuditKey::parse("not a key!").is_err());
        let ks = AuditKeys::parse(&format!("{hex_key}, {}", "ab".repeat(40))).unwrap();
        assert_eq!(ks.list().len(), 2);
        assert_eq!(ks.current().unwrap().id(), a.id());
        assert!(ks.get(a.id()).is_some());
        assert!(!format!("{ks:?}").contains("0011"));
    }
}
