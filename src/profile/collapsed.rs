//! py-spy's raw output (`py-spy record -f raw`): collapsed stacks.
//!
//! ```text
//! <module> (prog.py:51);main (prog.py:45);crunch (prog.py:15) 97
//! thread (10570): ThreadPoolExecutor-0_2;_worker (concurrent/futures/thread.py:83);crunch (prog.py:36) 12
//! ```
//!
//! One line per distinct stack: frames `name (file:line)` from root to
//! leaf, joined by `;`, then a space and the number of samples. `--threads`
//! puts a `thread (id)` or `thread (id): name` frame at the root,
//! `--subprocesses` a `process id:"command"` frame; `--idle` adds the
//! samples of idle threads and changes nothing in the syntax. Frames
//! without a `(file:line)` are such markers and are kept out of stacks.

use super::{Data, Frame, ProfileError, Stack};
use rustc_hash::FxHashMap as HashMap;

pub fn parse(name: &str, text: &str) -> Result<Data, ProfileError> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut index: HashMap<Frame, u32> = HashMap::default();
    let mut stacks = Vec::new();
    let mut code_frames = 0usize;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let row = i as u64 + 1;
        if !raw.ends_with('\n') {
            return Err(ProfileError::at(
                name,
                row,
                None,
                "the last line does not end with a newline: the profile looks truncated",
            ));
        }
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let Some((stack, count)) = line.rsplit_once(' ') else {
            return Err(ProfileError::at(
                name,
                row,
                Some(1),
                "expected `frame;frame;... COUNT` (a stack, a space and a sample count)",
            ));
        };
        let samples: u64 = count.parse().map_err(|_| {
            ProfileError::at(
                name,
                row,
                Some(stack.chars().count() as u64 + 2),
                format!(
                    "expected a sample count after the stack, found `{}`",
                    shorten(count)
                ),
            )
        })?;
        // An empty stack is a sample of a thread with no Python frames.
        let mut ids = Vec::new();
        let mut column = 1u64;
        for part in stack.split(';').filter(|_| !stack.is_empty()) {
            if part.is_empty() {
                return Err(ProfileError::at(
                    name,
                    row,
                    Some(column),
                    "empty frame (two `;` in a row)",
                ));
            }
            if let Some(frame) = parse_frame(part) {
                code_frames += 1;
                let next = frames.len() as u32;
                let id = *index.entry(frame.clone()).or_insert_with(|| {
                    frames.push(frame);
                    next
                });
                ids.push(id);
            }
            column += part.chars().count() as u64 + 1;
        }
        stacks.push(Stack {
            frames: ids,
            weight: samples as f64,
            samples,
        });
    }
    if stacks.is_empty() {
        return Err(ProfileError::new(name, "the profile has no samples"));
    }
    if code_frames == 0 {
        return Err(ProfileError::new(
            name,
            "no `function (file:line)` frames: this is not py-spy's raw (collapsed stack) output",
        ));
    }
    Ok(Data::Stacks { frames, stacks })
}

/// `name (file:line)`; `None` for markers such as `thread (123)`.
pub fn parse_frame(s: &str) -> Option<Frame> {
    let inner = s.strip_suffix(')')?;
    let (name, rest) = inner.split_once(" (")?;
    let (file, line) = rest.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    if file.is_empty() {
        return None;
    }
    Some(Frame {
        name: name.to_string(),
        file: file.to_string(),
        line,
    })
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_markers() {
        let f = parse_frame("Scale.combine (cpu_bound.py:40)").unwrap();
        assert_eq!(
            (f.name.as_str(), f.file.as_str(), f.line),
            ("Scale.combine", "cpu_bound.py", 40)
        );
        let f = parse_frame("_find_and_load (<frozen importlib._bootstrap>:1176)").unwrap();
        assert_eq!(f.file, "<frozen importlib._bootstrap>");
        assert!(parse_frame("thread (10570)").is_none());
        assert!(parse_frame("thread (10570): ThreadPoolExecutor-0_2").is_none());
        assert!(parse_frame("process 123:\"python x.py\"").is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("p.txt", "a (x.py:1) 3\nb (x.py:2) three\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("sample count"), "{e}");
        let e = parse("p.txt", "a (x.py:1) 3\nb (x.py:2").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        let e = parse("p.txt", "thread (1) 3\n").unwrap_err();
        assert!(e.message.contains("not py-spy"), "{e}");
    }
}
