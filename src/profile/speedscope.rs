//! speedscope JSON as py-spy writes it (`py-spy record -f speedscope`).
//!
//! `shared.frames[]` holds `{name, file, line}`; each of `profiles[]` (one
//! per thread) is of type `sampled`, with `samples` (stacks of frame
//! indices, root first) and `weights` (the time each sample stands for),
//! over `startValue..endValue`.

use super::{Data, Frame, ProfileError, Stack};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    shared: Shared,
    profiles: Vec<Prof>,
}

#[derive(Deserialize)]
struct Shared {
    frames: Vec<SFrame>,
}

#[derive(Deserialize)]
struct SFrame {
    name: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Prof {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    start_value: Option<f64>,
    #[serde(default)]
    end_value: Option<f64>,
    #[serde(default)]
    samples: Option<Vec<Vec<u64>>>,
    #[serde(default)]
    weights: Option<Vec<f64>>,
}

/// The stacks, and whether every thread was sampled throughout (py-spy's
/// `--idle`: the weights then cover each profile's whole time span, so no
/// waiting was left out).
pub fn parse(name: &str, text: &str) -> Result<(Data, bool), ProfileError> {
    let file: File = serde_json::from_str(text).map_err(|e| ProfileError::json(name, &e))?;
    let frames: Vec<Option<Frame>> = file
        .shared
        .frames
        .iter()
        .map(|f| match (&f.file, f.line) {
            (Some(file), Some(line)) if !file.is_empty() => Some(Frame {
                name: f.name.clone(),
                file: file.clone(),
                line,
            }),
            _ => None,
        })
        .collect();
    // Keep code frames only, renumbered.
    let mut renumber = vec![u32::MAX; frames.len()];
    let mut kept = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        if let Some(f) = f {
            renumber[i] = kept.len() as u32;
            kept.push(f.clone());
        }
    }
    if file.profiles.is_empty() {
        return Err(ProfileError::new(name, "`profiles` is empty: no samples"));
    }
    let mut stacks = Vec::new();
    let mut full_coverage = true;
    for (pi, p) in file.profiles.iter().enumerate() {
        if p.kind != "sampled" {
            return Err(ProfileError::new(
                name,
                format!(
                    "profiles[{pi}] is of type `{}`; advise reads `sampled` profiles",
                    p.kind
                ),
            ));
        }
        let (Some(samples), Some(weights)) = (&p.samples, &p.weights) else {
            return Err(ProfileError::new(
                name,
                format!("profiles[{pi}] has no `samples` or no `weights`"),
            ));
        };
        if samples.len() != weights.len() {
            return Err(ProfileError::new(
                name,
                format!(
                    "profiles[{pi}] has {} samples but {} weights",
                    samples.len(),
                    weights.len()
                ),
            ));
        }
        let mut sum = 0.0;
        for (si, (sample, &w)) in samples.iter().zip(weights).enumerate() {
            if !(w.is_finite() && w >= 0.0) {
                return Err(ProfileError::new(
                    name,
                    format!("profiles[{pi}].weights[{si}] is not a non-negative number"),
                ));
            }
            sum += w;
            let mut ids = Vec::with_capacity(sample.len());
            for &fi in sample {
                let Some(&id) = renumber.get(fi as usize) else {
                    return Err(ProfileError::new(
                        name,
                        format!(
                            "profiles[{pi}].samples[{si}] refers to frame {fi}, but \
                             shared.frames has {}",
                            frames.len()
                        ),
                    ));
                };
                if id != u32::MAX {
                    ids.push(id);
                }
            }
            stacks.push(Stack {
                frames: ids,
                weight: w,
                samples: 1,
            });
        }
        match (p.start_value, p.end_value) {
            (Some(s), Some(e)) if e > s && sum >= 0.9 * (e - s) => {}
            _ => full_coverage = false,
        }
    }
    if stacks.is_empty() {
        return Err(ProfileError::new(name, "the profile has no samples"));
    }
    if kept.is_empty() {
        return Err(ProfileError::new(
            name,
            "no frame has a `file` and a `line`: nothing can be mapped to source",
        ));
    }
    Ok((
        Data::Stacks {
            frames: kept,
            stacks,
        },
        full_coverage,
    ))
}
