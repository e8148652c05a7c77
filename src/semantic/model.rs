//! The facts the per-file stage hands to the project stage. No AST survives
//! past this point: everything later works on these summaries.

use crate::rulebook::ContextKind;
use crate::source::Location;
use rustc_hash::FxHashMap as HashMap;

/// What a name or expression resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A module, function, class or other named object, by qualified name
    /// (`numpy.dot`, `pkg.net.fetch`, `builtins.open`).
    Qn(String),
    /// An object whose construction was seen: `requests.Session()`.
    Instance(String),
    /// Assigned something advise cannot follow.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    For,
    While,
    Comprehension,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterKind {
    /// `range(...)`: an index loop.
    Range,
    /// Lines of a file object.
    File,
    /// A blocking stream: each item waits on I/O.
    Io,
    Other,
}

#[derive(Debug, Clone)]
pub struct LoopFact {
    pub start: Location,
    /// End of the loop header (`for x in xs`).
    pub header_end: Location,
    pub kind: LoopKind,
    /// Enclosing loop within the same function.
    pub parent: Option<u32>,
    /// Trip count from `range(N)` with a constant `N`.
    pub trip: Option<u64>,
    pub iter: IterKind,
    /// Arithmetic, string building or formatting directly in the body.
    pub has_work: bool,
    /// An `await` (or `async for`) anywhere in the body.
    pub has_await: bool,
    /// A call in the body that advise cannot resolve and that is not a
    /// known-pure method.
    pub has_unknown: bool,
}

#[derive(Debug, Clone)]
pub struct CallSite {
    /// The resolved qualified name of the callee.
    pub target: String,
    /// The callee as written (`self.session.get`).
    pub display: String,
    pub start: Location,
    pub end: Location,
    /// Awaited, or the expression of an `async with` / `async for`.
    pub awaited: bool,
    /// Part of arithmetic: an operand of a binary operation, or given an
    /// arithmetic argument (`fib(n - 1)`, `sort(a[:mid])`).
    pub arith: bool,
    /// Innermost enclosing loop.
    pub in_loop: Option<u32>,
    /// Inside an `except` handler.
    pub in_handler: bool,
    /// In a branch that runs only when debugging.
    pub cold: bool,
}

#[derive(Debug, Clone)]
pub struct DispatchSite {
    pub start: Location,
    pub end: Location,
    pub context: ContextKind,
    /// The resolved callable, if advise could follow it.
    pub target: Option<String>,
    /// The callable as written.
    pub target_display: String,
    /// How it was dispatched, for messages: `ThreadPoolExecutor.submit`.
    pub via: String,
    /// Dispatched many times (`map`, or inside a loop or comprehension).
    pub many: bool,
}

#[derive(Debug, Clone)]
pub struct FunctionSummary {
    /// `__qualname__`: `Class.method`, `outer.<locals>.inner`, or
    /// `<module>` for module-level code.
    pub qualname: String,
    /// Module-qualified: `pkg.net.Client.fetch`.
    pub full: String,
    pub def_loc: Location,
    /// End of the function's last statement (the file's end for
    /// `<module>`); with `def_loc`, the lines a profile maps to it.
    pub end_loc: Location,
    pub is_async: bool,
    pub is_module: bool,
    /// The class a method belongs to (qualified).
    pub class: Option<String>,
    /// Arithmetic anywhere in the body (for recursion evidence).
    pub has_arith: bool,
    /// A call outside `except` handlers that advise cannot resolve and
    /// that is not a known-pure method.
    pub has_unknown: bool,
    pub calls: Vec<CallSite>,
    /// First and last line of each call advise could not resolve (and
    /// that is not a known-pure method): what such a line spends its
    /// time on is unknown when reading a profile.
    pub unresolved_calls: Vec<(u32, u32)>,
    pub loops: Vec<LoopFact>,
    pub dispatches: Vec<DispatchSite>,
}

#[derive(Debug, Clone)]
pub struct ClassSummary {
    pub full: String,
    pub qualname: String,
    pub def_loc: Location,
    /// Base classes, resolved to qualified names where possible.
    pub bases: Vec<String>,
    pub methods: Vec<String>,
}

/// Everything the project stage needs from one module.
#[derive(Debug, Clone, Default)]
pub struct ModuleSummary {
    pub module: String,
    pub is_package: bool,
    pub functions: Vec<FunctionSummary>,
    pub classes: Vec<ClassSummary>,
    /// Module-level names bound by import or to a typed object, for
    /// resolving `from thismodule import name` in other modules.
    pub exports: HashMap<String, Binding>,
    /// Where code nested deeper than the walker's limit was skipped.
    pub truncated_at: Option<Location>,
}
