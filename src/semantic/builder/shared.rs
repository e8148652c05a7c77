//! Shared-state facts, gathered during the builder's one pass.
//!
//! A *place* is state that can outlive a call: a module global, a variable
//! captured by a closure, an attribute of `self`, of a class or of a module,
//! or an item of one of those (`self.counts[k]`). Locals are not places;
//! neither is anything reached through a per-thread object (`threading.local`
//! and the rulebook's other `unshared` types).
//!
//! While visiting a function the builder keeps:
//! - the **guards** held: `with lock:` where the lock resolves (by its
//!   construction, its annotation, or a typed attribute) to a rulebook
//!   `locks:` type, and `lock.acquire()` ... `lock.release()` in straight
//!   line or around `try`/`finally`. An object entered by `with` that advise
//!   cannot type, written as a name or attribute and without `as`, is an
//!   *opaque* guard and counts as a lock: that is how locks handed in as
//!   parameters are used, and a missed report is cheaper than a wrong one.
//!   No name heuristics are involved;
//! - the **reads** of places inside the expression being evaluated (an
//!   assignment's value, an `if` test), each stamped with the number of
//!   `await`s passed so far, and **taints**: locals that hold a value read
//!   from a place (`bal = self.balance`);
//! - the **checks**: enclosing `if` tests and the places they read.
//!
//! A write of a place is then classified: a read-modify-write when its value
//! reads the same place (directly, or through a tainted local); a
//! check-then-act when the innermost enclosing test read it; across an
//! `await` in a coroutine when that read happened before an `await`; else a
//! single mutation (`d[k] = v`, `L.append(x)`) or a plain store. Whether the
//! place is really shared, and by which threads, is decided in the project
//! stage (`analysis/shared.rs`).

use super::{cat, Builder};
use crate::rulebook::{Effect, LockScope};
use crate::semantic::model::*;
use crate::source::Location;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// How deep a place expression is followed (`self.a.b[k].c`).
const MAX_PLACE_DEPTH: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GuardScope {
    Threads,
    EventLoop,
    /// An untyped object entered by `with`: assumed to be a lock.
    Opaque,
}

#[derive(Debug, Clone)]
pub(super) struct Guard {
    /// The lock as written, to pair `release()` with `acquire()`.
    text: String,
    scope: GuardScope,
}

/// A read of a place while collecting.
#[derive(Debug, Clone)]
pub(super) struct ReadRec<'a> {
    key: String,
    item: bool,
    item_key: Option<String>,
    /// `await`s passed before the read.
    awaits: u32,
    /// Where the read starts (a location is made only for a message).
    at: TextSize,
    display: Disp<'a>,
    /// The `Read` access recorded for it (`x = obj.field`).
    access: Option<usize>,
}

/// An enclosing `if` test.
#[derive(Debug)]
pub(super) struct CheckFrame<'a> {
    reads: Vec<ReadRec<'a>>,
    /// The test only bounds a place's size: `len(P) < N`.
    bound: Option<String>,
    at: Location,
    /// The test as written: its text for messages is made only when an act
    /// under it is reported (see [`Builder::check_text`]).
    test: ruff_text_size::TextRange,
    /// Keys already reported as acted on under this test.
    used: HashSet<String>,
}

/// A place as resolved from an expression: a [`Place`] whose text for
/// messages is made only when a fact about it is recorded (most reads are
/// never written back).
#[derive(Debug, Clone)]
pub(super) struct PlaceRef<'a> {
    key: String,
    root: PlaceRoot,
    display: Disp<'a>,
    item: bool,
    /// For items: the subscript as written, to match `d[k] = d[k] + 1`.
    item_key: Option<String>,
}

/// How a place reads in messages: its expression as written, compacted
/// unless it is a bare name.
#[derive(Debug, Clone, Copy)]
pub(super) enum Disp<'a> {
    /// A bare name (as the parser normalised it).
    Name(&'a str),
    Expr(ruff_text_size::TextRange),
}

impl ReadRec<'_> {
    fn matches(&self, p: &PlaceRef) -> bool {
        self.key == p.key && self.item == p.item && (!self.item || self.item_key == p.item_key)
    }
}

/// Where a write is and how it reads in a message.
struct WriteSite {
    range: ruff_text_size::TextRange,
    statement: String,
    /// The mutating method, or `del`.
    method: Option<String>,
}

/// The per-function state saved around a nested `def`.
pub(super) struct SavedShared<'a> {
    guards: Vec<Guard>,
    awaits: u32,
    last_await: Option<Location>,
    collecting: u32,
    reads: Vec<ReadRec<'a>>,
    taint: HashMap<&'a str, Vec<ReadRec<'a>>>,
    checks: Vec<CheckFrame<'a>>,
    local_loop: Vec<(&'a str, Option<u32>)>,
    copies: HashSet<&'a str>,
    thread_locals: HashMap<&'a str, usize>,
}

impl<'a> Builder<'a> {
    pub(super) fn take_shared_state(&mut self) -> SavedShared<'a> {
        SavedShared {
            guards: std::mem::take(&mut self.guards),
            awaits: std::mem::take(&mut self.awaits),
            last_await: self.last_await.take(),
            collecting: std::mem::take(&mut self.collecting),
            reads: std::mem::take(&mut self.reads),
            taint: std::mem::take(&mut self.taint),
            checks: std::mem::take(&mut self.checks),
            local_loop: std::mem::take(&mut self.local_loop),
            copies: std::mem::take(&mut self.copies),
            thread_locals: std::mem::take(&mut self.thread_locals),
        }
    }

    pub(super) fn restore_shared_state(&mut self, s: SavedShared<'a>) {
        self.guards = s.guards;
        self.awaits = s.awaits;
        self.last_await = s.last_await;
        self.collecting = s.collecting;
        self.reads = s.reads;
        self.taint = s.taint;
        self.checks = s.checks;
        self.local_loop = s.local_loop;
        self.copies = s.copies;
        self.thread_locals = s.thread_locals;
    }

    /// A thread lock (or an opaque guard) is held.
    pub(super) fn locked(&self) -> bool {
        self.guards.iter().any(|g| g.scope != GuardScope::EventLoop)
    }

    fn loop_locked(&self) -> bool {
        !self.guards.is_empty()
    }

    /// Facts are recorded in function bodies only (module and class bodies
    /// run once, on the importing thread), and not inside lambdas.
    fn tracking(&self) -> bool {
        self.lambda_depth == 0
            && self
                .scopes
                .last()
                .is_some_and(|s| s.kind == super::ScopeKind::Function)
    }

    /// A place's text for messages.
    fn disp(&self, d: Disp) -> String {
        match d {
            Disp::Name(name) => name.to_string(),
            Disp::Expr(range) => super::compact(self.text(range)),
        }
    }

    /// How an origin that is a read of a place reads in messages.
    fn read_of(&self, d: Disp) -> String {
        format!("the read of `{}`", self.disp(d))
    }

    pub(super) fn note_await(&mut self, at: TextSize) {
        self.awaits += 1;
        self.last_await = Some(self.loc(at));
    }

    // ------------------------------------------------------------ places

    /// Where a bare name lives, if it is a place: a global or a captured
    /// variable. Locals, parameters, and module names bound to imports,
    /// functions or classes are not places.
    fn name_place(&self, name: &str) -> Option<(PlaceRoot, String)> {
        let n = self.scopes.len();
        let cur = self.scopes.last()?;
        if cur.kind != super::ScopeKind::Function {
            return None;
        }
        let global_key = || self.full_tagged("g:", &[name]);
        let key = super::Ask::new(name);
        if cur.globals.contains(&key) {
            return Some((PlaceRoot::Global, global_key()));
        }
        let nonlocal = cur.nonlocals.contains(&key);
        if !nonlocal && cur.names.contains_key(&key) {
            return None;
        }
        for i in (0..n - 1).rev() {
            let s = &self.scopes[i];
            match s.kind {
                super::ScopeKind::Class => continue,
                super::ScopeKind::Function => {
                    if s.globals.contains(&key) {
                        return Some((PlaceRoot::Global, global_key()));
                    }
                    if s.names.contains_key(&key) {
                        return Some((
                            PlaceRoot::Captured,
                            self.full_tagged("n:", &[s.prefix, name]),
                        ));
                    }
                }
                super::ScopeKind::Module => {
                    if nonlocal {
                        return None;
                    }
                    return match s.names.get(&key) {
                        Some(Binding::Qn(_)) | None => None,
                        Some(_) => Some((PlaceRoot::Global, global_key())),
                    };
                }
            }
        }
        None
    }

    /// Is `name` the `self` (or `cls`) of the method it is bound in? The
    /// class and whether it is `cls`.
    fn self_kind(&self, name: &str) -> Option<(&str, bool)> {
        // Only a method's first parameter can be `self`: most names are not
        // one, and comparing them is cheaper than walking the scopes.
        if !self
            .scopes
            .iter()
            .any(|s| s.self_param.as_ref().is_some_and(|(p, _, _)| *p == name))
        {
            return None;
        }
        let key = super::Ask::new(name);
        let n = self.scopes.len();
        for i in (0..n).rev() {
            let s = &self.scopes[i];
            match s.kind {
                super::ScopeKind::Class if i + 1 != n => continue,
                super::ScopeKind::Class | super::ScopeKind::Module => return None,
                super::ScopeKind::Function => {
                    if s.globals.contains(&key) {
                        return None;
                    }
                    if s.nonlocals.contains(&key) && i + 1 == n {
                        continue;
                    }
                    if s.names.contains_key(&key) {
                        return match &s.self_param {
                            Some((p, class, is_cls)) if *p == name => Some((*class, *is_cls)),
                            _ => None,
                        };
                    }
                }
            }
        }
        None
    }

    /// A type whose attributes are per thread (`threading.local`, or a
    /// class of this module deriving from one).
    fn type_is_unshared(&self, t: &str, depth: u32) -> bool {
        self.type_is_unshared_in(t, depth, &mut Vec::new())
    }

    /// Each class once: bases that repeat (or name the class itself, as
    /// broken code can) keep the search linear.
    fn type_is_unshared_in<'t>(&'t self, t: &'t str, depth: u32, seen: &mut Vec<&'t str>) -> bool {
        if self.rb.unshared.lookup(t).is_some() {
            return true;
        }
        if depth > 8 || seen.contains(&t) {
            return false;
        }
        seen.push(t);
        self.classes.iter().find(|c| c.full == t).is_some_and(|c| {
            c.bases
                .iter()
                .any(|b| self.type_is_unshared_in(b, depth + 1, seen))
        })
    }

    fn is_unshared_obj(&self, e: &Expr) -> bool {
        let resolved;
        let t = match e {
            Expr::Name(n) => match self.lookup_ref(n.id.as_str()) {
                super::Found::Bound(Binding::Instance(t)) => t,
                _ => return false,
            },
            _ => {
                resolved = self.resolve(e);
                match &resolved {
                    Binding::Instance(t) => t,
                    _ => return false,
                }
            }
        };
        // Asked for every attribute place (`self.x`): remembered per type
        // until the next class of the module is seen.
        if let Some(&known) = self.unshared_memo.borrow().get(t) {
            return known;
        }
        let answer = self.type_is_unshared(t, 0);
        self.unshared_memo
            .borrow_mut()
            .insert(t.to_string(), answer);
        answer
    }

    pub(super) fn place_of(&self, e: &'a Expr) -> Option<PlaceRef<'a>> {
        self.place_of_depth(e, 0)
    }

    fn place_of_depth(&self, e: &'a Expr, depth: u32) -> Option<PlaceRef<'a>> {
        if depth > MAX_PLACE_DEPTH {
            return None;
        }
        match e {
            Expr::Name(n) => {
                let name = n.id.as_str();
                if self.self_kind(name).is_some() {
                    return None;
                }
                let (root, key) = self.name_place(name)?;
                Some(PlaceRef {
                    key,
                    root,
                    display: Disp::Name(name),
                    item: false,
                    item_key: None,
                })
            }
            Expr::Attribute(a) => {
                let attr = a.attr.as_str();
                // The text is compacted, and the owner checked for being
                // per thread, only for a place that is otherwise made.
                let mk = |root, key| {
                    if self.is_unshared_obj(&a.value) {
                        return None;
                    }
                    Some(PlaceRef {
                        key,
                        root,
                        display: Disp::Expr(e.range()),
                        item: false,
                        item_key: None,
                    })
                };
                if let Some(class) = self.class_of_type_expr(&a.value) {
                    return mk(PlaceRoot::ClassAttr, cat(&["a:", &class, ".", attr]));
                }
                if let Expr::Name(n) = &*a.value {
                    let name = n.id.as_str();
                    if let Some((class, is_cls)) = self.self_kind(name) {
                        return if is_cls {
                            mk(PlaceRoot::ClassAttr, cat(&["a:", class, ".", attr]))
                        } else {
                            mk(PlaceRoot::SelfAttr, cat(&["self.", attr]))
                        };
                    }
                    if let Some((root, key)) = self.name_place(name) {
                        return mk(root, cat(&[&key, ".", attr]));
                    }
                    let q: std::borrow::Cow<str> = match self.lookup_ref(name) {
                        super::Found::Bound(Binding::Qn(q)) => q.into(),
                        super::Found::Builtin => cat(&["builtins.", name]).into(),
                        _ => return None,
                    };
                    if self.is_local_name(name) {
                        return None;
                    }
                    let root = if self.class_names.contains(q.as_ref()) {
                        PlaceRoot::ClassAttr
                    } else {
                        PlaceRoot::ModuleAttr
                    };
                    return mk(root, cat(&["a:", &q, ".", attr]));
                }
                let base = self.place_of_depth(&a.value, depth + 1)?;
                if base.item {
                    return None;
                }
                mk(base.root, cat(&[&base.key, ".", attr]))
            }
            Expr::Subscript(s) => {
                let mut base = self.place_of_depth(&s.value, depth + 1)?;
                let k = super::compact(self.text(s.slice.range()));
                base.item_key = Some(match base.item_key {
                    Some(outer) => cat(&[&outer, "][", &k]),
                    None => k,
                });
                base.item = true;
                Some(base)
            }
            _ => None,
        }
    }

    /// Is `name` bound in the current function (a local or parameter)?
    fn is_local_name(&self, name: &str) -> bool {
        let key = super::Ask::new(name);
        self.scopes.last().is_some_and(|s| {
            s.kind == super::ScopeKind::Function
                && s.names.contains_key(&key)
                && !s.globals.contains(&key)
                && !s.nonlocals.contains(&key)
        })
    }

    /// `type(self)` and `self.__class__`: the class of the method.
    fn class_of_type_expr(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Call(c) => {
                let is_type =
                    matches!(self.resolve(&c.func), Binding::Qn(q) if q == "builtins.type");
                match (is_type, c.arguments.args.first()) {
                    (true, Some(Expr::Name(n))) if c.arguments.args.len() == 1 => self
                        .self_kind(n.id.as_str())
                        .filter(|(_, is_cls)| !is_cls)
                        .map(|(c, _)| c.to_string()),
                    _ => None,
                }
            }
            Expr::Attribute(a) if a.attr.as_str() == "__class__" => match &*a.value {
                Expr::Name(n) => self
                    .self_kind(n.id.as_str())
                    .filter(|(_, is_cls)| !is_cls)
                    .map(|(c, _)| c.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    // ------------------------------------------------------------ reads

    pub(super) fn begin_reads(&mut self) -> usize {
        self.collecting += 1;
        self.reads.len()
    }

    pub(super) fn end_reads(&mut self, mark: usize) -> Vec<ReadRec<'a>> {
        self.collecting -= 1;
        self.reads.split_off(mark.min(self.reads.len()))
    }

    pub(super) fn collect_read(&mut self, e: &'a Expr) {
        if !self.tracking() {
            return;
        }
        let load = match e {
            Expr::Name(n) => n.ctx == ast::ExprContext::Load,
            Expr::Attribute(a) => a.ctx == ast::ExprContext::Load,
            Expr::Subscript(s) => s.ctx == ast::ExprContext::Load,
            _ => false,
        };
        if !load {
            return;
        }
        if let Expr::Name(n) = e {
            if let Some(t) = self.taint.get(n.id.as_str()) {
                let t = t.clone();
                self.reads.extend(t);
                return;
            }
        }
        if let Some(p) = self.place_of(e) {
            let rec = ReadRec {
                key: p.key,
                item: p.item,
                item_key: p.item_key,
                awaits: self.awaits,
                at: e.range().start(),
                display: p.display,
                access: None,
            };
            self.reads.push(rec);
        }
    }

    /// A value computed by a call advise does not know is not taken to be
    /// derived from the places its arguments read: `server =
    /// make_server(port=self.port)` does not make `self.port =
    /// server.port` an update of `self.port`. Known computations (the
    /// catalogue's pure, light and CPU calls: `min`, `len`, `dict`, and
    /// pure methods such as `str.join`) keep them. `resolved` is what the
    /// call's function resolves to.
    pub(super) fn forget_reads_passed_to(
        &mut self,
        call: &'a ast::ExprCall,
        resolved: &Binding,
        mark: usize,
    ) {
        if self.collecting == 0 || self.reads.len() <= mark {
            return;
        }
        let known = match resolved {
            Binding::Qn(q) => matches!(
                self.rb.effect(q),
                Some(Effect::Pure | Effect::Light | Effect::Cpu { .. })
            ),
            _ => self.is_pure_method(call),
        };
        if !known {
            self.reads.truncate(mark);
        }
    }

    // ------------------------------------------------------------ records

    fn push_access(
        &mut self,
        p: PlaceRef,
        kind: AccessKind,
        range: ruff_text_size::TextRange,
        statement: String,
        origin: Option<(Location, String)>,
        method: Option<String>,
    ) -> usize {
        let display = self.disp(p.display);
        let place = Place {
            display: self.intern_text(&display),
            key: self.intern_text(&p.key),
            root: p.root,
            item: p.item,
        };
        let statement = self.intern_text(&statement);
        let origin = origin.map(|(at, s)| (at, self.intern_text(&s)));
        let method = method.map(|m| self.intern_text(&m));
        let start = self.loc(range.start());
        let end = self.loc(range.end());
        let await_at = if kind == AccessKind::AcrossAwait {
            self.last_await
        } else {
            None
        };
        let locked = self.locked();
        let loop_locked = self.loop_locked();
        let f = &mut self.lists[self.cur];
        f.accesses.push(Access {
            place,
            kind,
            start,
            end,
            statement,
            locked,
            loop_locked,
            origin,
            await_at,
            method,
            written_back: false,
        });
        f.accesses.len() - 1
    }

    /// The innermost enclosing test that read `key`, unless its act was
    /// already reported.
    fn find_check(&self, key: &str) -> Option<(usize, ReadRec<'a>)> {
        for (i, frame) in self.checks.iter().enumerate().rev() {
            if let Some(r) = frame.reads.iter().find(|r| r.key == key) {
                if frame.used.contains(key) {
                    return None;
                }
                return Some((i, r.clone()));
            }
        }
        None
    }

    /// Classify and record a write of `p` whose value made `reads`.
    fn record_write(
        &mut self,
        p: PlaceRef,
        reads: &[ReadRec],
        no_check: bool,
        plain: AccessKind,
        site: WriteSite,
    ) {
        let WriteSite {
            range,
            statement,
            method,
        } = site;
        let is_async = self.funcs[self.cur].is_async;
        let same: Vec<&ReadRec> = reads.iter().filter(|r| r.matches(&p)).collect();
        let key = p.key.clone();
        let (kind, origin) = if is_async {
            if let Some(r) = same.iter().find(|r| r.awaits < self.awaits) {
                (
                    AccessKind::AcrossAwait,
                    Some((self.loc(r.at), self.read_of(r.display))),
                )
            } else {
                match self.find_check(&key) {
                    Some((i, r)) if r.awaits < self.awaits && !no_check => {
                        self.checks[i].used.insert(key.clone());
                        let at = self.checks[i].at;
                        (AccessKind::AcrossAwait, Some((at, self.check_text(i))))
                    }
                    _ => (plain, None),
                }
            }
        } else if !same.is_empty() {
            let written: Vec<usize> = same.iter().filter_map(|r| r.access).collect();
            let f = self.cur;
            for a in written {
                if let Some(acc) = self.lists[f].accesses.get_mut(a) {
                    acc.written_back = true;
                }
            }
            let here = self.loc(range.start());
            let origin = same
                .iter()
                .map(|r| (self.loc(r.at), r))
                .find(|(at, _)| at.row != here.row)
                .map(|(at, r)| (at, self.read_of(r.display)));
            (AccessKind::ReadModifyWrite, origin)
        } else {
            // Adding after a size check only overshoots a soft bound.
            let grows = match method.as_deref() {
                Some(m) => self.rb.mutators.get(m).copied().unwrap_or(false),
                None => plain == AccessKind::Mutate,
            };
            match self.find_check(&key) {
                Some((i, _)) if grows && self.checks[i].bound.as_deref() == Some(key.as_str()) => {
                    (plain, None)
                }
                Some((i, _)) if !no_check => {
                    self.checks[i].used.insert(key.clone());
                    let at = self.checks[i].at;
                    (AccessKind::CheckThenAct, Some((at, self.check_text(i))))
                }
                _ => (plain, None),
            }
        };
        self.push_access(p, kind, range, statement, origin, method);
    }

    pub(super) fn record_assign(
        &mut self,
        stmt: &'a Stmt,
        targets: &'a [Expr],
        value: Option<&'a Expr>,
        reads: Vec<ReadRec<'a>>,
    ) {
        // A thread made by this statement, or held in a local.
        let thread = value.and_then(|v| self.thread_made_by(v));
        if !self.tracking() {
            if let Some(d) = thread {
                for t in targets {
                    if let Expr::Name(n) = t {
                        self.thread_locals.insert(n.id.as_str(), d);
                    }
                }
            }
            return;
        }
        let value_is_none = matches!(value, Some(Expr::NoneLiteral(_)));
        // `obj.x = saved` restores an unmodified copy: a store, not an
        // update computed from the old value.
        let restore = matches!(value, Some(Expr::Name(n)) if self.copies.contains(n.id.as_str()));
        let mut reads = if restore { Vec::new() } else { reads };
        let no_check = value_is_none || restore;
        // `x = obj.field`: a plain read of a place into a local.
        let plain_read = value
            .filter(|v| matches!(v, Expr::Name(_) | Expr::Attribute(_)))
            .and_then(|v| self.place_of(v).map(|p| (p, v.range())))
            .filter(|(p, _)| !p.item);
        for (i, t) in targets.iter().enumerate() {
            match t {
                Expr::Name(n) if self.place_of(t).is_none() => {
                    let name = n.id.as_str();
                    let l = self.loop_stack.last().copied();
                    self.local_loop.push((name, l));
                    if plain_read.is_some() {
                        self.copies.insert(name);
                    } else {
                        self.copies.remove(name);
                    }
                    match thread {
                        Some(d) => {
                            self.thread_locals.insert(name, d);
                        }
                        None => {
                            self.thread_locals.remove(name);
                        }
                    }
                    // The last target takes the reads; only `a = b = ...`
                    // copies them.
                    let mut taint = if i + 1 == targets.len() {
                        std::mem::take(&mut reads)
                    } else {
                        reads.clone()
                    };
                    if let Some((p, range)) = &plain_read {
                        let idx = self.push_access(
                            p.clone(),
                            AccessKind::Read,
                            *range,
                            super::compact(self.text(stmt.range())),
                            None,
                            None,
                        );
                        for r in taint.iter_mut() {
                            if r.key == p.key && !r.item && r.at == range.start() {
                                r.access = Some(idx);
                            }
                        }
                    }
                    if taint.is_empty() {
                        self.taint.remove(name);
                    } else {
                        self.taint.insert(name, taint);
                    }
                    if let Some(v) = value {
                        let workers = self.pool_ctor_workers(v);
                        if let Some(w) = workers {
                            self.pool_workers
                                .insert(format!("{}:{}", self.cur, name), w);
                        }
                    }
                }
                Expr::Tuple(_) | Expr::List(_) | Expr::Starred(_) => {
                    let mut names = Vec::new();
                    super::collect_targets(t, None, &mut names);
                    let l = self.loop_stack.last().copied();
                    for (name, _, _) in names {
                        self.taint.remove(name);
                        self.local_loop.push((name, l));
                    }
                }
                _ => {
                    let Some(p) = self.place_of(t) else { continue };
                    if let Some(d) = thread {
                        if let Some(site) = self.funcs[self.cur].dispatches_mut().get_mut(d) {
                            site.stored = true;
                        }
                    }
                    if let (Some(v), Expr::Attribute(a)) = (value, t) {
                        if p.root == PlaceRoot::SelfAttr {
                            if let Some(w) = self.pool_ctor_workers(v) {
                                let class = self.current_class().unwrap_or_default();
                                self.pool_workers
                                    .insert(format!("self@{class}.{}", a.attr.as_str()), w);
                            }
                        }
                    }
                    let plain = if p.item {
                        AccessKind::Mutate
                    } else {
                        AccessKind::Write
                    };
                    let site = WriteSite {
                        range: stmt.range(),
                        statement: super::compact(self.text(stmt.range())),
                        method: None,
                    };
                    self.record_write(p, &reads, no_check, plain, site);
                }
            }
        }
    }

    pub(super) fn record_aug_assign(
        &mut self,
        stmt: &'a Stmt,
        a: &'a ast::StmtAugAssign,
        reads: Vec<ReadRec<'a>>,
        awaits_before: u32,
    ) {
        if !self.tracking() {
            return;
        }
        if let Some(p) = self.place_of(&a.target) {
            let statement = super::compact(self.text(stmt.range()));
            let is_async = self.funcs[self.cur].is_async;
            let at = self.loc(a.target.range().start());
            let (kind, origin) = if is_async {
                if self.awaits > awaits_before {
                    (AccessKind::AcrossAwait, Some((at, self.read_of(p.display))))
                } else {
                    (AccessKind::Write, None)
                }
            } else {
                (AccessKind::ReadModifyWrite, None)
            };
            self.push_access(p, kind, stmt.range(), statement, origin, None);
        } else if let Expr::Name(n) = &*a.target {
            self.copies.remove(n.id.as_str());
            // `total += self.x`: the local now carries the read.
            if !reads.is_empty() {
                self.taint.entry(n.id.as_str()).or_default().extend(reads);
            }
        }
    }

    pub(super) fn record_delete(&mut self, stmt: &'a Stmt, targets: &'a [Expr]) {
        if !self.tracking() {
            return;
        }
        let statement = super::compact(self.text(stmt.range()));
        for t in targets {
            if let Some(p) = self.place_of(t) {
                let plain = if p.item {
                    AccessKind::Mutate
                } else {
                    AccessKind::Write
                };
                let method = p.item.then(|| "del".to_string());
                let site = WriteSite {
                    range: stmt.range(),
                    statement: statement.clone(),
                    method,
                };
                self.record_write(p, &[], false, plain, site);
            }
        }
    }

    /// Facts about a call: `d.get(k)` read while collecting, and mutating
    /// methods (`L.append(x)`) on places.
    pub(super) fn call_shared_facts(&mut self, call: &'a ast::ExprCall) {
        if !self.tracking() {
            return;
        }
        let Expr::Attribute(a) = &*call.func else {
            return;
        };
        let m = a.attr.as_str();
        if self.collecting > 0 && m == "get" {
            if let (Some(mut p), Some(k)) = (self.place_of(&a.value), call.arguments.args.first()) {
                if !p.item {
                    p.item = true;
                    let rec = ReadRec {
                        key: p.key,
                        item: true,
                        item_key: Some(super::compact(self.text(k.range()))),
                        awaits: self.awaits,
                        at: call.range().start(),
                        display: p.display,
                        access: None,
                    };
                    self.reads.push(rec);
                }
            }
            return;
        }
        if !self.rb.mutators.contains_key(m) {
            return;
        }
        if let Binding::Instance(t) = self.resolve(&a.value) {
            // Queues, deques and locks are safe by design.
            if self.rb.queues.lookup(t).is_some()
                || self.rb.locks.lookup(t).is_some()
                || self.rb.executors.lookup(t).is_some()
            {
                return;
            }
        }
        let Some(mut p) = self.place_of(&a.value) else {
            return;
        };
        if p.item {
            return;
        }
        p.item = true;
        let statement = super::compact(self.text(call.range()));
        let site = WriteSite {
            range: call.range(),
            statement,
            method: Some(m.to_string()),
        };
        self.record_write(p, &[], false, AccessKind::Mutate, site);
    }

    // ------------------------------------------------------------ checks

    pub(super) fn push_check(&mut self, test: &Expr, reads: Vec<ReadRec<'a>>) -> bool {
        if reads.is_empty() || !self.tracking() {
            return false;
        }
        let at = self.loc(test.range().start());
        let bound = self.size_bound(test);
        self.checks.push(CheckFrame {
            reads,
            bound,
            at,
            test: test.range(),
            used: HashSet::default(),
        });
        true
    }

    /// How the test of `self.checks[i]` reads in messages.
    fn check_text(&self, i: usize) -> String {
        let text = super::compact(self.text(self.checks[i].test));
        format!("the check `{text}`")
    }

    /// `len(P) < N` (or `N > len(P)`, with `<=`/`>=`): the key of `P`.
    fn size_bound(&self, test: &Expr) -> Option<String> {
        let Expr::Compare(c) = test else { return None };
        let ([op], [right]) = (&*c.ops, &*c.comparators) else {
            return None;
        };
        let len_of = |e: &Expr| -> Option<String> {
            let Expr::Call(call) = e else { return None };
            if !matches!(self.resolve(&call.func), Binding::Qn(q) if q == "builtins.len") {
                return None;
            }
            let arg = call.arguments.args.first()?;
            self.place_of(arg).map(|p| p.key)
        };
        use ast::CmpOp::{Gt, GtE, Lt, LtE};
        match op {
            Lt | LtE => len_of(&c.left),
            Gt | GtE => len_of(right),
            _ => None,
        }
    }

    // ------------------------------------------------------------ locks

    fn guard_scope(&self, e: &Expr, has_as: bool) -> Option<GuardScope> {
        match self.resolve(e) {
            Binding::Instance(t) => match self.rb.locks.lookup(t) {
                Some(LockScope::Threads) => Some(GuardScope::Threads),
                Some(LockScope::EventLoop) => Some(GuardScope::EventLoop),
                None if !has_as
                    && matches!(e, Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_))
                    && self.rb.executors.lookup(t).is_none()
                    && self.rb.queues.lookup(t).is_none()
                    && !self.type_is_unshared(t, 0) =>
                {
                    Some(GuardScope::Opaque)
                }
                None => None,
            },
            // `with self._lock:`, `with locks[key]:`
            _ if !has_as
                && matches!(e, Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_)) =>
            {
                Some(GuardScope::Opaque)
            }
            _ => None,
        }
    }

    /// A `with` item: a guard, a lock made on the spot (GIL205), or a pool.
    pub(super) fn enter_with_item(&mut self, _stmt: &'a Stmt, item: &'a ast::WithItem) {
        let e = &item.context_expr;
        if let Some(v) = &item.optional_vars {
            let mut names = Vec::new();
            super::collect_targets(v, None, &mut names);
            let l = self.loop_stack.last().copied();
            for (name, _, _) in names {
                self.local_loop.push((name, l));
                self.taint.remove(name);
            }
        }
        if let Expr::Call(c) = e {
            if let Binding::Qn(q) = self.resolve(&c.func) {
                if self.rb.locks.lookup(q).is_some() && self.lambda_depth == 0 {
                    let display = super::compact(self.text(e.range()));
                    let start = self.loc(e.range().start());
                    let end = self.loc(e.range().end());
                    self.funcs[self.cur].rare_mut().fresh_locks.push(FreshLock {
                        start,
                        end,
                        statement: format!("with {display}:"),
                        display,
                    });
                    return;
                }
            }
            if let Some(Expr::Name(n)) = item.optional_vars.as_deref() {
                if let Some(w) = self.pool_ctor_workers(e) {
                    self.pool_workers
                        .insert(format!("{}:{}", self.cur, n.id.as_str()), w);
                }
            }
            return;
        }
        if let Some(scope) = self.guard_scope(e, item.optional_vars.is_some()) {
            self.guards.push(Guard {
                text: super::compact(self.text(e.range())),
                scope,
            });
        }
    }

    /// A function decorated to run under a lock (`@wrapt.synchronized`, the
    /// rulebook's `synchronized`) holds it for its whole body.
    pub(super) fn enter_synchronized(&mut self, f: &'a ast::StmtFunctionDef) {
        for d in &f.decorator_list {
            let e = match &d.expression {
                Expr::Call(c) => &*c.func,
                e => e,
            };
            if let Binding::Qn(q) = self.resolve(e) {
                if self.rb.synchronized.lookup(q).is_some() {
                    self.guards.push(Guard {
                        text: format!("@{q}"),
                        scope: GuardScope::Threads,
                    });
                    return;
                }
            }
        }
    }

    /// `lock.acquire()` / `lock.release()` as statements.
    pub(super) fn note_acquire_release(&mut self, e: &Expr) {
        let e = match e {
            Expr::Await(a) => &*a.value,
            e => e,
        };
        let Expr::Call(c) = e else { return };
        let Expr::Attribute(a) = &*c.func else { return };
        if matches!(*a.value, Expr::Call(_)) {
            return;
        }
        // The lock as written is made only for these two methods: most
        // expression statements are other calls.
        let text = || super::compact(self.text(a.value.range()));
        match a.attr.as_str() {
            "acquire" => {
                if let Some(scope) = self.acquire_scope(&a.value) {
                    let text = text();
                    self.guards.push(Guard { text, scope });
                }
            }
            "release" => {
                let text = text();
                if let Some(i) = self.guards.iter().rposition(|g| g.text == text) {
                    self.guards.remove(i);
                }
            }
            _ => {}
        }
    }

    fn acquire_scope(&self, e: &Expr) -> Option<GuardScope> {
        match self.resolve(e) {
            Binding::Instance(t) => match self.rb.locks.lookup(t) {
                Some(LockScope::Threads) => Some(GuardScope::Threads),
                Some(LockScope::EventLoop) => Some(GuardScope::EventLoop),
                None => None,
            },
            _ => Some(GuardScope::Opaque),
        }
    }

    /// `if lock.acquire(False):` holds the lock in the body; `if not
    /// lock.acquire(...): return` holds it after the `if`. Returns whether
    /// the guard outlives the statement.
    pub(super) fn acquire_in_test(&mut self, test: &Expr) -> bool {
        let (call, negated) = match test {
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => (&*u.operand, true),
            e => (e, false),
        };
        let call = match call {
            Expr::Await(a) => &*a.value,
            e => e,
        };
        let Expr::Call(c) = call else { return false };
        let Expr::Attribute(a) = &*c.func else {
            return false;
        };
        if a.attr.as_str() != "acquire" || matches!(*a.value, Expr::Call(_)) {
            return false;
        }
        let Some(scope) = self.acquire_scope(&a.value) else {
            return false;
        };
        let text = super::compact(self.text(a.value.range()));
        self.guards.push(Guard { text, scope });
        negated
    }

    // ------------------------------------------------------------ dispatch

    /// The shared object a method is called on; `Err` holds the place key
    /// of a shared receiver, for the caller to intern.
    pub(super) fn receiver_of(&self, func: &Expr) -> Result<Receiver, String> {
        let Expr::Attribute(a) = func else {
            return Ok(Receiver::Other);
        };
        let Expr::Name(n) = &*a.value else {
            return Ok(Receiver::Other);
        };
        let name = n.id.as_str();
        match self.self_kind(name) {
            Some((_, false)) => return Ok(Receiver::SelfObj),
            Some((_, true)) => return Ok(Receiver::Other),
            None => {}
        }
        match self.name_place(name) {
            Some((_, key)) if !self.is_unshared_obj(&a.value) => Err(key),
            _ => Ok(Receiver::Other),
        }
    }

    fn current_class(&self) -> Option<&'a str> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.self_param.map(|(_, c, _)| c))
    }

    /// When a dispatched callable is a bound method, the key of the object
    /// every run from this site shares; `None` when each run gets its own
    /// (`Worker().run` in a loop, or a receiver assigned in the loop).
    pub(super) fn dispatch_instance(&self, target: &Expr, map_like: bool) -> Option<String> {
        let target = match target {
            Expr::Call(c) => match self.resolve(&c.func) {
                Binding::Qn("functools.partial") => c.arguments.args.first()?,
                _ => return None,
            },
            e => e,
        };
        let Expr::Attribute(a) = target else {
            return None;
        };
        match &*a.value {
            Expr::Name(n) => {
                let name = n.id.as_str();
                if let Some((class, is_cls)) = self.self_kind(name) {
                    return (!is_cls).then(|| cat(&["self@", class]));
                }
                if let Some((_, key)) = self.name_place(name) {
                    return Some(key);
                }
                if !self.is_local_name(name) {
                    return None;
                }
                let assigned_in = self.local_loop.iter().rev().find(|(n, _)| *n == name);
                if let Some((_, Some(l))) = assigned_in {
                    if self.loop_stack.contains(l) {
                        return None;
                    }
                }
                Some(self.full_tagged("l:", &[self.funcs[self.cur].qualname(), ".", name]))
            }
            Expr::Call(_) if map_like && self.loop_stack.is_empty() => {
                let at = self.loc(a.value.range().start());
                Some(format!("x:{}:{}:{}", self.module, at.row, at.column))
            }
            _ => None,
        }
    }

    /// The dispatch a value makes: `Thread(...)` itself, or a local holding
    /// one.
    fn thread_made_by(&self, v: &Expr) -> Option<usize> {
        match v {
            Expr::Call(_) => {
                let f = &self.funcs[self.cur];
                // (Most functions dispatch nothing: no location to make.)
                if f.dispatches().is_empty() {
                    return None;
                }
                let at = self.loc(v.range().start());
                f.dispatches().iter().rposition(|d| d.start == at)
            }
            Expr::Name(n) => self.thread_locals.get(n.id.as_str()).copied(),
            _ => None,
        }
    }

    /// Does this call wait for dispatched work (`t.join()`, `f.result()`,
    /// `ex.shutdown()`, `concurrent.futures.wait(fs)`)? `resolved` is what
    /// the call's function resolves to.
    pub(super) fn note_join(&mut self, call: &'a ast::ExprCall, resolved: &Binding) {
        let waits = match &*call.func {
            Expr::Attribute(a) => {
                self.rb.wait_methods.contains_key(a.attr.as_str())
                    && call
                        .arguments
                        .args
                        .iter()
                        .all(|x| matches!(x, Expr::NumberLiteral(_) | Expr::NoneLiteral(_)))
            }
            _ => false,
        } || matches!(resolved, Binding::Qn(q) if self.rb.wait_calls.lookup(q).is_some());
        if !waits {
            return;
        }
        self.funcs[self.cur].set_joins();
        // `t = Thread(...); t.start(); t.join()` or `ex.submit(f).result()`
        // inside the loop that made it: the runs do not overlap.
        let Expr::Attribute(a) = &*call.func else {
            return;
        };
        let d = match &*a.value {
            Expr::Name(n) => self.thread_locals.get(n.id.as_str()).copied(),
            e @ Expr::Call(_) => self.thread_made_by(e),
            _ => None,
        };
        let Some(d) = d else { return };
        let Some(&(l, rule_many)) = self.dispatch_meta.get(&(self.cur, d)) else {
            return;
        };
        // Only the latest dispatch: `a.start(); b.start(); a.join()` runs a
        // and b together.
        let latest = d + 1 == self.funcs[self.cur].dispatches().len();
        if rule_many || !latest || l.is_some_and(|l| !self.loop_stack.contains(&l)) {
            return;
        }
        if let Some(site) = self.funcs[self.cur].dispatches_mut().get_mut(d) {
            site.many = false;
            site.awaited = true;
        }
    }

    /// Is the pool a method is called on local to this function?
    pub(super) fn dispatch_scoped(&self, call: &'a ast::ExprCall) -> bool {
        let Expr::Attribute(a) = &*call.func else {
            return false;
        };
        match &*a.value {
            Expr::Name(n) => {
                self.cur != 0
                    && self
                        .pool_workers
                        .contains_key(&format!("{}:{}", self.cur, n.id.as_str()))
            }
            Expr::Call(_) => true,
            _ => false,
        }
    }

    /// The literal worker count of the pool a method is called on.
    pub(super) fn dispatch_workers(&self, call: &'a ast::ExprCall) -> Option<u64> {
        let Expr::Attribute(a) = &*call.func else {
            return None;
        };
        match &*a.value {
            Expr::Name(n) => {
                let name = n.id.as_str();
                self.pool_workers
                    .get(&format!("{}:{}", self.cur, name))
                    .or_else(|| self.pool_workers.get(&format!("0:{name}")))
                    .copied()
                    .flatten()
            }
            Expr::Attribute(inner) => match &*inner.value {
                Expr::Name(n) => {
                    let (class, is_cls) = self.self_kind(n.id.as_str())?;
                    if is_cls {
                        return None;
                    }
                    self.pool_workers
                        .get(&format!("self@{class}.{}", inner.attr.as_str()))
                        .copied()
                        .flatten()
                }
                _ => None,
            },
            e @ Expr::Call(_) => self.pool_ctor_workers(e).flatten(),
            _ => None,
        }
    }

    /// For a pool constructor call: `Some(workers)` (the literal, if any).
    fn pool_ctor_workers(&self, e: &'a Expr) -> Option<Option<u64>> {
        let Expr::Call(c) = e else { return None };
        // The call just visited (an assignment's value) was resolved then;
        // nothing binds a name in between.
        let resolved = match &self.last_callee {
            Some((last, b)) if std::ptr::eq(*last, c) => std::borrow::Cow::Borrowed(b),
            _ => std::borrow::Cow::Owned(self.resolve(&c.func)),
        };
        let Binding::Qn(q) = resolved.as_ref() else {
            return None;
        };
        self.rb.executors.lookup(q)?;
        let spec = self.rb.pool_workers.lookup(q);
        Some(
            spec.and_then(|s| Self::pick_arg(c, s))
                .and_then(|a| self.const_int(a)),
        )
    }

    pub(super) fn note_loop_targets(&mut self, target: &'a Expr) {
        let mut names = Vec::new();
        super::collect_targets(target, None, &mut names);
        let l = self.loop_stack.last().copied();
        for (name, _, _) in names {
            self.local_loop.push((name, l));
            self.taint.remove(name);
        }
    }
}
