//! One pass over a module's AST that resolves names and records, per
//! function, the facts the project stage needs (see [`super::model`]).
//!
//! Name resolution follows Python's scoping: function scopes see their
//! enclosing functions and the module but not class bodies; `global` and
//! `nonlocal` redirect lookups; a name bound anywhere in a function is local
//! throughout it. Bindings are flow-insensitive: a name bound to two
//! different things is `Unknown`, which keeps the analysis from guessing.

use super::lists::FunctionLists;
use super::model::*;
use crate::rulebook::Rulebook;
use crate::source::{LineIndex, Location};
use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use thin_vec::ThinVec;

mod kernels;
mod shared;
use kernels::LoopDeps;
use shared::{CheckFrame, Guard, ReadRec};

/// How deep our own walk descends before giving up on a subtree. The parser
/// guards its own recursion; this guards ours (see `stacker` below too).
pub const MAX_DEPTH: u32 = 2_000;

/// The value of a `self.x` assignment, resolved once the method's scope
/// is built.
enum SelfValue<'a> {
    Value(&'a Expr),
    /// `self.x: T = value`: the annotation, else the value.
    Annotated(&'a Expr, Option<&'a Expr>),
    /// `self.x += ...`.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function,
}

/// A name and its hash. A lookup walks several scopes, and asks each of
/// them up to three questions (global? nonlocal? bound?): the name is
/// hashed once for all of them rather than once a question.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key<'a> {
    hash: u64,
    pub(super) name: &'a str,
}

impl<'a> Key<'a> {
    fn new(name: &'a str) -> Self {
        use std::hash::BuildHasher;
        Key {
            hash: rustc_hash::FxBuildHasher.hash_one(name),
            name,
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.name == other.name
    }
}

impl Eq for Key<'_> {}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Hands a [`Key`]'s hash, already computed, to the table.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `Key`s are hashed here, through `write_u64`; anything else
        // still gets a hash, though not a good one.
        for &b in bytes {
            self.0 = self.0.rotate_left(5) ^ u64::from(b);
        }
    }
}

/// A [`Key`] to look up with: its name may be borrowed for less long than
/// the table's keys.
#[derive(Clone, Copy)]
pub(super) struct Ask<'n>(Key<'n>);

impl<'n> Ask<'n> {
    pub(super) fn new(name: &'n str) -> Self {
        Ask(Key::new(name))
    }
}

impl std::hash::Hash for Ask<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl<'a> hashbrown::Equivalent<Key<'a>> for Ask<'_> {
    fn equivalent(&self, k: &Key<'a>) -> bool {
        self.0 == *k
    }
}

type KeyBuild = std::hash::BuildHasherDefault<KeyHasher>;
type KeyMap<'a, V> = hashbrown::HashMap<Key<'a>, V, KeyBuild>;
type KeySet<'a> = hashbrown::HashSet<Key<'a>, KeyBuild>;

#[derive(Debug)]
struct Scope<'a> {
    kind: ScopeKind,
    /// Names borrow from the AST: a scope lives only while its body is
    /// walked.
    names: KeyMap<'a, Binding<'a>>,
    /// Names bound only to `None` so far; a real binding replaces them.
    none_only: KeySet<'a>,
    globals: KeySet<'a>,
    nonlocals: KeySet<'a>,
    /// Qualname prefix for definitions inside this scope.
    prefix: &'a str,
    /// A method's first parameter: its name, its class, and whether it
    /// is `cls` (a classmethod) rather than `self`.
    self_param: Option<(&'a str, &'a str, bool)>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind, prefix: &'a str) -> Self {
        Scope {
            kind,
            names: KeyMap::default(),
            none_only: KeySet::default(),
            globals: KeySet::default(),
            nonlocals: KeySet::default(),
            prefix,
            self_param: None,
        }
    }

    fn bind(&mut self, name: Key<'a>, b: Binding<'a>, is_none: bool) {
        match self.names.entry(name) {
            hashbrown::hash_map::Entry::Vacant(v) => {
                v.insert(b);
                if is_none {
                    self.none_only.insert(name);
                }
            }
            hashbrown::hash_map::Entry::Occupied(mut o) => {
                if is_none || *o.get() == b {
                    return;
                }
                if self.none_only.remove(&name) {
                    o.insert(b);
                } else {
                    o.insert(Binding::Unknown);
                }
            }
        }
    }
}

pub struct Builder<'a> {
    /// The names bindings borrow (made by joining parts), freed with the
    /// builder rather than one by one.
    strs: &'a bumpalo::Bump,
    src: &'a str,
    lines: &'a LineIndex,
    rb: &'a Rulebook,
    module: String,
    is_package: bool,
    scopes: Vec<Scope<'a>>,
    funcs: Vec<FunctionSummary>,
    /// Each function's lists as they grow, beside `funcs`; set in its
    /// summary when the module is done.
    lists: Vec<FunctionLists>,
    classes: Vec<ClassSummary>,
    cur: usize,
    loop_stack: Vec<u32>,
    awaited: bool,
    lambda_depth: u32,
    /// Inside the operands of a binary operation.
    in_binop: u32,
    /// Inside `except` handlers.
    handler_depth: u32,
    /// Inside debug-only branches.
    cold_depth: u32,
    depth: u32,
    /// Module-level integer constants, for trip counts.
    consts: HashMap<String, u64>,
    /// Attribute types of this module's classes (from `self.x = ...`).
    class_attrs: HashMap<&'a str, HashMap<&'a str, Binding<'a>>>,
    /// Full names of this module's classes.
    class_names: HashSet<&'a str>,
    /// The first place where nesting exceeded [`MAX_DEPTH`].
    pub truncated: Option<Location>,
    /// The module's name for `numpy`, once looked up.
    numpy_alias: std::cell::OnceCell<Option<String>>,
    /// Whether a type's attributes are per thread, by type (cleared when a
    /// class is added: its bases may change the answer).
    unshared_memo: std::cell::RefCell<HashMap<String, bool>>,
    // --- shared state (see `shared.rs`) ---
    /// Locks held at this point of the current function.
    guards: Vec<Guard>,
    /// `await` points passed so far in the current function.
    awaits: u32,
    last_await: Option<Location>,
    /// Inside an expression whose reads of places are collected.
    collecting: u32,
    reads: Vec<ReadRec<'a>>,
    /// Locals holding values read from places: `bal = self.balance`.
    taint: HashMap<&'a str, Vec<ReadRec<'a>>>,
    /// Enclosing `if` tests and the places they read.
    checks: Vec<CheckFrame<'a>>,
    /// Locals of the current function and the loop they were last
    /// assigned in (to tell a receiver made per iteration).
    /// A list, latest last, rather than a map: it is added to on every
    /// assignment and searched only for a dispatched method of a local.
    local_loop: Vec<(&'a str, Option<u32>)>,
    /// Literal worker counts of pools, by the variable holding them.
    pool_workers: HashMap<String, Option<u64>>,
    /// Locals holding an unmodified copy of a place (`saved = obj.x`).
    copies: HashSet<&'a str>,
    /// Locals holding a dispatched thread: name -> index in `dispatches`.
    thread_locals: HashMap<&'a str, usize>,
    /// Per (function, dispatch index): the innermost loop it was made in,
    /// and whether the dispatcher itself runs the callable many times.
    dispatch_meta: HashMap<(usize, usize), (Option<u32>, bool)>,
    // --- loops, constructs, guards (see `kernels.rs`) ---
    /// Per enclosing loop of the current function: its dependencies.
    deps: Vec<LoopDeps>,
    /// Finished loops of the current function and the names they store.
    finished: Vec<(u32, HashSet<String>)>,
    /// Inside `if __name__ == "__main__":`.
    main_guard: u32,
    /// Visiting the target of an augmented assignment.
    aug_target: bool,
    /// Conditional blocks open in the current function, by id.
    blocks: Vec<u32>,
    next_block: u32,
    /// The line of the last location asked for (see [`LineIndex::location_near`]).
    line_hint: std::cell::Cell<usize>,
    /// The call finished last (after its arguments: the outermost call of an
    /// expression) and what its function resolves to, for
    /// `pool_ctor_workers` to reuse on an assignment's value.
    last_callee: Option<(&'a ast::ExprCall, Binding<'a>)>,
    /// Call sites' names, each stored once per file.
    names: Names,
    interned: HashMap<Box<str>, Name>,
    texts: Texts,
    interned_texts: HashMap<Box<str>, Text>,
}

/// What a name is bound to.
enum Found<'a> {
    Bound(Binding<'a>),
    Builtin,
    Unbound,
}

/// One of [`BUILTINS`] (asked only of names no scope binds).
fn is_builtin(name: &str) -> bool {
    // (Not a lazily built set: it would be made inside the first file's
    // scratch scope and pin a chunk of it for the whole run.)
    // The names sharing the first byte are next to each other: found by
    // comparing bytes, then a few compared whole (most unbound names are
    // not builtins, and a binary search over whole names was ~7 string
    // comparisons each).
    let Some(&first) = name.as_bytes().first() else {
        return false;
    };
    let start = BUILTINS.partition_point(|b| b.as_bytes()[0] < first);
    BUILTINS[start..]
        .iter()
        .take_while(|b| b.as_bytes()[0] == first)
        .any(|b| *b == name)
}

/// Python's builtin names: an unbound name that is one of these resolves
/// to `builtins.<name>`.
// Kept sorted and free of repeats (a unit test checks), so that an edit
// is easy to review.
const BUILTINS: &[&str] = &[
    "__import__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// The summary of a module: `body`, parsed from `src`.
pub fn summarise(
    src: &str,
    lines: &LineIndex,
    rb: &Rulebook,
    module: &str,
    is_package: bool,
    body: &[Stmt],
) -> ModuleSummary {
    let strs = bumpalo::Bump::new();
    Builder::new(&strs, src, lines, rb, module, is_package).build(body)
}

impl<'a> Builder<'a> {
    fn new(
        strs: &'a bumpalo::Bump,
        src: &'a str,
        lines: &'a LineIndex,
        rb: &'a Rulebook,
        module: &str,
        is_package: bool,
    ) -> Self {
        Builder {
            strs,
            src,
            lines,
            rb,
            module: module.to_string(),
            is_package,
            scopes: Vec::new(),
            funcs: Vec::new(),
            lists: Vec::new(),
            classes: Vec::new(),
            cur: 0,
            loop_stack: Vec::new(),
            awaited: false,
            lambda_depth: 0,
            in_binop: 0,
            handler_depth: 0,
            cold_depth: 0,
            depth: 0,
            consts: HashMap::default(),
            class_attrs: HashMap::default(),
            class_names: HashSet::default(),
            truncated: None,
            numpy_alias: std::cell::OnceCell::new(),
            unshared_memo: Default::default(),
            guards: Vec::new(),
            awaits: 0,
            last_await: None,
            collecting: 0,
            reads: Vec::new(),
            taint: HashMap::default(),
            checks: Vec::new(),
            local_loop: Vec::new(),
            pool_workers: HashMap::default(),
            copies: HashSet::default(),
            thread_locals: HashMap::default(),
            dispatch_meta: HashMap::default(),
            deps: Vec::new(),
            finished: Vec::new(),
            main_guard: 0,
            aug_target: false,
            blocks: Vec::new(),
            next_block: 0,
            line_hint: std::cell::Cell::new(0),
            last_callee: None,
            names: Names::default(),
            interned: HashMap::default(),
            texts: Texts::default(),
            interned_texts: HashMap::default(),
        }
    }

    /// `s`, shared with every other call site of this file that names it.
    fn intern(&mut self, s: &str) -> Name {
        if let Some(&n) = self.interned.get(s) {
            return n;
        }
        let n = self.names.push(s);
        self.interned.insert(s.into(), n);
        n
    }

    /// A text of an access or loop, stored once per module.
    pub(super) fn intern_text(&mut self, s: &str) -> Text {
        if let Some(&t) = self.interned_texts.get(s) {
            return t;
        }
        let t = self.texts.push(s);
        self.interned_texts.insert(s.into(), t);
        t
    }

    fn loc(&self, offset: ruff_text_size::TextSize) -> Location {
        self.lines.location_near(self.src, offset, &self.line_hint)
    }

    fn text(&self, range: TextRange) -> &'a str {
        self.src
            .get(usize::from(range.start())..usize::from(range.end()))
            .unwrap_or("")
    }

    /// `parts` joined, kept as long as the builder: what bindings hold.
    fn join(&self, parts: &[&str]) -> &'a str {
        // (Over a slice rather than through `join_all`: this is on the
        // hot path of every resolution, and the iterator costs 8M more
        // instructions on the stdlib.)
        let len = parts.iter().map(|p| p.len()).sum();
        let mut out = bumpalo::collections::String::with_capacity_in(len, self.strs);
        for p in parts {
            out.push_str(p);
        }
        out.into_bump_str()
    }

    /// [`Self::join`] of any sequence of parts.
    fn join_all<'p>(&self, parts: impl Iterator<Item = &'p str> + Clone) -> &'a str {
        let len = parts.clone().map(str::len).sum();
        let mut out = bumpalo::collections::String::with_capacity_in(len, self.strs);
        for p in parts {
            out.push_str(p);
        }
        out.into_bump_str()
    }

    /// The module-qualified name of the qualname made of `parts`
    /// (`pkg.mod.Client`), kept as long as the builder.
    fn full_in(&self, parts: &[&str]) -> &'a str {
        let module = [self.module.as_str(), "."];
        let module = if self.module.is_empty() {
            &module[..0]
        } else {
            &module[..]
        };
        self.join_all(module.iter().chain(parts).copied())
    }

    /// `tag` and the full name of the qualname made of `parts`, in one
    /// allocation (place keys: `g:pkg.mod.name`).
    fn full_tagged(&self, tag: &str, parts: &[&str]) -> String {
        let module = if self.module.is_empty() {
            0
        } else {
            self.module.len() + 1
        };
        let len = tag.len() + module + parts.iter().map(|p| p.len()).sum::<usize>();
        let mut out = String::with_capacity(len);
        out.push_str(tag);
        if module > 0 {
            out.push_str(&self.module);
            out.push('.');
        }
        for p in parts {
            out.push_str(p);
        }
        out
    }

    /// Build the summary of a module.
    pub fn build(mut self, body: &'a [Stmt]) -> ModuleSummary {
        self.scopes.push(Scope::new(ScopeKind::Module, ""));
        let mut module = FunctionSummary::new(
            "<module>",
            false,
            Location { row: 1, column: 1 },
            self.loc(ruff_text_size::TextSize::of(self.src)).row,
        );
        module.is_module = true;
        self.add_function(module);
        self.collect_consts(body);
        self.prepass(body);
        self.visit_body(body);
        let module_scope = self
            .scopes
            .pop()
            .unwrap_or_else(|| Scope::new(ScopeKind::Module, ""));
        let exports = Exports::new(
            &self.module,
            module_scope.names.iter().map(|(k, b)| (k.name, b)),
        );
        for (f, lists) in self.funcs.iter_mut().zip(&self.lists) {
            f.set_lists(lists);
        }
        ModuleSummary {
            module: self.module,
            is_package: self.is_package,
            names: self.names,
            texts: self.texts,
            functions: self.funcs,
            classes: self.classes,
            exports,
            truncated_at: self.truncated,
        }
    }

    fn collect_consts(&mut self, body: &[Stmt]) {
        for stmt in body {
            if let Stmt::Assign(a) = stmt {
                if let [Expr::Name(n)] = a.targets.as_slice() {
                    if let Some(v) = self.const_int(&a.value) {
                        self.consts.insert(n.id.to_string(), v);
                    }
                }
            }
        }
    }

    fn const_int(&self, e: &Expr) -> Option<u64> {
        self.const_int_depth(e, 0)
    }

    fn const_int_depth(&self, e: &Expr, depth: u32) -> Option<u64> {
        if depth > 16 {
            return None;
        }
        match e {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => i.as_i64().and_then(|v| u64::try_from(v).ok()),
                ast::Number::Float(f) if *f >= 0.0 && *f < 1e19 => Some(*f as u64),
                _ => None,
            },
            Expr::Name(n) => self.consts.get(n.id.as_str()).copied(),
            Expr::BinOp(b) => {
                let l = self.const_int_depth(&b.left, depth + 1)?;
                let r = self.const_int_depth(&b.right, depth + 1)?;
                match b.op {
                    ast::Operator::Add => l.checked_add(r),
                    ast::Operator::Sub => l.checked_sub(r),
                    ast::Operator::Mult => l.checked_mul(r),
                    ast::Operator::FloorDiv => l.checked_div(r),
                    ast::Operator::Pow => u32::try_from(r).ok().and_then(|r| l.checked_pow(r)),
                    ast::Operator::LShift => {
                        u32::try_from(r).ok().filter(|r| *r < 64).map(|r| l << r)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    // ----------------------------------------------------------------- scopes

    fn resolve_module(&self, module: Option<&str>, level: u32) -> String {
        if level == 0 {
            return module.unwrap_or("").to_string();
        }
        let mut parts: Vec<&str> = self.module.split('.').filter(|s| !s.is_empty()).collect();
        // A module's package is its parent; a package's own __init__ is itself.
        let mut up = level as usize;
        if self.is_package {
            up -= 1;
        }
        for _ in 0..up {
            parts.pop();
        }
        let mut base = parts.join(".");
        if let Some(m) = module {
            if !base.is_empty() {
                base.push('.');
            }
            base.push_str(m);
        }
        base
    }

    /// Collect the bindings of a body into the innermost scope.
    fn prepass(&mut self, body: &'a [Stmt]) {
        let mut assigned: Vec<(&'a str, Option<&'a Expr>, bool)> = Vec::new();
        self.prepass_stmts(body, &mut assigned);
        // Room for every name at once, rather than growing the table as
        // they come (no scope's table is iterated in an order that shows).
        self.scopes
            .last_mut()
            .expect("scope")
            .names
            .reserve(assigned.len());
        for (name, value, is_with) in assigned {
            let (b, is_none) = match value {
                Some(Expr::NoneLiteral(_)) => (Binding::Unknown, true),
                Some(v) => {
                    let r = self.resolve(v);
                    let b = match r {
                        // `with Ctor() as x` and `x = Ctor()` both give an instance.
                        Binding::Instance(_) => r,
                        // `x = module.func` aliases a function.
                        Binding::Qn(q)
                            if !is_with && matches!(v, Expr::Name(_) | Expr::Attribute(_)) =>
                        {
                            Binding::Qn(q)
                        }
                        _ => Binding::Unknown,
                    };
                    (b, false)
                }
                None => (Binding::Unknown, false),
            };
            let scope = self.scopes.last_mut().expect("scope");
            let name = Key::new(name);
            if scope.globals.contains(&name) || scope.nonlocals.contains(&name) {
                continue;
            }
            scope.bind(name, b, is_none);
        }
    }

    fn prepass_stmts(
        &mut self,
        body: &'a [Stmt],
        assigned: &mut Vec<(&'a str, Option<&'a Expr>, bool)>,
    ) {
        for stmt in body {
            self.prepass_stmt(stmt, assigned);
        }
    }

    fn prepass_stmt(
        &mut self,
        stmt: &'a Stmt,
        assigned: &mut Vec<(&'a str, Option<&'a Expr>, bool)>,
    ) {
        match stmt {
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.as_str();
                    let (name, target) = match &alias.asname {
                        Some(a) => (a.as_str(), full),
                        None => {
                            let first = full.split('.').next().unwrap_or(full);
                            (first, first)
                        }
                    };
                    self.scopes.last_mut().expect("scope").bind(
                        Key::new(name),
                        Binding::Qn(target),
                        false,
                    );
                }
            }
            Stmt::ImportFrom(i) => {
                let base = self.resolve_module(i.module.as_ref().map(|m| m.as_str()), i.level);
                for alias in &i.names {
                    if alias.name.as_str() == "*" {
                        continue;
                    }
                    let name = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    let target = if base.is_empty() {
                        alias.name.as_str()
                    } else {
                        self.join(&[&base, ".", alias.name.as_str()])
                    };
                    self.scopes.last_mut().expect("scope").bind(
                        Key::new(name),
                        Binding::Qn(target),
                        false,
                    );
                }
            }
            Stmt::FunctionDef(f) => {
                let scope = self.scopes.last().expect("scope");
                let qn = self.full_in(&[scope.prefix, f.name.as_str()]);
                self.scopes.last_mut().expect("scope").bind(
                    Key::new(f.name.as_str()),
                    Binding::Qn(qn),
                    false,
                );
            }
            Stmt::ClassDef(c) => {
                let scope = self.scopes.last().expect("scope");
                let qn = self.full_in(&[scope.prefix, c.name.as_str()]);
                self.scopes.last_mut().expect("scope").bind(
                    Key::new(c.name.as_str()),
                    Binding::Qn(qn),
                    false,
                );
            }
            Stmt::Global(g) => {
                let scope = self.scopes.last_mut().expect("scope");
                for n in &g.names {
                    scope.globals.insert(Key::new(n.as_str()));
                }
            }
            Stmt::Nonlocal(g) => {
                let scope = self.scopes.last_mut().expect("scope");
                for n in &g.names {
                    scope.nonlocals.insert(Key::new(n.as_str()));
                }
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    collect_targets(t, Some(&a.value), assigned);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Expr::Name(n) = &*a.target {
                    // An annotation types the name when the value does not.
                    match &a.value {
                        Some(v) if !matches!(**v, Expr::NoneLiteral(_)) => {
                            assigned.push((n.id.as_str(), Some(v), false))
                        }
                        _ => assigned.push((n.id.as_str(), None, false)),
                    }
                    if let Binding::Qn(q) = self.resolve(&a.annotation) {
                        if a.value
                            .as_deref()
                            .is_none_or(|v| matches!(v, Expr::NoneLiteral(_)))
                        {
                            assigned.pop();
                            self.scopes.last_mut().expect("scope").bind(
                                Key::new(n.id.as_str()),
                                Binding::Instance(q),
                                false,
                            );
                        }
                    }
                }
            }
            Stmt::AugAssign(a) => collect_targets(&a.target, None, assigned),
            Stmt::For(f) => {
                collect_targets(&f.target, None, assigned);
                self.prepass_stmts(&f.body, assigned);
                self.prepass_stmts(&f.orelse, assigned);
            }
            Stmt::While(w) => {
                self.prepass_stmts(&w.body, assigned);
                self.prepass_stmts(&w.orelse, assigned);
            }
            Stmt::If(i) => {
                self.prepass_stmts(&i.body, assigned);
                for c in &i.elif_else_clauses {
                    self.prepass_stmts(&c.body, assigned);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(v) = &item.optional_vars {
                        if let Expr::Name(n) = &**v {
                            assigned.push((n.id.as_str(), Some(&item.context_expr), true));
                        } else {
                            collect_targets(v, None, assigned);
                        }
                    }
                }
                self.prepass_stmts(&w.body, assigned);
            }
            Stmt::Try(t) => {
                self.prepass_stmts(&t.body, assigned);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        assigned.push((n.as_str(), None, false));
                    }
                    self.prepass_stmts(&h.body, assigned);
                }
                self.prepass_stmts(&t.orelse, assigned);
                self.prepass_stmts(&t.finalbody, assigned);
            }
            Stmt::Match(m) => {
                for c in &m.cases {
                    self.prepass_stmts(&c.body, assigned);
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    collect_targets(t, None, assigned);
                }
            }
            _ => {}
        }
    }

    /// Look a name up through the scope chain.
    fn lookup(&self, name: &str) -> Binding<'a> {
        match self.lookup_ref(name) {
            Found::Bound(b) => b,
            Found::Builtin => Binding::Qn(self.join(&["builtins.", name])),
            Found::Unbound => Binding::Unknown,
        }
    }

    /// [`Self::lookup`], borrowing the binding from its scope.
    fn lookup_ref(&self, name: &str) -> Found<'a> {
        let key = Ask::new(name);
        let n = self.scopes.len();
        let mut i = n;
        let mut first = true;
        let mut skip_to_module = false;
        let mut skip_self = false;
        while i > 0 {
            i -= 1;
            let scope = &self.scopes[i];
            if skip_to_module && scope.kind != ScopeKind::Module {
                continue;
            }
            if scope.kind == ScopeKind::Class && !first {
                continue;
            }
            if first {
                if scope.globals.contains(&key) {
                    skip_to_module = true;
                    first = false;
                    continue;
                }
                if scope.nonlocals.contains(&key) {
                    skip_self = true;
                }
            }
            first = false;
            if skip_self {
                skip_self = false;
                continue;
            }
            if let Some(b) = scope.names.get(&key) {
                return Found::Bound(*b);
            }
        }
        if is_builtin(name) {
            Found::Builtin
        } else {
            Found::Unbound
        }
    }

    /// `attr` of an instance of the type `t`: its recorded type, else the
    /// method or attribute by name.
    fn instance_attr(&self, t: &str, attr: &str) -> Binding<'a> {
        if let Some(b) = self.class_attrs.get(t).and_then(|m| m.get(attr)) {
            return *b;
        }
        Binding::Qn(self.join(&[t, ".", attr]))
    }

    /// What an expression denotes, as far as can be seen.
    fn resolve(&self, e: &Expr) -> Binding<'a> {
        match e {
            Expr::Name(n) => self.lookup(n.id.as_str()),
            Expr::Attribute(a) => {
                let attr = a.attr.as_str();
                // `name.attr`, the usual case, without copying the name's
                // binding first.
                if let Expr::Name(n) = &*a.value {
                    return match self.lookup_ref(n.id.as_str()) {
                        Found::Bound(Binding::Qn(q)) => Binding::Qn(self.join(&[q, ".", attr])),
                        Found::Bound(Binding::Instance(t)) => self.instance_attr(t, attr),
                        Found::Builtin => {
                            Binding::Qn(self.join(&["builtins.", n.id.as_str(), ".", attr]))
                        }
                        Found::Bound(Binding::Unknown) | Found::Unbound => Binding::Unknown,
                    };
                }
                match self.resolve(&a.value) {
                    Binding::Qn(q) => Binding::Qn(self.join(&[q, ".", attr])),
                    Binding::Instance(t) => self.instance_attr(t, attr),
                    Binding::Unknown => Binding::Unknown,
                }
            }
            Expr::Call(c) => match self.resolve(&c.func) {
                Binding::Qn(q) => self.call_result(q, Some(c)),
                _ => Binding::Unknown,
            },
            Expr::Await(a) => self.resolve(&a.value),
            _ => Binding::Unknown,
        }
    }

    /// The type of what a call of `q` returns, where the catalogue or the
    /// naming convention says.
    fn call_result(&self, q: &'a str, call: Option<&ast::ExprCall>) -> Binding<'a> {
        if let (Some(conds), Some(call)) = (self.rb.returns_when.lookup(q), call) {
            for c in conds {
                if let Some(Expr::StringLiteral(s)) = Self::pick_arg(call, &c.argument) {
                    if s.value.to_str() == c.equals {
                        return Binding::Instance(&c.type_name);
                    }
                }
            }
        }
        if let Some(t) = self.rb.returns.lookup(q) {
            return Binding::Instance(t);
        }
        // `Session()` and private classes like `_Context()` construct.
        let last = q.rfind('.').map_or(q, |i| &q[i + 1..]);
        if last
            .trim_start_matches('_')
            .starts_with(|c: char| c.is_ascii_uppercase())
            || self.rb.is_constructor(q)
        {
            return Binding::Instance(q);
        }
        Binding::Unknown
    }

    // ----------------------------------------------------------------- walk

    fn visit_body(&mut self, body: &'a [Stmt]) {
        for s in body {
            self.visit_stmt(s);
        }
    }

    /// Add a function, with empty lists beside it; returns its index.
    fn add_function(&mut self, f: FunctionSummary) -> usize {
        self.funcs.push(f);
        self.lists.push(FunctionLists::default());
        self.funcs.len() - 1
    }

    fn func(&mut self) -> &mut FunctionSummary {
        &mut self.funcs[self.cur]
    }

    fn mark_work(&mut self) {
        if let Some(&l) = self.loop_stack.last() {
            self.lists[self.cur].loops[l as usize].has_work = true;
        }
    }

    fn push_loop(
        &mut self,
        start: Location,
        header_end: Location,
        kind: LoopKind,
        iter: Option<&Expr>,
    ) -> u32 {
        // The iterable read once, for its kind and its items.
        let (trip, iter_kind, items) = match iter {
            Some(it) => {
                let (trip, kind) = self.loop_iter(it);
                let items = match it {
                    Expr::Generator(_) => self.items_of(it, 0),
                    _ => self.items_of_iter(it, (trip, kind)),
                };
                (trip, kind, items)
            }
            None => (None, IterKind::Other, Items::Unknown),
        };
        let parent = self.loop_stack.last().copied();
        let f = &mut self.lists[self.cur];
        f.loops.push(LoopFact {
            start,
            header_end,
            kind,
            parent,
            iter: iter_kind,
            has_work: false,
            has_await: false,
            has_unknown: false,
            items,
            var: None,
            has_text: false,
            array_elems: 0,
            array_irregular: false,
            untyped_index: false,
            independent: false,
            vector: None,
        });
        let idx = (f.loops.len() - 1) as u32;
        // (`items` counts a range loop's trips: see `LoopFact::trip`.)
        debug_assert_eq!(f.loops[idx as usize].trip(), trip);
        self.loop_stack.push(idx);
        self.push_deps(idx);
        idx
    }

    fn loop_iter(&self, it: &Expr) -> (Option<u64>, IterKind) {
        if let Expr::Call(c) = it {
            if let Binding::Qn(q) = self.resolve(&c.func) {
                if q == "builtins.range" {
                    let args = &c.arguments.args;
                    let trip = match args.len() {
                        1 => self.const_int(&args[0]),
                        2 | 3 => {
                            let start = self.const_int(&args[0]);
                            let stop = self.const_int(&args[1]);
                            let step = if args.len() == 3 {
                                self.const_int(&args[2])
                            } else {
                                Some(1)
                            };
                            match (start, stop, step) {
                                (Some(a), Some(b), Some(s)) if s > 0 => {
                                    Some(b.saturating_sub(a) / s)
                                }
                                (None, Some(b), Some(1)) => Some(b),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    return (trip, IterKind::Range);
                }
            }
        }
        use crate::rulebook::{Effect, IoKind};
        let (name, readline) = match self.resolve(it) {
            Binding::Instance(t) if self.rb.arrays.lookup(t).is_some() => {
                return (None, IterKind::Array)
            }
            Binding::Instance(t) => (t, Some(format!("{t}.readline"))),
            Binding::Qn(q) => (q, None),
            Binding::Unknown => return (None, IterKind::Other),
        };
        // Iterating a blocking stream (`proc.stdout`, a socket file) waits
        // for each item; iterating a file object reads the page cache.
        match self.rb.effect(name) {
            Some(Effect::Io {
                kind: IoKind::Disk, ..
            }) => return (None, IterKind::File),
            Some(Effect::Io { .. }) => return (None, IterKind::Io),
            _ => {}
        }
        if let Some(r) = readline {
            match self.rb.effect(&r) {
                Some(Effect::Io {
                    kind: IoKind::Disk, ..
                }) => return (None, IterKind::File),
                Some(Effect::Io { .. }) => return (None, IterKind::Io),
                _ => {}
            }
        }
        (None, IterKind::Other)
    }

    fn visit_function(&mut self, f: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and annotations run in the enclosing scope.
        for d in &f.decorator_list {
            self.visit_expr(&d.expression);
        }
        for p in f.parameters.iter_non_variadic_params() {
            if let Some(d) = &p.default {
                self.visit_expr(d);
            }
        }
        let scope = self.scopes.last().expect("scope");
        let class_qual =
            (scope.kind == ScopeKind::Class).then(|| scope.prefix.trim_end_matches('.'));
        let class_full = class_qual.map(|c| self.full_in(&[c]));
        let is_method = class_full.is_some();
        let qualname = self.join(&[scope.prefix, f.name.as_str()]);
        let def_loc = self.loc(f.name.range.start());
        if self
            .scopes
            .last()
            .is_some_and(|s| s.kind == ScopeKind::Function)
        {
            self.construct("nested-function", f.range.start());
        }
        let decorators = f
            .decorator_list
            .iter()
            .filter_map(|d| {
                let e = match &d.expression {
                    Expr::Call(c) => &*c.func,
                    e => e,
                };
                match self.resolve(e) {
                    Binding::Qn(q) => Some(q.to_string()),
                    _ => None,
                }
            })
            .collect::<ThinVec<String>>();
        let mut summary =
            FunctionSummary::new(qualname, is_method, def_loc, self.loc(f.range.end()).row);
        summary.is_async = f.is_async;
        if !decorators.is_empty() {
            summary.rare_mut().decorators = decorators;
        }
        let id = self.add_function(summary);
        let saved_cur = std::mem::replace(&mut self.cur, id);
        let saved_loops = std::mem::take(&mut self.loop_stack);
        let saved_awaited = std::mem::take(&mut self.awaited);
        let saved_lambda = std::mem::take(&mut self.lambda_depth);
        let saved_handler = std::mem::take(&mut self.handler_depth);
        let saved_cold = std::mem::take(&mut self.cold_depth);
        let saved_shared = self.take_shared_state();
        let saved_kernels = self.take_kernel_state();
        if f.is_async {
            self.construct("async", f.range.start());
        }
        if let Some(k) = &f.parameters.kwarg {
            self.construct("kwargs", k.range.start());
        }
        self.push_function_scope(f, qualname, class_full, is_method);
        self.enter_synchronized(f);
        self.visit_body(&f.body);
        self.scopes.pop();
        self.restore_kernel_state(saved_kernels);
        self.restore_shared_state(saved_shared);
        self.cur = saved_cur;
        self.loop_stack = saved_loops;
        self.awaited = saved_awaited;
        self.lambda_depth = saved_lambda;
        self.handler_depth = saved_handler;
        self.cold_depth = saved_cold;
    }

    fn push_function_scope(
        &mut self,
        f: &'a ast::StmtFunctionDef,
        qualname: &str,
        class_full: Option<&'a str>,
        is_method: bool,
    ) {
        let mut scope = Scope::new(ScopeKind::Function, self.join(&[qualname, ".<locals>."]));
        // `@staticmethod` and `@classmethod`, each decorator resolved once.
        let (mut is_static, mut is_classmethod) = (false, false);
        for d in &f.decorator_list {
            if let Binding::Qn(q) = self.resolve(&d.expression) {
                match q.strip_prefix("builtins.") {
                    Some("staticmethod") => is_static = true,
                    Some("classmethod") => is_classmethod = true,
                    _ => {}
                }
            }
        }
        let mut first = true;
        let params = f
            .parameters
            .posonlyargs
            .iter()
            .chain(f.parameters.args.iter())
            .chain(f.parameters.kwonlyargs.iter())
            .map(|p| &p.parameter)
            .chain(f.parameters.vararg.as_deref())
            .chain(f.parameters.kwarg.as_deref());
        scope.names.reserve(f.parameters.len());
        for p in params {
            if first && is_method && !is_static {
                scope.self_param = Some((
                    p.name.as_str(),
                    class_full.unwrap_or_default(),
                    is_classmethod,
                ));
            }
            let b = if first && is_method && !is_static {
                let c = class_full.unwrap_or_default();
                if is_classmethod {
                    Binding::Qn(c)
                } else {
                    Binding::Instance(c)
                }
            } else {
                match p.annotation.as_deref().map(|a| self.resolve(a)) {
                    Some(Binding::Qn(q)) => Binding::Instance(q),
                    _ => Binding::Unknown,
                }
            };
            first = false;
            scope.names.insert(Key::new(p.name.as_str()), b);
        }
        self.scopes.push(scope);
        self.prepass(&f.body);
    }

    fn visit_class(&mut self, c: &'a ast::StmtClassDef) {
        if self
            .scopes
            .last()
            .is_some_and(|s| s.kind == ScopeKind::Function)
        {
            self.construct("class", c.range.start());
        }
        for d in &c.decorator_list {
            self.visit_expr(&d.expression);
        }
        let mut bases = Vec::new();
        if let Some(args) = &c.arguments {
            for b in args.args.iter() {
                self.visit_expr(b);
                if let Binding::Qn(q) = self.resolve(b) {
                    bases.push(q.to_string());
                }
            }
            for k in args.keywords.iter() {
                self.visit_expr(&k.value);
            }
        }
        let prefix = self.scopes.last().expect("scope").prefix;
        let qualname = self.join(&[prefix, c.name.as_str()]);
        let full = self.full_in(&[qualname]);
        let methods = c.body.iter().filter_map(|s| match s {
            Stmt::FunctionDef(f) => Some(f.name.as_str()),
            _ => None,
        });
        self.class_names.insert(full);
        self.unshared_memo.get_mut().clear();
        self.classes.push(ClassSummary::new(
            full.to_string(),
            qualname,
            self.loc(c.name.range.start()),
            bases,
            methods,
        ));
        let class_prefix = self.join(&[qualname, "."]);
        self.scopes.push(Scope::new(ScopeKind::Class, class_prefix));
        self.prepass(&c.body);
        self.collect_self_attrs(c, full, qualname);
        self.visit_body(&c.body);
        self.scopes.pop();
    }

    /// Types of `self.x` from assignments in the class's methods and from
    /// class-level assignments.
    fn collect_self_attrs(&mut self, c: &'a ast::StmtClassDef, full: &'a str, qualname: &str) {
        let mut attrs: HashMap<&'a str, Binding<'a>> = HashMap::default();
        let merge =
            |attrs: &mut HashMap<&'a str, Binding<'a>>, name: &'a str, b: Binding<'a>| match attrs
                .get(name)
            {
                None => {
                    attrs.insert(name, b);
                }
                Some(old) if *old == b => {}
                Some(_) => {
                    attrs.insert(name, Binding::Unknown);
                }
            };
        if let Some(scope) = self.scopes.last() {
            for (k, v) in &scope.names {
                if let Binding::Instance(_) = v {
                    merge(&mut attrs, k.name, *v);
                }
            }
        }
        for stmt in &c.body {
            let Stmt::FunctionDef(f) = stmt else { continue };
            let mq = cat(&[qualname, ".", f.name.as_str()]);
            // Most methods assign no `self.x`: their scope (and its
            // prepass) is built only when one does.
            let mut pending = Vec::new();
            Self::self_assigns(&f.body, &mut pending, 0);
            if pending.is_empty() {
                continue;
            }
            self.push_function_scope(f, &mq, Some(full), true);
            let found: Vec<(&str, Binding)> = pending
                .into_iter()
                .map(|(name, v)| {
                    let b = match v {
                        SelfValue::Value(v) => match self.resolve(v) {
                            b @ Binding::Instance(_) => b,
                            _ => Binding::Unknown,
                        },
                        SelfValue::Annotated(ann, value) => match self.resolve(ann) {
                            Binding::Qn(q) => Binding::Instance(q),
                            _ => match value.map(|v| self.resolve(v)) {
                                Some(b @ Binding::Instance(_)) => b,
                                _ => Binding::Unknown,
                            },
                        },
                        SelfValue::Unknown => Binding::Unknown,
                    };
                    (name, b)
                })
                .collect();
            self.scopes.pop();
            for (k, v) in found {
                merge(&mut attrs, k, v);
            }
        }
        self.class_attrs.insert(full, attrs);
    }

    /// The `self.x` assignments of a method body, in order, before their
    /// values are resolved.
    fn self_assigns(body: &'a [Stmt], out: &mut Vec<(&'a str, SelfValue<'a>)>, depth: u32) {
        if depth > 64 {
            return;
        }
        let self_attr = |e: &'a Expr| -> Option<&'a str> {
            if let Expr::Attribute(a) = e {
                if let Expr::Name(n) = &*a.value {
                    if n.id.as_str() == "self" {
                        return Some(a.attr.as_str());
                    }
                }
            }
            None
        };
        for stmt in body {
            match stmt {
                Stmt::Assign(a) => {
                    for t in &a.targets {
                        if let Some(name) = self_attr(t) {
                            if !matches!(&*a.value, Expr::NoneLiteral(_)) {
                                out.push((name, SelfValue::Value(&a.value)));
                            }
                        }
                    }
                }
                Stmt::AnnAssign(a) => {
                    if let Some(name) = self_attr(&a.target) {
                        out.push((
                            name,
                            SelfValue::Annotated(&a.annotation, a.value.as_deref()),
                        ));
                    }
                }
                Stmt::AugAssign(a) => {
                    if let Some(name) = self_attr(&a.target) {
                        out.push((name, SelfValue::Unknown));
                    }
                }
                Stmt::If(i) => {
                    Self::self_assigns(&i.body, out, depth + 1);
                    for c in &i.elif_else_clauses {
                        Self::self_assigns(&c.body, out, depth + 1);
                    }
                }
                Stmt::With(w) => Self::self_assigns(&w.body, out, depth + 1),
                Stmt::For(f) => Self::self_assigns(&f.body, out, depth + 1),
                Stmt::While(w) => Self::self_assigns(&w.body, out, depth + 1),
                Stmt::Try(t) => {
                    Self::self_assigns(&t.body, out, depth + 1);
                    for h in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        Self::self_assigns(&h.body, out, depth + 1);
                    }
                    Self::self_assigns(&t.orelse, out, depth + 1);
                    Self::self_assigns(&t.finalbody, out, depth + 1);
                }
                _ => {}
            }
        }
    }

    // ----------------------------------------------------------------- calls

    fn visit_call(&mut self, call: &'a ast::ExprCall) {
        let awaited = std::mem::take(&mut self.awaited);
        let saved_binop = self.in_binop;
        // Resolved once for every use below: walking the arguments binds no
        // name (bindings come from the prepass), so the answer cannot change.
        let resolved = self.resolve(&call.func);
        if self.lambda_depth == 0 {
            self.detect_dispatch(call, &resolved);
            self.note_call_construct(
                call,
                match &resolved {
                    Binding::Qn(q) => Some(q),
                    _ => None,
                },
            );
            self.dep_call(call);
            if !matches!(resolved, Binding::Qn(_)) && !self.is_pure_method(call) {
                if self.handler_depth == 0 {
                    self.funcs[self.cur].has_unknown = true;
                }
                if let Some(&l) = self.loop_stack.last() {
                    self.lists[self.cur].loops[l as usize].has_unknown = true;
                }
                let rows = (
                    self.loc(call.range().start()).row,
                    self.loc(call.range().end()).row,
                );
                self.lists[self.cur].unresolved_calls.push(rows);
            }
            if let Binding::Qn(q) = &resolved {
                let start = self.loc(call.range().start());
                let end = self.loc(call.range().end());
                let display = compact_name(self.text(call.func.range()));
                let in_loop = self.loop_stack.last().copied();
                let in_handler = self.handler_depth > 0;
                let cold = self.cold_depth > 0;
                let arith = self.in_binop > 0
                    || call.arguments.args.iter().any(|a| {
                        matches!(a, Expr::BinOp(_))
                            || matches!(a, Expr::Subscript(s) if matches!(*s.slice, Expr::Slice(_)))
                    });
                let locked = self.locked();
                let receiver = match self.receiver_of(&call.func) {
                    Ok(r) => r,
                    Err(key) => Receiver::Shared(self.intern(&key)),
                };
                let main_guard = self.main_guard > 0;
                let target = self.intern(q);
                let display = self.intern(&display);
                let facts = CallFacts {
                    awaited,
                    arith,
                    in_loop,
                    in_handler,
                    cold,
                    locked,
                    receiver,
                    main_guard,
                };
                let cur = self.cur;
                self.funcs[cur].push_call(
                    &mut self.lists[cur].calls,
                    target,
                    display,
                    start,
                    end,
                    &facts,
                );
            }
            self.call_shared_facts(call);
        }
        self.in_binop = 0;
        self.visit_expr(&call.func);
        let mark = self.reads.len();
        for a in call.arguments.args.iter() {
            self.visit_expr(a);
        }
        for k in call.arguments.keywords.iter() {
            self.visit_expr(&k.value);
        }
        self.forget_reads_passed_to(call, &resolved, mark);
        if self.lambda_depth == 0 {
            self.note_join(call, &resolved);
        }
        self.last_callee = Some((call, resolved));
        self.in_binop = saved_binop;
    }

    /// A method call on an untyped receiver whose name the rulebook lists as
    /// pure (`line.split()`, `out.append(x)`).
    fn is_pure_method(&self, call: &ast::ExprCall) -> bool {
        let Expr::Attribute(a) = &*call.func else {
            return false;
        };
        match self.rb.pure_methods.get(a.attr.as_str()) {
            Some(&min) => call.arguments.args.len() >= min,
            None => false,
        }
    }

    fn pick_arg<'e>(
        call: &'e ast::ExprCall,
        spec: &crate::rulebook::CallableSpec,
    ) -> Option<&'e Expr> {
        if let Some(kw) = &spec.keyword {
            if let Some(k) = call
                .arguments
                .keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == kw))
            {
                return Some(&k.value);
            }
        }
        spec.position.and_then(|p| {
            let args = &call.arguments.args;
            // A starred argument makes later positions unknowable.
            if args
                .iter()
                .take(p + 1)
                .any(|a| matches!(a, Expr::Starred(_)))
            {
                None
            } else {
                args.get(p)
            }
        })
    }

    /// The function a callable expression denotes.
    fn callable_target(&self, e: &Expr, depth: u32) -> Option<(String, String)> {
        if depth > 8 {
            return None;
        }
        match e {
            Expr::Name(_) | Expr::Attribute(_) => match self.resolve(e) {
                Binding::Qn(q) => Some((q.to_string(), compact(self.text(e.range())))),
                _ => None,
            },
            Expr::Call(c) => match self.resolve(&c.func) {
                Binding::Qn("functools.partial") => c
                    .arguments
                    .args
                    .first()
                    .and_then(|a| self.callable_target(a, depth + 1)),
                _ => None,
            },
            Expr::Lambda(l) => match &*l.body {
                Expr::Call(c) => self.callable_target(&c.func, depth + 1),
                _ => None,
            },
            _ => None,
        }
    }

    fn push_dispatch(
        &mut self,
        call: &'a ast::ExprCall,
        context: crate::rulebook::ContextKind,
        target: Option<&'a Expr>,
        via: String,
        many: bool,
    ) {
        let Some(target) = target else { return };
        let (qn, display) = match self.callable_target(target, 0) {
            Some((q, d)) => (Some(q), d),
            None => (None, compact(self.text(target.range()))),
        };
        let start = self.loc(call.range().start());
        let end = self.loc(call.range().end());
        let instance = self.dispatch_instance(target, many);
        let max_workers = self.dispatch_workers(call);
        let scoped = self.dispatch_scoped(call);
        let idx = self.funcs[self.cur].dispatches().len();
        self.dispatch_meta
            .insert((self.cur, idx), (self.loop_stack.last().copied(), many));
        let many = many || !self.loop_stack.is_empty();
        let form = self.callable_form(target, 0);
        let in_loop = self.loop_stack.last().copied();
        self.func().rare_mut().dispatches.push(DispatchSite {
            start,
            end,
            context,
            target: qn,
            target_display: display,
            via,
            many,
            max_workers,
            instance,
            stored: false,
            scoped,
            awaited: false,
            form,
            pickles_closures: false,
            chunking: None,
            in_loop,
            spawns: false,
            forks: false,
        });
    }

    /// Amend the dispatch just recorded for `call`, if one was.
    fn patch_dispatch(&mut self, call: &ast::ExprCall, f: impl FnOnce(&mut DispatchSite)) {
        let start = self.loc(call.range().start());
        if let Some(d) = self.func().dispatches_mut().last_mut() {
            if d.start == start {
                f(d);
            }
        }
    }

    /// `func_b` is what the call's function resolves to.
    fn detect_dispatch(&mut self, call: &'a ast::ExprCall, func_b: &Binding) {
        let rb = self.rb;
        if let Binding::Qn(q) = func_b {
            if let Some(info) = rb.dispatch_calls.lookup(q) {
                let arg = Self::pick_arg(call, &info.callable);
                self.push_dispatch(call, info.context, arg, short_name(q), info.many);
                self.patch_dispatch(call, |d| {
                    d.pickles_closures = info.pickles_closures;
                    d.spawns = info.spawns;
                    d.forks = info.forks;
                });
                return;
            }
        }
        if let Expr::Attribute(attr) = &*call.func {
            let m = attr.attr.as_str();
            if let Some(minfo) = rb.executor_methods.get(m) {
                if let Binding::Instance(t) = self.resolve(&attr.value) {
                    if let Some(ctx) = rb.executors.lookup(t) {
                        let arg = Self::pick_arg(call, &minfo.callable);
                        self.push_dispatch(
                            call,
                            *ctx,
                            arg,
                            format!("{}.{}", short_name(t), m),
                            minfo.many,
                        );
                        let closures = rb.closure_executors.lookup(t).is_some();
                        let chunking = self.chunking(call, t, m);
                        self.patch_dispatch(call, |d| {
                            d.pickles_closures = closures;
                            d.chunking = chunking;
                        });
                        return;
                    }
                }
            }
            if let Some(einfo) = rb.executor_calls.get(m) {
                let mut closures = false;
                let ctx = match call.arguments.args.get(einfo.executor) {
                    Some(Expr::NoneLiteral(_)) => Some(einfo.default),
                    Some(e) => match self.resolve(e) {
                        Binding::Instance(t) => {
                            closures = rb.closure_executors.lookup(t).is_some();
                            rb.executors.lookup(t).copied()
                        }
                        _ => None,
                    },
                    None => None,
                };
                if let Some(ctx) = ctx {
                    let arg = Self::pick_arg(call, &einfo.callable);
                    self.push_dispatch(call, ctx, arg, m.to_string(), false);
                    self.patch_dispatch(call, |d| d.pickles_closures = closures);
                    return;
                }
            }
        }
        // joblib style: Parallel(...)(delayed(f)(x) for x in xs)
        let parallel = match &*call.func {
            Expr::Call(inner) => match self.resolve(&inner.func) {
                Binding::Qn(q) => rb.parallel.lookup(q).map(|p| (p, Some(inner), q)),
                _ => None,
            },
            _ => match func_b {
                Binding::Instance(t) => rb.parallel.lookup(t).map(|p| (p, None, *t)),
                _ => None,
            },
        };
        if let Some((info, ctor, qn)) = parallel {
            let mut ctx = info.default;
            if let Some(ctor) = ctor {
                for k in ctor.arguments.keywords.iter() {
                    let (Some(arg), Expr::StringLiteral(s)) = (&k.arg, &k.value) else {
                        continue;
                    };
                    if let Some(c) = info
                        .keywords
                        .get(arg.as_str())
                        .and_then(|m| m.get(s.value.to_str()))
                    {
                        ctx = *c;
                    }
                }
            }
            let tasks = call.arguments.args.first();
            let elt = match tasks {
                Some(Expr::Generator(g)) => Some(&*g.elt),
                Some(Expr::ListComp(g)) => Some(&*g.elt),
                _ => None,
            };
            if let Some(Expr::Call(task)) = elt {
                if let Expr::Call(wrapped) = &*task.func {
                    if matches!(self.resolve(&wrapped.func), Binding::Qn(w) if w == info.wrapper) {
                        let target = wrapped.arguments.args.first();
                        self.push_dispatch(call, ctx, target, short_name(qn), true);
                        let closures = info.pickles_closures;
                        self.patch_dispatch(call, |d| d.pickles_closures = closures);
                    }
                }
            }
        }
    }
}

/// The parts joined, in one allocation (`format!` costs several times
/// more on the builder's hot paths).
pub(super) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

fn short_name(q: &str) -> String {
    let mut parts = q.rsplit('.');
    let last = parts.next().unwrap_or(q);
    match parts.next() {
        Some(prev) if last.chars().next().is_some_and(|c| c.is_lowercase()) && !prev.is_empty() => {
            format!("{prev}.{last}")
        }
        _ => last.to_string(),
    }
}

/// [`compact`] for a callee as written, borrowed when there is nothing to
/// fold (the usual callee, `self.x.get`, has no whitespace).
fn compact_name(s: &str) -> std::borrow::Cow<'_, str> {
    if already_compact(s) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(compact(s))
    }
}

/// Short and without whitespace: [`compact`] would return it unchanged.
fn already_compact(s: &str) -> bool {
    s.len() <= COMPACT_MAX
        // Printable ASCII (the usual case), else the exact test.
        && (printable_ascii(s.as_bytes()) || !s.chars().any(char::is_whitespace))
}

/// Is every byte printable ASCII (no space, no control, no UTF-8)? A fold
/// without an early exit, which the compiler turns into vector compares.
fn printable_ascii(b: &[u8]) -> bool {
    b.iter()
        .fold(true, |ok, &c| ok & (c.wrapping_sub(b'!') < 0x7f - b'!'))
}

/// The longest text [`compact`] keeps before its ellipsis.
const COMPACT_MAX: usize = 80;

fn compact(s: &str) -> String {
    if already_compact(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len().min(4 * COMPACT_MAX));
    // Word by word (whitespace runs fold to at most one space), which copies
    // runs instead of pushing each char.
    for (i, word) in s.split(char::is_whitespace).enumerate() {
        let Some(c) = word.chars().next() else {
            continue;
        };
        // Every word but the first follows whitespace.
        if i > 0
            && !out.is_empty()
            && !matches!(c, ')' | ']' | '.' | ',')
            // (The last byte: these are ASCII, so it is the last char.)
            && !matches!(out.as_bytes().last(), Some(b'(' | b'[' | b'.'))
        {
            out.push(' ');
        }
        // The text stops after the first char that takes it past
        // COMPACT_MAX bytes (at least one char of the word is kept).
        let mut keep = (COMPACT_MAX + 1).saturating_sub(out.len()).max(1);
        if keep > word.len() {
            out.push_str(word);
            continue;
        }
        while !word.is_char_boundary(keep) {
            keep += 1;
        }
        out.push_str(&word[..keep]);
        out.push('…');
        break;
    }
    out
}

fn collect_targets<'a>(
    t: &'a Expr,
    value: Option<&'a Expr>,
    out: &mut Vec<(&'a str, Option<&'a Expr>, bool)>,
) {
    match t {
        Expr::Name(n) => out.push((n.id.as_str(), value, false)),
        Expr::Tuple(tu) => {
            for e in &tu.elts {
                collect_targets(e, None, out);
            }
        }
        Expr::List(l) => {
            for e in &l.elts {
                collect_targets(e, None, out);
            }
        }
        Expr::Starred(s) => collect_targets(&s.value, None, out),
        _ => {}
    }
}

impl<'a> Visitor<'a> for Builder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth > MAX_DEPTH {
            if self.truncated.is_none() {
                self.truncated = Some(self.loc(stmt.range().start()));
            }
            return;
        }
        self.depth += 1;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.visit_stmt_inner(stmt));
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth > MAX_DEPTH {
            if self.truncated.is_none() {
                self.truncated = Some(self.loc(expr.range().start()));
            }
            return;
        }
        self.depth += 1;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.visit_expr_inner(expr));
        self.depth -= 1;
    }
}

impl<'a> Builder<'a> {
    fn visit_stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.visit_function(f),
            Stmt::ClassDef(c) => self.visit_class(c),
            Stmt::For(f) => {
                if f.is_async {
                    self.awaited = true;
                }
                self.visit_expr(&f.iter);
                self.awaited = false;
                let start = self.loc(f.range.start());
                let end = self.loc(f.iter.range().end());
                let idx = self.push_loop(start, end, LoopKind::For, Some(&f.iter));
                if f.is_async {
                    self.mark_await_all();
                    self.note_await(f.range.start());
                }
                self.visit_expr(&f.target);
                self.set_loop_var(&f.target);
                self.note_loop_targets(&f.target);
                self.enter_loop_body();
                self.visit_body(&f.body);
                self.exit_cond();
                self.pop_loop();
                if let Some(v) = self.derive_vector(f) {
                    let v = self.intern_text(&v);
                    self.lists[self.cur].loops[idx as usize].vector = Some(v);
                }
                self.visit_body(&f.orelse);
            }
            Stmt::While(w) => {
                let start = self.loc(w.range.start());
                let end = self.loc(w.test.range().end());
                let idx = self.push_loop(start, end, LoopKind::While, None);
                let forever = match &*w.test {
                    Expr::BooleanLiteral(b) => b.value,
                    Expr::NumberLiteral(n) => {
                        matches!(&n.value, ast::Number::Int(i) if i.as_u64().is_some_and(|v| v != 0))
                    }
                    _ => false,
                };
                if forever {
                    let forever = self.intern_text("a `while True` loop");
                    self.lists[self.cur].loops[idx as usize].items = Items::Unbounded(forever);
                }
                self.visit_expr(&w.test);
                self.enter_loop_body();
                self.visit_body(&w.body);
                self.exit_cond();
                self.pop_loop();
                self.visit_body(&w.orelse);
            }
            Stmt::With(w) => {
                self.construct("with", w.range.start());
                let held = self.guards.len();
                for item in &w.items {
                    if w.is_async {
                        self.awaited = true;
                        self.mark_await_all();
                    }
                    self.visit_expr(&item.context_expr);
                    self.awaited = false;
                    if w.is_async {
                        self.note_await(item.context_expr.range().start());
                    }
                    if let Some(v) = &item.optional_vars {
                        self.visit_expr(v);
                    }
                    self.enter_with_item(stmt, item);
                }
                self.visit_body(&w.body);
                self.guards.truncate(held);
            }
            Stmt::AugAssign(a) => {
                self.mark_work();
                self.aug_target = matches!(*a.target, Expr::Name(_));
                self.visit_expr(&a.target);
                self.aug_target = false;
                let awaits_before = self.awaits;
                let mark = self.begin_reads();
                self.in_binop += 1;
                self.visit_expr(&a.value);
                self.in_binop -= 1;
                if let Expr::Name(n) = &*a.target {
                    self.dep_reduction(n.id.as_str(), a.op);
                }
                let reads = self.end_reads(mark);
                self.record_aug_assign(stmt, a, reads, awaits_before);
            }
            Stmt::Assign(a) => {
                let mark = self.begin_reads();
                self.visit_expr(&a.value);
                let reads = self.end_reads(mark);
                for t in &a.targets {
                    self.visit_expr(t);
                }
                self.record_assign(stmt, &a.targets, Some(&a.value), reads);
            }
            Stmt::AnnAssign(a) => {
                self.visit_expr(&a.annotation);
                let mark = self.begin_reads();
                if let Some(v) = &a.value {
                    self.visit_expr(v);
                }
                let reads = self.end_reads(mark);
                self.visit_expr(&a.target);
                if let Some(v) = &a.value {
                    let target = std::slice::from_ref(&*a.target);
                    self.record_assign(stmt, target, Some(v), reads);
                }
            }
            Stmt::Delete(d) => {
                self.construct("del", d.range.start());
                for t in &d.targets {
                    self.visit_expr(t);
                }
                self.record_delete(stmt, &d.targets);
            }
            Stmt::Expr(e) => {
                self.visit_expr(&e.value);
                self.note_acquire_release(&e.value);
            }
            Stmt::If(i) if self.is_main_guard(&i.test) => {
                self.visit_expr(&i.test);
                self.main_guard += 1;
                self.visit_body(&i.body);
                self.main_guard -= 1;
                for c in &i.elif_else_clauses {
                    if let Some(t) = &c.test {
                        self.visit_expr(t);
                    }
                    self.visit_body(&c.body);
                }
            }
            Stmt::If(i) if !self.is_cold_guard(&i.test) => {
                let mark = self.begin_reads();
                self.visit_expr(&i.test);
                let reads = self.end_reads(mark);
                let held = self.guards.len();
                let after = self.acquire_in_test(&i.test);
                let pushed = self.push_check(&i.test, reads);
                // Each branch starts from the awaits passed before the test;
                // after the `if`, the most any branch passed.
                let at_test = (self.awaits, self.last_await);
                self.enter_cond();
                self.visit_body(&i.body);
                self.exit_cond();
                let mut most = (self.awaits, self.last_await);
                if !after {
                    self.guards.truncate(held);
                }
                for c in &i.elif_else_clauses {
                    (self.awaits, self.last_await) = at_test;
                    let mut inner = false;
                    if let Some(t) = &c.test {
                        let mark = self.begin_reads();
                        self.visit_expr(t);
                        let reads = self.end_reads(mark);
                        inner = self.push_check(t, reads);
                    }
                    self.enter_cond();
                    self.visit_body(&c.body);
                    self.exit_cond();
                    if self.awaits > most.0 {
                        most = (self.awaits, self.last_await);
                    }
                    if inner {
                        self.checks.pop();
                    }
                }
                (self.awaits, self.last_await) = most;
                if pushed {
                    self.checks.pop();
                }
            }
            Stmt::If(i) if self.is_cold_guard(&i.test) => {
                self.visit_expr(&i.test);
                self.cold_depth += 1;
                self.enter_cond();
                self.visit_body(&i.body);
                self.cold_depth -= 1;
                for c in &i.elif_else_clauses {
                    if let Some(t) = &c.test {
                        self.visit_expr(t);
                    }
                    self.visit_body(&c.body);
                }
                self.exit_cond();
            }
            Stmt::Try(t) => {
                if !t.finalbody.is_empty() {
                    self.construct("try-finally", t.range.start());
                }
                self.enter_cond();
                self.visit_body(&t.body);
                self.handler_depth += 1;
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if h.name.is_some() {
                        self.construct("except-as", h.range.start());
                    }
                    if let Some(ty) = &h.type_ {
                        self.visit_expr(ty);
                    }
                    self.visit_body(&h.body);
                }
                self.handler_depth -= 1;
                self.visit_body(&t.orelse);
                self.exit_cond();
                self.visit_body(&t.finalbody);
            }
            Stmt::Match(m) => {
                self.visit_expr(&m.subject);
                self.enter_cond();
                for c in &m.cases {
                    if let Some(g) = &c.guard {
                        self.visit_expr(g);
                    }
                    self.visit_body(&c.body);
                }
                self.exit_cond();
            }
            Stmt::Global(g) => self.construct("global", g.range.start()),
            Stmt::Nonlocal(g) => self.construct("global", g.range.start()),
            _ => walk_stmt(self, stmt),
        }
    }

    /// Does an `if` test check a debug flag (`self._debug`,
    /// `loop.get_debug()`, `__debug__`)?
    fn is_cold_guard(&self, test: &Expr) -> bool {
        let guards = &self.rb.settings.cold_guards;
        if guards.is_empty() {
            return false;
        }
        let named = |e: &Expr| match e {
            Expr::Name(n) => guards.iter().any(|g| g == n.id.as_str()),
            Expr::Attribute(a) => guards.iter().any(|g| g == a.attr.as_str()),
            Expr::Call(c) => match &*c.func {
                Expr::Name(n) => guards.iter().any(|g| g == n.id.as_str()),
                Expr::Attribute(a) => guards.iter().any(|g| g == a.attr.as_str()),
                _ => false,
            },
            _ => false,
        };
        match test {
            Expr::BoolOp(b) if b.op == ast::BoolOp::And => b.values.iter().any(named),
            e => named(e),
        }
    }

    fn mark_await_all(&mut self) {
        let cur = self.cur;
        for &l in &self.loop_stack {
            self.lists[cur].loops[l as usize].has_await = true;
        }
    }

    fn visit_comprehension(
        &mut self,
        start: Location,
        end: Location,
        generators: &'a [ast::Comprehension],
        elts: &[&'a Expr],
    ) {
        let mut pushed = 0;
        for (i, g) in generators.iter().enumerate() {
            // The first iterable is evaluated outside the comprehension.
            self.visit_expr(&g.iter);
            let _ = i;
            self.push_loop(start, end, LoopKind::Comprehension, Some(&g.iter));
            self.set_loop_var(&g.target);
            self.note_loop_targets(&g.target);
            if g.is_async {
                self.mark_await_all();
            }
            pushed += 1;
            for cond in &g.ifs {
                self.visit_expr(cond);
            }
        }
        for e in elts {
            self.visit_expr(e);
        }
        for _ in 0..pushed {
            self.pop_loop();
        }
    }

    fn visit_expr_inner(&mut self, expr: &'a Expr) {
        self.note_expr_construct(expr);
        match expr {
            Expr::Call(c) => self.visit_call(c),
            Expr::Await(a) => {
                self.mark_await_all();
                if matches!(*a.value, Expr::Call(_)) {
                    self.awaited = true;
                }
                self.visit_expr(&a.value);
                self.awaited = false;
                self.note_await(a.range.start());
            }
            Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) => {
                if self.collecting > 0 {
                    self.collect_read(expr);
                }
                match expr {
                    Expr::Name(n) => self.dep_name(n.id.as_str(), n.ctx),
                    Expr::Attribute(a) => self.dep_attribute(a),
                    Expr::Subscript(s) => self.dep_subscript(s),
                    _ => {}
                }
                walk_expr(self, expr);
            }
            Expr::BinOp(b) => {
                let constant = matches!(*b.left, Expr::NumberLiteral(_))
                    && matches!(*b.right, Expr::NumberLiteral(_));
                if !constant {
                    self.mark_work();
                }
                self.in_binop += 1;
                walk_expr(self, expr);
                self.in_binop -= 1;
            }
            Expr::UnaryOp(u) => {
                if matches!(u.op, ast::UnaryOp::USub | ast::UnaryOp::Invert)
                    && !matches!(*u.operand, Expr::NumberLiteral(_))
                {
                    self.mark_work();
                }
                walk_expr(self, expr);
            }
            Expr::FString(_) => {
                self.mark_work();
                walk_expr(self, expr);
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    for p in p.iter_non_variadic_params() {
                        if let Some(d) = &p.default {
                            self.visit_expr(d);
                        }
                    }
                }
                self.lambda_depth += 1;
                self.visit_expr(&l.body);
                self.lambda_depth -= 1;
            }
            Expr::ListComp(c) => {
                let start = self.loc(c.range.start());
                let end = self.loc(c.range.end());
                self.visit_comprehension(start, end, &c.generators, &[&c.elt]);
            }
            Expr::SetComp(c) => {
                let start = self.loc(c.range.start());
                let end = self.loc(c.range.end());
                self.visit_comprehension(start, end, &c.generators, &[&c.elt]);
            }
            Expr::Generator(c) => {
                let start = self.loc(c.range.start());
                let end = self.loc(c.range.end());
                self.visit_comprehension(start, end, &c.generators, &[&c.elt]);
            }
            Expr::DictComp(c) => {
                let start = self.loc(c.range.start());
                let end = self.loc(c.range.end());
                let mut elts: Vec<&'a Expr> = vec![&c.value];
                if let Some(k) = &c.key {
                    elts.push(k);
                }
                self.visit_comprehension(start, end, &c.generators, &elts);
            }
            _ => walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_sorted_and_each_is_found() {
        assert!(BUILTINS.windows(2).all(|w| w[0] < w[1]));
        for name in BUILTINS {
            assert!(is_builtin(name), "{name}");
            // Neighbours that share a first byte are not builtins.
            assert!(
                !is_builtin(&name[..name.len() - 1]) || BUILTINS.contains(&&name[..name.len() - 1])
            );
            assert!(!is_builtin(&format!("{name}_")), "{name}_");
        }
        for name in ["", "_", "a", "zzz", "Abs", "__import", "printf"] {
            assert!(!is_builtin(name), "{name}");
        }
    }

    #[test]
    fn compact_folds_whitespace_and_keeps_short_names() {
        assert_eq!(compact("self.x.get"), "self.x.get");
        assert_eq!(compact_name("self.x.get"), "self.x.get");
        assert_eq!(compact("(\n    a\n    .b\n)"), "(a.b)");
        assert_eq!(compact_name("(\n    a\n    .b\n)"), "(a.b)");
        let long = "x".repeat(100);
        assert_eq!(compact(&long).chars().count(), 82);
        assert_eq!(compact_name(&long), compact(&long));
    }

    #[test]
    fn printable_ascii_is_bang_to_tilde() {
        for b in 0..=255u8 {
            assert_eq!(printable_ascii(&[b]), b > b' ' && b < 0x7f, "byte {b:#x}");
            assert_eq!(printable_ascii(&[b'a', b, b'z']), b > b' ' && b < 0x7f);
        }
        assert!(printable_ascii(b""));
        assert!(!printable_ascii("self.x\u{e9}".as_bytes()));
    }

    #[test]
    fn compact_cuts_after_the_char_that_passes_the_limit() {
        let x78 = "x".repeat(78);
        // The space and the whole two-byte char are kept, then the ellipsis.
        assert_eq!(compact(&format!("{x78}  é日本")), format!("{x78} é…"));
        assert_eq!(compact(&format!("{x78}\n  )日本")), format!("{x78})日…"));
    }

    #[test]
    fn compact_folds_whitespace_around_non_ascii_text() {
        assert_eq!(compact("x  =  'é'"), "x = 'é'");
    }
}
