//! Reading, decoding and parsing one Python file.

use ruff_python_ast::ModModule;
use ruff_python_ast::PySourceType;
use ruff_python_parser::{parse_unchecked_source, Parsed};
use ruff_text_size::TextSize;

/// 1-based row and column (column counted in characters, as ruff does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    pub row: u32,
    pub column: u32,
}

/// Maps byte offsets to rows and columns.
#[derive(Debug, Default, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<u32>,
    /// The text is ASCII, so a column is a byte offset within its line.
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0u32);
        let bytes = text.as_bytes();
        if memchr::memchr(b'\r', bytes).is_none() {
            // Only `\n` endings (the usual case): one pass finds them and
            // whether the text is ASCII.
            let ascii = newline_starts(bytes, &mut starts);
            return LineIndex { starts, ascii };
        }
        let ascii = bytes.is_ascii();
        let mut crlf_at = usize::MAX;
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if i == crlf_at {
                // The `\n` of a `\r\n`: the line started after it.
                continue;
            }
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                crlf_at = i + 1;
                starts.push((i + 2) as u32);
            } else {
                starts.push((i + 1) as u32);
            }
        }
        LineIndex { starts, ascii }
    }

    /// 0-based line number of a byte offset.
    pub fn line_of(&self, offset: TextSize) -> usize {
        let off = u32::from(offset);
        match self.starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn location(&self, text: &str, offset: TextSize) -> Location {
        self.location_at(text, offset, self.line_of(offset))
    }

    /// [`Self::location`], trying the line in `hint` first and leaving the
    /// offset's line there: a walk asks about nearby offsets in turn.
    pub fn location_near(
        &self,
        text: &str,
        offset: TextSize,
        hint: &std::cell::Cell<usize>,
    ) -> Location {
        let off = u32::from(offset);
        let line = self.line_near(off, hint.get());
        hint.set(line);
        self.location_at(text, offset, line)
    }

    /// The line of `off`, looked for first within a few lines of `h` (a
    /// walk goes back from a call's end to its arguments, a line or two
    /// up), then by binary search.
    fn line_near(&self, off: u32, h: usize) -> usize {
        const NEAR: usize = 4;
        let starts = &self.starts;
        let within = |i: usize| {
            starts.get(i).is_some_and(|&s| s <= off) && starts.get(i + 1).is_none_or(|&e| off < e)
        };
        if h < starts.len() {
            if starts[h] <= off {
                for i in h..(h + NEAR).min(starts.len()) {
                    if within(i) {
                        return i;
                    }
                }
            } else {
                for i in (h.saturating_sub(NEAR)..h).rev() {
                    if within(i) {
                        return i;
                    }
                }
            }
        }
        self.line_of(TextSize::from(off))
    }

    fn location_at(&self, text: &str, offset: TextSize, line: usize) -> Location {
        let start = self.starts[line] as usize;
        let end = (u32::from(offset) as usize).min(text.len());
        let column = if self.ascii {
            end.saturating_sub(start)
        } else {
            text.get(start..end)
                .map_or(end - start, |s| s.chars().count())
        };
        Location {
            row: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The text of a 1-based row, without its line ending.
    pub fn line_text<'a>(&self, text: &'a str, row: u32) -> &'a str {
        let i = row.saturating_sub(1) as usize;
        let Some(&start) = self.starts.get(i) else {
            return "";
        };
        let end = self.starts.get(i + 1).map_or(text.len(), |&e| e as usize);
        text.get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Push the offset after each `\n` of `bytes`; say whether all of it is
/// ASCII. Sixteen bytes at a time: lines are short (35 bytes on average in
/// the wheel corpus), and a search call per line costs more than the line.
fn newline_starts(bytes: &[u8], starts: &mut Vec<u32>) -> bool {
    let mut at = 0;
    let mut high = 0u8;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8, _mm_setzero_si128,
        };
        // SAFETY: SSE2 is part of x86_64; each load reads 16 bytes inside
        // `bytes` (`at + 16 <= len`), unaligned loads allowed.
        unsafe {
            let nl = _mm_set1_epi8(b'\n' as i8);
            let mut any_high = _mm_setzero_si128();
            while at + 16 <= bytes.len() {
                let v = _mm_loadu_si128(bytes.as_ptr().add(at) as *const __m128i);
                any_high = _mm_or_si128(any_high, v);
                let mut mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) as u32;
                while mask != 0 {
                    starts.push((at + mask.trailing_zeros() as usize + 1) as u32);
                    mask &= mask - 1;
                }
                at += 16;
            }
            if _mm_movemask_epi8(any_high) != 0 {
                high = 0x80;
            }
        }
    }
    for (i, &b) in bytes.iter().enumerate().skip(at) {
        high |= b;
        if b == b'\n' {
            starts.push((i + 1) as u32);
        }
    }
    high < 0x80
}

/// Why a file could not be analysed (fully).
#[derive(Debug, Clone)]
pub enum LoadError {
    Io(String),
    NotUtf8 {
        offset: usize,
    },
    /// A PEP 263 declaration of an encoding advise does not decode.
    Encoding {
        name: String,
    },
}

/// The encoding a PEP 263 comment on the first two lines declares.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') {
            continue;
        }
        let Some(pos) = trimmed.find("coding") else {
            continue;
        };
        let rest = &trimmed[pos + "coding".len()..];
        let Some(rest) = rest.strip_prefix([':', '=']) else {
            continue;
        };
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if !name.is_empty() {
            return Some(name.to_ascii_lowercase().replace('_', "-"));
        }
    }
    None
}

/// Decode a file's bytes: UTF-8 (a BOM is skipped), or Latin-1 where a
/// PEP 263 comment declares it.
pub fn decode(bytes: Vec<u8>) -> Result<String, LoadError> {
    let bytes = if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes[3..].to_vec()
    } else {
        bytes
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            match declared_encoding(&bytes).as_deref() {
                Some(
                    "latin-1" | "iso-8859-1" | "iso8859-1" | "latin1" | "l1" | "iso-latin-1"
                    | "cp819",
                ) => Ok(bytes.iter().map(|&b| b as char).collect()),
                Some("utf-8" | "utf8") | None => Err(LoadError::NotUtf8 { offset }),
                Some(other) => Err(LoadError::Encoding {
                    name: other.to_string(),
                }),
            }
        }
    }
}

pub struct ParsedFile {
    pub parsed: Parsed<ModModule>,
}

pub fn parse(text: &str, is_stub: bool) -> ParsedFile {
    let ty = if is_stub {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    ParsedFile {
        parsed: parse_unchecked_source(text, ty),
    }
}

#[cfg(test)]
mod line_index_tests {
    use super::*;

    /// Line starts by the plain definition: after `\n`, after `\r` not
    /// followed by `\n`.
    fn reference(text: &str) -> Vec<u32> {
        let b = text.as_bytes();
        let mut starts = vec![0];
        for i in 0..b.len() {
            let ends = b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n'));
            if ends {
                starts.push(i as u32 + 1);
            }
        }
        starts
    }

    #[test]
    fn line_starts_for_every_kind_of_line_ending() {
        for text in [
            "",
            "x",
            "a\nb\n",
            "a\r\nb\r\n",
            "a\rb\r",
            "\r\r\n\n\r",
            "a\n\rb",
            "\r\n\r\n\r",
            "é\r\nü\rß\n",
        ] {
            assert_eq!(LineIndex::new(text).starts, reference(text), "{text:?}");
        }
        // Lines across and at the edges of the sixteen-byte blocks, with
        // and without a non-ASCII character anywhere.
        let mut texts = Vec::new();
        for len in 0..70usize {
            for step in [1, 2, 3, 5, 15, 16, 17, 40] {
                let plain: String = (0..len)
                    .map(|i| if i % step == step - 1 { '\n' } else { 'x' })
                    .collect();
                for at in [0, len / 2, len.saturating_sub(1)] {
                    let mut t: Vec<char> = plain.chars().collect();
                    if at < t.len() && t[at] != '\n' {
                        t[at] = 'é';
                    }
                    texts.push(t.into_iter().collect::<String>());
                }
                texts.push(plain);
            }
        }
        for text in &texts {
            let idx = LineIndex::new(text);
            assert_eq!(idx.starts, reference(text), "{text:?}");
            assert_eq!(idx.ascii, text.is_ascii(), "{text:?}");
        }
        let idx = LineIndex::new("ab\r\ncd\ref");
        assert_eq!(idx.line_text("ab\r\ncd\ref", 2), "cd");
        assert_eq!(
            idx.location("ab\r\ncd\ref", TextSize::from(8)),
            Location { row: 3, column: 2 }
        );
    }

    #[test]
    fn columns_count_characters_in_ascii_and_other_text() {
        // Columns are characters, as ruff counts them: an ASCII file takes
        // a shortcut (bytes are characters), and must agree with counting.
        for text in ["x = 1\n  y(z)\n", "é = 1\n  ü(z)\n", "a\r\n\tb ß c\n"] {
            let idx = LineIndex::new(text);
            for off in 0..=text.len() {
                if !text.is_char_boundary(off) {
                    continue;
                }
                let offset = TextSize::from(off as u32);
                let line_start = idx.starts[idx.line_of(offset)] as usize;
                let chars = text[line_start..off].chars().count() as u32;
                let at = idx.location(text, offset);
                assert_eq!(at.column, chars + 1, "{text:?} at {off}");
            }
        }
    }

    #[test]
    fn a_hinted_location_is_the_location_whatever_the_hint() {
        // More lines than the near search looks through, either way.
        let text = "ab\r\ncd\ré\n\nxyz\n1\n22\n\n333\n4\n5\n\n6\n77";
        let idx = LineIndex::new(text);
        for hint in 0..idx.line_count() + 2 {
            for off in 0..=text.len() as u32 + 1 {
                let offset = TextSize::from(off);
                let cell = std::cell::Cell::new(hint);
                assert_eq!(
                    idx.location_near(text, offset, &cell),
                    idx.location(text, offset),
                    "offset {off}, hint {hint}"
                );
                assert_eq!(cell.get(), idx.line_of(offset));
            }
        }
    }
}
