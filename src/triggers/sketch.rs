//! Compact sets for snapshots: 96-bit item hashes and a fixed-size invertible sketch of a set of
//! them (an invertible Bloom lookup table).
//!
//! A sketch holds any number of items in the same few kilobytes. Subtracting the sketch of what
//! a poll lists from the stored one and peeling the difference gives back, exactly, the items
//! listed now but not stored (and those stored but no longer listed), as long as the difference
//! is small (about [`DECODABLE`] items). A larger difference is reported as undecodable, never
//! guessed, so the caller can fall back to emitting again rather than skipping.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A stable 96-bit hash of an item's id: two items are told apart unless all 96 bits agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemHash {
    /// The first 64 bits (also where the item sits in a sketch).
    pub key: u64,
    /// 32 more bits, independent of `key`.
    pub check: u32,
}

/// How ids are hashed; tests substitute a hash that collides on purpose.
pub type Hasher = fn(&str) -> ItemHash;

/// SHA-256 of the id, cut to 96 bits: stable across processes, platforms and versions.
pub fn item_hash(id: &str) -> ItemHash {
    let digest = Sha256::digest(id.as_bytes());
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    let mut check = [0u8; 4];
    check.copy_from_slice(&digest[8..12]);
    ItemHash { key: u64::from_le_bytes(key), check: u32::from_le_bytes(check) }
}

/// Cells in a sketch: 20 bytes each, 2,134 characters of base64 in all.
pub const CELLS: usize = 81;
/// Differences a sketch of [`CELLS`] cells decodes in practice.
pub const DECODABLE: usize = 40;
/// Cells each item touches (one in each third of the table).
const HASHES: usize = 3;
const CELL_BYTES: usize = 20;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cell {
    count: i32,
    key: u64,
    check: u32,
    /// XOR of a checksum of each item: tells a cell holding exactly one item from a mixed one.
    tag: u32,
}

impl Cell {
    fn is_empty(&self) -> bool {
        *self == Cell::default()
    }

    fn toggle(&mut self, item: ItemHash, count: i32) {
        self.count = self.count.wrapping_add(count);
        self.key ^= item.key;
        self.check ^= item.check;
        self.tag ^= tag(item);
    }

    /// One item alone in the cell (count ±1 and its checksum matches).
    fn pure(&self) -> Option<(ItemHash, i32)> {
        let item = ItemHash { key: self.key, check: self.check };
        (matches!(self.count, 1 | -1) && self.tag == tag(item)).then_some((item, self.count))
    }
}

fn mix(mut x: u64) -> u64 {
    // splitmix64's finalizer: a fixed, well-spread permutation.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn tag(item: ItemHash) -> u32 {
    (mix(item.key ^ (u64::from(item.check) << 17) ^ 0x5bd1_e995) >> 32) as u32
}

fn cells_of(key: u64) -> [usize; HASHES] {
    let part = CELLS / HASHES;
    let mut cells = [0; HASHES];
    for (i, cell) in cells.iter_mut().enumerate() {
        let h = mix(key.wrapping_add(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1)));
        *cell = i * part + (h % part as u64) as usize;
    }
    cells
}

/// A fixed-size invertible sketch of a multiset of item hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    cells: Vec<Cell>,
}

impl Default for Sketch {
    fn default() -> Self {
        Self { cells: vec![Cell::default(); CELLS] }
    }
}

/// What decoding a difference found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Difference {
    /// In the first sketch and not in the second (with multiplicity).
    pub added: Vec<ItemHash>,
    /// In the second sketch and not in the first.
    pub removed: Vec<ItemHash>,
}

impl Sketch {
    /// The sketch of these items.
    pub fn of(items: impl IntoIterator<Item = ItemHash>) -> Self {
        let mut sketch = Self::default();
        for item in items {
            sketch.insert(item);
        }
        sketch
    }

    /// Adds one item.
    pub fn insert(&mut self, item: ItemHash) {
        for cell in cells_of(item.key) {
            self.cells[cell].toggle(item, 1);
        }
    }

    /// Whether the sketch holds nothing.
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }

    /// The items in `self` and not in `other`, and the reverse; `None` when the difference is too
    /// large to decode with certainty.
    pub fn difference(&self, other: &Sketch) -> Option<Difference> {
        let mut cells: Vec<Cell> = self
            .cells
            .iter()
            .zip(&other.cells)
            .map(|(a, b)| Cell {
                count: a.count.wrapping_sub(b.count),
                key: a.key ^ b.key,
                check: a.check ^ b.check,
                tag: a.tag ^ b.tag,
            })
            .collect();
        let mut found = Difference::default();
        let mut progress = true;
        while progress {
            progress = false;
            for index in 0..cells.len() {
                let Some((item, count)) = cells[index].pure() else { continue };
                let places = cells_of(item.key);
                if !places.contains(&index) {
                    // A checksum that matched by chance: the cell is not what it seems.
                    continue;
                }
                for place in places {
                    cells[place].toggle(item, -count);
                }
                if count == 1 {
                    found.added.push(item);
                } else {
                    found.removed.push(item);
                }
                progress = true;
            }
        }
        cells.iter().all(Cell::is_empty).then_some(found)
    }

    /// The sketch as base64 (the snapshot's form).
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(CELLS * CELL_BYTES);
        for cell in &self.cells {
            bytes.extend_from_slice(&cell.count.to_le_bytes());
            bytes.extend_from_slice(&cell.key.to_le_bytes());
            bytes.extend_from_slice(&cell.check.to_le_bytes());
            bytes.extend_from_slice(&cell.tag.to_le_bytes());
        }
        STANDARD_NO_PAD.encode(bytes)
    }

    /// Reads [`Sketch::encode`]'s form.
    pub fn decode(text: &str) -> Result<Self, String> {
        let bytes =
            STANDARD_NO_PAD.decode(text).map_err(|error| format!("the sketch is not base64: {error}"))?;
        if bytes.len() != CELLS * CELL_BYTES {
            return Err(format!("the sketch has {} bytes, not {}", bytes.len(), CELLS * CELL_BYTES));
        }
        let cells = bytes
            .chunks_exact(CELL_BYTES)
            .map(|c| Cell {
                count: i32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                key: u64::from_le_bytes([c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]]),
                check: u32::from_le_bytes([c[12], c[13], c[14], c[15]]),
                tag: u32::from_le_bytes([c[16], c[17], c[18], c[19]]),
            })
            .collect();
        Ok(Self { cells })
    }
}

/// A 24-bit fingerprint of an item hash (for the exact list of the newest items).
pub fn fingerprint(item: ItemHash) -> u32 {
    (item.key >> 40) as u32
}

/// Fingerprints as base64, 3 bytes each.
pub fn encode_fingerprints(prints: &[u32]) -> String {
    let bytes: Vec<u8> = prints.iter().flat_map(|p| p.to_be_bytes()[1..].to_vec()).collect();
    STANDARD_NO_PAD.encode(bytes)
}

/// Reads [`encode_fingerprints`]' form.
pub fn decode_fingerprints(text: &str) -> Result<Vec<u32>, String> {
    let bytes =
        STANDARD_NO_PAD.decode(text).map_err(|error| format!("the fingerprints are not base64: {error}"))?;
    if bytes.len() % 3 != 0 {
        return Err("the fingerprints are not whole 3-byte entries".into());
    }
    Ok(bytes.chunks_exact(3).map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]])).collect())
}

impl serde::Serialize for Sketch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Sketch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Sketch::decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(range: std::ops::Range<u32>) -> Vec<ItemHash> {
        range.map(|i| item_hash(&format!("item-{i}"))).collect()
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(item_hash("1:2"), item_hash("1:2"));
        assert_ne!(item_hash("1:2"), item_hash("1:3"));
        // Pinned: a snapshot written by one build is read by the next.
        assert_eq!(item_hash("").key, u64::from_le_bytes([0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14]));
    }

    #[test]
    fn a_small_difference_decodes_exactly_in_both_directions() {
        let stored = Sketch::of(items(0..2000));
        let mut now: Vec<ItemHash> = items(5..2000 + DECODABLE as u32 - 5);
        now.retain(|i| *i != item_hash("item-100"));
        let diff = Sketch::of(now).difference(&stored).expect("decodable");
        let mut added = diff.added.clone();
        added.sort();
        let mut expected = items(2000..2000 + DECODABLE as u32 - 5);
        expected.sort();
        assert_eq!(added, expected);
        assert_eq!(diff.removed.len(), 6, "0..5 and item-100");
        assert_eq!(
            Sketch::of(items(0..10)).difference(&Sketch::of(items(0..10))),
            Some(Difference::default())
        );
    }

    #[test]
    fn a_large_difference_is_reported_not_guessed() {
        let stored = Sketch::of(items(0..10));
        assert_eq!(Sketch::of(items(0..400)).difference(&stored), None);
    }

    #[test]
    fn the_same_hash_twice_is_a_difference_of_one() {
        let one = item_hash("x");
        let diff = Sketch::of([one, one]).difference(&Sketch::of([one])).unwrap();
        assert_eq!(diff.added, [one]);
    }

    #[test]
    fn encoding_round_trips_and_has_a_fixed_size() {
        let sketch = Sketch::of(items(0..50));
        let text = sketch.encode();
        assert_eq!(text.len(), (CELLS * CELL_BYTES * 4).div_ceil(3));
        assert_eq!(Sketch::decode(&text).unwrap(), sketch);
        assert!(Sketch::decode("abc").is_err());
        assert!(Sketch::decode("not base64!").is_err());
    }
}
