//! Which state is shared between threads, and which accesses to it race.
//!
//! The builder records, per function, every read and write of a *place*
//! (see `semantic/builder/shared.rs`) with the locks held there. This stage
//! decides which of them run concurrently:
//!
//! 1. **Thread entries.** Every dispatch to threads whose target is a
//!    project function is an entry. An entry runs concurrently with itself
//!    (*multi*) when it is dispatched many times (`map`, or `submit`,
//!    `Thread(...)`, `Timer(...)`, `add_done_callback` in a loop or
//!    comprehension, a `Thread` subclass constructed in a loop) to a pool
//!    that is not known to have a single worker. Dispatches to processes
//!    and interpreters share no memory; coroutines and code run only on the
//!    main thread are never entries.
//! 2. **Reach.** From each entry, a walk over the call graph (synchronous
//!    callees only, across modules) visits states `(function, instance,
//!    locked)`. *instance* names the object `self` is in that function when
//!    it is shared by every run of the entry: a bound method dispatched from
//!    one receiver (`self.work`, `svc.handle`), followed through `self.m()`
//!    calls and into methods called on a global or captured object. A
//!    method reached any other way works on an object advise cannot prove
//!    shared, so its `self` attributes are left alone. *locked* is set once
//!    a call is made while a lock is held: a helper called under its
//!    caller's lock is protected on that path, and reported only if some
//!    other path reaches it unlocked. The walk is bounded by
//!    [`MAX_STATES`] states per entry.
//! 3. **Races.** Accesses are grouped by place (a `self` attribute's place
//!    is qualified by its instance). An unlocked write (read-modify-write,
//!    check-then-act, single mutation) races when its entry is multi, or
//!    when another entry writes the same place; an unlocked plain read races
//!    when some other run writes the place.
//!
//! The result lists each racing access once, with the entries involved, in
//! a deterministic order; the checks (GIL201, GIL202, GIL204) only filter
//! and render it.

use super::project::{FuncId, Project, Target};
use crate::rulebook::ContextKind;
use crate::semantic::{AccessKind, PlaceRoot, Receiver};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;

/// Bound on the states one entry's walk visits.
pub const MAX_STATES: usize = 50_000;

/// A dispatch to threads of a project function.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into `Project::dispatches`.
    pub dispatch: usize,
    pub target: FuncId,
    /// Runs concurrently with itself.
    pub multi: bool,
}

/// An unprotected access to shared state that runs concurrently.
#[derive(Debug, Clone)]
pub struct Race {
    pub func: FuncId,
    /// Index into the function's `accesses`.
    pub access: usize,
    /// Entries reaching it or a conflicting write (indices into `entries`).
    pub entries: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct SharedState {
    pub entries: Vec<Entry>,
    pub races: Vec<Race>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Occ {
    entry: usize,
    func: FuncId,
    access: usize,
    locked: bool,
}

impl SharedState {
    pub fn compute(p: &Project) -> SharedState {
        let mut entries = Vec::new();
        for (di, d) in p.dispatches.iter().enumerate() {
            if d.site.context != ContextKind::Threads {
                continue;
            }
            let Some(Target::Func(g)) = d.target else {
                continue;
            };
            if p.funcs[g].summary.is_async {
                continue;
            }
            let multi = d.site.many && d.site.max_workers.is_none_or(|w| w > 1);
            entries.push(Entry {
                dispatch: di,
                target: g,
                multi,
            });
        }
        if entries.is_empty() {
            return SharedState::default();
        }
        // Interned instance keys and place keys.
        let mut names: HashMap<String, u32> = HashMap::default();
        let mut intern = |s: String| -> u32 {
            let n = names.len() as u32;
            *names.entry(s).or_insert(n)
        };
        let mut by_place: BTreeMap<u32, Vec<Occ>> = BTreeMap::new();
        let mut seen_occ: HashSet<(u32, Occ)> = HashSet::default();
        for (ei, e) in entries.iter().enumerate() {
            let start_inst = p.dispatches[e.dispatch]
                .site
                .instance
                .clone()
                .map(&mut intern);
            let mut visited: HashSet<(FuncId, Option<u32>, bool)> = HashSet::default();
            let mut work = vec![(e.target, start_inst, false)];
            while let Some(state) = work.pop() {
                if visited.len() >= MAX_STATES {
                    break;
                }
                if !visited.insert(state) {
                    continue;
                }
                let (f, inst, locked) = state;
                let s = p.funcs[f].summary;
                for (ai, a) in s.accesses.iter().enumerate() {
                    if a.kind == AccessKind::AcrossAwait {
                        continue;
                    }
                    let key = match a.place.root {
                        PlaceRoot::SelfAttr => match inst {
                            Some(i) => intern(format!("{i}::{}", a.place.key)),
                            None => continue,
                        },
                        _ => intern(a.place.key.clone()),
                    };
                    let occ = Occ {
                        entry: ei,
                        func: f,
                        access: ai,
                        locked: locked || a.locked,
                    };
                    if seen_occ.insert((key, occ)) {
                        by_place.entry(key).or_default().push(occ);
                    }
                }
                for (ci, c) in s.calls.iter().enumerate() {
                    let Some(Target::Func(g)) = p.call_targets[f][ci] else {
                        continue;
                    };
                    if p.funcs[g].summary.is_async {
                        continue;
                    }
                    let next_inst = match &c.receiver {
                        Receiver::SelfObj => inst,
                        Receiver::Shared(k) => Some(intern(k.clone())),
                        Receiver::Other => None,
                    };
                    work.push((g, next_inst, locked || c.locked));
                }
            }
        }
        let access = |o: &Occ| &p.funcs[o.func].summary.accesses[o.access];
        let mut found: BTreeMap<(FuncId, usize), Vec<usize>> = BTreeMap::new();
        for occs in by_place.values() {
            let writers: Vec<&Occ> = occs.iter().filter(|o| access(o).kind.is_write()).collect();
            if writers.is_empty() {
                continue;
            }
            for o in occs {
                if o.locked {
                    continue;
                }
                let a = access(o);
                let reportable = match a.kind {
                    AccessKind::ReadModifyWrite | AccessKind::CheckThenAct | AccessKind::Mutate => {
                        true
                    }
                    AccessKind::Read => !a.written_back,
                    AccessKind::Write | AccessKind::AcrossAwait => false,
                };
                if !reportable {
                    continue;
                }
                let others: Vec<usize> = writers
                    .iter()
                    .filter(|w| w.entry != o.entry)
                    .map(|w| w.entry)
                    .collect();
                let itself = entries[o.entry].multi
                    && (a.kind.is_write() || writers.iter().any(|w| w.entry == o.entry));
                if !itself && others.is_empty() {
                    continue;
                }
                let list = found.entry((o.func, o.access)).or_default();
                list.push(o.entry);
                list.extend(others);
            }
        }
        let races = found
            .into_iter()
            .map(|((func, access), mut list)| {
                list.sort_unstable();
                list.dedup();
                Race {
                    func,
                    access,
                    entries: list,
                }
            })
            .collect();
        SharedState { entries, races }
    }
}
