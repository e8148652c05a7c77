//! What GIL401 and GIL402 share: which loops are Python loops over
//! numbers and arrays, and what keeps a function from compiling with a JIT.

use crate::analysis::project::{FuncId, Project, Target};
use crate::semantic::{IterKind, LoopKind};
use crate::source::Location;
use rustc_hash::FxHashMap as HashMap;

/// Is the function compiled already (`@numba.njit`)?
pub fn jitted(p: &Project, f: FuncId) -> bool {
    p.funcs[f]
        .summary
        .decorators()
        .iter()
        .any(|d| p.rb.jit.decorators.lookup(d).is_some())
}

/// Does loop `l` contain another loop?
pub fn has_inner(p: &Project, f: FuncId, l: u32) -> bool {
    p.funcs[f]
        .summary
        .loops()
        .iter()
        .any(|o| o.parent == Some(l))
}

/// A loop that only visits array elements by its index: `for i in
/// range(n): out[i] = a[i] * b[i]`, with Python arithmetic, no inner loop
/// and more than a handful of iterations. GIL402's loop.
pub fn elementwise(p: &Project, f: FuncId, l: u32) -> bool {
    let s = p.funcs[f].summary;
    let fact = &s.loops()[l as usize];
    fact.kind == LoopKind::For
        && fact.iter == IterKind::Range
        && fact.var.is_some()
        && fact.array_elems > 0
        && !fact.array_irregular
        && !fact.has_text
        && fact.trip().is_none_or(|t| t >= 64)
        && p.loop_marks.is_compute(f, l)
        && !has_inner(p, f, l)
}

/// Loop `l` and every loop inside it iterate over ranges or arrays (or
/// are `while` loops), do no text work, and index only arrays (typed, or
/// indexed with a tuple): `words[i]` may be a list of strings.
pub fn numeric_nest(p: &Project, f: FuncId, l: u32) -> bool {
    let s = p.funcs[f].summary;
    let inside = |mut j: u32| loop {
        if j == l {
            return true;
        }
        match s.loops()[j as usize].parent {
            Some(pj) => j = pj,
            None => return false,
        }
    };
    s.loops().iter().enumerate().all(|(j, fact)| {
        !inside(j as u32)
            || (!fact.has_text
                && !fact.untyped_index
                && (fact.kind == LoopKind::While
                    || matches!(fact.iter, IterKind::Range | IterKind::Array)))
    })
}

/// What keeps `f` from compiling in Numba's nopython mode, earliest
/// first: `(line, description)`.
pub fn jit_blocker(p: &Project, f: FuncId, depth: u32) -> Option<(Location, String)> {
    jit_blocker_in(p, f, depth, &mut HashMap::default())
}

/// [`jit_blocker`], each helper judged once per depth: a helper called
/// from many places (or calling many others) costs once, not once per path.
fn jit_blocker_in(
    p: &Project,
    f: FuncId,
    depth: u32,
    memo: &mut HashMap<(FuncId, u32), Option<(Location, String)>>,
) -> Option<(Location, String)> {
    if let Some(known) = memo.get(&(f, depth)) {
        return known.clone();
    }
    let found = jit_blocker_uncached(p, f, depth, memo);
    memo.insert((f, depth), found.clone());
    found
}

fn jit_blocker_uncached(
    p: &Project,
    f: FuncId,
    depth: u32,
    memo: &mut HashMap<(FuncId, u32), Option<(Location, String)>>,
) -> Option<(Location, String)> {
    let s = p.funcs[f].summary;
    if let Some(class) = s.class() {
        return Some((
            s.def_loc,
            format!(
                "it is a method of `{}` (nopython mode compiles functions of numbers and arrays, not objects)",
                class.rsplit('.').next().unwrap_or(class)
            ),
        ));
    }
    let mut found: Vec<(Location, String)> = Vec::new();
    for c in s.constructs() {
        if c.kind() == "method" {
            let method = c.method.map_or("", |m| p.text(f, m));
            found.push((c.at, format!("`.{method}()`")));
        } else if let Some(what) = p.rb.jit.constructs.get(c.kind()) {
            found.push((c.at, what.clone()));
        }
    }
    for (ci, c) in s.calls().iter().enumerate() {
        match p.call_target(f, ci) {
            Some(Target::External(q)) => {
                if p.rb.jit.calls.lookup(q) != Some(&true) {
                    found.push((
                        s.call_start(ci),
                        format!("a call of `{}`", p.call_name(f, c.display)),
                    ));
                }
            }
            Some(Target::Func(g)) if *g == f => {}
            Some(Target::Func(g)) => {
                let helper = p.funcs[*g].summary.qualname();
                if depth >= 4 {
                    found.push((s.call_start(ci), format!("a call of `{helper}()`")));
                } else if let Some((_, why)) = jit_blocker_in(p, *g, depth + 1, memo) {
                    found.push((
                        s.call_start(ci),
                        format!("a call of `{helper}()`, which has {why}"),
                    ));
                }
            }
            Some(Target::Known) | None => {
                found.push((
                    s.call_start(ci),
                    format!("`{}(...)` objects", p.call_name(f, c.display)),
                ));
            }
        }
    }
    found.into_iter().min_by_key(|(at, _)| *at)
}
