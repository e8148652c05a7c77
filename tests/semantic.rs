//! The semantic model on its own: imports and aliases, relative imports,
//! scopes (`global`, `nonlocal`, classes), qualnames, and receivers typed by
//! their construction.

use advise::rulebook::Rulebook;
use advise::semantic::builder;
use advise::semantic::ModuleSummary;
use advise::source::{parse, LineIndex};

fn summarise(src: &str, module: &str, is_package: bool) -> ModuleSummary {
    let rb = Rulebook::default_rules().unwrap();
    let lines = LineIndex::new(src);
    let parsed = parse(src, false);
    builder::summarise(src, &lines, &rb, module, is_package, parsed.parsed.suite())
}

/// Resolved call targets of the function with this qualname.
fn calls(m: &ModuleSummary, qualname: &str) -> Vec<String> {
    let f = m
        .functions
        .iter()
        .find(|f| f.qualname() == qualname)
        .unwrap_or_else(|| {
            panic!(
                "no function {qualname}: {:?}",
                m.functions.iter().map(|f| f.qualname()).collect::<Vec<_>>()
            )
        });
    f.calls()
        .iter()
        .map(|c| m.names.get(c.target).to_string())
        .collect()
}

#[test]
fn imports_and_aliases_resolve_to_qualified_names() {
    let m = summarise(
        "import numpy as np\nimport urllib.request\nfrom time import sleep\nfrom concurrent.futures import ThreadPoolExecutor as Pool\nimport os.path\n\ndef f(a):\n    np.dot(a, a)\n    urllib.request.urlopen('u')\n    sleep(1)\n    Pool(4)\n    os.path.join('a', 'b')\n    open('x')\n",
        "app",
        false,
    );
    assert_eq!(
        calls(&m, "f"),
        [
            "numpy.dot",
            "urllib.request.urlopen",
            "time.sleep",
            "concurrent.futures.ThreadPoolExecutor",
            "os.path.join",
            "builtins.open"
        ]
    );
}

#[test]
fn relative_imports_resolve_within_the_package() {
    let m = summarise("from . import util\nfrom .net import fetch\nfrom ..core import base\n\ndef f():\n    util.go()\n    fetch()\n    base()\n", "pkg.sub.mod", false);
    assert_eq!(
        calls(&m, "f"),
        ["pkg.sub.util.go", "pkg.sub.net.fetch", "pkg.core.base"]
    );
    // In a package's __init__, `.` is the package itself.
    let m = summarise(
        "from .net import fetch\n\ndef f():\n    fetch()\n",
        "pkg",
        true,
    );
    assert_eq!(calls(&m, "f"), ["pkg.net.fetch"]);
}

#[test]
fn shadowing_makes_names_unknown_or_local() {
    let m = summarise(
        "import requests\nimport time\n\ndef sleep(x):\n    return x\n\ndef f(requests):\n    requests.get('u')\n    sleep(1)\n\ndef g():\n    requests = {}\n    requests.get('k')\n\ndef h():\n    requests.get('u')\n",
        "app",
        false,
    );
    assert_eq!(
        calls(&m, "f"),
        ["app.sleep"],
        "a parameter shadows the module"
    );
    assert!(calls(&m, "g").is_empty(), "a local dict shadows the module");
    assert_eq!(calls(&m, "h"), ["requests.get"]);
}

#[test]
fn global_nonlocal_and_class_scopes() {
    let m = summarise(
        "import json\nhelper = None\n\nclass C:\n    json = 1\n    def m(self):\n        json.loads('1')\n        self.n()\n    def n(self):\n        pass\n\ndef outer():\n    import pickle as json\n    def inner():\n        nonlocal json\n        json.loads(b'')\n    def other():\n        global json\n        json.loads('2')\n    inner()\n",
        "app",
        false,
    );
    // Methods do not see class-level names.
    assert_eq!(calls(&m, "C.m"), ["json.loads", "app.C.n"]);
    assert_eq!(calls(&m, "outer.<locals>.other"), ["json.loads"]);
    assert_eq!(calls(&m, "outer"), ["app.outer.<locals>.inner"]);
    // `nonlocal` skips the function's own scope to the enclosing one.
    assert_eq!(calls(&m, "outer.<locals>.inner"), ["pickle.loads"]);
}

#[test]
fn receivers_are_typed_by_their_construction() {
    let m = summarise(
        "import requests, socket, sqlite3\n\nclass Client:\n    def __init__(self):\n        self.session = requests.Session()\n    def get(self, u):\n        return self.session.get(u)\n\ndef f(p):\n    s = requests.Session()\n    s.get(p)\n    with open(p) as fh:\n        fh.read()\n    sock = socket.socket()\n    sock.recv(10)\n    db = sqlite3.connect(p)\n    db.cursor().execute('q')\n",
        "app",
        false,
    );
    assert_eq!(calls(&m, "Client.get"), ["requests.Session.get"]);
    let f = calls(&m, "f");
    for expected in [
        "requests.Session.get",
        "io.IOBase.read",
        "socket.socket.recv",
        "sqlite3.Cursor.execute",
    ] {
        assert!(f.contains(&expected.to_string()), "{expected} not in {f:?}");
    }
}

#[test]
fn dispatches_are_recorded_with_their_context() {
    let m = summarise(
        "import threading, asyncio, functools\nfrom concurrent.futures import ProcessPoolExecutor\nimport multiprocessing as mp\n\ndef work(x):\n    return x\n\ndef main(xs):\n    threading.Thread(target=work).start()\n    with ProcessPoolExecutor() as ex:\n        ex.map(work, xs)\n        ex.submit(functools.partial(work, 1))\n    pool = mp.get_context('spawn').Pool(2)\n    pool.imap(work, xs)\n\nasync def h(loop):\n    await asyncio.to_thread(work, 1)\n    await loop.run_in_executor(None, lambda: work(2))\n",
        "app",
        false,
    );
    let got: Vec<(String, String)> = m
        .functions
        .iter()
        .flat_map(|f| f.dispatches().iter())
        .map(|d| {
            (
                d.context.as_str().to_string(),
                d.target.clone().unwrap_or_default(),
            )
        })
        .collect();
    let want = [
        ("threads", "app.work"),
        ("processes", "app.work"),
        ("processes", "app.work"),
        ("processes", "app.work"),
        ("threads", "app.work"),
        ("threads", "app.work"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn qualnames_follow_python() {
    let m = summarise("class A:\n    class B:\n        def m(self):\n            def inner():\n                pass\n\ndef f():\n    class L:\n        def g(self):\n            pass\n", "app", false);
    let names: Vec<&str> = m.functions.iter().map(|f| f.qualname()).collect();
    assert_eq!(
        names,
        [
            "<module>",
            "A.B.m",
            "A.B.m.<locals>.inner",
            "f",
            "f.<locals>.L.g"
        ]
    );
}

/// (statement, kind, locked) of a function's shared-state accesses.
fn accesses(m: &ModuleSummary, qualname: &str) -> Vec<(String, String, bool)> {
    let f = m
        .functions
        .iter()
        .find(|f| f.qualname() == qualname)
        .unwrap();
    f.accesses()
        .iter()
        .map(|a| {
            (
                m.texts.get(a.statement).to_string(),
                format!("{:?}", a.kind),
                a.locked,
            )
        })
        .collect()
}

#[test]
fn shared_state_accesses_are_classified_with_the_locks_held() {
    let m = summarise(
        "import threading\nn = 0\nd = {}\nL = []\nlock = threading.Lock()\n\ndef f(k, v, guard):\n    global n\n    local = 0\n    local += 1\n    n += 1\n    d[k] = d.get(k, 0) + 1\n    d[k] = v\n    L.append(v)\n    with lock:\n        n = n + 1\n    with guard:\n        L.pop()\n    lock.acquire()\n    try:\n        n -= 1\n    finally:\n        lock.release()\n    if k not in d:\n        d[k] = v\n    x = n\n    n = x * 2\n",
        "app",
        false,
    );
    let got = accesses(&m, "f");
    let want = [
        ("n += 1", "ReadModifyWrite", false),
        ("d[k] = d.get(k, 0) + 1", "ReadModifyWrite", false),
        ("d[k] = v", "Mutate", false),
        ("L.append(v)", "Mutate", false),
        ("n = n + 1", "ReadModifyWrite", true),
        // An untyped guard entered without `as` counts as a lock.
        ("L.pop()", "Mutate", true),
        ("n -= 1", "ReadModifyWrite", true),
        ("d[k] = v", "CheckThenAct", false),
        ("x = n", "Read", false),
        ("n = x * 2", "ReadModifyWrite", false),
    ];
    let want: Vec<(String, String, bool)> = want
        .iter()
        .map(|(s, k, l)| (s.to_string(), k.to_string(), *l))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn places_exclude_locals_thread_locals_and_fresh_objects() {
    let m = summarise(
        "import threading\ntls = threading.local()\n\nclass C:\n    count = 0\n    def __init__(self):\n        self.local = threading.local()\n        self.n = 0\n    def m(self, xs):\n        acc = []\n        acc.append(1)\n        self.local.hits += 1\n        tls.depth += 1\n        self.n += 1\n        C.count += 1\n        type(self).count += 1\n",
        "app",
        false,
    );
    let f = m.functions.iter().find(|f| f.qualname() == "C.m").unwrap();
    let keys: Vec<&str> = f
        .accesses()
        .iter()
        .map(|a| m.texts.get(a.place.key))
        .collect();
    assert_eq!(keys, ["self.n", "a:app.C.count", "a:app.C.count"]);
}

#[test]
fn coroutine_writes_after_an_await_are_races_across_it() {
    let m = summarise(
        "import asyncio\n\nclass A:\n    async def w(self, amount):\n        bal = self.balance\n        await asyncio.sleep(0)\n        self.balance = bal - amount\n    async def ok(self, amount):\n        await asyncio.sleep(0)\n        bal = self.balance\n        self.balance = bal - amount\n    async def conn(self):\n        if self.c is None:\n            self.c = await asyncio.open_connection('h', 1)\n",
        "app",
        false,
    );
    let kinds = |q: &str| -> Vec<String> {
        accesses(&m, q)
            .into_iter()
            .filter(|(_, k, _)| k != "Read")
            .map(|(_, k, _)| k)
            .collect()
    };
    assert_eq!(kinds("A.w"), ["AcrossAwait"]);
    assert_eq!(kinds("A.ok"), ["Write"]);
    assert_eq!(kinds("A.conn"), ["AcrossAwait"]);
}

#[test]
fn dispatches_know_their_pool_size_and_shared_receiver() {
    let m = summarise(
        "from concurrent.futures import ThreadPoolExecutor\nimport threading\n\nclass S:\n    def go(self):\n        pass\n    def start(self):\n        for _ in range(3):\n            threading.Thread(target=self.go).start()\n\ndef main(xs):\n    svc = S()\n    with ThreadPoolExecutor(max_workers=1) as one, ThreadPoolExecutor(8) as many:\n        for x in xs:\n            one.submit(svc.go)\n            fresh = S()\n            many.submit(fresh.go)\n",
        "app",
        false,
    );
    let got: Vec<(Option<u64>, Option<String>, bool)> = m
        .functions
        .iter()
        .flat_map(|f| f.dispatches().iter())
        .map(|d| (d.max_workers, d.instance.clone(), d.many))
        .collect();
    assert_eq!(
        got,
        [
            (None, Some("self@app.S".to_string()), true),
            (Some(1), Some("l:app.main.svc".to_string()), true),
            (Some(8), None, true),
        ]
    );
}

fn func<'m>(m: &'m ModuleSummary, qualname: &str) -> &'m advise::semantic::FunctionSummary {
    m.functions
        .iter()
        .find(|f| f.qualname() == qualname)
        .unwrap_or_else(|| panic!("no function {qualname}"))
}

#[test]
fn main_guard_marks_module_level_calls() {
    let m = summarise(
        "def main():\n    pass\n\nsetup = print('x')\nif __name__ == '__main__':\n    main()\nelse:\n    print('imported')\n",
        "app",
        false,
    );
    let module = func(&m, "<module>");
    let guarded: Vec<(String, bool)> = module
        .calls()
        .iter()
        .map(|c| (m.names.get(c.target).to_string(), c.main_guard()))
        .collect();
    assert_eq!(
        guarded,
        [
            ("builtins.print".to_string(), false),
            ("app.main".to_string(), true),
            ("builtins.print".to_string(), false),
        ]
    );
}

#[test]
fn dispatches_know_their_callable_form_and_chunking() {
    use advise::semantic::{CallableForm, Items};
    let m = summarise(
        "import functools, itertools\nfrom multiprocessing import Pool\nfrom concurrent.futures import ProcessPoolExecutor\n\ndef f(x):\n    return x\n\ndef gen():\n    while True:\n        yield 1\n\ndef main(xs, path):\n    def inner(x):\n        return x\n    with Pool(4) as pool:\n        pool.imap(lambda x: f(x), range(50_000))\n        pool.imap(functools.partial(inner), xs, 64)\n        pool.map(f, range(10))\n        with open(path) as fh:\n            pool.imap_unordered(f, fh)\n        pool.imap(f, gen())\n    with ProcessPoolExecutor() as ex:\n        ex.map(f, itertools.count(), chunksize=8)\n",
        "app",
        false,
    );
    // The items as text: `Count(10)`, `Unbounded(the lines of a file)`.
    type Seen = (CallableForm, Option<(bool, bool, String)>);
    let shown = |i: &Items| match *i {
        Items::Unbounded(t) => format!("Unbounded({})", m.texts.get(t)),
        Items::Call(t) => format!("Call({})", m.texts.get(t)),
        other => format!("{other:?}"),
    };
    let main = func(&m, "main");
    let got: Vec<Seen> = main
        .dispatches()
        .iter()
        .map(|d| {
            (
                d.form.clone(),
                d.chunking
                    .as_ref()
                    .map(|c| (c.given, c.default_one, shown(&c.items))),
            )
        })
        .collect();
    let unbounded = |s: &str| format!("Unbounded({s})");
    assert_eq!(
        got,
        [
            (
                CallableForm::Lambda,
                Some((false, true, "Count(50000)".to_string()))
            ),
            (
                CallableForm::Partial(Box::new(CallableForm::Ref)),
                Some((true, true, "Unknown".to_string()))
            ),
            (
                CallableForm::Ref,
                Some((false, false, "Count(10)".to_string()))
            ),
            (
                CallableForm::Ref,
                Some((false, true, unbounded("the lines of a file")))
            ),
            (
                CallableForm::Ref,
                Some((false, true, "Call(app.gen)".to_string()))
            ),
            (
                CallableForm::Ref,
                Some((true, true, unbounded("the items of `itertools.count()`")))
            ),
        ]
    );
    assert!(func(&m, "gen").is_generator());
}

#[test]
fn loops_know_their_dependencies_and_array_access() {
    let m = summarise(
        "import numpy as np\n\ndef kernels(a: np.ndarray, b: np.ndarray, n: int):\n    out = np.zeros(n)\n    for i in range(n):\n        out[i] = a[i] * b[i]\n    total = 0.0\n    for i in range(n):\n        total += a[i]\n    for i in range(1, n):\n        a[i] = a[i - 1] + b[i]\n    best = 0.0\n    for i in range(n):\n        if a[i] > best:\n            best = a[i]\n    for i in range(n):\n        t = a[i] * 2\n        out[i] = t\n    last = 0\n    for i in range(n):\n        last = i\n    print(last)\n    for i in range(n):\n        for j in range(n):\n            s = 0.0\n            for k in range(n):\n                s += a[k] * b[k]\n            out[i] = s\n",
        "app",
        false,
    );
    let f = func(&m, "kernels");
    let facts: Vec<(bool, u32, bool)> = f
        .loops()
        .iter()
        .filter(|l| l.parent.is_none())
        .map(|l| (l.independent, l.array_elems, l.array_irregular))
        .collect();
    assert_eq!(
        facts,
        [
            (true, 3, false),  // out[i] = a[i] * b[i]
            (true, 1, false),  // a reduction
            (false, 2, true),  // a[i - 1]: carried
            (false, 2, false), // a running best
            (true, 2, false),  // a private temporary
            (false, 0, false), // `last` is read after the loop
            (true, 0, false),  // a reduction private to each outer iteration
        ]
    );
    assert_eq!(
        f.loops()[0].vector.map(|v| m.texts.get(v)),
        Some("out[:n] = a[:n] * b[:n]")
    );
    assert_eq!(
        f.loops()[1].vector.map(|v| m.texts.get(v)),
        Some("total += a[:n].sum()")
    );
    assert_eq!(f.loops()[2].vector, None);
}

#[test]
fn vector_forms_use_whole_arrays_and_ufuncs() {
    let m = summarise(
        "import math\nimport numpy as np\n\ndef f(a: np.ndarray, b: np.ndarray):\n    out = np.empty_like(a)\n    for i in range(len(a)):\n        out[i] = math.sqrt(a[i]) + max(a[i], b[i]) * 2\n    for i in range(a.shape[0]):\n        out[i] -= abs(b[i])\n    for i in range(2, 10, 2):\n        out[i] = a[i] * i\n    return out\n",
        "app",
        false,
    );
    let vectors: Vec<Option<&str>> = func(&m, "f")
        .loops()
        .iter()
        .map(|l| l.vector.map(|v| m.texts.get(v)))
        .collect();
    assert_eq!(
        vectors,
        [
            Some("out[:] = np.sqrt(a) + np.maximum(a, b) * 2"),
            Some("out[:] -= np.abs(b)"),
            // The loop variable itself is not an array.
            None,
        ]
    );
}

#[test]
fn jit_constructs_and_decorators_are_recorded() {
    let m = summarise(
        "import numba\n\n@numba.njit(cache=True)\ndef fast(n):\n    return n\n\ndef slow(n, **kw):\n    d = {}\n    try:\n        s = {x for x in range(n)}\n    except ValueError as e:\n        del d\n    print(f'{n}')\n    return ' '.join('x').format(1)\n",
        "app",
        false,
    );
    assert_eq!(func(&m, "fast").decorators(), ["numba.njit"]);
    let kinds: Vec<&str> = func(&m, "slow")
        .constructs()
        .iter()
        .map(|c| c.kind())
        .collect();
    for k in [
        "kwargs",
        "dict-literal",
        "set-comprehension",
        "except-as",
        "del",
        "fstring",
        "method",
    ] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
}

#[test]
fn functions_know_their_line_span_and_unresolved_calls() {
    let src = "import time\n\n@decorate\ndef outer(conn):\n    def inner():\n        return 1\n    data = conn.recv(\n        64)\n    time.sleep(1)\n    return data\n\nx = 1\n";
    let m = summarise(src, "app", false);
    let span = |q: &str| {
        let f = m.functions.iter().find(|f| f.qualname() == q).unwrap();
        (f.def_loc.row, f.end_row)
    };
    assert_eq!(span("outer"), (4, 10));
    assert_eq!(span("outer.<locals>.inner"), (5, 6));
    assert_eq!(span("<module>"), (1, 13));
    let outer = m
        .functions
        .iter()
        .find(|f| f.qualname() == "outer")
        .unwrap();
    // `conn.recv(...)` cannot be resolved; `time.sleep` can.
    assert_eq!(outer.unresolved_calls(), vec![(7, 8)]);
}
