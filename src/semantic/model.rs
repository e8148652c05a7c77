//! The facts the per-file stage hands to the project stage. No AST survives
//! past this point: everything later works on these summaries.

use super::lists::{FunctionLists, Lists};
use crate::rulebook::ContextKind;
use crate::source::Location;
use thin_vec::ThinVec;

/// What a name or expression resolves to. The names are borrowed (the
/// summariser keeps those it makes in a per-file arena), so a binding is
/// copied, not cloned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding<'a> {
    /// A module, function, class or other named object, by qualified name
    /// (`numpy.dot`, `pkg.net.fetch`, `builtins.open`).
    Qn(&'a str),
    /// An object whose construction was seen: `requests.Session()`.
    Instance(&'a str),
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
    /// The elements of a NumPy array.
    Array,
    Other,
}

#[derive(Debug, Clone, Copy)]
pub struct LoopFact {
    pub start: Location,
    /// End of the loop header (`for x in xs`).
    pub header_end: Location,
    pub kind: LoopKind,
    /// Enclosing loop within the same function.
    pub parent: Option<u32>,
    pub iter: IterKind,
    /// Arithmetic, string building or formatting directly in the body.
    pub has_work: bool,
    /// An `await` (or `async for`) anywhere in the body.
    pub has_await: bool,
    /// A call in the body that advise cannot resolve and that is not a
    /// known-pure method.
    pub has_unknown: bool,
    /// How many items the loop visits, as far as the code shows.
    pub items: Items,
    /// The loop variable, when it is one name (in the module's `texts`).
    pub var: Option<Text>,
    /// String building or formatting in the body: not numeric work.
    pub has_text: bool,
    /// Subscripts of NumPy arrays in the body (outside nested loops)
    /// indexed by exactly the loop variable: `a[i]`.
    pub array_elems: u32,
    /// A NumPy array in the body (outside nested loops) indexed by
    /// anything else: `a[i - 1]`, `a[j]`, `a[:]`.
    pub array_irregular: bool,
    /// A container advise cannot type indexed with one index in the body
    /// (`xs[i]`): it may be a list of anything, where `a[i, j]` is an array.
    pub untyped_index: bool,
    /// No iteration depends on another, apart from reductions (`s += x`):
    /// the loop could run in parallel (`numba.prange`).
    pub independent: bool,
    /// The loop written as one NumPy expression, when advise can derive
    /// it: `out[:] = a * b + c` (in the module's `texts`).
    pub vector: Option<Text>,
}

impl LoopFact {
    /// The trip count of `range(N)` with a constant `N`: what `items`
    /// counts in a range loop. (Read from `items` rather than kept beside
    /// it: a project keeps every loop.)
    pub fn trip(&self) -> Option<u64> {
        match (self.iter, self.items) {
            (IterKind::Range, Items::Count(n)) => Some(n),
            _ => None,
        }
    }
}

/// A name stored once in its module's [`Names`]: call sites are the bulk
/// of a summary, and a module calls the same names over and over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name(pub u32);

/// A string stored once in its module's [`Texts`]: how places, statements
/// and loops read in messages, kept packed rather than as a `String` each.
/// Its index is kept plus one, so that an `Option<Text>` (a loop's
/// variable, an access's method) takes 4 bytes rather than 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text(std::num::NonZeroU32);

impl Text {
    /// The text at `index` of its module's [`Texts`].
    pub fn new(index: u32) -> Self {
        // (Never saturates: 2^32 distinct texts would overflow the `u32`
        // offsets where they end long before.)
        Text(std::num::NonZeroU32::MIN.saturating_add(index))
    }

    pub fn index(self) -> u32 {
        self.0.get() - 1
    }
}

/// A module's distinct message texts (place keys and displays, statements,
/// loop variables), packed into one string. Apart from [`Names`] so that
/// the table of call names, which the project stage resolves name by name,
/// holds call names only.
#[derive(Debug, Clone, Default)]
pub struct Texts(Names);

impl Texts {
    pub fn get(&self, t: Text) -> &str {
        self.0.get(Name(t.index()))
    }

    /// Add a text (a caller that interns keeps them distinct).
    pub fn push(&mut self, s: &str) -> Text {
        Text::new(self.0.push(s).0)
    }
}

/// A module's distinct call names, packed into one string.
#[derive(Debug, Clone, Default)]
pub struct Names {
    text: String,
    /// Where each name ends in `text` (it starts where the last one ends).
    ends: Vec<u32>,
}

impl Names {
    pub fn get(&self, n: Name) -> &str {
        let i = n.0 as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Add a name (a caller that interns keeps them distinct).
    pub fn push(&mut self, s: &str) -> Name {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        Name(self.ends.len() as u32 - 1)
    }
}

/// A resolved call. Its start, flags, loop and end are packed, 16 bytes a
/// call (a project has hundreds of thousands of call sites): add one to a
/// function with [`FunctionSummary::push_call`], which keeps what does not
/// fit (a shared receiver's key, a start far from the function's, an end
/// far from the start) beside the calls, and read its start and end with
/// [`FunctionSummary::call_start`] and [`FunctionSummary::call_end`].
#[derive(Debug, Clone, Copy)]
pub struct CallSite {
    /// The resolved qualified name of the callee, in the module's `names`.
    pub target: Name,
    /// The callee as written (`self.session.get`), in the module's `names`.
    pub display: Name,
    /// The start: rows after the function's `def_loc` in the top
    /// [`START_ROW_BITS`] bits, the column in the rest; [`WIDE_START`] when
    /// either does not fit, the start then kept in the function's [`Rare`]
    /// parts.
    start: u32,
    /// Three fields: the `CALL_*` flags and the receiver's kind in the
    /// low byte; above them, in [`LOOP_BITS`] bits, the innermost
    /// enclosing loop plus one (0 outside loops); in the top [`END_BITS`]
    /// bits, the end: rows after the start in [`END_ROW_BITS`] bits and
    /// the column in the rest, or [`WIDE_END`] when either does not fit,
    /// the end then kept in the function's [`Rare`] parts (a call ends
    /// within a few rows and columns of its start: in a corpus of wheels,
    /// 0.6% of calls do not).
    packed: u32,
}

/// Bits of [`CallSite`]'s packed field for the innermost loop.
const LOOP_BITS: u32 = 12;
/// Bits of [`CallSite`]'s packed field for the end, and of them for the
/// rows a call spans.
const END_BITS: u32 = 12;
const END_ROW_BITS: u32 = 3;
/// A call whose end is kept apart.
const WIDE_END: u32 = (1 << END_BITS) - 1;
/// Bits of [`CallSite`]'s start for the rows after the function's start
/// (a million: a module's `<module>` spans the whole file).
const START_ROW_BITS: u32 = 20;
/// A call whose start is kept apart.
const WIDE_START: u32 = u32::MAX;

/// `at` packed into `bits` bits as rows after `from` in the top `row_bits`
/// of them and its column in the rest, or every bit of them set
/// ([`WIDE_START`], [`WIDE_END`]) when either does not fit. The most rows
/// is one less than the bits hold, so that a packed location never has
/// every bit set itself.
fn pack_near(from: Location, at: Location, bits: u32, row_bits: u32) -> u32 {
    let col_bits = bits - row_bits;
    let max_rows = (1 << row_bits) - 2;
    match at.row.checked_sub(from.row) {
        Some(rows) if rows <= max_rows && at.column >> col_bits == 0 => {
            (rows << col_bits) | at.column
        }
        _ => wide(bits),
    }
}

/// Every bit of `bits` set: a location kept apart.
fn wide(bits: u32) -> u32 {
    u32::MAX >> (32 - bits)
}

/// What [`pack_near`] packed, or `None` for a location kept apart.
fn unpack_near(from: Location, packed: u32, bits: u32, row_bits: u32) -> Option<Location> {
    let col_bits = bits - row_bits;
    (packed != wide(bits)).then(|| Location {
        row: from.row + (packed >> col_bits),
        column: packed & ((1 << col_bits) - 1),
    })
}

/// What is known of a call besides its names and place: packed into a
/// [`CallSite`]. The default is a plain call: no flag set, outside loops,
/// on no receiver advise follows.
#[derive(Debug, Clone, Default)]
pub struct CallFacts {
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
    /// A thread lock (or an untyped guard) is held at the call.
    pub locked: bool,
    /// Whose method this is, for following a shared instance.
    pub receiver: Receiver,
    /// Under `if __name__ == "__main__":` (module level).
    pub main_guard: bool,
}

const CALL_AWAITED: u8 = 1;
const CALL_ARITH: u8 = 1 << 1;
const CALL_IN_HANDLER: u8 = 1 << 2;
const CALL_COLD: u8 = 1 << 3;
const CALL_LOCKED: u8 = 1 << 4;
const CALL_MAIN_GUARD: u8 = 1 << 5;
/// The receiver's kind, in the top two bits.
const CALL_SELF_OBJ: u8 = 1 << 6;
const CALL_SHARED: u8 = 2 << 6;
const CALL_RECEIVER: u8 = 3 << 6;
/// The largest loop index plus one that [`CallSite`] keeps.
const MAX_LOOP: u32 = (1 << LOOP_BITS) - 1;

impl CallSite {
    fn new(
        target: Name,
        display: Name,
        from: Location,
        start: Location,
        end: Location,
        f: &CallFacts,
    ) -> Self {
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let kind = match f.receiver {
            Receiver::Other => 0,
            Receiver::SelfObj => CALL_SELF_OBJ,
            Receiver::Shared(_) => CALL_SHARED,
        };
        let flags = flag(f.awaited, CALL_AWAITED)
            | flag(f.arith, CALL_ARITH)
            | flag(f.in_handler, CALL_IN_HANDLER)
            | flag(f.cold, CALL_COLD)
            | flag(f.locked, CALL_LOCKED)
            | flag(f.main_guard, CALL_MAIN_GUARD)
            | kind;
        // A loop index past its bits is taken as no loop: a call is then
        // not seen working per element (a missed finding, never a wrong
        // one). No hand-written function has 4,000 loops.
        let in_loop = f
            .in_loop
            .and_then(|l| l.checked_add(1))
            .filter(|&l| l <= MAX_LOOP)
            .unwrap_or(0);
        CallSite {
            target,
            display,
            start: pack_near(from, start, 32, START_ROW_BITS),
            packed: (pack_near(start, end, END_BITS, END_ROW_BITS) << (32 - END_BITS))
                | (in_loop << 8)
                | u32::from(flags),
        }
    }

    fn flags(&self) -> u8 {
        self.packed as u8
    }

    /// The end as packed, or [`WIDE_END`].
    fn end(&self) -> u32 {
        self.packed >> (32 - END_BITS)
    }

    /// See [`CallFacts::awaited`].
    pub fn awaited(&self) -> bool {
        self.flags() & CALL_AWAITED != 0
    }

    /// See [`CallFacts::arith`].
    pub fn arith(&self) -> bool {
        self.flags() & CALL_ARITH != 0
    }

    /// Innermost enclosing loop.
    pub fn in_loop(&self) -> Option<u32> {
        ((self.packed >> 8) & MAX_LOOP).checked_sub(1)
    }

    /// Inside an `except` handler.
    pub fn in_handler(&self) -> bool {
        self.flags() & CALL_IN_HANDLER != 0
    }

    /// In a branch that runs only when debugging.
    pub fn cold(&self) -> bool {
        self.flags() & CALL_COLD != 0
    }

    /// A thread lock (or an untyped guard) is held at the call.
    pub fn locked(&self) -> bool {
        self.flags() & CALL_LOCKED != 0
    }

    /// Under `if __name__ == "__main__":` (module level).
    pub fn main_guard(&self) -> bool {
        self.flags() & CALL_MAIN_GUARD != 0
    }
}

/// The object a method is called on, as far as sharing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Receiver {
    /// A plain function call, or a receiver advise does not follow.
    #[default]
    Other,
    /// The enclosing method's own `self` (also from a closure).
    SelfObj,
    /// A module global or a captured variable: one object for every
    /// caller. Holds the place key of the variable (in the module's
    /// `names`).
    Shared(Name),
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
    /// The pool's `max_workers`, when it is a literal.
    pub max_workers: Option<u64>,
    /// The thread object is kept in a place (`self._worker = Thread(...)`):
    /// a long-lived singleton rather than one thread per call.
    pub stored: bool,
    /// The pool is local to the function (`with ThreadPoolExecutor() as
    /// ex:`), so its work ends when the function does.
    pub scoped: bool,
    /// Waited for right where it is made (`t.start(); t.join()` in the same
    /// loop iteration, `ex.submit(f).result()`): the caller runs it as if
    /// it were a call.
    pub awaited: bool,
    /// A bound method whose receiver is the same object for every run
    /// from this site: `self.work`, `svc.handle` with `svc` made outside
    /// the loop. The key identifies the object (see [`Receiver`]).
    pub instance: Option<String>,
    /// The callable as written, for whether it pickles.
    pub form: CallableForm,
    /// The dispatcher serialises with cloudpickle: closures travel.
    pub pickles_closures: bool,
    /// For a `map`-like dispatch that chunks its iterable: what advise
    /// knows of the chunking.
    pub chunking: Option<Chunking>,
    /// Innermost enclosing loop of the same function.
    pub in_loop: Option<u32>,
    /// Starts a new thread or process of its own (`Thread(target=f)`).
    pub spawns: bool,
    /// The process is a fork of this one: it inherits the callable, which
    /// is not pickled (`get_context("fork").Process(target=f)`).
    pub forks: bool,
}

/// The shape of a dispatched callable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallableForm {
    /// A name or attribute (`work`, `self.handle`, `mod.f`).
    Ref,
    Lambda,
    /// `functools.partial(inner, ...)`.
    Partial(Box<CallableForm>),
    Other,
}

/// How a `map` splits its iterable into tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunking {
    /// A chunk size is passed.
    pub given: bool,
    /// Without one, each item is its own task (`imap`,
    /// `ProcessPoolExecutor.map`); else the pool picks a size.
    pub default_one: bool,
    pub items: Items,
}

/// What advise knows of how many items an iterable yields. (Its texts are
/// in the module's [`Texts`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Items {
    /// `range(N)` with a constant `N`.
    Count(u64),
    /// Without an end as far as the code shows: the lines of a file, a
    /// stream, `itertools.count()`. The text says which.
    Unbounded(Text),
    /// A call of a function that may be an endless generator: its
    /// qualified name.
    Call(Text),
    Unknown,
}

/// A construct in a function body, for what a JIT compiler can compile
/// (`rulebook::JIT_CONSTRUCTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Construct {
    /// Its kind's place in `JIT_CONSTRUCTS`, or [`METHOD_CONSTRUCT`]: a
    /// byte rather than the name (16 bytes), a project keeping every one.
    kind: u8,
    pub at: Location,
    /// A method called on an untyped receiver (`split`), for
    /// `jit.unsupported_methods` (in the module's `texts`); `None` for
    /// syntax.
    pub method: Option<Text>,
}

/// [`Construct::kind`] `method`: a method called on an untyped receiver.
const METHOD_CONSTRUCT: u8 = u8::MAX;

impl Construct {
    /// A construct of `kind`: one of `JIT_CONSTRUCTS`, or `method`.
    pub fn new(kind: &str, at: Location, method: Option<Text>) -> Self {
        let known = crate::rulebook::JIT_CONSTRUCTS
            .iter()
            .position(|k| *k == kind);
        debug_assert!(known.is_some() || kind == "method", "construct {kind}");
        Construct {
            kind: known.map_or(METHOD_CONSTRUCT, |k| k as u8),
            at,
            method,
        }
    }

    /// Its kind: one of `JIT_CONSTRUCTS`, or `method`.
    pub fn kind(&self) -> &'static str {
        crate::rulebook::JIT_CONSTRUCTS
            .get(usize::from(self.kind))
            .copied()
            .unwrap_or("method")
    }
}

/// What a place's root is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceRoot {
    /// A module-level variable (written through `global`, or a container
    /// or object bound at module level).
    Global,
    /// A variable of an enclosing function, captured by a closure.
    Captured,
    /// An attribute of the method's `self`: shared only when the instance
    /// is (decided per dispatch in the project stage).
    SelfAttr,
    /// An attribute of a class (`cls.x`, `Counter.total`, `type(self).n`).
    ClassAttr,
    /// An attribute of an imported module or other named object.
    ModuleAttr,
}

/// A piece of state that may outlive one call: `counter` (global),
/// `self.hits`, `self.counts[k]` (an item of `self.counts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Identity: `g:app.stats.counter`, `n:app.main.<locals>.total`,
    /// `self.hits` (relative to an instance), `c:app.Worker.done`,
    /// `m:config.retries`. Items share their container's key. (Like the
    /// other texts of an access, in the module's `texts`.)
    pub key: Text,
    pub root: PlaceRoot,
    /// As written, for messages: `self.counts`, `counter`.
    pub display: Text,
    /// The access is to an item of the container (`d[k]`, `L.append`).
    pub item: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessKind {
    /// `x += 1`, `x = x + 1`, `d[k] = d.get(k, 0) + 1`, or a write of a
    /// value computed from an earlier read of the same place.
    ReadModifyWrite,
    /// A write under an `if` whose test read the same place.
    CheckThenAct,
    /// One mutating operation: `L.append(x)`, `d[k] = v`, `del d[k]`.
    Mutate,
    /// A plain store: `self.x = v`.
    Write,
    /// A plain read into a local: `x = obj.field`.
    Read,
    /// In a coroutine: a write computed from (or guarded by) a read made
    /// before an `await`.
    AcrossAwait,
}

impl AccessKind {
    pub fn is_write(self) -> bool {
        !matches!(self, AccessKind::Read)
    }
}

/// One read or write of a place in a function body. Its texts are in the
/// module's [`Texts`].
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub place: Place,
    pub kind: AccessKind,
    pub start: Location,
    pub end: Location,
    /// The statement, compacted, for messages.
    pub statement: Text,
    /// A thread lock (or an untyped guard) is held.
    pub locked: bool,
    /// An event-loop lock (`asyncio.Lock`) is held.
    pub loop_locked: bool,
    /// The test of a check-then-act, or the stale read of a race across
    /// `await`: where and what.
    pub origin: Option<(Location, Text)>,
    /// The `await` between the read and the write.
    pub await_at: Option<Location>,
    /// The mutating method (`append`) for a `Mutate` by call.
    pub method: Option<Text>,
    /// A read whose value is later written back (a read-modify-write
    /// through a local): the write is the finding, not the read.
    pub written_back: bool,
}

/// `with threading.Lock():` — a lock made fresh where it is entered.
#[derive(Debug, Clone)]
pub struct FreshLock {
    pub start: Location,
    pub end: Location,
    /// The constructor as written: `threading.Lock()`.
    pub display: String,
    pub statement: String,
}

/// (Its lists are in one block, [`Lists`], a pointer in all, empty
/// without allocating: most functions leave most of them empty, and a
/// summary is kept for every function of the project.)
#[derive(Debug, Clone)]
pub struct FunctionSummary {
    /// `__qualname__` (see [`FunctionSummary::qualname`]); its class, if
    /// it is a method ([`FN_METHOD`]), is what precedes its last dot.
    qual: Box<str>,
    pub def_loc: Location,
    /// The row of the function's end (the file's last for `<module>`);
    /// with `def_loc`, the lines a profile maps to it.
    pub end_row: u32,
    pub is_async: bool,
    pub is_module: bool,
    /// [`FN_JOINS`] and [`FN_GENERATOR`]: flags rather than two more
    /// `bool`s keep a summary small (a project keeps one for every
    /// function).
    flags: u8,
    /// A call outside `except` handlers that advise cannot resolve and
    /// that is not a known-pure method.
    pub has_unknown: bool,
    /// The calls, loops, accesses and constructs, as set by
    /// [`FunctionSummary::set_lists`]: see [`FunctionSummary::calls`] and
    /// the others.
    lists: Lists,
    /// What few functions have, in one box: `None` for most.
    rare: Option<Box<Rare>>,
}

/// [`FunctionSummary::joins`].
const FN_JOINS: u8 = 1;
/// [`FunctionSummary::is_generator`].
const FN_GENERATOR: u8 = 1 << 1;
/// A method: [`FunctionSummary::class`] is what precedes the qualname's
/// last dot. (A flag rather than where the class ends keeps a summary at
/// 48 bytes: a method's own name, an identifier, has no dot.)
const FN_METHOD: u8 = 1 << 2;

/// The parts of a [`FunctionSummary`] that few functions have (one pointer
/// for all of them rather than one for each).
#[derive(Debug, Clone, Default)]
pub struct Rare {
    pub dispatches: ThinVec<DispatchSite>,
    pub fresh_locks: ThinVec<FreshLock>,
    /// Decorators, resolved where possible.
    pub decorators: ThinVec<String>,
    /// Per call with a [`Receiver::Shared`] receiver, in call order: the
    /// call's index and the receiver's place key.
    shared_keys: ThinVec<(u32, Name)>,
    /// Per call whose end [`CallSite`] cannot pack, in call order: the
    /// call's index and its end.
    wide_ends: ThinVec<(u32, Location)>,
    /// As `wide_ends`, for starts.
    wide_starts: ThinVec<(u32, Location)>,
}

/// What `list` (per call, in call order) holds for call `ci`.
fn of_call<T: Copy>(list: &[(u32, T)], ci: usize) -> Option<T> {
    let k = list.binary_search_by_key(&(ci as u32), |&(i, _)| i).ok()?;
    Some(list[k].1)
}

/// No rare parts: what a function without them reads.
static NO_RARE: Rare = Rare {
    dispatches: ThinVec::new(),
    fresh_locks: ThinVec::new(),
    decorators: ThinVec::new(),
    shared_keys: ThinVec::new(),
    wide_ends: ThinVec::new(),
    wide_starts: ThinVec::new(),
};

impl FunctionSummary {
    /// A summary with this qualname and these places and nothing else
    /// yet. A method's qualname is its class's qualname, a dot and its
    /// name.
    pub fn new(qualname: &str, method: bool, def_loc: Location, end_row: u32) -> Self {
        FunctionSummary {
            qual: qualname.into(),
            def_loc,
            end_row,
            is_async: false,
            is_module: false,
            flags: if method { FN_METHOD } else { 0 },
            has_unknown: false,
            lists: Lists::EMPTY,
            rare: None,
        }
    }

    /// Set the lists, built apart ([`FunctionLists`]).
    pub fn set_lists(&mut self, lists: &FunctionLists) {
        self.lists = Lists::freeze(lists);
    }

    pub fn calls(&self) -> &[CallSite] {
        self.lists.calls()
    }

    /// First and last line of each call advise could not resolve (and
    /// that is not a known-pure method): what such a line spends its
    /// time on is unknown when reading a profile.
    pub fn unresolved_calls(&self) -> &[(u32, u32)] {
        self.lists.unresolved_calls()
    }

    pub fn loops(&self) -> &[LoopFact] {
        self.lists.loops()
    }

    /// Reads and writes of shared-looking state, in source order.
    pub fn accesses(&self) -> &[Access] {
        self.lists.accesses()
    }

    /// Constructs relevant to JIT compilation, first occurrence of each.
    pub fn constructs(&self) -> &[Construct] {
        self.lists.constructs()
    }

    /// Waits for dispatched work (`t.join()`, `f.result()`,
    /// `concurrent.futures.wait`), so what it dispatches ends with it.
    pub fn joins(&self) -> bool {
        self.flags & FN_JOINS != 0
    }

    pub fn set_joins(&mut self) {
        self.flags |= FN_JOINS;
    }

    /// Contains `yield`.
    pub fn is_generator(&self) -> bool {
        self.flags & FN_GENERATOR != 0
    }

    pub fn set_generator(&mut self) {
        self.flags |= FN_GENERATOR;
    }

    fn rare(&self) -> &Rare {
        self.rare.as_deref().unwrap_or(&NO_RARE)
    }

    /// The rare parts, to add to (made on first use).
    pub fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    pub fn dispatches(&self) -> &[DispatchSite] {
        &self.rare().dispatches
    }

    /// The dispatches, to amend (none without rare parts: none are made).
    pub fn dispatches_mut(&mut self) -> &mut [DispatchSite] {
        match self.rare.as_deref_mut() {
            Some(r) => &mut r.dispatches,
            None => &mut [],
        }
    }

    /// `with threading.Lock():` in the body.
    pub fn fresh_locks(&self) -> &[FreshLock] {
        &self.rare().fresh_locks
    }

    /// Decorators, resolved where possible.
    pub fn decorators(&self) -> &[String] {
        &self.rare().decorators
    }

    /// Add a call to `calls`, the function's calls being built.
    pub fn push_call(
        &mut self,
        calls: &mut Vec<CallSite>,
        target: Name,
        display: Name,
        start: Location,
        end: Location,
        facts: &CallFacts,
    ) {
        let site = CallSite::new(target, display, self.def_loc, start, end, facts);
        let ci = calls.len() as u32;
        if site.start == WIDE_START {
            self.rare_mut().wide_starts.push((ci, start));
        }
        if site.end() == WIDE_END {
            self.rare_mut().wide_ends.push((ci, end));
        }
        if let Receiver::Shared(k) = facts.receiver {
            self.rare_mut().shared_keys.push((ci, k));
        }
        calls.push(site);
    }

    /// Where call `ci` starts.
    pub fn call_start(&self, ci: usize) -> Location {
        // (`push_call` keeps every start it cannot pack.)
        unpack_near(self.def_loc, self.calls()[ci].start, 32, START_ROW_BITS)
            .or_else(|| of_call(&self.rare().wide_starts, ci))
            .unwrap_or(self.def_loc)
    }

    /// Where call `ci` ends.
    pub fn call_end(&self, ci: usize) -> Location {
        let start = self.call_start(ci);
        // (`push_call` keeps every end it cannot pack.)
        unpack_near(start, self.calls()[ci].end(), END_BITS, END_ROW_BITS)
            .or_else(|| of_call(&self.rare().wide_ends, ci))
            .unwrap_or(start)
    }

    /// Whose method call `ci` calls, for following a shared instance.
    pub fn receiver(&self, ci: usize) -> Receiver {
        match self.calls()[ci].flags() & CALL_RECEIVER {
            CALL_SELF_OBJ => Receiver::SelfObj,
            // (`push_call` keeps every shared receiver's key.)
            CALL_SHARED => {
                of_call(&self.rare().shared_keys, ci).map_or(Receiver::Other, Receiver::Shared)
            }
            _ => Receiver::Other,
        }
    }

    /// `__qualname__`: `Class.method`, `outer.<locals>.inner`, or
    /// `<module>` for module-level code.
    pub fn qualname(&self) -> &str {
        &self.qual
    }

    /// The class a method belongs to, by its qualname (`Client`,
    /// `outer.<locals>.Client`).
    pub fn class(&self) -> Option<&str> {
        if self.flags & FN_METHOD == 0 {
            return None;
        }
        self.qual.rsplit_once('.').map(|(class, _)| class)
    }
}

/// The qualname part of `name` if it is a name in `module`: `Client.fetch`
/// of `pkg.net.Client.fetch` in `pkg.net`; `name` itself in the module
/// without a name.
pub fn qualname_in<'n>(module: &str, name: &'n str) -> Option<&'n str> {
    if module.is_empty() {
        return Some(name);
    }
    name.strip_prefix(module)?.strip_prefix('.')
}

/// A module-qualified name kept as its two parts, the module and the
/// qualname: `pkg.net` and `Client.fetch` read as `pkg.net.Client.fetch`
/// (the qualname alone for the empty module). Compared and hashed as that
/// text without building it.
#[derive(Debug, Clone, Copy)]
pub struct Qualified<'a> {
    pub module: &'a str,
    pub qualname: &'a str,
}

impl<'a> Qualified<'a> {
    pub fn new(module: &'a str, qualname: &'a str) -> Self {
        Qualified { module, qualname }
    }

    /// Whether `name` is this name's text.
    pub fn is(&self, name: &str) -> bool {
        qualname_in(self.module, name) == Some(self.qualname)
    }

    /// Whether `other` has the same text (however it is split).
    pub fn same(&self, other: &Qualified<'_>) -> bool {
        if self.module == other.module {
            return self.qualname == other.qualname;
        }
        self.bytes().eq(other.bytes())
    }

    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        let dot: &[u8] = if self.module.is_empty() { b"" } else { b"." };
        self.module
            .bytes()
            .chain(dot.iter().copied())
            .chain(self.qualname.bytes())
    }

    /// [`hash_text`] of this name's text.
    pub fn hash(&self) -> u64 {
        // Put together on the stack, the usual name (a few dozen bytes)
        // hashes without an allocation; a long one, rare, is built.
        let mut buf = [0u8; 128];
        let (m, q) = (self.module.as_bytes(), self.qualname.as_bytes());
        if self.module.is_empty() {
            hash_bytes(q)
        } else if m.len() + 1 + q.len() <= buf.len() {
            buf[..m.len()].copy_from_slice(m);
            buf[m.len()] = b'.';
            buf[m.len() + 1..][..q.len()].copy_from_slice(q);
            hash_bytes(&buf[..m.len() + 1 + q.len()])
        } else {
            hash_text(&self.to_string())
        }
    }
}

impl std::fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.module.is_empty() {
            f.write_str(self.module)?;
            f.write_str(".")?;
        }
        f.write_str(self.qualname)
    }
}

/// A hash of a text, for tables of names: [`Qualified::hash`] of a
/// name's parts equals this of its whole text.
pub fn hash_text(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

fn hash_bytes(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    h.finish()
}

#[derive(Debug, Clone)]
pub struct ClassSummary {
    /// Module-qualified: `pkg.net.Client`.
    pub full: String,
    /// Where the qualname starts in `full`.
    qual_at: u32,
    pub def_loc: Location,
    /// Base classes, resolved to qualified names where possible.
    pub bases: Vec<String>,
    /// The names of the methods defined in the body, sorted, each once.
    methods: Names,
}

impl ClassSummary {
    /// `full` must end with `qualname`.
    pub fn new<'m>(
        full: String,
        qualname: &str,
        def_loc: Location,
        bases: Vec<String>,
        methods: impl IntoIterator<Item = &'m str>,
    ) -> Self {
        debug_assert!(full.ends_with(qualname));
        let mut sorted: Vec<&str> = methods.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut names = Names::default();
        for m in sorted {
            names.push(m);
        }
        ClassSummary {
            qual_at: (full.len() - qualname.len()) as u32,
            full,
            def_loc,
            bases,
            methods: names,
        }
    }

    /// `__qualname__`: `Outer.Inner`, `f.<locals>.C`.
    pub fn qualname(&self) -> &str {
        &self.full[self.qual_at as usize..]
    }

    /// The methods defined in the class body, by name.
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        (0..self.methods.len()).map(|k| self.methods.get(Name(k as u32)))
    }

    /// (A binary search of the sorted names: a class of a hundred methods
    /// is asked about often, for `__init__` and for each `C.method`.)
    pub fn has_method(&self, name: &str) -> bool {
        let methods = &self.methods;
        find_sorted(methods.len(), |k| methods.get(Name(k as u32)), name).is_some()
    }
}

/// Everything the project stage needs from one module.
#[derive(Debug, Clone, Default)]
pub struct ModuleSummary {
    pub module: String,
    pub is_package: bool,
    /// The names call sites refer to.
    pub names: Names,
    /// The texts accesses and loops refer to.
    pub texts: Texts,
    pub functions: Vec<FunctionSummary>,
    pub classes: Vec<ClassSummary>,
    /// Module-level names bound by import or to a typed object, for
    /// resolving `from thismodule import name` in other modules.
    pub exports: Exports,
    /// Where code nested deeper than the walker's limit was skipped.
    pub truncated_at: Option<Location>,
}

/// What a module exports a name as (a [`Binding`] other than `Unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export<'a> {
    Qn(&'a str),
    Instance(&'a str),
}

/// A module's exports, sorted by name, names and targets packed into one
/// [`Names`] (a module exports many names and the project stage only looks
/// them up).
#[derive(Debug, Clone, Default)]
pub struct Exports {
    /// Each export's name, then its target, in order of name.
    pairs: Names,
    /// Per export: its target is the type of an instance.
    instance: Box<[bool]>,
}

impl Exports {
    /// From the names of `module` and their bindings. `Unknown` ones are
    /// left out, and so are the module's own definitions, names bound to
    /// `module.name` itself (most of a module's names: its functions and
    /// classes): following them leads nowhere else, so the project stage
    /// reads them as it reads a name not exported.
    pub fn new<'b>(
        module: &str,
        bindings: impl IntoIterator<Item = (&'b str, &'b Binding<'b>)>,
    ) -> Self {
        let own = |k: &str, q: &str| qualname_in(module, q) == Some(k);
        let mut all: Vec<(&str, &str, bool)> = bindings
            .into_iter()
            .filter_map(|(k, b)| match b {
                Binding::Qn(q) if own(k, q) => None,
                Binding::Qn(q) => Some((k, *q, false)),
                Binding::Instance(t) => Some((k, *t, true)),
                Binding::Unknown => None,
            })
            .collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut pairs = Names::default();
        for (k, t, _) in &all {
            pairs.push(k);
            pairs.push(t);
        }
        Exports {
            pairs,
            instance: all.iter().map(|&(_, _, i)| i).collect(),
        }
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.instance.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instance.is_empty()
    }

    /// The `i`th export (in order of name): its name and target.
    fn entry(&self, i: usize) -> (&str, Export<'_>) {
        let name = self.pairs.get(Name(2 * i as u32));
        let target = self.pairs.get(Name(2 * i as u32 + 1));
        if self.instance[i] {
            (name, Export::Instance(target))
        } else {
            (name, Export::Qn(target))
        }
    }

    pub fn get(&self, name: &str) -> Option<Export<'_>> {
        find_sorted(self.len(), |i| self.entry(i).0, name).map(|i| self.entry(i).1)
    }
}

/// Which of `len` names, sorted and distinct, is `name` (`name_at(i)` is
/// the `i`th): a binary search of packed names, which no slice holds.
fn find_sorted<'a>(len: usize, name_at: impl Fn(usize) -> &'a str, name: &str) -> Option<usize> {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match name_at(mid).cmp(name) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(mid),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column bits [`pack_near`] leaves after the rows.
    const START_COL_BITS: u32 = 32 - START_ROW_BITS;
    const END_COL_BITS: u32 = END_BITS - END_ROW_BITS;

    /// Add a call to `calls`, and set them as `f`'s lists (as the
    /// summariser does once the function is done).
    fn push(
        f: &mut FunctionSummary,
        calls: &mut Vec<CallSite>,
        target: Name,
        display: Name,
        start: Location,
        end: Location,
        facts: &CallFacts,
    ) {
        f.push_call(calls, target, display, start, end, facts);
        f.set_lists(&FunctionLists {
            calls: calls.clone(),
            ..FunctionLists::default()
        });
    }

    #[test]
    fn call_sites_pack_their_facts() {
        let at = Location { row: 3, column: 7 };
        let mut f = FunctionSummary::new("f", false, at, at.row);
        let mut calls = Vec::new();
        let mut facts = CallFacts::default();
        push(&mut f, &mut calls, Name(1), Name(2), at, at, &facts);
        let c = &calls[0];
        assert_eq!((c.target, c.display, c.in_loop()), (Name(1), Name(2), None));
        assert!(!(c.awaited() || c.arith() || c.in_handler() || c.cold()));
        assert!(!(c.locked() || c.main_guard()));
        assert_eq!(f.receiver(0), Receiver::Other);
        // Nothing rare yet: no box.
        assert!(f.rare.is_none());
        facts = CallFacts {
            awaited: true,
            arith: true,
            in_loop: Some(0),
            in_handler: true,
            cold: true,
            locked: true,
            receiver: Receiver::Shared(Name(u32::MAX)),
            main_guard: true,
        };
        push(&mut f, &mut calls, Name(1), Name(2), at, at, &facts);
        let c = &calls[1];
        assert_eq!(c.in_loop(), Some(0));
        assert!(c.awaited() && c.arith() && c.in_handler() && c.cold());
        assert!(c.locked() && c.main_guard());
        assert_eq!(f.receiver(1), Receiver::Shared(Name(u32::MAX)));
        facts.receiver = Receiver::SelfObj;
        facts.in_loop = Some(41);
        push(&mut f, &mut calls, Name(1), Name(2), at, at, &facts);
        assert_eq!(
            (f.receiver(2), calls[2].in_loop()),
            (Receiver::SelfObj, Some(41))
        );
        assert!(calls[2].awaited() && calls[2].main_guard());
        // The largest loop index kept, with every flag beside it; past it,
        // no loop (and the flags intact).
        facts.in_loop = Some(MAX_LOOP - 1);
        push(&mut f, &mut calls, Name(1), Name(2), at, at, &facts);
        let c = &calls[3];
        assert_eq!(c.in_loop(), Some(MAX_LOOP - 1));
        assert!(c.awaited() && c.arith() && c.in_handler() && c.cold());
        assert!(c.locked() && c.main_guard());
        assert_eq!(f.receiver(3), Receiver::SelfObj);
        for past in [MAX_LOOP, u32::MAX] {
            facts.in_loop = Some(past);
            push(&mut f, &mut calls, Name(1), Name(2), at, at, &facts);
            let ci = calls.len() - 1;
            let c = &calls[ci];
            assert_eq!(c.in_loop(), None);
            assert!(c.awaited() && c.locked() && c.main_guard());
            assert_eq!(f.receiver(ci), Receiver::SelfObj);
        }
        // Shared receivers between others: each finds its own key.
        for k in 0..5 {
            facts.receiver = if k % 2 == 0 {
                Receiver::Shared(Name(100 + k))
            } else {
                Receiver::Other
            };
            push(&mut f, &mut calls, Name(k), Name(k), at, at, &facts);
        }
        let n = calls.len();
        let got: Vec<Receiver> = (n - 5..n).map(|ci| f.receiver(ci)).collect();
        use Receiver::{Other, Shared};
        let want = [
            Shared(Name(100)),
            Other,
            Shared(Name(102)),
            Other,
            Shared(Name(104)),
        ];
        assert_eq!(got, want);
        assert_eq!(f.receiver(1), Receiver::Shared(Name(u32::MAX)));
        assert_eq!(std::mem::size_of::<CallSite>(), 16);
        assert_eq!(std::mem::size_of::<FunctionSummary>(), 48);
        // A project keeps every loop, access and construct too.
        assert_eq!(std::mem::size_of::<LoopFact>(), 64);
        assert_eq!(std::mem::size_of::<Access>(), 64);
        assert_eq!(std::mem::size_of::<Construct>(), 16);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 4);
    }

    #[test]
    fn call_starts_are_kept_exactly_near_and_far() {
        let loc = |row, column| Location { row, column };
        let def = loc(100, 5);
        let mut f = FunctionSummary::new("f", false, def, def.row);
        let mut calls = Vec::new();
        let facts = CallFacts::default();
        let max_rows = (1 << START_ROW_BITS) - 2;
        let col_max = (1 << START_COL_BITS) - 1;
        let starts = [
            (loc(100, 9), false),
            (loc(101, 0), false),
            // The most rows and columns packed, and one past each.
            (loc(100 + max_rows, 3), false),
            (loc(100 + max_rows + 1, 3), true),
            (loc(150, col_max), false),
            (loc(150, col_max + 1), true),
            // Every bit set would read as kept apart: it is.
            (loc(100 + max_rows + 1, col_max), true),
            (loc(u32::MAX, u32::MAX), true),
            // Before the function (a decorator's call; kept as given).
            (loc(99, 1), true),
            (loc(100, 1), false),
        ];
        for (start, _) in starts {
            // Ends two rows on, whether the start is packed or not.
            let end = loc(start.row.saturating_add(2), 1);
            push(&mut f, &mut calls, Name(0), Name(0), start, end, &facts);
        }
        for (ci, (start, wide)) in starts.iter().enumerate() {
            assert_eq!(f.call_start(ci), *start, "call {ci}");
            assert_eq!(calls[ci].start == WIDE_START, *wide, "call {ci}");
            assert_eq!(
                f.call_end(ci),
                loc(start.row.saturating_add(2), 1),
                "call {ci}"
            );
        }
        assert_eq!(f.rare().wide_starts.len(), 5);
    }

    #[test]
    fn call_ends_are_kept_exactly_near_and_far() {
        let loc = |row, column| Location { row, column };
        let start = loc(10, 5);
        let mut f = FunctionSummary::new("f", false, start, start.row);
        let mut calls = Vec::new();
        let facts = CallFacts::default();
        let col_max = (1 << END_COL_BITS) - 1;
        let max_rows = (1 << END_ROW_BITS) - 2;
        let ends = [
            (loc(10, 9), false),
            (loc(10, 0), false),
            (loc(12, 1), false),
            // The most rows and columns packed, and one past each.
            (loc(10 + max_rows, 3), false),
            (loc(10 + max_rows + 1, 3), true),
            (loc(11, col_max), false),
            (loc(11, col_max + 1), true),
            (loc(10 + max_rows, col_max), false),
            // Every bit set would read as kept apart: it is.
            (loc(10 + max_rows + 1, col_max), true),
            (loc(u32::MAX, u32::MAX), true),
            // Before the start (no real call; still kept as given).
            (loc(9, 1), true),
            (loc(10, 6), false),
        ];
        for (end, _) in ends {
            push(&mut f, &mut calls, Name(0), Name(0), start, end, &facts);
        }
        for (ci, (end, wide)) in ends.iter().enumerate() {
            assert_eq!(f.call_end(ci), *end, "call {ci}");
            assert_eq!(calls[ci].end() == WIDE_END, *wide, "call {ci}");
        }
        assert_eq!(f.rare().wide_ends.len(), 5);
        assert!(f.rare().shared_keys.is_empty() && f.dispatches().is_empty());
    }

    #[test]
    fn classes_keep_their_methods() {
        let at = Location { row: 1, column: 1 };
        let c = ClassSummary::new(
            "m.f.<locals>.C".into(),
            "f.<locals>.C",
            at,
            vec![],
            ["a", "b_2"],
        );
        assert_eq!(c.qualname(), "f.<locals>.C");
        assert_eq!(c.methods().collect::<Vec<_>>(), ["a", "b_2"]);
        assert!(c.has_method("a") && c.has_method("b_2"));
        assert!(!c.has_method("b") && !c.has_method(""));
        // Names inside other names are not methods.
        let c = ClassSummary::new("C".into(), "C", at, vec![], ["run_a", "a_run", "arun"]);
        assert!(c.has_method("run_a") && c.has_method("a_run") && c.has_method("arun"));
        assert!(!c.has_method("run") && !c.has_method("a") && !c.has_method("un_a"));
        let c = ClassSummary::new("C".into(), "C", at, vec![], ["a", ""]);
        assert!(c.has_method("") && c.has_method("a"));
        let c = ClassSummary::new("C".into(), "C", at, vec![], []);
        assert_eq!((c.qualname(), c.methods().count()), ("C", 0));
        assert!(!c.has_method(""));
        // Many methods, given in any order and some twice (a property's
        // getter and setter): each is found, and nothing else.
        let given: Vec<String> = (0..101).rev().map(|i| format!("m{}", i * 3)).collect();
        let mut with_twice: Vec<&str> = given.iter().map(String::as_str).collect();
        with_twice.extend(["m0", "__init__", "m300"]);
        let c = ClassSummary::new("C".into(), "C", at, vec![], with_twice);
        assert_eq!(c.methods().count(), 102);
        assert!(c.has_method("__init__"));
        for i in 0..=301 {
            let name = format!("m{i}");
            assert_eq!(c.has_method(&name), i % 3 == 0 && i <= 300, "{name}");
        }
        assert!(!c.has_method("") && !c.has_method("m") && !c.has_method("__init"));
    }

    #[test]
    fn exports_are_looked_up_by_name() {
        let b = [
            ("os", Binding::Qn("os")),
            ("session", Binding::Instance("requests.Session")),
            ("x", Binding::Unknown),
            ("dot", Binding::Qn("numpy.dot")),
            ("", Binding::Qn("empty")),
            // The module's own: left out.
            ("fetch", Binding::Qn("pkg.net.fetch")),
            // Not its own: a name of another module, or an instance.
            ("get", Binding::Qn("pkg.network.get")),
            ("put", Binding::Qn("pkg.nets.put")),
            ("conn", Binding::Instance("pkg.net.conn")),
        ];
        let e = Exports::new("pkg.net", b.iter().map(|(k, v)| (*k, v)));
        assert_eq!(e.len(), 7);
        assert_eq!(e.get("fetch"), None);
        assert_eq!(e.get("get"), Some(Export::Qn("pkg.network.get")));
        assert_eq!(e.get("put"), Some(Export::Qn("pkg.nets.put")));
        assert_eq!(e.get("conn"), Some(Export::Instance("pkg.net.conn")));
        assert_eq!(e.get("os"), Some(Export::Qn("os")));
        assert_eq!(e.get("dot"), Some(Export::Qn("numpy.dot")));
        assert_eq!(e.get("session"), Some(Export::Instance("requests.Session")));
        assert_eq!(e.get(""), Some(Export::Qn("empty")));
        assert_eq!(e.get("x"), None);
        assert_eq!(e.get("zzz"), None);
        assert_eq!(Exports::default().get("os"), None);
    }

    #[test]
    fn qualified_names_hash_and_compare_as_their_text() {
        // Every split of a name hashes as the whole text.
        let text = "django.contrib.admin.options.ModelAdmin.get_queryset";
        for dot in text.match_indices('.').map(|(i, _)| i) {
            let q = Qualified::new(&text[..dot], &text[dot + 1..]);
            assert_eq!(q.hash(), hash_text(text), "split at {dot}");
            assert!(q.is(text));
            assert_eq!(q.to_string(), text);
            assert!(q.same(&Qualified::new("django", &text[7..])));
        }
        // A name too long to put together on the stack.
        let long = format!("{}.{}", "pkg.".repeat(30) + "m", "C.".repeat(20) + "f");
        let (m, q) = long.split_at(121);
        let q = &q[1..];
        assert!(long.len() > 128 && Qualified::new(m, q).is(&long));
        assert_eq!(Qualified::new(m, q).hash(), hash_text(&long));
        // The empty module: the qualname alone.
        let q = Qualified::new("", "main");
        assert!(q.is("main") && !q.is(".main"));
        assert_eq!(
            (q.hash(), q.to_string()),
            (hash_text("main"), "main".into())
        );
        // Not the same text.
        let q = Qualified::new("pkg.net", "fetch");
        for other in [
            "pkg.netfetch",
            "pkg.net.fetc",
            "pkg.net.fetchx",
            "pkg.nets.fetch",
            "fetch",
        ] {
            assert!(!q.is(other), "{other}");
            assert!(!q.same(&Qualified::new("", other)), "{other}");
        }
        assert!(!q.same(&Qualified::new("pkg", "net.fetc")));
        // The qualname part of a name in a module.
        assert_eq!(qualname_in("pkg.net", "pkg.net.C.f"), Some("C.f"));
        assert_eq!(qualname_in("", "C.f"), Some("C.f"));
        for other in ["pkg.nets.f", "pkg.net", "pkg.netf", "f"] {
            assert_eq!(qualname_in("pkg.net", other), None, "{other}");
        }
        // Texts differing in length or in one byte hash apart.
        assert_ne!(hash_text("a"), hash_text("a\0"));
        assert_ne!(hash_text("pkg.net.fetch"), hash_text("pkg.net.fetcg"));
        assert_ne!(hash_text(""), hash_text("\0"));
    }

    #[test]
    fn a_function_keeps_its_qualname_and_class() {
        let at = Location { row: 1, column: 1 };
        let f = |qual, method| FunctionSummary::new(qual, method, at, 1);
        let n = f("Client.fetch", true);
        assert_eq!((n.qualname(), n.class()), ("Client.fetch", Some("Client")));
        let n = f("Outer.Inner.fetch", true);
        assert_eq!(n.class(), Some("Outer.Inner"));
        let n = f("f.<locals>.g", false);
        assert_eq!((n.qualname(), n.class()), ("f.<locals>.g", None));
        let n = f("f.<locals>.C.m", true);
        assert_eq!(n.class(), Some("f.<locals>.C"));
        // A class without a name, as the parser recovers `class(A:`, at
        // the top and inside another.
        let n = f(".f", true);
        assert_eq!((n.qualname(), n.class()), (".f", Some("")));
        let n = f("Outer..f", true);
        assert_eq!(n.class(), Some("Outer."));
        // A method without a name (`def (self):`, as recovered).
        let n = f("C.", true);
        assert_eq!(n.class(), Some("C"));
    }
}
