//! Facts for the process, JIT and vectorisation rules, gathered during the
//! builder's one pass (GIL301-303, GIL401-402, GIL106).
//!
//! - **Loop dependencies.** For each enclosing loop the builder tracks, in
//!   source order, the first use of every name in an iteration (a read, an
//!   unconditional store, a store under a condition, or a reduction such
//!   as `s += x`), the arrays written at the loop's own index (`out[i] =`)
//!   and the arrays read at another index (`a[i - 1]`). An iteration that
//!   reads a name before storing it, reads a reduction, writes an array at
//!   an index not its own, mutates an outside object, or reads what
//!   another iteration writes depends on the others; otherwise the loop is
//!   *independent* and could run as `numba.prange`. Names a loop stores
//!   and code after it reads make it dependent too (the last iteration's
//!   value).
//! - **Element-wise array access.** A subscript of a NumPy array (typed by
//!   construction or annotation) counts for the innermost loop: indexed by
//!   exactly the loop variable, or irregularly.
//! - **Constructs** a JIT compiler may not support, first occurrence of
//!   each kind per function (the rulebook says which matter).
//! - **Vectorised form.** A `for i in range(...)` loop whose body is one
//!   assignment `X[i] = expr` (or `X[i] op= expr`, or `s += expr`) where
//!   every subscript is `a[i]` is written as one NumPy expression by
//!   splicing the source: `a[i]` becomes `a` (or `a[lo:hi]`), scalar math
//!   becomes its ufunc (`math.sqrt` -> `np.sqrt`).
//! - **Iterables' sizes**, for maps and per-item threads: `range(N)`, the
//!   lines of a file, endless iterators, calls of project generators.

use super::{compact, Builder};
use crate::semantic::model::*;
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// How deep an expression is followed when deriving its vectorised form.
const MAX_VECTOR_DEPTH: u32 = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
enum FirstUse {
    Load,
    Store,
    /// Stored inside these conditional blocks (ids, outermost first, below
    /// the loop's body): a read inside the same blocks sees it, any other
    /// read may see the previous iteration's value.
    CondStore(Vec<u32>),
    Reduction(ast::Operator),
}

/// What one enclosing loop's iterations read and write.
#[derive(Debug)]
pub(super) struct LoopDeps {
    idx: u32,
    var: Option<String>,
    /// Depth of the block stack at this loop's body.
    base: usize,
    first: HashMap<String, FirstUse>,
    carried: bool,
    /// Arrays written at this loop's index.
    stored: HashSet<String>,
    /// Arrays read at another index.
    read_other: HashSet<String>,
}

/// What a vectorised expression is derived against.
struct VectorCx<'s> {
    /// The loop variable.
    var: &'s str,
    /// What follows an array's name: `""` or `[lo:hi]`.
    slice: &'s str,
    /// The name `numpy` is imported as.
    np: Option<String>,
}

/// The source splices of a vectorised expression.
#[derive(Default)]
struct Splices {
    splices: Vec<(TextRange, String)>,
    /// Subscripts of known arrays among them.
    arrays: u32,
}

/// The per-function state saved around a nested `def`.
pub(super) struct SavedKernels {
    deps: Vec<LoopDeps>,
    finished: Vec<(u32, HashSet<String>)>,
    main_guard: u32,
    aug_target: bool,
    blocks: Vec<u32>,
}

/// Does a subscript's index use exactly `var`, alone or as one element of
/// a tuple (`a[i]`, `a[i, j]`)?
fn index_uses(slice: &Expr, var: &str) -> bool {
    let is_var = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == var);
    match slice {
        Expr::Tuple(t) => t.elts.iter().any(is_var),
        e => is_var(e),
    }
}

/// The kind of a literal, for heterogeneous lists.
fn literal_kind(e: &Expr) -> Option<&'static str> {
    match e {
        Expr::NumberLiteral(_) => Some("number"),
        Expr::StringLiteral(_) | Expr::FString(_) => Some("str"),
        Expr::BytesLiteral(_) => Some("bytes"),
        Expr::BooleanLiteral(_) => Some("bool"),
        Expr::NoneLiteral(_) => Some("none"),
        Expr::List(_) | Expr::Tuple(_) => Some("sequence"),
        Expr::Dict(_) => Some("dict"),
        _ => None,
    }
}

impl<'a> Builder<'a> {
    pub(super) fn take_kernel_state(&mut self) -> SavedKernels {
        SavedKernels {
            deps: std::mem::take(&mut self.deps),
            finished: std::mem::take(&mut self.finished),
            main_guard: std::mem::take(&mut self.main_guard),
            aug_target: std::mem::take(&mut self.aug_target),
            blocks: std::mem::take(&mut self.blocks),
        }
    }

    pub(super) fn restore_kernel_state(&mut self, s: SavedKernels) {
        self.deps = s.deps;
        self.finished = s.finished;
        self.main_guard = s.main_guard;
        self.aug_target = s.aug_target;
        self.blocks = s.blocks;
    }

    /// Is a name bound to a NumPy array (by construction or annotation)?
    pub(super) fn is_array_name(&self, name: &str) -> bool {
        matches!(self.lookup_ref(name), super::Found::Bound(super::Binding::Instance(t)) if self.rb.arrays.lookup(t).is_some())
    }

    // ------------------------------------------------------------ loops

    /// Start tracking a loop just pushed on the loop stack.
    pub(super) fn push_deps(&mut self, idx: u32) {
        self.deps.push(LoopDeps {
            idx,
            var: None,
            base: self.blocks.len(),
            first: HashMap::default(),
            carried: false,
            stored: HashSet::default(),
            read_other: HashSet::default(),
        });
    }

    /// Name the variable of the innermost loop.
    pub(super) fn set_loop_var(&mut self, target: &Expr) {
        let Expr::Name(n) = target else { return };
        let cur = self.cur;
        if self.deps.is_empty() {
            return;
        }
        let var = self.intern_text(&n.id);
        if let Some(d) = self.deps.last_mut() {
            d.var = Some(n.id.to_string());
            self.lists[cur].loops[d.idx as usize].var = Some(var);
        }
    }

    /// Pop the innermost loop and settle whether its iterations are
    /// independent.
    pub(super) fn pop_loop(&mut self) {
        self.loop_stack.pop();
        let Some(d) = self.deps.pop() else { return };
        let independent = !d.carried && d.stored.is_disjoint(&d.read_other);
        let cur = self.cur;
        self.lists[cur].loops[d.idx as usize].independent = independent;
        let private: HashSet<String> = d
            .first
            .iter()
            .filter(|(_, u)| matches!(u, FirstUse::Store | FirstUse::CondStore(_)))
            .map(|(k, _)| k.clone())
            .collect();
        if !private.is_empty() {
            self.finished.push((d.idx, private));
        }
    }

    /// Entering a block that runs conditionally (an `if` branch, a `try`
    /// body, a `match` case).
    pub(super) fn enter_cond(&mut self) {
        self.next_block += 1;
        self.blocks.push(self.next_block);
    }

    pub(super) fn exit_cond(&mut self) {
        self.blocks.pop();
    }

    /// Entering the body of the innermost loop: conditional for the loops
    /// around it, the top level for itself.
    pub(super) fn enter_loop_body(&mut self) {
        self.enter_cond();
        let depth = self.blocks.len();
        if let Some(d) = self.deps.last_mut() {
            d.base = depth;
        }
    }

    /// The conditional blocks open inside a loop's body.
    fn path(blocks: &[u32], base: usize) -> &[u32] {
        blocks.get(base..).unwrap_or(&[])
    }

    /// A read or a store of a bare name.
    pub(super) fn dep_name(&mut self, name: &str, ctx: ExprContext) {
        if self.aug_target {
            return;
        }
        let store = !matches!(ctx, ExprContext::Load);
        if store {
            // Rebound: what a finished loop left in it is gone.
            for (_, names) in &mut self.finished {
                names.remove(name);
            }
        } else {
            let cur = self.cur;
            for (l, names) in &self.finished {
                if names.contains(name) {
                    self.lists[cur].loops[*l as usize].independent = false;
                }
            }
        }
        let blocks = &self.blocks;
        for d in &mut self.deps {
            if d.var.as_deref() == Some(name) {
                continue;
            }
            let here = Self::path(blocks, d.base);
            match d.first.get_mut(name) {
                None => {
                    let u = match (store, here.is_empty()) {
                        (false, _) => FirstUse::Load,
                        (true, true) => FirstUse::Store,
                        (true, false) => FirstUse::CondStore(here.to_vec()),
                    };
                    d.first.insert(name.to_string(), u);
                }
                // Read, then written: the next iteration reads this one's value.
                Some(FirstUse::Load) => d.carried |= store,
                Some(FirstUse::Store) => {}
                // Maybe not stored in this iteration: a read outside the
                // blocks that stored it may see the last iteration's value.
                Some(FirstUse::CondStore(p)) => {
                    if store {
                        if p.starts_with(here) {
                            *p = here.to_vec();
                        }
                    } else if !here.starts_with(p) {
                        d.carried = true;
                    }
                }
                // A reduction variable read or overwritten inside the loop.
                Some(FirstUse::Reduction(_)) => d.carried = true,
            }
        }
    }

    /// `name op= value`, after the value was visited.
    pub(super) fn dep_reduction(&mut self, name: &str, op: ast::Operator) {
        use ast::Operator::*;
        let reducible = matches!(op, Add | Sub | Mult | BitOr | BitAnd | BitXor);
        let blocks = &self.blocks;
        for d in &mut self.deps {
            if d.var.as_deref() == Some(name) {
                d.carried = true;
                continue;
            }
            let here = Self::path(blocks, d.base);
            match d.first.get(name) {
                None if reducible => {
                    d.first.insert(name.to_string(), FirstUse::Reduction(op));
                }
                // A local of the iteration, updated in place.
                Some(FirstUse::Store) => {}
                Some(FirstUse::CondStore(p)) if here.starts_with(p) => {}
                Some(FirstUse::Reduction(o)) if *o == op => {}
                _ => d.carried = true,
            }
        }
    }

    /// A subscript read or written.
    pub(super) fn dep_subscript(&mut self, s: &ast::ExprSubscript) {
        let store = !matches!(s.ctx, ExprContext::Load);
        let Expr::Name(base) = &*s.value else {
            if store {
                for d in &mut self.deps {
                    d.carried = true;
                }
            }
            return;
        };
        let base = base.id.as_str();
        if !self.is_array_name(base) && !matches!(&*s.slice, Expr::Tuple(_)) {
            let cur = self.cur;
            if let Some(d) = self.deps.last() {
                self.lists[cur].loops[d.idx as usize].untyped_index = true;
            }
        }
        if self.is_array_name(base) {
            let cur = self.cur;
            if let Some(d) = self.deps.last() {
                let fact = &mut self.lists[cur].loops[d.idx as usize];
                match &d.var {
                    Some(v) if matches!(&*s.slice, Expr::Name(n) if n.id.as_str() == v) => {
                        fact.array_elems += 1
                    }
                    _ => fact.array_irregular = true,
                }
            }
        }
        for d in &mut self.deps {
            let uses_var = d.var.as_deref().is_some_and(|v| index_uses(&s.slice, v));
            if store {
                let private = matches!(
                    d.first.get(base),
                    Some(FirstUse::Store | FirstUse::CondStore(_))
                );
                if private {
                    continue;
                }
                if uses_var {
                    d.stored.insert(base.to_string());
                } else {
                    d.carried = true;
                }
            } else if !uses_var {
                d.read_other.insert(base.to_string());
            }
        }
    }

    /// An attribute stored: state outside the iteration.
    pub(super) fn dep_attribute(&mut self, a: &ast::ExprAttribute) {
        if !matches!(a.ctx, ExprContext::Load) {
            for d in &mut self.deps {
                d.carried = true;
            }
        }
    }

    /// A call in a loop: a mutating method on an object from outside the
    /// iteration (`results.append(x)`) orders the iterations.
    pub(super) fn dep_call(&mut self, call: &ast::ExprCall) {
        // (Outside a loop there is nothing to order: no lookup.)
        if self.deps.is_empty() {
            return;
        }
        let Expr::Attribute(a) = &*call.func else {
            return;
        };
        if !self.rb.mutators.contains_key(a.attr.as_str()) {
            return;
        }
        let base = match &*a.value {
            Expr::Name(n) => Some(n.id.as_str()),
            _ => None,
        };
        for d in &mut self.deps {
            let private = base.is_some_and(|b| {
                matches!(
                    d.first.get(b),
                    Some(FirstUse::Store | FirstUse::CondStore(_))
                )
            });
            if !private {
                d.carried = true;
            }
        }
    }

    // ------------------------------------------------------------ constructs

    /// Record a construct of the current function (first of its kind).
    pub(super) fn construct(&mut self, kind: &'static str, at: ruff_text_size::TextSize) {
        self.construct_method(kind, at, "");
    }

    pub(super) fn construct_method(
        &mut self,
        kind: &'static str,
        at: ruff_text_size::TextSize,
        method: &str,
    ) {
        if self.funcs[self.cur].is_module {
            return;
        }
        let loc = self.loc(at);
        let method = (!method.is_empty()).then(|| self.intern_text(method));
        let f = &mut self.lists[self.cur];
        if f.constructs
            .iter()
            .any(|c| c.kind() == kind && c.method == method)
        {
            return;
        }
        f.constructs.push(Construct::new(kind, loc, method));
    }

    /// Non-numeric work in the innermost loop (string building, methods
    /// numeric code does not call).
    pub(super) fn mark_text(&mut self) {
        if let Some(&l) = self.loop_stack.last() {
            let cur = self.cur;
            self.lists[cur].loops[l as usize].has_text = true;
        }
    }

    /// Constructs and text work of an expression, before it is walked.
    pub(super) fn note_expr_construct(&mut self, e: &Expr) {
        let at = e.range().start();
        match e {
            Expr::SetComp(_) => self.construct("set-comprehension", at),
            Expr::Generator(_) => self.construct("generator-expression", at),
            Expr::DictComp(_) => self.construct("dict-comprehension", at),
            Expr::Dict(_) => self.construct("dict-literal", at),
            Expr::Lambda(_) => self.construct("lambda", at),
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                self.funcs[self.cur].set_generator();
                self.construct("yield", at);
            }
            Expr::FString(_) => {
                self.construct("fstring", at);
                self.mark_text();
            }
            Expr::List(l) => {
                let mut kinds = l.elts.iter().filter_map(literal_kind);
                if let Some(first) = kinds.next() {
                    if kinds.any(|k| k != first) {
                        self.construct("heterogeneous-list", at);
                    }
                }
            }
            Expr::BinOp(b) => {
                let textual = |e: &Expr| {
                    matches!(
                        e,
                        Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::FString(_)
                    )
                };
                if textual(&b.left) || textual(&b.right) {
                    self.mark_text();
                    if b.op == ast::Operator::Mod && textual(&b.left) {
                        self.construct("string-formatting", at);
                    }
                }
            }
            _ => {}
        }
    }

    /// A method call on a receiver advise cannot type that compiled
    /// numeric code does not support (`line.split()`, `gen.send(x)`), or a
    /// call that builds text (`str(x)`).
    pub(super) fn note_call_construct(&mut self, call: &ast::ExprCall, resolved: Option<&str>) {
        match resolved {
            Some("builtins.str" | "builtins.repr" | "builtins.format") => self.mark_text(),
            Some(_) => {}
            None => {
                if let Expr::Attribute(a) = &*call.func {
                    let m = a.attr.as_str();
                    if self.rb.jit.unsupported_methods.contains_key(m) {
                        self.mark_text();
                        self.construct_method("method", call.range().start(), m);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------ guard

    /// `if __name__ == "__main__":` at module level.
    pub(super) fn is_main_guard(&self, test: &Expr) -> bool {
        if self.scopes.len() != 1 {
            return false;
        }
        let Expr::Compare(c) = test else { return false };
        if c.ops.len() != 1 || c.ops[0] != ast::CmpOp::Eq || c.comparators.len() != 1 {
            return false;
        }
        let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
        let is_main =
            |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
        let (l, r) = (&*c.left, &c.comparators[0]);
        (is_name(l) && is_main(r)) || (is_main(l) && is_name(r))
    }

    // ------------------------------------------------------------ dispatch

    /// The shape of a dispatched callable.
    pub(super) fn callable_form(&self, e: &Expr, depth: u32) -> CallableForm {
        if depth > 8 {
            return CallableForm::Other;
        }
        match e {
            Expr::Lambda(_) => CallableForm::Lambda,
            Expr::Name(_) | Expr::Attribute(_) => CallableForm::Ref,
            Expr::Call(c) => match self.resolve(&c.func) {
                super::Binding::Qn("functools.partial") => match c.arguments.args.first() {
                    Some(inner) => {
                        CallableForm::Partial(Box::new(self.callable_form(inner, depth + 1)))
                    }
                    None => CallableForm::Other,
                },
                _ => CallableForm::Other,
            },
            _ => CallableForm::Other,
        }
    }

    /// How many items an iterable yields, as far as the code shows.
    pub(super) fn items_of(&mut self, e: &Expr, depth: u32) -> Items {
        if depth > 8 {
            return Items::Unknown;
        }
        if let Expr::Generator(g) = e {
            return match g.generators.first() {
                Some(c) => self.items_of(&c.iter, depth + 1),
                None => Items::Unknown,
            };
        }
        let iter = self.loop_iter(e);
        self.items_of_iter(e, iter)
    }

    /// [`Self::items_of`] of an iterable that is not a generator
    /// expression, given what [`Self::loop_iter`] says of it.
    pub(super) fn items_of_iter(
        &mut self,
        e: &Expr,
        (trip, kind): (Option<u64>, IterKind),
    ) -> Items {
        match kind {
            IterKind::Range => return trip.map(Items::Count).unwrap_or(Items::Unknown),
            IterKind::File => return Items::Unbounded(self.intern_text("the lines of a file")),
            IterKind::Io => return Items::Unbounded(self.intern_text("the items of a stream")),
            _ => {}
        }
        let shown = |b: &mut Self| {
            let s = format!("the items of `{}`", compact(b.text(e.range())));
            b.intern_text(&s)
        };
        if let Expr::Call(c) = e {
            if let super::Binding::Qn(q) = self.resolve(&c.func) {
                if self.rb.unbounded.lookup(q).is_some() {
                    return Items::Unbounded(shown(self));
                }
                return Items::Call(self.intern_text(q));
            }
        }
        match self.resolve(e) {
            super::Binding::Qn(q) | super::Binding::Instance(q)
                if self.rb.unbounded.lookup(q).is_some() =>
            {
                Items::Unbounded(shown(self))
            }
            _ => Items::Unknown,
        }
    }

    /// For `executor.method(...)` of a chunking map: what it chunks.
    pub(super) fn chunking(
        &mut self,
        call: &'a ast::ExprCall,
        executor: &str,
        method: &str,
    ) -> Option<Chunking> {
        let info = self
            .rb
            .chunked_maps
            .lookup(&format!("{executor}.{method}"))?;
        let given = Self::pick_arg(call, &info.chunksize)
            .is_some_and(|a| !matches!(a, Expr::NoneLiteral(_)));
        let items = match Self::pick_arg(call, &info.iterable) {
            Some(it) => self.items_of(it, 0),
            None => Items::Unknown,
        };
        Some(Chunking {
            given,
            default_one: info.default == crate::rulebook::ChunkDefault::One,
            items,
        })
    }

    // ------------------------------------------------------------ vectors

    /// The name `numpy` is bound to at module level (`np`).
    /// The module-level name bound to `numpy` (`np`), computed once: the
    /// module's bindings are fixed by the prepass, and scanning them for every
    /// loop made large modules quadratic.
    fn numpy_alias(&self) -> Option<String> {
        self.numpy_alias
            .get_or_init(|| self.find_numpy_alias())
            .clone()
    }

    fn find_numpy_alias(&self) -> Option<String> {
        let module = self.scopes.first()?;
        let mut names: Vec<&str> = module
            .names
            .iter()
            .filter(|(_, b)| matches!(b, super::Binding::Qn(q) if *q == "numpy"))
            .map(|(k, _)| k.name)
            .collect();
        names.sort();
        names.first().map(|s| s.to_string())
    }

    /// The slice a `range(...)` covers, as written after an array name:
    /// `""` for the whole of an array (`range(len(a))`, `range(a.shape[0])`,
    /// `range(a.size)`), else `[lo:hi]`.
    fn range_slice(&self, c: &ast::ExprCall) -> Option<String> {
        if !c.arguments.keywords.is_empty() {
            return None;
        }
        let args = &c.arguments.args;
        let t = |e: &Expr| compact(self.text(e.range()));
        let whole = |e: &Expr| -> bool {
            match e {
                Expr::Call(l) => {
                    matches!(self.resolve(&l.func), super::Binding::Qn(q) if q == "builtins.len")
                        && matches!(l.arguments.args.first(), Some(Expr::Name(_)))
                        && l.arguments.args.len() == 1
                }
                Expr::Attribute(a) => {
                    a.attr.as_str() == "size" && matches!(*a.value, Expr::Name(_))
                }
                Expr::Subscript(s) => {
                    matches!(&*s.value, Expr::Attribute(a) if a.attr.as_str() == "shape" && matches!(*a.value, Expr::Name(_)))
                        && matches!(&*s.slice, Expr::NumberLiteral(n) if matches!(&n.value, ast::Number::Int(i) if i.as_u64() == Some(0)))
                }
                _ => false,
            }
        };
        let zero = |e: &Expr| matches!(e, Expr::NumberLiteral(n) if matches!(&n.value, ast::Number::Int(i) if i.as_u64() == Some(0)));
        if args.iter().any(|a| matches!(a, Expr::Starred(_))) {
            return None;
        }
        match args.len() {
            1 if whole(&args[0]) => Some(String::new()),
            1 => Some(format!("[:{}]", t(&args[0]))),
            2 if zero(&args[0]) && whole(&args[1]) => Some(String::new()),
            2 => Some(format!("[{}:{}]", t(&args[0]), t(&args[1]))),
            3 => Some(format!("[{}:{}:{}]", t(&args[0]), t(&args[1]), t(&args[2]))),
            _ => None,
        }
    }

    /// Collect the splices that turn `e` into a whole-array expression.
    fn vector_splices(&self, e: &Expr, cx: &VectorCx, out: &mut Splices, depth: u32) -> Option<()> {
        let (var, slice, np) = (cx.var, cx.slice, &cx.np);
        if depth > MAX_VECTOR_DEPTH {
            return None;
        }
        match e {
            Expr::Subscript(s) => {
                let Expr::Name(base) = &*s.value else {
                    return None;
                };
                if !matches!(&*s.slice, Expr::Name(n) if n.id.as_str() == var) {
                    return None;
                }
                if self.is_array_name(base.id.as_str()) {
                    out.arrays += 1;
                }
                out.splices
                    .push((s.range(), format!("{}{}", base.id.as_str(), slice)));
                Some(())
            }
            Expr::Name(n) => (n.id.as_str() != var).then_some(()),
            Expr::NumberLiteral(_) => Some(()),
            // A scalar such as `self.scale` or `cfg.k`.
            Expr::Attribute(a) => {
                let mut base = &*a.value;
                while let Expr::Attribute(inner) = base {
                    base = &inner.value;
                }
                matches!(base, Expr::Name(n) if n.id.as_str() != var).then_some(())
            }
            Expr::BinOp(b) => {
                self.vector_splices(&b.left, cx, out, depth + 1)?;
                self.vector_splices(&b.right, cx, out, depth + 1)
            }
            Expr::UnaryOp(u) => {
                if u.op == ast::UnaryOp::Not {
                    return None;
                }
                self.vector_splices(&u.operand, cx, out, depth + 1)
            }
            Expr::Call(c) => {
                let super::Binding::Qn(q) = self.resolve(&c.func) else {
                    return None;
                };
                let ufunc = self.rb.ufuncs.lookup(q)?;
                let n = c.arguments.args.len();
                if !c.arguments.keywords.is_empty()
                    || !(1..=2).contains(&n)
                    || c.arguments
                        .args
                        .iter()
                        .any(|a| matches!(a, Expr::Starred(_)))
                {
                    return None;
                }
                let alias = np.as_ref()?;
                let tail = ufunc.strip_prefix("numpy.")?;
                out.splices
                    .push((c.func.range(), format!("{alias}.{tail}")));
                for a in c.arguments.args.iter() {
                    self.vector_splices(a, cx, out, depth + 1)?;
                }
                Some(())
            }
            _ => None,
        }
    }

    /// Splice `e`'s source with `splices` applied.
    fn spliced(&self, e: &Expr, mut splices: Vec<(TextRange, String)>) -> String {
        splices.sort_by_key(|(r, _)| r.start());
        let mut out = String::new();
        let mut pos = e.range().start();
        for (r, text) in splices {
            if r.start() < pos {
                continue;
            }
            out.push_str(self.text(TextRange::new(pos, r.start())));
            out.push_str(&text);
            pos = r.end();
        }
        out.push_str(self.text(TextRange::new(pos, e.range().end())));
        compact(&out)
    }

    /// The whole-array form of `for i in range(...): <one statement>`.
    pub(super) fn derive_vector(&self, f: &'a ast::StmtFor) -> Option<String> {
        if f.is_async || !f.orelse.is_empty() {
            return None;
        }
        let Expr::Name(var) = &*f.target else {
            return None;
        };
        let var = var.id.as_str();
        let Expr::Call(rc) = &*f.iter else {
            return None;
        };
        if !matches!(self.resolve(&rc.func), super::Binding::Qn(q) if q == "builtins.range") {
            return None;
        }
        let slice = self.range_slice(rc)?;
        let [stmt] = f.body.as_slice() else {
            return None;
        };
        let cx = VectorCx {
            var,
            slice: &slice,
            np: self.numpy_alias(),
        };
        let mut out = Splices::default();
        let whole = if slice.is_empty() {
            "[:]".to_string()
        } else {
            slice.clone()
        };
        // The target: `X[i]` becomes `X[:]`, or a reduction into a name.
        let (target_text, op, value, target_array) = match stmt {
            Stmt::Assign(a) => {
                let [Expr::Subscript(t)] = a.targets.as_slice() else {
                    return None;
                };
                let Expr::Name(base) = &*t.value else {
                    return None;
                };
                if !matches!(&*t.slice, Expr::Name(n) if n.id.as_str() == var) {
                    return None;
                }
                (
                    format!("{}{}", base.id.as_str(), whole),
                    "=".to_string(),
                    &*a.value,
                    self.is_array_name(base.id.as_str()),
                )
            }
            Stmt::AugAssign(a) => match &*a.target {
                Expr::Subscript(t) => {
                    let Expr::Name(base) = &*t.value else {
                        return None;
                    };
                    if !matches!(&*t.slice, Expr::Name(n) if n.id.as_str() == var) {
                        return None;
                    }
                    (
                        format!("{}{}", base.id.as_str(), whole),
                        format!("{}=", a.op.as_str()),
                        &*a.value,
                        self.is_array_name(base.id.as_str()),
                    )
                }
                Expr::Name(n) if n.id.as_str() != var => {
                    let reduce = match a.op {
                        ast::Operator::Add => "sum",
                        ast::Operator::Mult => "prod",
                        _ => return None,
                    };
                    self.vector_splices(&a.value, &cx, &mut out, 0)?;
                    if out.arrays == 0 {
                        return None;
                    }
                    let body = self.spliced(&a.value, out.splices);
                    let simple = body.chars().all(|c| {
                        c.is_alphanumeric() || c == '_' || c == '[' || c == ']' || c == ':'
                    });
                    let operand = if simple { body } else { format!("({body})") };
                    return Some(format!(
                        "{} {}= {operand}.{reduce}()",
                        n.id.as_str(),
                        a.op.as_str()
                    ));
                }
                _ => return None,
            },
            _ => return None,
        };
        self.vector_splices(value, &cx, &mut out, 0)?;
        if out.splices.is_empty() || (out.arrays == 0 && !target_array) {
            return None;
        }
        let body = self.spliced(value, out.splices);
        Some(format!("{target_text} {op} {body}"))
    }
}
