//! Which state is shared between threads, and which accesses to it race.
//!
//! The builder records, per function, every read and write of a *place*
//! (see `semantic/builder/shared.rs`) with the locks held there. This stage
//! decides which of them run concurrently:
//!
//! 1. **Thread entries.** Every dispatch to threads whose target is a
//!    project function is an entry. Dispatches to processes and
//!    interpreters share no memory; coroutines and code run only on the main
//!    thread are never entries. An entry runs concurrently with itself
//!    (*multi*, see [`mark_multi`]) when it is dispatched many times: `map`,
//!    or `submit`, `Thread(...)`, `Timer(...)`, `add_done_callback` in a
//!    loop or comprehension, a `Thread` subclass constructed in a loop, or a
//!    dispatch whose thread outlives a function that is itself called many
//!    times; never through a pool known to have one worker, nor when each
//!    run is waited for where it is made (`t.start(); t.join()` in the same
//!    iteration, `ex.submit(f).result()`). Two entries run at the same time
//!    unless the function making both waits for the first before making
//!    the second.
//! 2. **Reach.** From each entry, a walk over the call graph (synchronous
//!    callees only, across modules) visits states `(function, instance,
//!    locked)`. *instance* names the object `self` is in that function when
//!    every run of the entry shares it: a bound method dispatched from one
//!    receiver (`self.work`, `svc.handle`), followed through `self.m()` calls
//!    and into methods called on a global or captured object. A method
//!    reached any other way works on an object advise cannot prove shared,
//!    so its `self` attributes are left alone. *locked* is set once a call
//!    is made while a lock is held: a helper called under its caller's lock
//!    is protected on that path, and reported only if some other path
//!    reaches it unlocked. The walk is bounded by [`MAX_STATES`] states per
//!    entry.
//! 3. **Races.** Accesses are grouped by place (a `self` attribute's place
//!    is qualified by its instance). An unlocked write (read-modify-write,
//!    check-then-act, single mutation) races when its entry runs
//!    concurrently with itself on that place, or when another entry writes
//!    the same place; an unlocked plain read races when some other run
//!    writes the place.
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

/// Bound on the rounds between repeated functions and repeated entries.
const MAX_MULTI_ROUNDS: usize = 8;

/// A dispatch to threads of a project function.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into `Project::dispatches`.
    pub dispatch: usize,
    pub target: FuncId,
    /// Runs concurrently with itself.
    pub multi: bool,
    /// Its concurrent runs share the instance of a bound-method target (so
    /// `self` attributes race between them).
    pub multi_self: bool,
    /// One call of the function making it dispatches it many times, so its
    /// runs share that call's locals captured by closures. (Runs that
    /// overlap because the function is called again get fresh ones.)
    pub multi_here: bool,
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
    /// A `self` attribute of the entry's own bound instance (as opposed to
    /// a global object reached through it).
    own_instance: bool,
}

/// An instance key names one object for the whole program: a module global
/// or a captured variable (`g:`, `n:`), not a `self` or a local.
fn names_one_object(key: &str) -> bool {
    key.starts_with("g:") || key.starts_with("n:")
}

/// Which entries run concurrently with themselves.
///
/// A dispatch is repeated when it is written in a loop or a `map`, or when
/// the function making it is itself called many times (from a loop, from a
/// function called many times, or as the target of a repeated entry) and
/// the thread it starts outlives the call: the function does not wait for
/// it (`join`, `result`, the rulebook's `wait_methods`), the pool is not
/// local to it, and the thread is not kept in an attribute (a singleton
/// worker started on first use). A pool with one worker never overlaps its
/// tasks.
///
/// Repeated calls of a method may be on different objects (`for s in
/// services: s.start()`), so a bound-method target's `self` is shared by
/// the repeated runs only when every call on the way repeats on the same
/// object: `self.m()` from a method repeated on one object, or a method of
/// a global object.
fn mark_multi(p: &Project, entries: &mut [Entry]) {
    let n = p.funcs.len();
    // Called many times; and called many times on the same `self`.
    let mut repeated = vec![false; n];
    let mut same_self = vec![false; n];
    let mut work: Vec<(FuncId, bool)> = Vec::new();
    for f in 0..n {
        let s = p.funcs[f].summary;
        for (ci, c) in s.calls().iter().enumerate() {
            if c.in_loop().is_none() || c.in_handler() {
                continue;
            }
            if let Some(&Target::Func(g)) = p.call_target(f, ci) {
                // `for x in xs: self.handle(x)` repeats on one object;
                // `for s in services: s.start()` on many.
                let on_one = !matches!(s.receiver(ci), Receiver::Other);
                work.push((g, on_one));
            }
        }
    }
    for _ in 0..MAX_MULTI_ROUNDS {
        while let Some((f, on_one)) = work.pop() {
            if p.funcs[f].summary.is_async {
                continue;
            }
            if repeated[f] && (same_self[f] || !on_one) {
                continue;
            }
            repeated[f] = true;
            same_self[f] |= on_one;
            let s = p.funcs[f].summary;
            for ci in 0..s.calls().len() {
                if let Some(&Target::Func(g)) = p.call_target(f, ci) {
                    let next = match s.receiver(ci) {
                        Receiver::SelfObj => same_self[f],
                        Receiver::Shared(_) => true,
                        Receiver::Other => false,
                    };
                    work.push((g, next));
                }
            }
        }
        let mut changed = false;
        for e in entries.iter_mut() {
            if e.multi {
                continue;
            }
            let d = &p.dispatches[e.dispatch];
            let site = &d.site;
            if site.max_workers.is_some_and(|w| w <= 1) {
                continue;
            }
            let escapes = !site.stored && !site.scoped && !p.funcs[d.from].summary.joins();
            let inst = site.instance.as_deref();
            if site.many {
                e.multi = true;
                e.multi_here = true;
                e.multi_self = inst.is_some();
            } else if escapes && repeated[d.from] {
                e.multi = true;
                e.multi_self = match inst {
                    Some(k) if names_one_object(k) => true,
                    Some(k) if k.starts_with("self@") => same_self[d.from],
                    _ => false,
                };
            }
            if e.multi {
                changed = true;
                work.push((e.target, e.multi_self));
            }
        }
        if !changed {
            break;
        }
    }
}

impl SharedState {
    #[inline(never)]
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
            entries.push(Entry {
                dispatch: di,
                target: g,
                multi: false,
                multi_self: false,
                multi_here: false,
            });
        }
        if entries.is_empty() {
            return SharedState::default();
        }
        mark_multi(p, &mut entries);
        // Interned instance keys and place keys.
        let mut names: HashMap<String, u32> = HashMap::default();
        let mut intern = |s: &str| -> u32 {
            if let Some(&i) = names.get(s) {
                return i;
            }
            let i = names.len() as u32;
            names.insert(s.to_string(), i);
            i
        };
        let mut by_place: BTreeMap<u32, Vec<Occ>> = BTreeMap::new();
        let mut seen_occ: HashSet<(u32, Occ)> = HashSet::default();
        for (ei, e) in entries.iter().enumerate() {
            let own = p.dispatches[e.dispatch].site.instance.as_deref();
            let start_inst = own.map(&mut intern);
            // The entry's own object, unless it is a global one (whose runs
            // share it whatever the entry).
            let own_id = own.filter(|k| !names_one_object(k)).and(start_inst);
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
                for (ai, a) in s.accesses().iter().enumerate() {
                    if a.kind == AccessKind::AcrossAwait {
                        continue;
                    }
                    let place_key = p.text(f, a.place.key);
                    let key = match a.place.root {
                        PlaceRoot::SelfAttr => match inst {
                            Some(i) => intern(&format!("{i}::{place_key}")),
                            None => continue,
                        },
                        _ => intern(place_key),
                    };
                    let occ = Occ {
                        entry: ei,
                        func: f,
                        access: ai,
                        locked: locked || a.locked,
                        own_instance: a.place.root == PlaceRoot::SelfAttr
                            && inst.is_some()
                            && inst == own_id,
                    };
                    if seen_occ.insert((key, occ)) {
                        by_place.entry(key).or_default().push(occ);
                    }
                }
                for (ci, c) in s.calls().iter().enumerate() {
                    let Some(&Target::Func(g)) = p.call_target(f, ci) else {
                        continue;
                    };
                    if p.funcs[g].summary.is_async {
                        continue;
                    }
                    let next_inst = match s.receiver(ci) {
                        Receiver::SelfObj => inst,
                        Receiver::Shared(k) => Some(intern(p.call_name(f, k))),
                        Receiver::Other => None,
                    };
                    work.push((g, next_inst, locked || c.locked()));
                }
            }
        }
        let access = |o: &Occ| &p.funcs[o.func].summary.accesses()[o.access];
        // Does this occurrence's entry run concurrently with itself on it?
        let itself = |o: &Occ| {
            let e = &entries[o.entry];
            if o.own_instance {
                e.multi_self
            } else if access(o).place.root == PlaceRoot::Captured {
                e.multi_here
            } else {
                e.multi
            }
        };
        // Two entries run at the same time, unless the same function makes
        // both and waits for the first where it makes it (`t.start();
        // t.join()`), so the second starts after the first ended.
        let overlap = |a: usize, b: usize| {
            let (da, db) = (
                &p.dispatches[entries[a].dispatch],
                &p.dispatches[entries[b].dispatch],
            );
            if da.from != db.from {
                return true;
            }
            let first = if da.site.start <= db.site.start {
                da
            } else {
                db
            };
            !first.site.awaited
        };
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
                    .filter(|w| w.entry != o.entry && overlap(o.entry, w.entry))
                    .map(|w| w.entry)
                    .collect();
                let with_itself = itself(o)
                    && (a.kind.is_write()
                        || writers.iter().any(|w| w.entry == o.entry && itself(w)));
                if !with_itself && others.is_empty() {
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
